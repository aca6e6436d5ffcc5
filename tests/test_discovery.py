"""Finding every pipeline, where each repository ends, and never passing without having
looked (issue 14): discovery by content, files named on the command line, repositories
nested in a folder or around it, empty scans, and hostile trees."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from cdlint import discovery
from cdlint.cli import main
from cdlint.discovery import root_of, scan
from cdlint.engine import Settings, check
from cdlint.parsers import detect, detection

from conftest import FIXTURES

AZURE = """\
trigger: [main]
pool: {vmImage: ubuntu-latest}
steps:
- script: make test
- task: AzureWebApp@1
  inputs: {appName: shop}
"""
# No trigger: it runs on every push and pull request; parameters make it look like a template.
AZURE_JOBS = """\
parameters:
- name: configuration
  type: string
  default: Release
jobs:
- job: Build
  pool: {vmImage: windows-latest}
  steps:
  - script: dotnet build -c ${{ parameters.configuration }}
"""
AZURE_STEPS_TEMPLATE = "parameters:\n- name: target\n  type: string\nsteps:\n- script: make ${{ parameters.target }}\n"
JENKINS = "pipeline {\n  agent any\n  stages {\n    stage('Build') { steps { sh 'make' } }\n  }\n}\n"
WORKFLOW = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: [{run: make test}]\n"
UNGATED = (FIXTURES / "rules" / "ungated-production-deploy" / "github_no_tests.yml").read_text()
LOOKED_FOR = "looked for .github/workflows/*.yml, .gitlab-ci.yml"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def found(root: Path, **kwargs) -> dict[str, str]:
    return dict(scan(root, **kwargs).files)


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def git_init(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


# --- discovery by content ---------------------------------------------------------------


def test_azure_pipelines_are_found_in_any_folder_by_their_keys(tmp_path) -> None:
    write(tmp_path, {
        "vsts/build.yml": AZURE,                      # a folder named after an older name of the service
        "tests/integration/pipeline.yml": AZURE,      # a testing folder
        "build/ci.yml": AZURE, "build/release.yml": AZURE,
        "deploy/jobs.yml": AZURE_JOBS,
        "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop}\n",
        "docker-compose.yml": "services:\n  web: {image: shop}\n",
        "chart/values.yaml": "image:\n  repository: shop\n",
        "config/app.yml": "steps:\n  - name: one\n",
    })
    assert found(tmp_path) == {
        "build/ci.yml": "azure", "build/release.yml": "azure", "deploy/jobs.yml": "azure",
        "tests/integration/pipeline.yml": "azure", "vsts/build.yml": "azure",
    }


def test_a_file_with_parameters_is_a_template_only_where_another_includes_it(tmp_path) -> None:
    write(tmp_path, {"deploy/jobs.yml": AZURE_JOBS})
    assert [p for p, _ in check([str(tmp_path)]).files] == ["deploy/jobs.yml"]
    write(tmp_path, {
        "azure-pipelines.yml": "trigger: [main]\njobs:\n- template: deploy/jobs.yml\n",
        "steps/build.yml": AZURE_STEPS_TEMPLATE,
    })
    report = check([str(tmp_path)])
    assert report.files == (("azure-pipelines.yml", "azure"),)
    assert dict(report.scan.templates) == {"deploy/jobs.yml": ("azure-pipelines.yml",), "steps/build.yml": ()}


def test_jenkins_pipelines_are_found_whatever_their_name(tmp_path) -> None:
    library = (
        "def call(Map config = [:]) {\n  runPipeline(config)\n}\n\n"
        "def runPipeline(Map config) {\n  pipeline {\n    agent any\n    stages {\n"
        "      stage('Test') { steps { sh 'mvn verify' } }\n    }\n  }\n}\n"
    )
    write(tmp_path, {
        "jenkins/release": "#!/usr/bin/env groovy\n" + JENKINS,
        "ci/Build": "@Library('shared') _\n" + JENKINS,
        "vars/buildPlugin.groovy": library,
        "vars/helper.groovy": "def call(String name) {\n  echo \"hello ${name}\"\n}\n",
        "bin/deploy": "#!/bin/sh\nstage() { echo \"$1\"; }\nstage('x')\n",
        "LICENSE": "pipeline { } is not read: the name says what this is\n",
        "Makefile": "test:\n\tstage('x')\n",
    })
    assert found(tmp_path) == {"ci/Build": "jenkins", "jenkins/release": "jenkins", "vars/buildPlugin.groovy": "jenkins"}
    [pipeline] = check([str(tmp_path / "vars")]).projects[0].pipelines
    assert [s.name for s in pipeline.stages] == ["Test"]


def test_vendored_generated_and_ignored_trees_are_not_searched(tmp_path) -> None:
    write(tmp_path, {
        "azure-pipelines.yml": AZURE,
        "node_modules/pkg/azure-pipelines.yml": AZURE,
        "vendor/lib/Jenkinsfile": JENKINS,
        "third_party/x/.gitlab-ci.yml": "test:\n  script: make\n",
        "out/generated/azure-pipelines.yml": AZURE,
        "tmp/Jenkinsfile": JENKINS,
        ".gitignore": "/out/\n*.tmp\ntmp/\n",
        "ci/notes.tmp": JENKINS,
    })
    assert found(tmp_path) == {"azure-pipelines.yml": "azure"}


def test_platform_option_reads_only_files_that_could_be_that_platform(tmp_path) -> None:
    write(tmp_path, {
        "ci/main.yml": "stages: [build]\nbuild:\n  stage: build\n  script: make\n",
        "k8s/service.yaml": "apiVersion: v1\nkind: Service\n",
        "azure-pipelines.yml": AZURE,
        "Jenkinsfile": JENKINS,
    })
    assert found(tmp_path, platform="gitlab") == {"ci/main.yml": "gitlab"}
    assert found(tmp_path, platform="jenkins") == {"Jenkinsfile": "jenkins"}
    result = run("check", "--platform", "gitlab", str(tmp_path))
    assert result.exit_code == 0 and "in 1 pipeline file" in result.stdout


def test_gitlab_includes_are_read_through_the_configuration_not_found_alone(tmp_path) -> None:
    write(tmp_path, {
        ".gitlab-ci.yml": "include: [{local: ci/jobs.yml}]\nstages: [test]\n",
        "ci/jobs.yml": "unit:\n  stage: test\n  script: make test\n",
    })
    assert found(tmp_path) == {".gitlab-ci.yml": "gitlab"}
    [pipeline] = check([str(tmp_path)]).projects[0].pipelines
    assert "ci/jobs.yml" in pipeline.files and [s.id for s in pipeline.stages] == ["unit"]


FOLDERS = st.lists(st.sampled_from([".github", "workflows", ".azure-pipelines", "eng", "pipelines", "ci", "vars", "src", "build", ".gitlab"]), max_size=3)
NAMES = st.one_of(
    st.sampled_from(["Jenkinsfile", "Jenkinsfile.release", "jenkinsfile_k8s", "x.jenkinsfile", ".gitlab-ci.yml",
                     "azure-pipelines.yml", "build.groovy", "release", "README.md", "Makefile", ".travis.yml"]),
    st.from_regex(r"[A-Za-z0-9_.-]{1,16}", fullmatch=True),
)


@given(FOLDERS, NAMES)
def test_the_quick_filter_never_hides_a_file_a_detector_would_look_at(folders, name) -> None:
    path = "/".join([*folders, name])
    if any(d.named(path) or d.candidate(path) or d.possible(path) for d in detection.DETECTORS.values()):
        assert detection.worth_a_look(name), path


# --- files named on the command line -----------------------------------------------------------


@pytest.mark.parametrize("name, text, platform", [
    ("release.yml", AZURE, "azure"),
    ("ci/Jenkinsfile", "#!/usr/bin/env groovy\n" + JENKINS, "jenkins"),
    ("build.groovy", "node {\n  stage('Build') { sh 'make' }\n}\n", "jenkins"),
    ("deploy.yml", WORKFLOW, "github"),
    ("action.yml", "name: x\nruns:\n  using: composite\n  steps: [{run: make, shell: bash}]\n", None),
    ("docker-compose.yml", "services:\n  web: {image: shop}\n", None),
    ("README.md", "# Shop\n\n```groovy\npipeline { }\n```\n", None),
])
def test_a_file_named_is_read_as_what_its_content_shows(tmp_path, monkeypatch, name, text, platform) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {name: text})
    result = run("check", "--format", "json", name)
    if platform is None:
        assert result.exit_code == 2
        assert result.stderr.splitlines()[0] == (
            f"cdlint: {name}: not a pipeline file of any platform; skipped (--platform reads it as one)")
        assert "parse-error" not in result.output
    else:
        assert json.loads(result.stdout)["files"] == [{"path": name, "platform": platform}]
    assert detect(name, text) == platform


def test_a_file_that_is_no_pipeline_is_skipped_and_the_others_are_checked(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"README.md": "# Shop\n", ".github/workflows/release.yml": UNGATED})
    result = run("check", "README.md", ".github/workflows/release.yml")
    assert result.exit_code == 1
    assert "cdlint: README.md: not a pipeline file of any platform; skipped" in result.stderr
    assert "ungated-production-deploy" in result.stdout


def test_platform_option_applies_to_a_file_named(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"ci/main.yml": "build:\n  script: make\n"})
    assert run("check", "--format", "json", "--platform", "gitlab", "ci/main.yml").exit_code == 0


def test_checking_one_file_reads_what_it_links_to_and_says_what_it_did_not_see(tmp_path, monkeypatch) -> None:
    source = FIXTURES / "rules" / "ungated-production-deploy" / "github_workflow_run_gated" / ".github" / "workflows"
    write(tmp_path, {
        ".github/workflows/ci.yml": (source / "ci.yml").read_text(),
        ".github/workflows/deploy.yml": (source / "deploy.yml").read_text(),
        ".github/workflows/docs.yml": WORKFLOW,
    })
    monkeypatch.chdir(tmp_path / ".github")
    alone = run("check", "--format", "json", "--select", "ungated-production-deploy", "workflows/deploy.yml")
    whole = run("check", "--format", "json", "--select", "ungated-production-deploy", str(tmp_path))
    # The CI run it follows is read, so the deploy is gated as in the repository's check.
    assert json.loads(alone.stdout)["findings"] == json.loads(whole.stdout)["findings"] == []
    # Paths of a file named are shown from where cdlint runs; docs.yml is the one not read.
    assert json.loads(alone.stdout)["files"] == [{"path": "../.github/workflows/deploy.yml", "platform": "github"}]
    assert (
        "cdlint: ../.github/workflows/deploy.yml checked without the 1 other pipeline file of its repository: rules that "
        "look across pipelines saw only what it links to; check the repository for those"
    ) in alone.stderr.splitlines()


# --- where repositories end -------------------------------------------------------------------------


def three_repositories(base: Path) -> list[Path]:
    scanned = "on: [push, pull_request]\njobs:\n  scan:\n    runs-on: x\n    steps: [{run: gitleaks detect}]\n"
    a = write(git_init(base / "a"), {".github/workflows/release.yml": UNGATED, ".github/workflows/scan.yml": scanned})
    b = write(git_init(base / "b"), {".github/workflows/release.yml": UNGATED})
    # A worktree or submodule: .git is a file. Its own configuration applies.
    c = write(base / "services" / "c", {
        ".git": "gitdir: ../../.git/modules/c\n", "azure-pipelines.yml": AZURE,
        ".cdlint.yaml": "rules:\n  no-security-scan: disable\n",
    })
    return [a, b, c]


def findings_of(*args: str) -> list[tuple[str, int, str]]:
    result = run("check", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return sorted((f["path"], f["line"], f["rule"]) for f in json.loads(result.stdout)["findings"])


def test_a_folder_of_repositories_is_checked_repository_by_repository(tmp_path, monkeypatch) -> None:
    repos = three_repositories(tmp_path / "org")
    monkeypatch.chdir(tmp_path)
    separate = sorted(
        (f"{repo.relative_to(tmp_path / 'org').as_posix()}/{path}", line, rule)
        for repo in repos for path, line, rule in findings_of(str(repo))
    )
    assert findings_of("org") == separate
    monkeypatch.chdir(tmp_path / "org")
    assert findings_of(".") == separate
    assert findings_of("a", "b", "services/c") == separate
    rules = {(path.split("/")[0], rule) for path, _, rule in separate}
    # Repository-wide rules judge each repository: b has no scan, a has one, c turns the rule off.
    assert ("b", "no-security-scan") in rules and ("a", "no-security-scan") not in rules
    assert not any(rule == "no-security-scan" for path, rule in rules if path == "services")


def test_maturity_rates_each_repository_of_a_folder(tmp_path) -> None:
    three_repositories(tmp_path / "org")
    document = json.loads(run("maturity", "--format", "json", str(tmp_path / "org")).stdout)
    assert sorted(r["path"] for r in document["repositories"]) == sorted(
        str(tmp_path / "org" / name) for name in ("a", "b", "services/c"))


def test_a_subfolder_is_checked_in_its_repository(tmp_path, monkeypatch) -> None:
    repo = write(git_init(tmp_path / "repo"), {
        ".github/workflows/release.yml": UNGATED, "eng/ci.yml": AZURE, "docs/index.md": "# Docs\n",
    })
    assert root_of(repo / ".github" / "workflows") == repo.resolve()
    whole = findings_of(str(repo))
    monkeypatch.chdir(repo / ".github")
    assert findings_of() == [f for f in whole if f[0].startswith(".github/")]
    assert findings_of("workflows") == findings_of()
    monkeypatch.chdir(repo)
    assert findings_of("eng") == [f for f in whole if f[0].startswith("eng/")]
    result = run("check", "docs")
    assert result.exit_code == 2 and result.stderr.startswith(f"cdlint: no pipeline files found in docs ({LOOKED_FOR}")


def test_graph_shows_the_pipelines_under_the_path_in_its_repository(tmp_path, monkeypatch) -> None:
    repo = write(git_init(tmp_path / "repo"), {".github/workflows/release.yml": UNGATED, "eng/ci.yml": AZURE})
    monkeypatch.chdir(repo)
    document = json.loads(run("graph", "--format", "json", "eng").stdout)
    assert [p["path"] for p in document["pipelines"]] == ["eng/ci.yml"]
    three_repositories(tmp_path / "org")
    result = run("graph", "--format", "json", str(tmp_path / "org"))
    assert json.loads(result.stdout)["pipelines"] == []
    assert result.stderr == f"cdlint: {tmp_path / 'org'} also holds the repositories a, b, services/c: graph each on its own\n"


def test_a_folder_that_looks_like_a_repository_top_is_its_own_root(tmp_path) -> None:
    outer = write(git_init(tmp_path / "outer"), {".github/workflows/ci.yml": WORKFLOW})
    sample = write(outer / "examples" / "shop", {"Jenkinsfile": JENKINS})
    assert root_of(sample) == sample.resolve()
    assert root_of(outer / "examples") == outer.resolve()
    assert [p for p, _ in check([str(sample)]).files] == ["Jenkinsfile"]


# --- never pass without having looked ----------------------------------------------------------------


def test_an_empty_folder_is_an_error_unless_allowed(tmp_path) -> None:
    result = run("check", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"cdlint: no pipeline files found in {tmp_path} (looked for .github/workflows/*.yml, .gitlab-ci.yml, "
        "Azure Pipelines YAML (by its keys), Jenkinsfiles and Groovy pipelines)\n")
    allowed = run("check", "--allow-empty", str(tmp_path))
    assert (allowed.exit_code, allowed.stdout, allowed.stderr) == (0, "no pipeline files found\n", "")
    assert run("check", "--platform", "jenkins", str(tmp_path)).stderr.endswith(
        "(looked for Jenkinsfiles and Groovy pipelines)\n")


def test_one_empty_path_among_others_is_an_error(tmp_path) -> None:
    write(tmp_path / "a", {".github/workflows/ci.yml": WORKFLOW})
    (tmp_path / "b").mkdir()
    result = run("check", str(tmp_path / "a"), str(tmp_path / "b"))
    assert result.exit_code == 2 and result.stdout.endswith(" in 1 pipeline file\n")
    assert f"no pipeline files found in {tmp_path / 'b'} " in result.stderr


def test_maturity_never_rates_a_repository_without_pipelines(tmp_path) -> None:
    result = run("maturity", str(tmp_path))
    assert result.exit_code == 2 and result.stdout == ""
    assert "no pipeline files found in" in result.stderr
    assert run("maturity", "--allow-empty", str(tmp_path)).exit_code == 0


def test_the_summary_says_what_was_read_and_skipped(tmp_path) -> None:
    write(tmp_path, {
        "azure-pipelines.yml": "trigger: [main]\nsteps:\n- template: steps/build.yml\n",
        "steps/build.yml": AZURE_STEPS_TEMPLATE,
        "legacy/azure-pipelines.yml": AZURE,
        ".cdlint.yaml": "exclude: [legacy/]\n",
        "pipelines/notes.yml": "owner: platform-team\n",
    })
    result = run("check", str(tmp_path))
    assert result.stdout.splitlines()[-1] == (
        "no findings in 1 pipeline file (2 files read; skipped 1 excluded, 1 non-pipeline, "
        "1 template read through 1 pipeline)")


# --- hostile trees ------------------------------------------------------------------------------------


def test_symlink_loops_and_links_out_of_the_tree_are_not_followed(tmp_path) -> None:
    outside = write(tmp_path / "outside", {"secret.yml": AZURE, "Jenkinsfile": JENKINS})
    root = write(tmp_path / "repo", {"azure-pipelines.yml": AZURE})
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "up").symlink_to(tmp_path, target_is_directory=True)
    (root / "Jenkinsfile").symlink_to(outside / "Jenkinsfile")
    (root / "inside.yml").symlink_to(root / "azure-pipelines.yml")
    scanned = scan(root)
    assert dict(scanned.files) == {"azure-pipelines.yml": "azure", "inside.yml": "azure"}
    assert [(s.path, s.reason) for s in scanned.skipped] == [("Jenkinsfile", "outside the repository")]
    report = check([str(root)])
    assert not any("secret" in path or path.startswith("outside") for path in report.sources)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_like_a_pipeline_is_skipped_without_hanging(tmp_path) -> None:
    write(tmp_path, {".github/workflows/ci.yml": WORKFLOW})
    os.mkfifo(tmp_path / ".github" / "workflows" / "deploy.yml")
    os.mkfifo(tmp_path / "azure-pipelines.yml")
    os.mkfifo(tmp_path / "release.yml")
    os.mkfifo(tmp_path / ".gitignore")
    (tmp_path / "Jenkinsfile").symlink_to("/dev/zero")
    # In a process of its own, so that a blocking open fails the test instead of hanging it.
    code = "import sys; from cdlint.cli import main; main(sys.argv[1:])"
    done = subprocess.run([sys.executable, "-c", code, "check", str(tmp_path), str(tmp_path / "release.yml")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"cdlint: {tmp_path}/.github/workflows/deploy.yml: not a regular file; skipped" in done.stderr
    assert f"cdlint: {tmp_path}/release.yml: not a regular file; skipped" in done.stderr
    assert f"cdlint: {tmp_path}/Jenkinsfile: outside the repository; skipped" in done.stderr


def test_unreadable_files_are_said_and_only_fail_when_nothing_else_could_be_read(tmp_path, monkeypatch) -> None:
    write(tmp_path, {".github/workflows/ci.yml": WORKFLOW, "Jenkinsfile": JENKINS, "build/release.yml": AZURE})
    locked = {str(tmp_path / "Jenkinsfile"), str(tmp_path / "build" / "release.yml")}
    real_access, real_open = os.access, os.open

    def access(path, mode, *args, **kwargs):
        return str(path) not in locked and real_access(path, mode, *args, **kwargs)

    def open_(path, flags, *args, **kwargs):
        if str(path) in locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(discovery.os, "access", access)
    monkeypatch.setattr(discovery.os, "open", open_)
    result = run("check", str(tmp_path))
    assert result.exit_code == 0
    assert "cdlint: cannot read Jenkinsfile: Permission denied; skipped" in result.stderr
    assert "cdlint: cannot read build/release.yml: Permission denied; skipped" in result.stderr
    locked.add(str(tmp_path / ".github" / "workflows" / "ci.yml"))
    assert run("check", str(tmp_path)).exit_code == 2


def test_fifo_included_by_a_pipeline_is_a_finding_not_a_hang(tmp_path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    write(tmp_path, {".gitlab-ci.yml": "include: [{local: ci/jobs.yml}]\ntest:\n  script: make\n"})
    (tmp_path / "ci").mkdir()
    os.mkfifo(tmp_path / "ci" / "jobs.yml")
    report = check([str(tmp_path)], Settings())
    assert [(f.rule, f.message) for f in report.findings if f.rule == "parse-error"] == [
        ("parse-error", "'ci/jobs.yml' is not a regular file")]


def test_readme_empty_scan_example_is_what_cdlint_says(tmp_path, monkeypatch) -> None:
    import re

    from conftest import ROOT

    block = re.search(r"<!-- empty-scan -->\n```text\n(.*?)```", (ROOT / "README.md").read_text(), re.S)[1]
    repo = write(git_init(tmp_path / "repo"), {
        "docs/index.md": "# Docs\n",
        ".github/workflows/ci.yml": WORKFLOW,
        "azure-pipelines.yml": "trigger: [main]\njobs:\n- template: jobs/build.yml\n",
        "eng/release.yml": "trigger:\n  tags: {include: [v*]}\njobs:\n- template: jobs/build.yml\n- template: jobs/deploy.yml\n",
        "eng/nightly.yml": "schedules:\n- cron: '0 3 * * *'\n  branches: {include: [main]}\njobs:\n- template: jobs/deploy.yml\n",
        "jobs/build.yml": "parameters:\n- name: c\n  default: Release\njobs:\n- job: Build\n  steps:\n  - template: ../steps/test.yml\n",
        "jobs/deploy.yml": "parameters:\n- name: env\n  default: staging\njobs:\n- job: Deploy\n  steps:\n  - script: ./deploy.sh ${{ parameters.env }}\n",
        "steps/test.yml": "steps:\n- script: make test\n",
        "legacy/azure-pipelines.yml": AZURE,
        ".cdlint.yaml": "exclude: [legacy/]\n",
    })
    monkeypatch.chdir(repo)
    commands = re.findall(r"^\$ cdlint (.*)\n((?:(?!\$ ).*\n)*)", block, re.M)
    assert len(commands) == 2
    for command, printed in commands:
        result = run(*command.split())
        assert result.stderr + result.stdout == printed
    assert "$ echo $?\n2\n" in block and run("check", "docs").exit_code == 2
