"""Evidence detectors: pure functions of a Project that return where a practice shows.

A detector answers one question ("do builds start on commits?") with evidence —
spans and what each shows — or an empty list when the files show nothing. It
reads the model and the classification tags only (``cdlint/classify``;
teach it a tool there), never YAML or Groovy, so it serves every platform.
The maturity model names detectors in a practice's ``evidence`` list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from cdlint.analysis import is_gate, test_steps
from cdlint.finding import Evidence, path_evidence
from cdlint.model import Pipeline, Project, Stage, Step, trigger_label

Detector = Callable[[Project], list[Evidence]]
DETECTORS: dict[str, Detector] = {}

# Triggers that start a pipeline with nobody pressing a button.
AUTOMATIC = ("push", "pull_request", "tag", "schedule", "upstream", "api")
COMMIT = ("push", "pull_request", "tag")
# Tools that apply configuration kept in the repository.
CONFIG_TOOLS = ("deploy:helm", "deploy:kubectl", "deploy:ansible", "deploy:gitops", "iac", "provision")
SECURITY_SCANS = ("scan:sast", "scan:dependency", "scan:secret", "scan:container", "scan:iac")
ROLLOUT_STRATEGIES = {"rolling", "canary", "bluegreen", "blue-green", "blue_green"}
NON_PRODUCTION = ("testing", "staging", "review", "development")


def detector(name: str) -> Callable[[Detector], Detector]:
    """Register a detector under ``name``; its docstring's first line says what it finds."""

    def register(function: Detector) -> Detector:
        def run(project: Project) -> list[Evidence]:
            # Detectors walk the project in file order; graph paths keep their order.
            return list(dict.fromkeys(function(project)))

        run.__doc__ = function.__doc__
        run.__name__ = function.__name__
        DETECTORS[name] = run
        return run

    return register


def summary(name: str) -> str:
    doc = DETECTORS[name].__doc__ or name
    return doc.strip().splitlines()[0]


# --- shared questions -------------------------------------------------------------


def _templates(project: Project) -> frozenset[str]:
    """Reusable pipeline files that local pipelines call: their stages are judged where they
    are expanded, in each caller, with the caller's triggers and inputs."""
    used = {s.template for s in project.stages() if s.template}
    return frozenset(
        p.path for p in project.pipelines
        if p.path in used and p.triggers and all(t.kind == "workflow_call" for t in p.triggers)
    )


def _pipelines(project: Project) -> list[Pipeline]:
    skip = _templates(project)
    return [p for p in project.pipelines if p.path not in skip]


def _stages(project: Project, kind: str | None = None) -> list[Stage]:
    skip = _templates(project)
    return [s for s in project.stages(kind) if s.pipeline not in skip]


def _what(step: Step, limit: int = 72) -> str:
    """A step as a person reads it: its name, or what it calls or runs (first line, cut short)."""
    if step.name:
        return step.name
    if step.uses:
        return step.uses
    lines = (step.run or "").strip().splitlines()
    text = " ".join(lines[0].split()) if lines else "step"
    return text if len(text) <= limit and len(lines) <= 1 else text[:limit].rstrip() + " …"


def _label(stage: Stage) -> str:
    return stage.name or stage.id


def _tagged(step: Step, prefixes: Iterable[str]) -> bool:
    return any(t == p or t.startswith(p + ":") for t in step.tags for p in prefixes)


def _steps(project: Project, prefixes: Iterable[str]) -> Iterable[tuple[Stage, Step]]:
    prefixes = tuple(prefixes)
    for stage in _stages(project):
        for step in stage.steps:
            if _tagged(step, prefixes):
                yield stage, step


def _scaffolding(stage: Stage) -> bool:
    """A test stage that pushes or deploys only to serve its tests (an image for a local
    registry, a throw-away cluster): not a deploy or release."""
    return stage.has("test") and stage.environment is None and not stage.tagged("publish:package")


def _shipping(project: Project, prefixes: Iterable[str]) -> Iterable[tuple[Stage, Step]]:
    return ((stage, step) for stage, step in _steps(project, prefixes) if not _scaffolding(stage))


def _settings(project: Project, prefixes: Iterable[str]) -> Iterable[tuple[Stage, list[str]]]:
    """Stages whose own settings, not a step, carry a tag of ``prefixes`` (GitLab's
    ``artifacts:reports:junit``, ``coverage:``, ``pages``), with those tags."""
    prefixes = tuple(prefixes)
    for stage in _stages(project):
        # Not what its name suggests, nor what its steps already show.
        own = {sig.tag for sig in stage.signals if sig.source == "keyword"}
        # A bare kind (``deploy``) on the stage comes from its environment, not a setting.
        found = sorted(t for t in own if ":" in t and any(t == p or t.startswith(p + ":") for p in prefixes))
        if found:
            yield stage, found


def _step_evidence(project: Project, prefixes: Iterable[str], what: str, automatic: bool = False) -> list[Evidence]:
    """One piece of evidence per step tagged with one of ``prefixes``, and per stage whose
    settings are; with ``automatic``, only stages that run without a person starting them."""
    found = [
        Evidence(step.span, f"'{_label(stage)}' {what}: {_what(step)}")
        for stage, step in _steps(project, prefixes)
        if not automatic or _automatic(project, stage)
    ]
    found += [
        Evidence(stage.span, f"'{_label(stage)}' {what}: set on the job ({', '.join(tags)})")
        for stage, tags in _settings(project, prefixes)
        if not automatic or _automatic(project, stage)
    ]
    return found


def _automatic(project: Project, stage: Stage, kinds: Iterable[str] = AUTOMATIC) -> list:
    """Triggers of ``kinds`` that run ``stage`` without a person starting it."""
    if stage.when in ("manual", "never"):
        return []
    kinds = tuple(kinds)
    return [t for t in project.triggers_of(stage) if t.kind in kinds]


def _reached_by(project: Project, stage: Stage, kinds: Iterable[str]):
    """The path to ``stage`` (as hops) when the run that reaches it starts from a trigger
    of ``kinds`` with no manual stage on the way; ``None`` otherwise."""
    hops = project.path_to(stage)
    chain = [h.stage for h in hops if h.stage is not None]
    if not chain or any(s.when in ("manual", "never") for s in chain):
        return None
    if not _automatic(project, chain[0], kinds):
        return None
    return hops


def _releases(project: Project) -> list[Stage]:
    """Stages that ship to users: production deploys and package releases."""
    return [s for s in _stages(project) if s.is_production_deploy or (s.tagged("publish:package") and s.when != "never")]


def _env_deploys(project: Project) -> list[Stage]:
    """Stages that deploy to an environment (not those that only tear one down)."""
    return [
        s for s in _stages(project, "deploy")
        if s.environment is not None and s.environment.action == "start" and not s.has("teardown")
    ]


def _manual_gate(stage: Stage) -> bool:
    return stage.when == "manual" or stage.has("approval")


# --- Build & Deploy -----------------------------------------------------------------


@detector("pipeline-files")
def pipeline_files(project: Project) -> list[Evidence]:
    """Pipelines are defined in files kept in the repository."""
    return [
        Evidence(p.span or p.stages[0].span, f"pipeline '{p.name or p.path}' is defined in the repository")
        for p in _pipelines(project)
        if p.stages
    ]


@detector("build-stages")
def build_stages(project: Project) -> list[Evidence]:
    """Stages build the code with a build tool."""
    found = []
    for stage in _stages(project, "build"):
        steps = stage.steps_tagged("build")
        span = steps[0].span if steps else stage.span
        found.append(Evidence(span, f"'{_label(stage)}' builds" + (f": {_what(steps[0])}" if steps else "")))
    return found


@detector("ci-builds")
def ci_builds(project: Project) -> list[Evidence]:
    """Builds or tests run on the CI service, started by the pipeline's triggers."""
    return [
        Evidence(stage.span, f"'{_label(stage)}' builds or tests on the CI service ({trigger_label(triggers[0])})")
        for stage in _stages(project)
        if (stage.has("build") or stage.has("test")) and (triggers := _automatic(project, stage, AUTOMATIC + ("manual",)))
    ]


@detector("scheduled-builds")
def scheduled_builds(project: Project) -> list[Evidence]:
    """A pipeline that builds or tests runs on a schedule."""
    found = []
    for pipeline in _pipelines(project):
        for trigger in (t for t in pipeline.triggers if t.kind == "schedule"):
            stages = [s for s in pipeline.stages if (s.has("build") or s.has("test")) and s.condition.allows(trigger)]
            if stages:
                found.append(Evidence(trigger.span, f"'{pipeline.name or pipeline.path}' builds on a schedule ('{_label(stages[0])}')"))
    return found


@detector("commit-triggered-builds")
def commit_triggered_builds(project: Project) -> list[Evidence]:
    """Pushes, pull requests or tags start a pipeline that builds or tests."""
    found = []
    for pipeline in _pipelines(project):
        for trigger in (t for t in pipeline.triggers if t.kind in COMMIT):
            stages = [
                s for s in pipeline.stages
                if (s.has("build") or s.has("test")) and s.when not in ("manual", "never") and s.condition.allows(trigger)
            ]
            if stages:
                found.append(Evidence(trigger.span, f"{trigger_label(trigger)} starts '{_label(stages[0])}'"))
    return found


@detector("deploy-steps")
def deploy_steps(project: Project) -> list[Evidence]:
    """Steps deploy or publish with a script or tool."""
    found = [Evidence(step.span, f"'{_label(stage)}' ships: {_what(step)}") for stage, step in _shipping(project, ("deploy", "publish"))]
    found += [
        Evidence(stage.span, f"'{_label(stage)}' ships: set on the job ({', '.join(tags)})")
        for stage, tags in _settings(project, ("deploy", "publish"))
        if not _scaffolding(stage)
    ]
    for stage in _stages(project, "deploy"):
        env = stage.environment
        if not stage.steps_tagged("deploy") and not stage.steps_tagged("publish") and env is not None and env.declared:
            found.append(Evidence(stage.span, f"'{_label(stage)}' deploys to '{stage.environment.name}'"))
    return found


@detector("deploy-stages")
def deploy_stages(project: Project) -> list[Evidence]:
    """Pipeline stages deploy to a named environment or publish a release."""
    found = [
        Evidence(stage.environment.span, f"'{_label(stage)}' deploys to '{stage.environment.name}' ({stage.environment.tier})")
        for stage in _env_deploys(project)
    ]
    found += [
        Evidence(step.span, f"'{_label(stage)}' publishes: {_what(step)}")
        for stage, step in _shipping(project, ("publish",))
    ]
    return found


@detector("stored-builds")
def stored_builds(project: Project) -> list[Evidence]:
    """Build outputs are uploaded as artifacts or published to a registry."""
    found = []
    for stage in _stages(project):
        if stage.has("build"):
            found += [Evidence(a.span, f"'{_label(stage)}' stores its output as '{a.name}'") for a in stage.produces]
    found += [Evidence(step.span, f"'{_label(stage)}' publishes: {_what(step)}") for stage, step in _shipping(project, ("publish",))]
    return found


@detector("release-tags")
def release_tags(project: Project) -> list[Evidence]:
    """Releases are built from git tags, or the pipeline creates tags."""
    found = []
    for pipeline in _pipelines(project):
        for t in pipeline.triggers:
            if t.kind != "tag" or (t.tags is None and t.event != "release"):
                continue
            ships = [s for s in pipeline.stages if s.kinds & {"build", "publish", "deploy"} and s.condition.allows(t)]
            if ships:
                found.append(Evidence(t.span, f"'{pipeline.name or pipeline.path}' builds releases from tags ({trigger_label(t)})"))
    return found + _step_evidence(project, ("version:tool",), "tags or versions")


@detector("automated-versioning")
def automated_versioning(project: Project) -> list[Evidence]:
    """A versioning tool, or a version derived from the commit or tag, names what is built."""
    found = _step_evidence(project, ("version:tool", "version:tags"), "sets the version")
    found += [
        Evidence(step.span, f"'{_label(stage)}' versions what it ships from the commit or tag: {_what(step)}")
        for stage, step in _commit_versions(project)
    ]
    return found


def _commit_versions(project: Project) -> list[tuple[Stage, Step]]:
    """Steps of building, publishing or deploying stages that name a version after the
    commit or tag (a checkout of the commit does not count)."""
    return [
        (stage, step)
        for stage in _stages(project)
        if stage.kinds & {"build", "publish", "deploy"}
        for step in stage.steps
        if "version:commit" in step.tags and not (step.uses or "").lower().startswith("actions/checkout")
    ]


def _promoted(project: Project, stage: Stage, images_built: bool) -> Evidence | None:
    """How ``stage`` receives what it ships from upstream, if it does."""
    for edge in sorted(project.incoming(stage)):
        if edge.kind == "artifact":
            source = project.stage(edge.source)
            return Evidence(edge.span, f"'{_label(stage)}' ships '{edge.label or 'artifact'}' built by '{_label(source)}'")
    for artifact in stage.consumes:
        if artifact.source is not None:
            return Evidence(artifact.span, f"'{_label(stage)}' ships '{artifact.name}' from the {artifact.source} run")
    if images_built and not stage.has("build"):
        for step in stage.steps:
            if "version:commit" in step.tags and _tagged(step, ("deploy",)):
                return Evidence(step.span, f"'{_label(stage)}' deploys the image built for this commit: {_what(step)}")
    return None


@detector("artifact-promotion")
def artifact_promotion(project: Project) -> list[Evidence]:
    """Every deploy and release ships an artifact built upstream (build once, deploy anywhere)."""
    deploys = {s.key for s in _env_deploys(project)}
    ships = [s for s in _stages(project) if s.key in deploys or s.tagged("publish:package")]
    if not ships:
        return []
    images_built = any(s.tagged("build:docker") or s.tagged("publish:image") for s in _stages(project))
    found = []
    for stage in ships:
        evidence = _promoted(project, stage, images_built)
        if evidence is None:
            return []
        found.append(evidence)
    return found


@detector("production-pipeline")
def production_pipeline(project: Project) -> list[Evidence]:
    """An automated path leads from a commit or tag to a production deploy or package release."""
    found: list[Evidence] = []
    for stage in _releases(project):
        hops = _reached_by(project, stage, ("push", "tag", "upstream"))
        # A path has stages before the release, or one job that builds or tests before it ships.
        if hops and (sum(h.stage is not None for h in hops) > 1 or stage.kinds & {"build", "test"}):
            found += path_evidence(hops)
    return found


@detector("shared-deploy-process")
def shared_deploy_process(project: Project) -> list[Evidence]:
    """Two or more environments are deployed by one template, matrix or tool."""
    deploys = _env_deploys(project)
    environments = {s.environment.name for s in deploys}
    if len(environments) < 2:
        return []
    by_template: dict[str, list[Stage]] = {}
    for stage in deploys:
        if stage.template:
            by_template.setdefault(stage.template, []).append(stage)
    found = []
    for template, stages in sorted(by_template.items()):
        names = sorted({s.environment.name for s in stages})
        dynamic = any(s.environment.dynamic or "${{" in s.environment.name for s in stages)
        if len(names) > 1 or dynamic:
            found += [Evidence(s.span, f"'{_label(s)}' deploys '{s.environment.name}' with the shared '{template}'") for s in stages]
    if found:
        return found
    tools = [frozenset(t for t in s.tags if t.startswith("deploy:") and t != "deploy:script") for s in deploys]
    common = frozenset.intersection(*tools) if tools else frozenset()
    if common:
        tool = ", ".join(sorted(t.partition(":")[2] for t in common))
        for stage in deploys:
            step = next((st for st in stage.steps if st.tags & common), None)
            found.append(Evidence(step.span if step else stage.span, f"'{stage.environment.name}' is deployed with {tool}"))
    return found


@detector("database-migrations")
def database_migrations(project: Project) -> list[Evidence]:
    """The pipeline applies database migrations with a migration tool."""
    return _step_evidence(project, ("migration",), "migrates the database")


@detector("database-migrations-deployed")
def database_migrations_deployed(project: Project) -> list[Evidence]:
    """Migrations run automatically as part of deploying to an environment."""
    found = []
    deploys = {s.key for s in _env_deploys(project)}
    for stage, step in _steps(project, ("migration",)):
        if not _automatic(project, stage):
            continue
        deploying = stage.key in deploys or any(s.key in deploys for s in project.downstream(stage)[:5])
        if deploying:
            found.append(Evidence(step.span, f"'{_label(stage)}' migrates the database as part of the deploy: {_what(step)}"))
    return found


@detector("config-as-code")
def config_as_code(project: Project) -> list[Evidence]:
    """Configuration kept in the repository is applied by a tool (Helm, Kustomize, Ansible, Terraform …)."""
    return _step_evidence(project, CONFIG_TOOLS, "applies configuration")


@detector("infrastructure-as-code")
def infrastructure_as_code(project: Project) -> list[Evidence]:
    """Infrastructure is described in code and applied by a job (Terraform, Pulumi, Bicep, CloudFormation, Helm)."""
    return _step_evidence(project, ("iac", "provision"), "manages infrastructure as code")


@detector("rollout-strategies")
def rollout_strategies(project: Project) -> list[Evidence]:
    """Deploys roll out gradually (rolling, blue-green, canary) or wait for a rolling update."""
    found = []
    for stage in _stages(project, "deploy"):
        if stage.strategy and stage.strategy.lower() in ROLLOUT_STRATEGIES:
            found.append(Evidence(stage.span, f"'{_label(stage)}' deploys with the '{stage.strategy}' strategy"))
        for step in stage.steps:
            if _tagged(step, ("strategy",)):
                found.append(Evidence(step.span, f"'{_label(stage)}' rolls out gradually: {_what(step)}"))
            elif "verify:rollout" in step.tags:
                found.append(Evidence(step.span, f"'{_label(stage)}' waits for a rolling update: {_what(step)}"))
    return found


def _combinations(stage: Stage) -> int:
    total = 1
    for _, values in stage.matrix:
        total *= max(1, len(values))
    return total if stage.matrix else 1


@detector("parallel-builds")
def parallel_builds(project: Project) -> list[Evidence]:
    """Builds or tests run in parallel jobs: a matrix, or independent jobs of one pipeline."""
    found = []
    for stage in _stages(project):
        if (stage.has("build") or stage.has("test")) and _combinations(stage) > 1:
            axes = ", ".join(name for name, _ in stage.matrix)
            found.append(Evidence(stage.span, f"'{_label(stage)}' runs a matrix of jobs in parallel ({axes})"))
    for pipeline in _pipelines(project):
        work = [s for s in pipeline.stages if s.has("build") or s.has("test")][:30]
        for i, a in enumerate(work):
            before = {s.key for s in project.ancestors(a)}
            partner = next((b for b in work[i + 1:] if b.key not in before and a.key not in {s.key for s in project.ancestors(b)}), None)
            if partner is not None:
                found.append(Evidence(a.span, f"'{_label(a)}' and '{_label(partner)}' run in parallel"))
                break
    return found


@detector("zero-touch-deploys")
def zero_touch_deploys(project: Project) -> list[Evidence]:
    """A push to a branch reaches production through automated stages only, with no manual gate."""
    found: list[Evidence] = []
    for stage in _releases(project):
        if _manual_gate(stage):
            continue
        hops = _reached_by(project, stage, ("push", "upstream"))
        if not hops or any(_manual_gate(s) for s in project.upstream(stage)):
            continue
        # An upstream trigger counts only when the run it follows started from a push.
        first = next(h.stage for h in hops if h.stage is not None)
        if not _automatic(project, first, ("push",)):
            continue
        found += path_evidence(hops)
        env = stage.environment
        if env is not None and env.external_gates:
            found.append(Evidence(env.span, f"environment '{env.name}' may require approval in the platform's settings, which cdlint cannot see"))
    return found


@detector("baked-images")
def baked_images(project: Project) -> list[Evidence]:
    """The pipeline bakes a container or machine image and publishes or deploys it."""
    found = []
    for stage in _stages(project):
        if _scaffolding(stage):
            continue
        for step in stage.steps:
            if not _tagged(step, ("build:docker", "build:vm")):
                continue
            shipped = stage.tagged("publish:image") or any(s.has("deploy") or s.tagged("publish:image") for s in project.downstream(stage))
            if shipped:
                found.append(Evidence(step.span, f"'{_label(stage)}' bakes an image that is shipped: {_what(step)}"))
    return found


# --- Test & Verification ------------------------------------------------------------


@detector("unit-tests")
def unit_tests(project: Project) -> list[Evidence]:
    """Tests run automatically and fail the pipeline when they fail."""
    found = []
    for stage in _stages(project, "test"):
        if not is_gate(stage) or not _automatic(project, stage):
            continue
        steps = test_steps(stage)
        span = steps[0].span if steps else stage.span
        found.append(Evidence(span, f"'{_label(stage)}' runs tests" + (f": {_what(steps[0])}" if steps else "")))
    return found


@detector("test-environments")
def test_environments(project: Project) -> list[Evidence]:
    """Tests run apart from production: a test or staging environment, service containers, or CI runners."""
    found = [
        Evidence(s.environment.span, f"'{_label(s)}' deploys to the {s.environment.tier} environment '{s.environment.name}'")
        for s in _env_deploys(project)
        if s.environment.tier in NON_PRODUCTION
    ]
    for stage in _stages(project, "test"):
        if "env:ephemeral" in stage.tags:
            what = ", ".join(stage.services) if stage.services else "a throw-away environment"
            found.append(Evidence(stage.span, f"'{_label(stage)}' tests against {what}"))
        elif _automatic(project, stage) and not _against_environment(stage):
            found.append(Evidence(stage.span, f"'{_label(stage)}' tests on a CI runner, apart from production"))
    return found


def _against_environment(stage: Stage) -> bool:
    """Whether a stage's tests may run against the environment it names: one it declares or
    deploys to, not a registry it publishes the tested build to afterwards."""
    env = stage.environment
    return env is not None and (env.declared or any(d.kind == "deploy" for d in stage.deliveries))


@detector("integration-tests")
def integration_tests(project: Project) -> list[Evidence]:
    """Integration tests run automatically: tests named so, or tests with service containers."""
    found = _step_evidence(project, ("test:integration",), "runs integration tests", automatic=True)
    for stage in _stages(project, "test"):
        # Load tests against a running service are not integration tests.
        tests = [s for s in test_steps(stage) if any(t == "test" or (t.startswith("test:") and t != "test:performance") for t in s.tags)]
        if not tests or not _automatic(project, stage):
            continue
        if stage.services:
            found.append(Evidence(tests[0].span, f"'{_label(stage)}' tests against service containers ({', '.join(stage.services)})"))
        elif ups := stage.steps_tagged("env:up"):
            found.append(Evidence(ups[0].span, f"'{_label(stage)}' tests against dependencies started in the job: {_what(ups[0])}"))
    return found


@detector("component-tests")
def component_tests(project: Project) -> list[Evidence]:
    """Components are tested in isolation, automatically: component tests, or tests against a
    system started in the job."""
    found = _step_evidence(project, ("test:component",), "runs component tests", automatic=True)
    for stage in _stages(project, "test"):
        ups = stage.steps_tagged("env:system")
        if ups and test_steps(stage) and _automatic(project, stage):
            found.append(Evidence(ups[0].span, f"'{_label(stage)}' starts the system in isolation and tests it: {_what(ups[0])}"))
    return found


@detector("acceptance-tests")
def acceptance_tests(project: Project) -> list[Evidence]:
    """Acceptance or end-to-end tests run automatically."""
    return [
        Evidence(step.span, f"'{_label(stage)}' runs acceptance or end-to-end tests: {_what(step)}")
        for stage, step in _steps(project, ("test:acceptance", "test:e2e"))
        if _automatic(project, stage)
    ]


def _acceptance_gate(stage: Stage) -> bool:
    return is_gate(stage) and (stage.tagged("test:acceptance") or stage.tagged("test:e2e"))


@detector("acceptance-before-production")
def acceptance_before_production(project: Project) -> list[Evidence]:
    """Every production deploy and release has passing acceptance or end-to-end tests before it."""
    releases = _releases(project)
    if not releases:
        return []
    found = []
    for stage in releases:
        gate = next((s for s in project.upstream(stage) if _acceptance_gate(s)), None)
        if gate is None:
            return []
        found.append(Evidence(gate.span, f"'{_label(gate)}' must pass before '{_label(stage)}'"))
    return found


@detector("performance-tests")
def performance_tests(project: Project) -> list[Evidence]:
    """Load, stress or benchmark tests run without a person starting them."""
    return _step_evidence(project, ("test:performance",), "runs performance tests", automatic=True)


@detector("security-scans")
def security_scans(project: Project) -> list[Evidence]:
    """Code, dependencies, secrets, images or infrastructure code are scanned for vulnerabilities,
    without a person starting the scan."""
    return _step_evidence(project, SECURITY_SCANS, "scans", automatic=True)


@detector("manual-test-stage")
def manual_test_stage(project: Project) -> list[Evidence]:
    """People get a stage to test by hand: a manual approval holds production after a deploy to
    a test or staging environment, or a person deploys a build to a test environment."""
    found = []
    for stage in _env_deploys(project):
        if stage.environment.tier not in ("testing", "staging", "review"):
            continue
        triggers = project.triggers_of(stage)
        by_hand = stage.when == "manual" or (triggers and all(t.kind == "manual" for t in triggers))
        if by_hand:
            found.append(Evidence(stage.span, f"'{_label(stage)}' is deployed by hand to '{stage.environment.name}' for testing"))
    for stage in _stages(project):
        if not stage.is_production_deploy:
            continue
        before = project.ancestors(stage)
        tested_on = next(
            (s for s in before if s.environment is not None and s.environment.tier in ("testing", "staging") and s.has("deploy")),
            None,
        )
        gate = stage if _manual_gate(stage) else next((s for s in before if _manual_gate(s)), None)
        if tested_on is not None and gate is not None:
            found.append(
                Evidence(gate.span, f"'{_label(gate)}' waits for a person after '{_label(tested_on)}' deploys to '{tested_on.environment.name}'")
            )
    return found


# --- Information & Reporting --------------------------------------------------------


@detector("static-analysis")
def static_analysis(project: Project) -> list[Evidence]:
    """Linters or static analysers check the code."""
    return _step_evidence(project, ("scan:lint", "scan:sast"), "analyses the code")


@detector("test-reports")
def test_reports(project: Project) -> list[Evidence]:
    """Test results are published as reports (JUnit XML, test tabs, HTML reports)."""
    found = _step_evidence(project, ("report:junit", "report:html"), "publishes test results")
    shown = {e.span for e in found}
    found += [
        Evidence(s.span, f"'{_label(s)}' publishes {', '.join(s.reports)} reports")
        for s in _stages(project) if s.reports and s.span not in shown
    ]
    return found


@detector("coverage-reports")
def coverage_reports(project: Project) -> list[Evidence]:
    """Coverage is measured and reported (Codecov, Coveralls, coverage reports)."""
    return _step_evidence(project, ("report:coverage",), "reports coverage")


@detector("report-services")
def report_services(project: Project) -> list[Evidence]:
    """Reports go to a service that keeps them across runs (Codecov, Coveralls, Sonar, the platform's test tab)."""
    return _step_evidence(project, ("report:service",), "keeps reports in a service")


@detector("traceability")
def traceability(project: Project) -> list[Evidence]:
    """Artifacts and deploys trace back to their commit: commit-derived versions, provenance or SBOMs, environment URLs."""
    found = [
        Evidence(step.span, f"'{_label(stage)}' names what it ships after the commit: {_what(step)}")
        for stage, step in _commit_versions(project)
    ]
    found += _step_evidence(project, ("provenance",), "records provenance")
    found += [
        Evidence(s.environment.span, f"'{_label(s)}' records the URL of '{s.environment.name}'")
        for s in _env_deploys(project)
        if s.environment.url
    ]
    return found
