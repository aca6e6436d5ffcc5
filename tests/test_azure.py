"""Azure specifics the golden graphs do not show: expression semantics, discovery, guards,
manual parameters, templates dropped from the project."""

from pathlib import Path

import pytest

from cdlint import classify
from cdlint.classify import call_tags
from cdlint.engine import Settings, check
from cdlint.parsers import azexpr, azure, detection, discover
from cdlint.workspace import Workspace

from conftest import FIXTURES

AZURE = FIXTURES / "parsers" / "azure"


def value(expr: str, **params):
    return azexpr.evaluate(azexpr.parse(expr), lambda name: {"parameters": params}[name])


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("eq(parameters.a, 'X')", True),  # strings compare ignoring case
        ("eq(parameters.flag, 'false')", True),  # a non-empty string converts to true
        ("eq(parameters.text, '')", False),  # untyped YAML values are text: 'false' is not ''
        ("in(parameters.a, 'y', 'x')", True),
        ("notIn(parameters.a, 'x')", False),
        ("and(eq(parameters.a, 'y'), eq(variables['Build.Reason'], 'PullRequest'))", False),
        ("or(eq(parameters.a, 'x'), eq(variables['Build.Reason'], 'PullRequest'))", True),
        ("coalesce(parameters.missing, '', 'z')", "z"),
        ("format('{0}-{1}', parameters.a, 2)", "x-2"),
        ("length(parameters.list)", 2),
        ("parameters.obj.inner", "v"),
        ("startsWith(parameters.a, 'X')", True),
    ],
)
def test_template_expressions(expr: str, expected) -> None:
    params = {"a": "x", "flag": True, "text": "false", "list": ["1", "2"], "obj": {"inner": "v"}}
    assert value(expr, **params) == expected


def test_run_dependent_expressions_are_unknown() -> None:
    assert isinstance(value("eq(variables['Build.SourceBranch'], 'refs/heads/main')"), azexpr.Unknown)
    assert isinstance(value("succeeded()"), azexpr.Unknown)


@pytest.mark.parametrize(
    "condition, when, refs, events, excluded",
    [
        ("succeeded()", "on_success", None, None, ()),
        ("always()", "always", None, None, ()),
        ("succeededOrFailed()", "always", None, None, ()),
        ("failed()", "on_failure", None, None, ()),
        ("canceled()", "on_failure", None, None, ()),
        ("not(canceled())", "always", None, None, ()),
        # A condition without a status check replaces succeeded(): it runs after failures.
        ("eq(variables['Build.SourceBranch'], 'refs/heads/main')", "always", ("refs/heads/main",), None, ()),
        ("and(succeeded(), startsWith(variables['Build.SourceBranch'], 'refs/tags/'))", "on_success", ("refs/tags/*",), None, ()),
        ("and(succeeded(), eq(variables['Build.Reason'], 'PullRequest'))", "on_success", None, ("pull_request",), ()),
        ("and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'))", "on_success", None, None, ("pull_request",)),
        ("and(succeeded(), in(variables['Build.Reason'], 'IndividualCI', 'BatchedCI'))", "on_success", None, ("push", "tag"), ()),
        ("and(succeeded(), or(eq(variables['Build.SourceBranch'], 'refs/heads/main'), startsWith(variables['Build.SourceBranch'], 'refs/heads/release/')))",
         "on_success", ("refs/heads/main", "refs/heads/release/*"), None, ()),
        ("and(succeeded(), eq(variables['Build.SourceBranchName'], 'main'))", "on_success", ("refs/heads/main", "refs/tags/main"), None, ()),
        ("and(succeeded(), eq('$(Build.SourceBranch)', 'refs/heads/main'))", "on_success", ("refs/heads/main",), None, ()),
        ("in(dependencies.build.result, 'Succeeded', 'SucceededWithIssues')", "on_success", None, None, ()),
        ("and(succeeded(), eq(variables.isMain, true))", "on_success", ("refs/heads/main",), None, ()),
        ("and(succeeded(), ne(variables.isMain, 'true'))", "on_success", None, None, ()),
    ],
)
def test_conditions(condition: str, when: str, refs, events, excluded) -> None:
    defined = {"ismain": "$[eq(variables['Build.SourceBranch'], 'refs/heads/main')]"}
    reading = azexpr.read_condition(condition, lambda name: defined.get(name.lower()))
    assert reading.when == when
    assert (tuple(sorted(reading.refs)) if reading.refs is not None else None) == refs
    assert (tuple(sorted(reading.events)) if reading.events is not None else None) == events
    assert tuple(sorted(reading.exclude_events)) == excluded


def test_false_condition_never_runs() -> None:
    assert azexpr.read_condition("false").events == frozenset()
    assert azexpr.read_condition(False).events == frozenset()


@pytest.mark.parametrize(
    "path, expected",
    [
        ("azure-pipelines.yml", True),
        ("sub/azure-pipelines-pr.yaml", True),
        (".azure-pipelines/ci.yml", True),
        ("eng/pipelines/official.yml", True),
        (".azdo/pipelines/deploy.yml", True),
        (".vsts-ci.yml", True),
        ("ci/release.yml", True),
        (".github/workflows/azure-pipelines.yml", False),
        (".gitlab-ci.yml", False),
        ("src/app/config.yml", False),
        ("azure-pipelines.json", False),
    ],
)
def test_candidate_paths(path: str, expected: bool) -> None:
    assert detection.azure_candidate(path) is expected


def test_detect_reads_content() -> None:
    pipeline = "trigger: [main]\nsteps:\n- script: make\n"
    template = "parameters:\n- name: x\nsteps:\n- script: make ${{ parameters.x }}\n"
    old_template = "steps:\n- script: make ${{ parameters.target }}\n"
    gitlab = "stages: [build, test]\nbuild:\n  stage: build\n  script: make\n"
    concourse = "resources: []\njobs:\n- name: build\n  plan: []\n"
    assert detection.azure("azure-pipelines.yml", pipeline)
    assert not detection.azure("azure-pipelines.yml", template)
    assert not detection.azure(".azure-pipelines/steps.yml", old_template)
    assert not detection.azure("pipelines/ci.yml", gitlab)
    assert not detection.azure("ci/pipeline.yml", concourse)
    # Outside Azure's own names and folders only unmistakable content counts.
    assert detection.azure("ci/release.yml", pipeline)
    assert not detection.azure("ci/release.yml", "steps:\n- script: make\n")
    assert not detection.azure("azure-pipelines.yml", None)


def test_other_tools_extends_is_not_a_pipeline() -> None:
    extends_template = "extends:\n  template: templates/pipeline.yml\n"
    assert detection.azure("ci/release.yml", "trigger: none\n" + extends_template)
    assert detection.azure("azure-pipelines.yml", extends_template)
    assert not detection.azure(".cdlint.yaml", "extends: recommended\nexclude: [fixtures/**]\n")
    assert not detection.azure("config.yml", "extends: recommended\nrules: {}\n")
    assert not detection.azure("ci/lint.yml", "extends: default\nrules:\n  line-length: disable\n")


def test_templates_found_by_discovery_are_dropped_where_a_pipeline_includes_them(tmp_path: Path) -> None:
    (tmp_path / ".azure-pipelines").mkdir()
    (tmp_path / "azure-pipelines.yml").write_text("trigger: [main]\npr: none\nsteps:\n- template: .azure-pipelines/steps.yml\n")
    (tmp_path / ".azure-pipelines" / "steps.yml").write_text("steps:\n- script: make test\n")
    assert [p for p, _ in discover(tmp_path)] == [".azure-pipelines/steps.yml", "azure-pipelines.yml"]
    report = check([str(tmp_path)], Settings())
    assert report.files == (("azure-pipelines.yml", "azure"),)


def parse(rel: str, root: Path = AZURE):
    return classify.pipeline(azure.parse((root / rel).read_text(), rel, Workspace(root)))


def test_undecided_template_branch_is_kept_and_marked() -> None:
    pipeline = parse(".azure-pipelines/conditional.yml")
    ship = pipeline.stage("Production/Ship")
    assert ship.condition.text == "${{ if eq(variables['Build.SourceBranch'], 'refs/heads/main') }}"
    staging = pipeline.stage("Staging/Ship")
    assert staging.condition.text.startswith("${{ if not(eq(variables['Build.SourceBranch']")
    assert pipeline.stage("Test/LiteOnly") is None  # decided by the parameter's default: dropped


def test_manual_pipeline_parameters_stay_open() -> None:
    pipeline = parse("eng/pipelines/release.yml")
    manual = pipeline.manual_triggers[0]
    assert [(i.name, i.free, i.choices) for i in manual.inputs] == [
        ("version", True, ()), ("environment", False, ("staging", "production")),
    ]
    deploy = pipeline.stage("Ship/Deploy")
    assert "${{ parameters.version }}" in deploy.steps[-1].text
    assert deploy.environment.tier == "production"  # the most severe environment a person can pick


def test_positions_point_at_the_template_file() -> None:
    pipeline = parse(".azure-pipelines/templated.yml")
    deploy = pipeline.stage("Deploy_prod/Deploy")
    assert str(deploy.span) == "templates/jobs/deploy.yml:5:3"
    assert str(deploy.steps[0].span) == "templates/steps/helm.yml:8:3"
    assert deploy.template == "templates/jobs/deploy.yml"
    assert set(pipeline.files) >= {"templates/stages/deploy.yml", "templates/variables/common.yml"}


def test_default_triggers() -> None:
    pipeline = classify.pipeline(azure.parse("steps:\n- script: make\n", "azure-pipelines.yml", Workspace()))
    assert [(t.kind, t.event, t.branches) for t in pipeline.triggers] == [
        ("push", "trigger (default)", None), ("pull_request", "pr (default)", None),
    ]


def test_trigger_forms() -> None:
    text = (
        "trigger:\n  branches:\n    include: [main, refs/tags/v*]\n    exclude: [wip/*]\n"
        "pr: none\nschedules:\n- cron: '0 0 * * *'\n  branches:\n    include: [main]\n"
        "resources:\n  pipelines:\n  - pipeline: ci\n    source: shop-ci\n    trigger: true\n"
        "  - pipeline: other\n    source: nightly\n"
        "steps:\n- script: make\n"
    )
    pipeline = classify.pipeline(azure.parse(text, "azure-pipelines.yml", Workspace()))
    found = [(t.kind, t.branches, t.branches_ignore, t.tags, t.source, t.on_success_only) for t in pipeline.triggers]
    assert found == [
        ("push", ("main",), ("wip/*",), None, None, False),
        ("tag", None, (), ("v*",), None, False),
        ("schedule", ("main",), (), None, None, False),
        ("upstream", None, (), None, "shop-ci", True),
    ]


def test_remote_extends_analyses_the_stages_passed_to_it() -> None:
    text = (
        "trigger: [main]\npr: none\nresources:\n  repositories:\n  - repository: 1es\n    type: git\n"
        "    name: 1ESPipelineTemplates/1ESPipelineTemplates\n"
        "extends:\n  template: v1/1ES.Official.PipelineTemplate.yml@1es\n  parameters:\n    stages:\n"
        "    - stage: Build\n      jobs:\n      - job: Build\n        steps:\n        - script: make\n"
    )
    pipeline = classify.pipeline(azure.parse(text, "azure-pipelines.yml", Workspace()))
    assert [s.id for s in pipeline.stages] == ["Build/Build"]
    [ref] = pipeline.references
    assert ref.target == "v1/1ES.Official.PipelineTemplate.yml@1es"
    assert "1ESPipelineTemplates/1ESPipelineTemplates" in ref.reason


@pytest.mark.parametrize(
    "task, inputs, tags",
    [
        ("DotNetCoreCLI@2", {"command": "build"}, {"build:compile"}),
        ("DotNetCoreCLI@2", {"command": "test"}, {"test:unit", "report:junit"}),
        ("DotNetCoreCLI@2", {}, {"build:compile"}),
        ("Docker@2", {}, {"build:docker", "publish:image"}),
        ("Docker@2", {"command": "login"}, set()),
        ("HelmDeploy@0", {"command": "upgrade"}, {"deploy:helm"}),
        ("KubernetesManifest@1", {"action": "reject"}, {"rollback:kubectl"}),
        ("TerraformTaskV4@4", {"command": "apply"}, {"deploy:terraform", "provision:terraform", "iac"}),
        ("AzureCLI@2", {"inlineScript": "az webapp deploy --name shop --src-path app.zip"}, {"deploy:cloud"}),
        ("Bash@3", {"filePath": "scripts/deploy.sh"}, {"deploy:script"}),
        ("Npm@1", {"command": "custom", "customCommand": "run test"}, {"test:unit"}),
        ("Maven@4", {"goals": "package"}, {"build:compile", "test:unit", "report:junit"}),
        ("Maven@4", {"goals": "package -DskipTests", "publishJUnitResults": "false"}, {"build:compile"}),
        ("ManualValidation@1", {}, {"approval"}),
        ("PublishPipelineArtifact@1", {}, {"artifact:upload"}),
    ],
)
def test_azure_tasks_are_classified(task: str, inputs: dict, tags: set) -> None:
    assert set(call_tags("azure", task, inputs)) == tags


@pytest.mark.parametrize(
    "text, manual",
    [
        ("trigger: none\npr: none\nsteps:\n- script: ./deploy.sh\n", True),  # nothing else starts it
        ("trigger: none\npr: none\nparameters:\n- name: v\n  type: string\n  default: x\nsteps:\n- script: make\n", True),
        # A CD pipeline started by its CI pipeline: `trigger: none` only turns CI off.
        ("trigger: none\npr: none\nresources:\n  pipelines:\n  - pipeline: ci\n    source: ci\n    trigger: true\n"
         "steps:\n- script: make\n", False),
        ("trigger: [main]\npr: none\nparameters:\n- name: v\n  default: x\nsteps:\n- script: make\n", False),
    ],
)
def test_manual_trigger(text: str, manual: bool) -> None:
    pipeline = classify.pipeline(azure.parse(text, "azure-pipelines.yml", Workspace()))
    assert bool(pipeline.manual_triggers) is manual


def test_values_a_person_picks_stay_open_inside_templates(tmp_path: Path) -> None:
    (tmp_path / "deploy.yml").write_text(
        "parameters:\n- name: env\n  type: string\njobs:\n"
        "- ${{ if eq(parameters.env, 'production') }}:\n"
        "  - deployment: Prod\n    environment: ${{ parameters.env }}\n"
        "    strategy: {runOnce: {deploy: {steps: [{script: ./deploy.sh}]}}}\n"
        "- ${{ else }}:\n  - job: Other\n    steps: [{script: echo}]\n"
    )
    text = (
        "trigger: none\npr: none\nparameters:\n- name: target\n  values: [staging, production]\n  default: staging\n"
        "jobs:\n- template: deploy.yml\n  parameters:\n    env: ${{ parameters.target }}\n"
    )
    pipeline = classify.pipeline(azure.parse(text, "azure-pipelines.yml", Workspace(tmp_path)))
    assert [s.id for s in pipeline.stages] == ["Prod", "Other"]
    assert pipeline.stage("Prod").environment.tier == "production"
    assert pipeline.stage("Other").condition.text == "${{ if not(eq(parameters.env, 'production')) }}"
