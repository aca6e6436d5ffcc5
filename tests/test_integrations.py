"""What users plug cdlint into: the pre-commit hook, the GitHub Action, the GitLab template,
and the README's snippets of them, which cdlint itself must find clean."""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cdlint import config
from cdlint.engine import Settings, Target, check, check_targets
from cdlint.errors import ConfigError
from cdlint.parsers import PARSERS, discover
from cdlint.rule import load_rules
from cdlint.yamlload import load as load_yaml

from conftest import FIXTURES, ROOT

README = (ROOT / "README.md").read_text()
HOOKS = load_yaml((ROOT / ".pre-commit-hooks.yaml").read_text(), ".pre-commit-hooks.yaml").value
ACTION = load_yaml((ROOT / "action.yml").read_text(), "action.yml").value
TEMPLATE = ROOT / "templates" / "cdlint.gitlab-ci.yml"
SAMPLE = ".github/workflows/cdlint.yml"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def snippet(name: str) -> str:
    match = re.search(rf"<!-- {name} -->\n```\w+\n(.*?)```", README, re.S)
    assert match, f"README lacks the {name} snippet"
    return match[1]


def hook() -> dict:
    [found] = [h for h in HOOKS if h["id"] == "cdlint"]
    return found


def serious(report) -> list[str]:
    """Findings a pipeline of ours must not have: errors, warnings, and files cdlint could not read."""
    return [f"{f.span}: {f.severity} {f.rule}: {f.message}" for f in report.findings
            if f.severity != "note" or f.rule == "unresolved-include"]


PIPELINE_PATHS = [
    ".github/workflows/ci.yml", "services/api/.github/workflows/deploy.yaml", ".github/actions/setup/action.yml",
    "action.yaml", ".gitlab-ci.yml", "services/api/.gitlab-ci.yml", "ci/build.gitlab-ci.yml", ".gitlab/ci/deploy.yml",
    ".gitlab-ci/jobs.yaml", "azure-pipelines.yml", "azure-pipelines.yaml", "azure-pipelines-release.yml",
    "app/azure-pipelines.yml", ".azure-pipelines/ci.yml", ".azuredevops/pipelines/deploy.yaml", ".pipelines/build.yml",
    "eng/pipelines/official.yml", "Jenkinsfile", "services/api/Jenkinsfile", "Jenkinsfile.release", "ci/deploy.jenkinsfile",
    "vars/deployToProd.groovy", ".cdlint.yaml", ".cdlint.yml",
]
# Azure pipelines are recognised by their content wherever they are: any other YAML may be
# one (``k8s/deployment.yaml``, ``eng/build.yml`` run the hook, which finds no pipeline there).
OTHER_PATHS = ["README.md", "src/app.py", "docker-compose.yml", "services/web/compose.yaml", ".github/dependabot.yml",
               ".github/ISSUE_TEMPLATE/bug.yml", ".github/workflows/README.md", "Jenkinsfile-notes.md",
               "pipelines/notes.txt", ".pre-commit-config.yaml", "docs/mkdocs.yml"]


def test_hook_files_pattern_matches_every_pipeline_file() -> None:
    pattern = re.compile(hook()["files"])
    discovered = [path for path, _ in discover(FIXTURES)]
    assert discovered, "no pipeline files discovered under fixtures/"
    for path in discovered + PIPELINE_PATHS:
        assert pattern.search(path), path
    for path in OTHER_PATHS:
        assert not pattern.search(path), path


def test_hook_checks_the_whole_repository() -> None:
    entry = hook()
    assert (entry["entry"], entry["language"], entry["pass_filenames"]) == ("cdlint check --allow-empty", "python", False)


def test_readme_pre_commit_snippet_uses_the_hook() -> None:
    [repo] = load_yaml(snippet("integration: pre-commit"), "snippet").value["repos"]
    assert [h["id"] for h in repo["hooks"]] == ["cdlint"]
    assert repo["rev"] == "v0.1.0" and repo["repo"].startswith("https://")


def test_readme_configuration_example_is_valid(tmp_path) -> None:
    path = tmp_path / ".cdlint.yaml"
    path.write_text(snippet("config-example"))
    loaded = config.load(path, load_rules())
    assert loaded.fail_on == "warning" and loaded.exclude == ("legacy/**", "!legacy/release.yml")


def test_readme_configuration_error_example_is_what_cdlint_says(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path(".cdlint.yaml").write_text(snippet("config-error-example"))
    with pytest.raises(ConfigError) as caught:
        config.load(Path(".cdlint.yaml"), load_rules())
    shown = re.search(r"stops the run with\n\n```text\n(.*?)```", README, re.S)[1]
    assert ["cdlint: " + line for line in str(caught.value).splitlines()] == shown.splitlines()


def test_action_is_composite_and_keeps_inputs_out_of_scripts() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert {"paths", "format", "fail-on", "config", "sarif-file", "upload-sarif"} <= set(ACTION["inputs"])
    steps = ACTION["runs"]["steps"]
    for step in steps:
        if "run" in step:
            assert "${{" not in step["run"], "inputs reach scripts through env, never through ${{ }}"
            assert step["shell"] == "bash"
        if "uses" in step:
            assert PINNED.match(step["uses"]), step["uses"]
    uploads = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert [s["if"] for s in uploads] == ["inputs.upload-sarif == 'true'"]
    install = next(s for s in steps if s.get("name") == "Install cdlint")
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"


def test_sample_workflow_using_the_action_is_clean() -> None:
    report = check_targets([Target(ROOT, ((SAMPLE, "github"),))], Settings())
    assert serious(report) == []
    assert report.files == ((SAMPLE, "github"),)
    [pipeline] = report.projects[0].pipelines
    assert "action.yml" in pipeline.files, "the sample workflow reads the action it uses"


def test_readme_action_snippet_is_the_sample_workflow_and_is_clean(tmp_path) -> None:
    text = snippet("integration: github-action")
    sample = load_yaml((ROOT / SAMPLE).read_text(), SAMPLE).value
    shown = load_yaml(text, "snippet").value
    [step] = [s for s in sample["jobs"]["cdlint"]["steps"] if s.get("uses") == "./"]
    step["uses"] = "cdlint/cdlint@v0.1.0"
    assert shown == sample
    workflow = tmp_path / ".github" / "workflows" / "cdlint.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(text)
    assert serious(check([str(tmp_path)], Settings())) == []


def test_gitlab_template_publishes_code_quality() -> None:
    job = load_yaml(TEMPLATE.read_text(), str(TEMPLATE)).value["cdlint"]
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert job["artifacts"]["when"] == "always"
    assert any("--format codequality --output gl-code-quality-report.json" in line for line in job["script"])
    assert TEMPLATE.relative_to(ROOT).as_posix() in snippet("integration: gitlab")


def test_gitlab_template_is_clean(tmp_path) -> None:
    if "gitlab" not in PARSERS:
        pytest.skip("the gitlab parser has not landed")
    (tmp_path / "templates").mkdir()
    shutil.copy(TEMPLATE, tmp_path / "templates" / TEMPLATE.name)
    (tmp_path / ".gitlab-ci.yml").write_text(
        "stages: [build, test]\nbuild:\n  stage: build\n  script: make\n"
        f"include:\n  - local: templates/{TEMPLATE.name}\n")
    report = check([str(tmp_path)], Settings())
    assert report.files and serious(report) == []
    assert any(s.id == "cdlint" for p in report.projects[0].pipelines for s in p.stages)


def _cdlint_executable() -> Path:
    executable = Path(sys.executable).parent / "cdlint"
    if not executable.exists():
        pytest.skip("the cdlint command is not installed beside this Python (pip install -e .)")
    return executable


def _expand(value: str, context: dict[str, str]) -> str:
    """A GitHub expression the way the runner fills it in, for the few forms action.yml uses."""
    return re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", lambda m: context[m[1]], str(value))


def run_action(tmp_path: Path, **inputs: str) -> tuple[subprocess.CompletedProcess, dict[str, str], str]:
    """The action's "Run cdlint" step run by bash as the runner runs it, on a copy of the demo,
    with cdlint where the install step puts it: the process, the step's outputs and the job summary."""
    temp = tmp_path / "runner-temp"
    (temp / "cdlint-venv" / "bin").mkdir(parents=True)
    (temp / "cdlint-venv" / "bin" / "cdlint").symlink_to(_cdlint_executable())
    workspace = tmp_path / "workspace"
    shutil.copytree(FIXTURES / "demo", workspace)
    context = {"runner.temp": str(temp), "github.action_path": str(ROOT)}
    context.update({f"inputs.{name}": str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()})
    context.update({f"inputs.{name}": value for name, value in inputs.items()})
    [step] = [s for s in ACTION["runs"]["steps"] if s.get("id") == "check"]
    outputs, summary = tmp_path / "github-output", tmp_path / "step-summary"
    env = {**os.environ, **{k: _expand(v, context) for k, v in step["env"].items()},
           "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary), "CI": "true"}
    env.pop("NO_COLOR", None)
    # The runner's bash: bash --noprofile --norc -eo pipefail {0}
    completed = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=workspace,
                               env=env, capture_output=True, text=True, timeout=300)
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines()) if outputs.exists() else {}
    return completed, written, summary.read_text() if summary.exists() else ""


def test_action_reports_in_the_log_annotates_summarises_and_writes_sarif(tmp_path) -> None:
    completed, outputs, summary = run_action(tmp_path, category="cdlint/pipelines")
    assert completed.returncode == 0, completed.stderr
    assert outputs == {"sarif-file": "cdlint.sarif", "exit-code": "1"}
    demo = check([str(FIXTURES / "demo")], Settings())
    log = completed.stdout.splitlines()
    annotations = [line for line in log if line.startswith(("::error ", "::warning ", "::notice "))]
    assert len(annotations) == len(demo.findings)
    for f in demo.findings:
        assert f"{f.span.path}:{f.span.line}:{f.span.column}: {f.severity} {f.rule}: {f.message}" in log, "the log has every finding"
    assert log[-1].startswith(f"{len(demo.findings)} findings")
    sarif = json.loads((tmp_path / "workspace" / "cdlint.sarif").read_text())
    assert sarif["runs"][0]["automationDetails"]["id"] == "cdlint/pipelines/"
    assert len(sarif["runs"][0]["results"]) == len(demo.findings)
    rows = [line for line in summary.splitlines() if line.startswith(("| 🔴", "| 🟠", "| 🔵"))]
    assert len(rows) == len(demo.findings)
    assert "## Continuous delivery maturity: `.`" in summary and "| Build & Deploy | **beginner** |" in summary


def test_action_inputs_turn_parts_off_and_fail_on_decides(tmp_path) -> None:
    completed, outputs, summary = run_action(tmp_path, annotations="false", summary="false", **{"fail-on": "never"})
    assert completed.returncode == 0, completed.stderr
    assert outputs["exit-code"] == "0" and summary == ""
    assert not any(line.startswith("::") for line in completed.stdout.splitlines())


def test_action_install_source_is_one_input() -> None:
    install = next(s for s in ACTION["runs"]["steps"] if s.get("name") == "Install cdlint")
    assert install["env"]["CDLINT_INSTALL"] == "${{ inputs.install }}"
    assert '"${CDLINT_INSTALL:-$ACTION_PATH}"' in install["run"]
    upload = next(s for s in ACTION["runs"]["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["category"] == "${{ inputs.category }}"


def test_readme_documents_permissions_and_sha_pinning() -> None:
    text = snippet("integration: github-action")
    job = load_yaml(text, "snippet").value["jobs"]["cdlint"]
    assert job["permissions"] == {"contents": "read", "security-events": "write", "actions": "read"}
    assert re.search(r"uses: cdlint/cdlint@<40-hex commit SHA of v0\.1\.0> # v0\.1\.0", README)


def test_gitlab_template_runs_as_written(tmp_path) -> None:
    """The template's script, less its install line, run by bash as a GitLab runner does
    (one shell, stop at the first failing line) in a copy of the demo."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "cdlint").symlink_to(_cdlint_executable())
    job = load_yaml(TEMPLATE.read_text(), str(TEMPLATE)).value["cdlint"]
    install, *script = job["script"]
    assert '"$CDLINT_INSTALL"' in install
    workspace = tmp_path / "project"
    shutil.copytree(FIXTURES / "demo", workspace)
    env = {**os.environ, **{k: str(v) for k, v in job["variables"].items()}, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    completed = subprocess.run(["bash", "-eo", "pipefail", "-c", "\n".join(script)], cwd=workspace, env=env,
                               capture_output=True, text=True, timeout=300)
    demo = check([str(FIXTURES / "demo")], Settings())
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout.splitlines()[-1].startswith(f"{len(demo.findings)} findings")
    issues = json.loads((workspace / "gl-code-quality-report.json").read_text())
    assert len(issues) == len(demo.findings)


def test_gitlab_template_installs_the_release_it_comes_from() -> None:
    """The template is included from a tag; what it installs by default is that tag's source,
    and both are the version being released."""
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    job = load_yaml(TEMPLATE.read_text(), str(TEMPLATE)).value["cdlint"]
    assert job["variables"]["CDLINT_INSTALL"] == f"https://github.com/cdlint/cdlint/archive/refs/tags/v{version}.tar.gz"
    assert f"/cdlint/cdlint/v{version}/templates/cdlint.gitlab-ci.yml" in snippet("integration: gitlab")
    assert f"rev: v{version}" in snippet("integration: pre-commit")
    assert f"cdlint/cdlint@v{version}" in snippet("integration: github-action")


def test_ci_builds_and_runs_the_wheel() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert "python -m build --wheel" in script and 'pip" install --quiet dist/cdlint-*.whl' in script


def test_ci_checks_our_own_pipelines() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert ".venv/bin/cdlint check ." in script
    assert "fixtures/" in config.load(ROOT / ".cdlint.yaml", load_rules()).exclude


BAD_WORKFLOW = (FIXTURES / "rules" / "ungated-production-deploy" / "github_no_tests.yml").read_text()
GOOD_WORKFLOW = (FIXTURES / "rules" / "ungated-production-deploy" / "github_tested.yml").read_text()


def _pre_commit(tmp_path: Path, monkeypatch) -> list[str]:
    """A command that runs pre-commit: the one installed with the test extra, or one pip
    installs for this test. Skips when neither is possible."""
    if importlib.util.find_spec("pre_commit") is None:
        target = tmp_path / "pre-commit"
        completed = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target), "pre-commit"],
            capture_output=True, text=True, timeout=300,
        )
        if completed.returncode != 0:
            pytest.skip(f"pre-commit cannot be installed: {completed.stderr[-300:]}")
        monkeypatch.setenv("PYTHONPATH", str(target) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return [sys.executable, "-m", "pre_commit"]


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.mark.slow
def test_pre_commit_hook_fails_on_a_bad_workflow(tmp_path, monkeypatch) -> None:
    """The real thing: pre-commit installs the hook from our checkout into its own virtualenv
    (pip, from PyPI or the local index) and runs it in a throwaway repository."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    command = _pre_commit(tmp_path, monkeypatch)
    # try-repo would leave out files not yet committed in our checkout: hand it a snapshot
    # of the working tree (tracked and new files, as git would list them) as a repository.
    snapshot = tmp_path / "cdlint"
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        if (ROOT / name).is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, snapshot / name)
    _git(snapshot, "init", "-q")
    _git(snapshot, "add", "-A")
    _git(snapshot, "commit", "-q", "-m", "snapshot")

    project = tmp_path / "project"
    (project / ".github" / "workflows").mkdir(parents=True)
    (project / ".github" / "workflows" / "release.yml").write_text(BAD_WORKFLOW)
    (project / "README.md").write_text("a project\n")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))

    def try_repo() -> subprocess.CompletedProcess:
        return subprocess.run([*command, "try-repo", str(snapshot), "cdlint", "--all-files"], cwd=project,
                              capture_output=True, text=True, timeout=600)

    failed = try_repo()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert re.search(r"^cdlint\.+Failed$", failed.stdout, re.M), failed.stdout
    assert (".github/workflows/release.yml:13:3: error ungated-production-deploy: "
            "'deploy' deploys to 'production' with no passing test stage before it") in failed.stdout

    (project / ".github" / "workflows" / "release.yml").write_text(GOOD_WORKFLOW)
    _git(project, "add", "-A")
    passed = try_repo()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"^cdlint\.+Passed$", passed.stdout, re.M), passed.stdout
