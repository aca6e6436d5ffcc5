"""The classification tables: what names say about environments and the work a stage does."""

import pytest

from cdlint import classify
from cdlint.classify import DEFAULT_TIERS, environment_part
from cdlint.parsers import github


def name_tags(*names: str) -> frozenset[str]:
    return classify.default().stages.name_tags(*names)


def parse(text: str, path: str):
    return classify.default().pipeline(github.parse(text, path))


@pytest.mark.parametrize(
    "name, environment",
    [
        ("Deploy to production", "production"),
        ("deploy-prod", "prod"),
        ("DeployProd", "Prod"),
        ("deployToStaging", "Staging"),
        ("prod-deploy", "prod"),
        ("Release to live", "live"),
        ("deploy-production-eu", "production-eu"),
        ("Deploy Int", "Int"),
        ("deploy", "deploy"),
        ("deployer-prod", "deployer-prod"),
    ],
)
def test_the_environment_a_deploy_name_names(name: str, environment: str) -> None:
    assert environment_part(name) == environment


def test_a_deploy_job_without_an_environment_deploys_to_the_one_its_name_names() -> None:
    text = "on: push\njobs:\n  deploy-prod:\n    runs-on: ubuntu-latest\n    steps:\n      - run: kubectl apply -f k8s/\n"
    stage = parse(text, ".github/workflows/cd.yml").stages[0]
    assert (stage.environment.name, stage.environment.tier, stage.environment.declared) == ("prod", "production", False)


@pytest.mark.parametrize(
    "name, tier",
    [("production", "production"), ("PreProdWestEurope", "staging"), ("review/$CI_COMMIT_REF_SLUG", "review"),
     ("qa", "testing"), ("docs", "other")],
)
def test_tiers_are_inferred_from_names(name: str, tier: str) -> None:
    assert DEFAULT_TIERS(name) == tier


@pytest.mark.parametrize(
    "names, kinds",
    [
        (("Unit tests",), {"test"}),
        (("Build and package",), {"build"}),
        (("Cache test images", "test-images"), set()),
        (("Publish Build Status Report",), {"publish"}),
        (("Download build artifacts",), set()),
    ],
)
def test_names_about_preparing_or_reporting_suggest_no_build_or_test(names: tuple, kinds: set) -> None:
    assert {t.partition(":")[0] for t in name_tags(*names)} == kinds


def test_a_rehearsal_publishes_nothing() -> None:
    text = """on: push
jobs:
  e2e-test:
    runs-on: ubuntu-latest
    steps:
      - run: ko publish --insecure-registry ./cmd/demo
        env: {KO_DOCKER_REPO: registry.local:5000/demo}
      - run: docker push localhost:5000/demo:dev
      - run: npm publish --dry-run
"""
    stage = parse(text, ".github/workflows/e2e.yml").stages[0]
    assert not [t for s in stage.steps for t in s.tags if t.startswith("publish")]
    assert "publish" not in stage.kinds
    assert all("rehearsal" in s.tags for s in stage.steps)


@pytest.mark.parametrize(
    "name, environment",
    [("Upload site to staging", "staging"), ("Sync assets to prod", "prod"), ("Upload to PyPI", "web1"), ("Upload staging logs", None)],
)
def test_a_deploying_job_named_for_where_it_goes_deploys_there(name: str, environment) -> None:
    text = f"on: push\njobs:\n  upload:\n    name: {name}\n    runs-on: ubuntu-latest\n    steps:\n      - run: rsync -a dist/ deploy@web1:/srv/site\n"
    stage = parse(text, ".github/workflows/site.yml").stages[0]
    assert (stage.environment.name if stage.environment else None) == environment


def test_a_name_alone_never_makes_a_production_delivery() -> None:
    text = "on: push\njobs:\n  deploy-prod:\n    runs-on: ubuntu-latest\n    steps:\n      - name: Deploy to production\n        run: ./scripts/do-it.sh\n"
    [stage] = parse(text, ".github/workflows/cd.yml").stages
    assert not stage.deliveries
    assert not (stage.environment and stage.environment.tier == "production")
    assert all(sig.weak for sig in stage.signals + tuple(s for st in stage.steps for s in st.signals) if sig.tag.startswith("deploy"))


@pytest.mark.parametrize(
    "steps, action, delivers",
    [
        ("[{run: terraform plan}]", "access", False),
        ("[{run: terraform apply -auto-approve}]", "start", True),
        ("[{uses: actions/labeler@v5}]", "access", False),
        ("[{run: npx prisma migrate deploy}]", "start", False),
    ],
)
def test_a_github_environment_is_a_deployment_only_with_a_step_that_changes_something(steps: str, action: str, delivers: bool) -> None:
    text = f"on: push\njobs:\n  job:\n    runs-on: ubuntu-latest\n    environment: production\n    steps: {steps}\n"
    [stage] = parse(text, ".github/workflows/x.yml").stages
    assert stage.environment.action == action
    assert bool(stage.deliveries) is delivers


def test_every_tag_carries_its_evidence() -> None:
    text = "on: push\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          make test\n          npm publish\n"
    [stage] = parse(text, ".github/workflows/x.yml").stages
    [step] = stage.steps
    assert {s.tag for s in step.signals} == set(step.tags)
    assert {(s.tag, s.source, s.text) for s in step.signals} >= {("test:unit", "command", "make test"), ("publish:package", "command", "npm publish")}


def test_a_library_step_reads_its_maven_goals() -> None:
    from cdlint.classify import call_tags

    assert "scan:sast" in call_tags("jenkins", "buildPlugin", {"goals": "clean verify sonar:sonar"})
    assert "scan:sast" not in call_tags("jenkins", "buildPlugin", {"goals": "clean verify"})


@pytest.mark.parametrize(
    ("written", "variables", "expanded"),
    [
        ("$IMAGE", {"IMAGE": "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"}, "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"),
        ("acr.io/app:$(imageTag)", {"imagetag": "$(Build.BuildId)"}, "acr.io/app:$(Build.BuildId)"),
        ("${{env.IMAGE}}:${TAG}", {"IMAGE": "ghcr.io/acme/app", "TAG": "v$VERSION", "VERSION": "1.2"}, "ghcr.io/acme/app:v1.2"),
        # Computed values stay unread; a value naming itself stops growing.
        ("${IMAGE}", {"IMAGE": "readMavenPom().getArtifactId()"}, "${IMAGE}"),
        ("$A", {"A": "$A$A"}, "$A$A$A$A$A$A$A$A"),
        ("$UNSET:1.0", {}, "$UNSET:1.0"),
    ],
)
def test_image_references_read_the_variables_their_file_sets(written: str, variables: dict, expanded: str) -> None:
    from cdlint.classify import images

    assert images.expand(written, variables) == expanded


def test_classifying_a_step_keeps_every_field_it_does_not_set() -> None:
    from dataclasses import fields

    from cdlint.model import Span, Step

    step = Step(Span("ci.yml", 3, 5), name="Push", run="docker push app:1.2", uses=None, version="v1",
                inputs=(("a", "b"),), allow_failure=True, when="always", origin="templates/push.yml")
    classified = classify.default().steps.step(step, "github")
    assert classified.tags and classified.signals
    for field in fields(Step):
        if field.name not in ("tags", "signals"):
            assert getattr(classified, field.name) == getattr(step, field.name), field.name
