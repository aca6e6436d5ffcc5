"""The pieces that keep a hostile repository in its place (issue 15), in-process and fast:
reading files, text made safe to print, user patterns in linear time, configuration
confinement, the cache, plugins, and the exit code of a failing rule. The same cases end to
end, each in a process under limits, are in tests/hostile."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cdlint import config, userregex
from cdlint.cache import cache_dir
from cdlint.cli import main
from cdlint.errors import ConfigError
from cdlint.files import Refused, read_bytes
from cdlint.formatters.markdown import escaped
from cdlint.rule import load_rules
from cdlint.safetext import scrub, visible

from conftest import FIXTURES

RULES = load_rules(plugins=False)
NO_TESTS = (FIXTURES / "rules" / "ungated-production-deploy" / "github_no_tests.yml").read_text()


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def repository(root: Path) -> Path:
    (root / ".git").mkdir(parents=True, exist_ok=True)
    workflow = root / ".github" / "workflows" / "release.yml"
    workflow.parent.mkdir(parents=True, exist_ok=True)
    workflow.write_text(NO_TESTS)
    return root


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_only_regular_files_inside_the_root_and_under_the_limit_are_read(tmp_path) -> None:
    (tmp_path / "repo").mkdir()
    os.mkfifo(tmp_path / "repo" / "fifo")
    (tmp_path / "repo" / "big").write_bytes(b"x" * 11)
    (tmp_path / "outside").write_text("secret")
    os.symlink(tmp_path / "outside", tmp_path / "repo" / "link")
    reasons = {}
    for name in ("fifo", "big", "link"):
        with pytest.raises(Refused) as refused:
            read_bytes(tmp_path / "repo" / name, 10, tmp_path / "repo")
        reasons[name] = refused.value.reason
    assert reasons == {"fifo": "is not a regular file", "big": "is larger than the 10 byte limit",
                       "link": "is outside the repository"}
    with pytest.raises(Refused, match="is not a regular file"):
        read_bytes("/dev/zero", 10)
    assert read_bytes(tmp_path / "outside", 10) == b"secret"


def test_text_is_scrubbed_of_surrogates_and_made_visible() -> None:
    assert scrub("deploy\ud800") == "deploy\ufffd"
    assert scrub("\ud83d\ude80") == "🚀"  # a pair written as two escapes is its character
    assert visible("x\x1b[2J\n::error file=a::b\u202e") == "x\\x1b[2J\\x0a::error file=a::b\\u202e"
    assert visible("tab\tstays") == "tab\tstays"


def test_names_in_markdown_are_plain_text() -> None:
    assert escaped("[docs](https://evil.example)") == "\\[docs\\](https://evil.example)"
    assert escaped("![x](y) <img> `code` | a*b_c") == "!\\[x\\](y) \\<img\\> \\`code\\` \\| a\\*b\\_c"
    assert escaped("@everyone #12") == "@\u200beveryone #\u200b12"


def test_user_patterns_match_in_linear_time_or_say_why_not() -> None:
    # With Python's backtracking engine this search does not end in a lifetime.
    assert userregex.compile(r"(a+)+$").search("a" * 50_000 + "!") is None
    assert userregex.compile("^live-", 2).search("LIVE-eu") is not None  # re.IGNORECASE
    assert userregex.compile("x").search("\ud800x") is not None
    assert "lookarounds and backreferences are not supported" in userregex.problem(r"(?<!pre)prod")
    assert "unterminated" in userregex.problem("(prod")


def test_a_configuration_cannot_reach_outside_its_repository(tmp_path) -> None:
    repo = repository(tmp_path / "repo")
    (tmp_path / "secret.yaml").write_text("admin-token: hunter2\n")
    own = repo / ".cdlint.yaml"
    for extends in (str(tmp_path / "secret.yaml"), "../secret.yaml", "/dev/zero"):
        own.write_text(f"extends: {extends}\n")
        with pytest.raises(ConfigError, match="outside the repository") as error:
            config.load(own, RULES, repo)
        assert "hunter2" not in str(error.value)
    (repo / "notes.yaml").write_text("admin-token: hunter2\n")
    own.write_text("extends: notes.yaml\n")
    with pytest.raises(ConfigError, match="is not a cdlint configuration") as error:
        config.load(own, RULES, repo)
    assert "hunter2" not in str(error.value) and "admin-token" not in str(error.value)
    own.write_text("baseline: ../secret.yaml\n")
    with pytest.raises(ConfigError, match="baseline: '../secret.yaml' is outside the repository"):
        config.load(own, RULES, repo)
    own.write_text("rules:\n  1: disable\n")
    with pytest.raises(ConfigError, match=r"\.cdlint\.yaml:2:3: a key must be a string"):
        config.load(own, RULES, repo)


def test_user_patterns_that_backtrack_are_configuration_errors(tmp_path) -> None:
    repo = repository(tmp_path / "repo")
    (repo / ".cdlint.yaml").write_text("environments:\n  production: ['(?<!pre)prod']\n")
    result = run("check", str(repo))
    assert result.exit_code == 2 and "lookarounds and backreferences are not supported" in result.stderr


def test_the_cache_is_never_relative(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("CDLINT_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", ".")
    assert cache_dir() == tmp_path / ".cache" / "cdlint"
    monkeypatch.setenv("CDLINT_CACHE_DIR", "cache")
    assert cache_dir() == tmp_path / ".cache" / "cdlint"


def test_plugins_come_from_the_environment_not_the_current_directory(tmp_path, monkeypatch) -> None:
    plugin = "[cdlint.rules]\nsecurity_test = security_test_rules\n"
    rule = ("from cdlint.rule import rule\n\n@rule(id='from-a-plugin', practice='x')\n"
            "def check(project, options):\n    '''A plugin rule.'''\n    return iter(())\n")
    for folder in ("site", "cwd"):
        dist = tmp_path / folder / "security_test-1.0.dist-info"
        dist.mkdir(parents=True)
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: security-test\nVersion: 1.0\n")
        (dist / "entry_points.txt").write_text(plugin)
        (tmp_path / folder / "security_test_rules.py").write_text(rule)
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setattr(sys, "path", ["", str(tmp_path / "cwd"), *sys.path])
    assert "from-a-plugin" not in load_rules()
    monkeypatch.setattr(sys, "path", [str(tmp_path / "site"), *sys.path])
    assert "from-a-plugin" in load_rules()
    sys.modules.pop("security_test_rules", None)


def test_no_repo_config_leaves_the_repository_no_say(tmp_path) -> None:
    repo = repository(tmp_path / "repo")
    (repo / ".cdlint.yaml").write_text("rules:\n  ungated-production-deploy: disable\n")
    assert "error ungated-production-deploy:" not in run("check", str(repo)).output
    assert "error ungated-production-deploy:" in run("check", "--no-repo-config", str(repo)).output


def test_a_failing_rule_is_an_internal_error_and_the_others_still_report(tmp_path, monkeypatch) -> None:
    import dataclasses

    import cdlint.settings

    def boom(project, options):
        raise ZeroDivisionError("a bug")
        yield

    broken = {**RULES, "no-rollback-path": dataclasses.replace(RULES["no-rollback-path"], check=boom)}
    monkeypatch.setattr(cdlint.settings, "load_rules", lambda *a, **k: broken)
    result = run("check", str(repository(tmp_path / "repo")))
    assert result.exit_code == 2
    assert "internal error in rule 'no-rollback-path' (ZeroDivisionError: a bug); please report it" in result.stderr
    assert "error ungated-production-deploy:" in result.stdout


REGRESSIONS = Path(__file__).parent / "fuzz" / "regressions"


@pytest.mark.parametrize("name", sorted(p.name for p in REGRESSIONS.glob("*-crash-*")) + ["jenkins-timeout-parallel-runs-itself"])
def test_what_fuzzing_found_is_read_without_an_internal_error(name: str, tmp_path) -> None:
    """Inputs the fuzzer made crash or hang (tests/fuzz), now read with findings at most."""
    platform = name.partition("-")[0]
    target = {"github": ".github/workflows/ci.yml", "gitlab": ".gitlab-ci.yml", "azure": "azure-pipelines.yml",
              "jenkins": "Jenkinsfile"}[platform]
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / target).parent.mkdir(parents=True, exist_ok=True)
    (repo / target).write_bytes((REGRESSIONS / name).read_bytes())
    result = run("check", "--platform", platform, str(repo))
    assert result.exit_code in (0, 1) and "internal error" not in result.output + result.stderr


@pytest.mark.parametrize("written", [
    # A value with a backslash is the value, not a replacement template ("\d" made re fail).
    ("gitlab", ".gitlab-ci.yml", "deploy:\n  parallel:\n    matrix:\n      - ENV: ['prod\\d']\n"
     "  environment: $ENV\n  script: [./deploy.sh]\n"),
    ("github", ".github/workflows/ci.yml", "on: push\njobs:\n  deploy:\n    uses: ./.github/workflows/d.yml\n"
     "    with: {env: 'prod\\1'}\n"),
    # "tags:" with nothing under it.
    ("azure", "azure-pipelines.yml", "trigger:\n  branches: [refs/tags/v1]\n  tags:\nsteps:\n  - script: make\n"),
])
def test_values_fuzzing_found_are_read_as_written(written, tmp_path) -> None:
    platform, target, text = written
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / target).parent.mkdir(parents=True, exist_ok=True)
    (repo / target).write_text(text)
    (repo / ".github" / "workflows").mkdir(parents=True, exist_ok=True)
    (repo / ".github" / "workflows" / "d.yml").write_text(
        "on:\n  workflow_call:\n    inputs: {env: {type: string}}\njobs:\n  go:\n    runs-on: x\n"
        "    environment: ${{ inputs.env }}\n    steps: [{run: ./deploy.sh}]\n")
    result = run("check", str(repo))
    assert result.exit_code in (0, 1) and "internal error" not in result.output + result.stderr


EDGES_PER_PLATFORM = {
    # Four jobs wait for four: 16 dependencies.
    ".gitlab-ci.yml": "stages: [a, b]\n" + "".join(f"{s}{n}:\n  stage: {s}\n  script: [make]\n" for s in "ab" for n in range(4)),
    "azure-pipelines.yml": "trigger: [main]\nstages:\n" + "".join(
        f"  - stage: {s}\n    jobs:\n" + "".join(f"      - job: {s}{n}\n        steps: [{{script: make}}]\n" for n in range(4))
        for s in "AB"),
    ".github/workflows/ci.yml": "on: push\njobs:\n" + "".join(f"  a{n}:\n    runs-on: x\n    steps: [{{run: make}}]\n" for n in range(4))
    + "".join(f"  b{n}:\n    needs: [a0, a1, a2, a3]\n    runs-on: x\n    steps: [{{run: make}}]\n" for n in range(4)),
}


@pytest.mark.parametrize("path", EDGES_PER_PLATFORM)
@pytest.mark.parametrize("budget,too_large", [(16, False), (15, True)])
def test_a_pipeline_past_the_dependency_budget_is_too_large_to_analyse(path, budget, too_large, tmp_path, monkeypatch) -> None:
    from cdlint.parsers import common

    monkeypatch.setattr(common, "MAX_EDGES", budget)
    target = tmp_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(EDGES_PER_PLATFORM[path])
    result = run("check", "--format", "concise", str(tmp_path))
    assert ("parse-error: too large to analyse" in result.output) is too_large, result.output
