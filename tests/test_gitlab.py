"""The GitLab parser's parts: detection, condition reading, composition, linking of child pipelines."""

from pathlib import Path

import pytest

from cdlint.engine import Settings, check
from cdlint.parsers import detect, glexpr
from cdlint.parsers.glcompose import Composer
from cdlint.project import build_project, parse_file
from cdlint.workspace import Workspace
from cdlint.yamlload import load

from conftest import FIXTURES


def write(root: Path, files: dict[str, str]) -> Workspace:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return Workspace(root)


# --- detection ---------------------------------------------------------------------

GITLAB_TEXT = "stages: [build]\nbuild:\n  stage: build\n  script: make\n"


@pytest.mark.parametrize(
    "path,text,platform",
    [
        (".gitlab-ci.yml", None, "gitlab"),
        ("sub/dir/.gitlab-ci.yml", None, "gitlab"),
        ("ci/pipeline.yml", None, None),
        ("ci/pipeline.yml", GITLAB_TEXT, "gitlab"),
        ("ci/jobs.yml", "test:\n  script:\n    - make test\n", "gitlab"),
        ("ci/jobs.yml", "trigger:\n  stage: prepare\n  script: ./trigger.sh\n", "gitlab"),
        ("deploy.yml", "on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: make}]\n", "github"),
        ("azure-pipelines.yml", "trigger: [main]\npool: {vmImage: ubuntu-latest}\nsteps:\n  - script: make\n", "azure"),
        ("azure.yml", "stages:\n  - stage: Build\n    jobs:\n      - job: A\n        steps: [{script: make}]\n", "azure"),
        ("templates/steps.yml", "parameters:\n  - name: x\nsteps:\n  - script: make\n", None),
        ("Jenkinsfile.yml", "pipeline {\n  agent any\n}\n", None),
        ("values.yml", "image:\n  repository: app\n  tag: latest\n", None),
    ],
)
def test_detect_claims_gitlab_files_only(path: str, text: str | None, platform: str | None) -> None:
    assert detect(path, text) == platform


# --- conditions -----------------------------------------------------------------


def admitted(expr: str, kind: str, known=None) -> list[str]:
    return sorted(glexpr.read(expr, known).may[kind])


def test_default_branch_condition() -> None:
    expr = "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"
    assert admitted(expr, "push") == ["refs/heads/$default"]
    assert admitted(expr, "tag") == [] and admitted(expr, "pull_request") == []


def test_ref_name_literal_and_regex() -> None:
    assert admitted('$CI_COMMIT_REF_NAME == "main"', "push") == ["refs/heads/main"]
    assert admitted('$CI_COMMIT_REF_NAME == "main"', "pull_request") == []
    assert admitted("$CI_COMMIT_BRANCH =~ /^release\\//", "push") == ["refs/heads/release/*"]
    assert admitted("$CI_COMMIT_TAG =~ /^v\\d+/", "tag") == ["refs/tags/v*"]


def test_pipeline_sources_and_merge_requests() -> None:
    reading = glexpr.read('$CI_PIPELINE_SOURCE == "merge_request_event" || $CI_PIPELINE_SOURCE == "web"')
    assert [k for k in glexpr.KINDS if reading.may[k]] == ["pull_request", "manual"]
    assert reading.mentions == {"pull_request", "manual"}
    assert admitted("$CI_MERGE_REQUEST_IID", "pull_request") == ["refs/pull/*"]
    assert admitted("$CI_MERGE_REQUEST_IID", "push") == []
    # A tag push has source "push" too.
    assert admitted('$CI_PIPELINE_SOURCE == "push"', "tag") == ["refs/tags/*"]


def test_negation_parentheses_and_unknown_variables() -> None:
    expr = '($CI_COMMIT_BRANCH == "main" || $CI_COMMIT_TAG) && $CI_PIPELINE_SOURCE != "schedule"'
    assert admitted(expr, "push") == ["refs/heads/main"]
    assert admitted(expr, "tag") == ["refs/tags/*"]
    assert admitted(expr, "schedule") == []
    reading = glexpr.read('$DEPLOY == "true" && $CI_COMMIT_BRANCH == "main"')
    assert sorted(reading.may["push"]) == ["refs/heads/main"] and not reading.must["push"]
    assert glexpr.read("$CI_COMMIT_BRANCH ==").readable is False
    assert admitted("$CI_COMMIT_BRANCH ==", "tag") == ["refs/tags/*"]


def test_known_variables_decide_comparisons() -> None:
    assert admitted('$SWITCH == "true"', "push", {"SWITCH": "true"}) == ["refs/heads/*"]
    assert admitted('$SWITCH == "true"', "push", {"SWITCH": None}) == []
    assert admitted("$SWITCH", "push", {"SWITCH": ""}) == []


@pytest.mark.parametrize(
    "regex,globs,exact",
    [
        ("/^release-.*$/", ["release-*"], True),
        ("/^(main|master)$/", ["main", "master"], True),
        ("/main/", ["*main*"], True),
        ("/^feature\\/.+$/", ["feature/?*"], True),
        ("/^v\\d+\\.\\d+/", ["v*"], False),
        ("/^MAIN$/i", ["*"], False),
    ],
)
def test_regex_globs(regex: str, globs: list[str], exact: bool) -> None:
    assert glexpr.regex_globs(regex) == (globs, exact)


# --- composition --------------------------------------------------------------------


def test_extends_merges_hashes_replaces_lists_and_keeps_positions(tmp_path: Path) -> None:
    workspace = write(tmp_path, {
        ".gitlab-ci.yml": (
            "include: ci/base.yml\n"
            "deploy:\n"
            "  extends: [.one, .two]\n"
            "  variables: {C: job}\n"
            "  environment: production\n"
        ),
        "ci/base.yml": (
            ".one:\n"
            "  stage: deploy\n"
            "  variables: {A: one, B: one}\n"
            "  script: [./one.sh]\n"
            ".two:\n"
            "  variables: {B: two}\n"
            "  script:\n"
            "    - ./two.sh\n"
            "    - ./deploy.sh\n"
        ),
    })
    text = (tmp_path / ".gitlab-ci.yml").read_text()
    composer = Composer(".gitlab-ci.yml", "", workspace)
    composed = composer.compose(load(text, ".gitlab-ci.yml").value)
    job = composed.jobs["deploy"]
    assert dict(job["variables"]) == {"A": "one", "B": "two", "C": "job"}
    assert list(job["script"]) == ["./two.sh", "./deploy.sh"]
    assert job.key_span("script").path == "ci/base.yml" and job.key_span("script").line == 7
    assert job["variables"].key_span("C").path == ".gitlab-ci.yml"
    pipeline = parse_file(".gitlab-ci.yml", "gitlab", workspace)
    [stage] = pipeline.stages
    assert [(s.span.path, s.span.line) for s in stage.steps] == [("ci/base.yml", 8), ("ci/base.yml", 9)]
    assert stage.template == "ci/base.yml#.two"
    assert stage.group == "deploy"


def test_the_including_file_wins_over_its_includes(tmp_path: Path) -> None:
    workspace = write(tmp_path, {
        ".gitlab-ci.yml": "include: [a.yml, b.yml]\ntest:\n  script: make check\n",
        "a.yml": "test:\n  stage: build\n  script: make a\n",
        "b.yml": "test:\n  stage: test\n",
    })
    [stage] = parse_file(".gitlab-ci.yml", "gitlab", workspace).stages
    assert stage.group == "test"
    assert [s.run for s in stage.steps] == ["make check"]


def test_default_and_inherit(tmp_path: Path) -> None:
    workspace = write(tmp_path, {
        ".gitlab-ci.yml": (
            "default:\n  image: python:3.12\n  before_script: [pip install .]\n"
            "services: [postgres:16]\n"
            "a:\n  script: pytest\n"
            "b:\n  inherit: {default: false}\n  script: pytest\n"
            "c:\n  inherit: {default: [image]}\n  image: alpine\n  script: pytest\n"
        ),
    })
    stages = {s.id: s for s in parse_file(".gitlab-ci.yml", "gitlab", workspace).stages}
    assert stages["a"].image == "python:3.12" and stages["a"].services == ("postgres:16",)
    assert [s.run for s in stages["a"].steps] == ["pip install .", "pytest"]
    assert stages["b"].image is None and not stages["b"].services and len(stages["b"].steps) == 1
    assert stages["c"].image == "alpine" and not stages["c"].services


def test_include_depth_and_count_are_bounded(tmp_path: Path) -> None:
    files = {".gitlab-ci.yml": "include: f0.yml\nbuild:\n  script: make\n"}
    for i in range(40):
        files[f"f{i}.yml"] = f"include: f{i + 1}.yml\n.t{i}:\n  script: make\n"
    files["f40.yml"] = ".last:\n  script: make\n"
    workspace = write(tmp_path, files)
    pipeline = parse_file(".gitlab-ci.yml", "gitlab", workspace)
    assert any("nested deeper" in p.message for p in pipeline.problems)
    wide = {".gitlab-ci.yml": "include: 'ci/*.yml'\nbuild:\n  script: make\n"}
    wide |= {f"ci/f{i:03}.yml": f".t{i}:\n  script: make\n" for i in range(160)}
    pipeline = parse_file(".gitlab-ci.yml", "gitlab", write(tmp_path / "wide", wide))
    assert [p.message for p in pipeline.problems] == ["more than 150 included files"]


def test_a_glob_includes_each_file_once_and_the_including_file_never(tmp_path: Path) -> None:
    workspace = write(tmp_path, {
        "svc/.gitlab-ci.yml": "include:\n  - local: ci/*.yml\n  - local: ci/a.yml\nb:\n  script: make\n",
        "svc/ci/a.yml": "a:\n  script: make a\n",
        "svc/ci/c.yml": "c:\n  script: make c\n",
        "ci/outside.yml": "x:\n  script: make x\n",
    })
    pipeline = parse_file("svc/.gitlab-ci.yml", "gitlab", workspace)
    assert sorted(s.id for s in pipeline.stages) == ["a", "b", "c"]
    assert pipeline.files == ("svc/.gitlab-ci.yml", "svc/ci/a.yml", "svc/ci/c.yml")
    assert not pipeline.problems


# --- linking --------------------------------------------------------------------------


def test_child_pipeline_runs_only_from_its_trigger_job() -> None:
    root = FIXTURES / "parsers" / "gitlab" / "child"
    workspace = Workspace(root)
    project = build_project(".", [(".gitlab-ci.yml", "gitlab")], workspace)
    child = project.pipeline("ci/frontend.yml")
    assert [(t.kind, t.event, t.span.line) for t in child.triggers] == [("upstream", "parent_pipeline", 14)]
    assert [(e.source, e.target) for e in project.links] == [(".gitlab-ci.yml#frontend", "ci/frontend.yml#frontend-test")]
    deploy = child.stage("frontend-deploy")
    assert {s.id for s in project.upstream(deploy)} == {"frontend-test", "frontend", "unit", "generate"}


def test_check_reads_gitlab_repositories_like_github_ones() -> None:
    report = check([str(FIXTURES / "parsers" / "gitlab" / "rules")], Settings())
    assert (".gitlab-ci.yml", "gitlab") in report.files
    assert not report.errors


def test_cli_check_and_graph_on_a_gitlab_repository() -> None:
    import json
    from importlib.resources import files

    import jsonschema
    from click.testing import CliRunner

    from cdlint.cli import main

    demo = str(FIXTURES / "demo")
    result = CliRunner().invoke(main, ["check", demo], catch_exceptions=False)
    assert result.exit_code == 1
    assert ".gitlab-ci.yml:108:1: error ungated-production-deploy: 'hotfix' publishes to '$CI_REGISTRY_IMAGE' and deploys to 'production'" in result.output
    clean = str(FIXTURES / "rules" / "ungated-production-deploy" / "gitlab_tested.yml")
    result = CliRunner().invoke(main, ["check", "--platform", "gitlab", clean], catch_exceptions=False)
    assert result.exit_code == 0
    result = CliRunner().invoke(main, ["graph", "--format", "json", demo], catch_exceptions=False)
    document = json.loads(result.output)
    jsonschema.validate(document, json.loads(files("cdlint").joinpath("schemas", "graph-v1.schema.json").read_text()))
    gitlab_ = next(p for p in document["pipelines"] if p["path"] == ".gitlab-ci.yml")
    assert {"from": "smoke", "to": "production", "kind": "order"} in gitlab_["edges"]


def test_detect_reads_the_head_of_a_big_file() -> None:
    head = GITLAB_TEXT + "".join(f"job{i}:\n  script:\n    - make {i}\n" for i in range(3000))
    assert detect("ci/main.yml", head[:65536])
