"""Inline ignore comments: where they apply, expiry, reasons, unused ones, and every platform alike."""

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from cdlint import suppress
from cdlint.cli import main
from cdlint.engine import Settings, check
from cdlint.parsers import PARSERS

from conftest import CATALOG_RULES, FIXTURES

TODAY = date(2025, 6, 15)
UNGATED = "ungated-production-deploy"
NO_TESTS = (FIXTURES / "rules" / UNGATED / "github_no_tests.yml").read_text().replace("  # expect: " + UNGATED, "")
DEPLOY_LINE = 13
REBUILDS = """name: Release
on:
  push:
    branches: [main]
jobs:
  deploy:{comment}
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: docker build -t shop .
      - run: ./deploy.sh
"""


def run_check(root: Path, **settings):
    """The report of a check, without the catalog's findings: the comments here name core rules."""
    report = check([str(root)], Settings(today=TODAY, **settings))
    return replace(report, findings=tuple(f for f in report.findings if f.rule not in CATALOG_RULES))


def findings(root: Path, **settings) -> list[tuple[int, str, str]]:
    return [(f.span.line, f.rule, f.severity) for f in run_check(root, **settings).findings]


def workflow(root: Path, text: str, name: str = "release.yml") -> Path:
    path = root / ".github" / "workflows" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return root


def with_line(text: str, number: int, suffix: str = "", before: str | None = None) -> str:
    """``text`` with ``suffix`` added to line ``number``, or ``before`` inserted above it (indented alike)."""
    lines = text.splitlines()
    target = lines[number - 1]
    if before is not None:
        indent = target[: len(target) - len(target.lstrip())]
        lines.insert(number - 1, indent + before)
    else:
        lines[number - 1] = target + suffix
    return "\n".join(lines) + "\n"


def test_the_finding_exists_without_an_ignore(tmp_path) -> None:
    assert findings(workflow(tmp_path, NO_TESTS)) == [(DEPLOY_LINE, UNGATED, "error")]


def test_trailing_ignore_covers_its_line(tmp_path) -> None:
    text = with_line(NO_TESTS, DEPLOY_LINE, f"  # cdlint: ignore[{UNGATED}] smoke tests run inside deploy.sh")
    assert findings(workflow(tmp_path, text)) == []


def test_ignore_alone_on_the_line_before_covers_the_next_code_line(tmp_path) -> None:
    text = with_line(NO_TESTS, DEPLOY_LINE, before=f"# cdlint: ignore[{UNGATED}] accepted, see RUNBOOK.md")
    assert findings(workflow(tmp_path, text)) == []
    stacked = with_line(text, DEPLOY_LINE + 1, before="# the deploy job")
    stacked = with_line(stacked, DEPLOY_LINE + 2, before="")
    assert findings(workflow(tmp_path, stacked)) == []


def test_one_ignore_names_several_rules(tmp_path) -> None:
    both = REBUILDS.format(comment=f"  # cdlint: ignore[{UNGATED}, deploy-rebuilds-artifact] legacy release job")
    assert findings(workflow(tmp_path, both)) == []
    one = REBUILDS.format(comment=f"  # cdlint: ignore[{UNGATED}] legacy release job")
    assert findings(workflow(tmp_path, one)) == [(6, "deploy-rebuilds-artifact", "warning")]
    assert findings(workflow(tmp_path, REBUILDS.format(comment=""))) == [
        (6, "deploy-rebuilds-artifact", "warning"), (6, UNGATED, "error")]


def test_expired_ignore_suppresses_nothing_and_is_reported(tmp_path) -> None:
    text = with_line(NO_TESTS, DEPLOY_LINE, f"  # cdlint: ignore[{UNGATED}] until=2025-06-14 tests land next sprint")
    report = run_check(workflow(tmp_path, text))
    assert [(f.rule, f.severity) for f in report.findings] == [(UNGATED, "error"), ("invalid-ignore", "error")]
    assert report.findings[1].message == f"ignore of '{UNGATED}' expired on 2025-06-14, so what it covers is reported again"
    on_the_day = text.replace("until=2025-06-14", "until=2025-06-15")
    assert findings(workflow(tmp_path, on_the_day)) == []


def test_invalid_date_suppresses_nothing(tmp_path) -> None:
    text = with_line(NO_TESTS, DEPLOY_LINE, f"  # cdlint: ignore[{UNGATED}] until=2025-02-30 reason")
    report = run_check(workflow(tmp_path, text))
    assert [f.rule for f in report.findings] == [UNGATED, "invalid-ignore"]
    assert "invalid date 'until=2025-02-30'" in report.findings[1].message


def test_unused_ignore_is_a_note_at_the_comment(tmp_path) -> None:
    text = with_line(NO_TESTS, 6, f"  # cdlint: ignore[{UNGATED}] build is not a deploy")
    report = run_check(workflow(tmp_path, text))
    assert [(f.span.line, f.span.column, f.rule, f.severity) for f in report.findings] == [
        (6, 11, "unused-ignore", "note"), (DEPLOY_LINE, 3, UNGATED, "error")]
    assert report.findings[0].message == f"ignore of '{UNGATED}' suppressed nothing"


def test_ignores_of_rules_that_did_not_run_are_not_judged(tmp_path) -> None:
    from cdlint.rule import load_rules

    rules = {k: v for k, v in load_rules().items() if k != UNGATED}
    text = with_line(NO_TESTS, 6, f"  # cdlint: ignore[{UNGATED}] build is not a deploy")
    assert findings(workflow(tmp_path, text), rules=rules) == []


def test_naming_unused_ignore_keeps_an_ignore_on_purpose(tmp_path) -> None:
    text = with_line(NO_TESTS, 6, f"  # cdlint: ignore[{UNGATED}, unused-ignore] kept for the migration")
    assert findings(workflow(tmp_path, text)) == [(DEPLOY_LINE, UNGATED, "error")]


def test_unknown_rule_and_malformed_comments_are_invalid(tmp_path) -> None:
    text = with_line(NO_TESTS, DEPLOY_LINE, "  # cdlint: ignore[ungated-deploy] reviewed")
    text = with_line(text, 6, "  # cdlint: ignore this job")
    report = run_check(workflow(tmp_path, text))
    messages = [(f.span.line, f.rule, f.message) for f in report.findings]
    assert messages == [
        (6, "invalid-ignore", "ignore comment names no rule: write 'cdlint: ignore[rule-id] reason'"),
        (DEPLOY_LINE, UNGATED, messages[1][2]),
        (DEPLOY_LINE, "invalid-ignore", "ignore names unknown rule 'ungated-deploy' (did you mean 'ungated-production-deploy'?)"),
    ]


def test_require_reason(tmp_path) -> None:
    text = with_line(NO_TESTS, DEPLOY_LINE, f"  # cdlint: ignore[{UNGATED}]")
    root = workflow(tmp_path, text)
    assert findings(root) == []
    assert findings(root, require_reason=True) == [(DEPLOY_LINE, "invalid-ignore", "error")]
    reasoned = with_line(NO_TESTS, DEPLOY_LINE, f"  # cdlint: ignore[{UNGATED}] until=2030-01-01 - smoke tests in deploy.sh")
    assert findings(workflow(tmp_path, reasoned), require_reason=True) == []


def test_no_ignores_reports_everything_and_judges_no_ignore(tmp_path) -> None:
    text = with_line(NO_TESTS, DEPLOY_LINE, f"  # cdlint: ignore[{UNGATED}] accepted")
    text = with_line(text, 6, "  # cdlint: ignore[parse-error] unused")
    assert findings(workflow(tmp_path, text), ignores=False) == [(DEPLOY_LINE, UNGATED, "error")]


def test_cli_flags(tmp_path) -> None:
    text = with_line(NO_TESTS, DEPLOY_LINE, f"  # cdlint: ignore[{UNGATED}]")
    root = str(workflow(tmp_path, text))
    runner = CliRunner()
    assert runner.invoke(main, ["check", root]).exit_code == 0
    result = runner.invoke(main, ["check", "--require-reason", root])
    assert result.exit_code == 1 and "error invalid-ignore: ignore of 'ungated-production-deploy' gives no reason" in result.output
    result = runner.invoke(main, ["check", "--no-ignores", root])
    assert result.exit_code == 1 and f"error {UNGATED}" in result.output
    (tmp_path / ".cdlint.yaml").write_text("require-reason: true\n")
    assert runner.invoke(main, ["check", root]).exit_code == 1


def test_ignores_in_included_files_apply(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    source = FIXTURES / "rules" / UNGATED / "github_reusable" / ".github" / "workflows"
    workflow(tmp_path, (source / "release.yml").read_text())
    reusable = (source / "deploy.yml").read_text().replace("  # expect: " + UNGATED, "")
    workflow(tmp_path, reusable, "deploy.yml")
    release = ".github/workflows/release.yml"

    def ungated() -> list:
        return [(f.span.path, f.span.line) for f in check([release], Settings(today=TODAY)).findings if f.rule == UNGATED]

    [(path, line)] = ungated()
    assert path == ".github/workflows/deploy.yml"
    workflow(tmp_path, with_line(reusable, line, f"  # cdlint: ignore[{UNGATED}] hotfix lane, see RUNBOOK.md"), "deploy.yml")
    assert ungated() == []


# One pipeline per platform that deploys to production with no test before it. The test
# finds the line of the finding, then writes the ignore there in that platform's comment
# syntax: the suppression step reads raw lines and knows no platform.
SAMPLES = {
    "github": (".github/workflows/release.yml", "#", NO_TESTS),
    "gitlab": (".gitlab-ci.yml", "#", """stages: [build, deploy]
build:
  stage: build
  script: make dist
deploy:
  stage: deploy
  environment: production
  script: ./deploy.sh
"""),
    "azure": ("azure-pipelines.yml", "#", """trigger: [main]
stages:
  - stage: build
    jobs:
      - job: build
        steps:
          - script: make dist
  - stage: deploy
    jobs:
      - deployment: deploy
        environment: production
        strategy:
          runOnce:
            deploy:
              steps:
                - script: ./deploy.sh
"""),
    "jenkins": ("Jenkinsfile", "//", """pipeline {
    agent any
    stages {
        stage('Build') {
            steps { sh 'make dist' }
        }
        stage('Deploy to production') {
            environment { DEPLOY_ENV = 'production' }
            steps { sh './deploy.sh production' }
        }
    }
}
"""),
}


@pytest.mark.parametrize("platform", sorted(SAMPLES))
def test_every_platform_shares_the_comment(tmp_path, platform: str) -> None:
    if platform not in PARSERS:
        pytest.skip(f"the {platform} parser has not landed")
    path, marker, text = SAMPLES[platform]

    def run(source: str) -> list[tuple[int, str]]:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(source)
        return [(f.span.line, f.rule) for f in run_check(tmp_path).findings]

    lines = [line for line, rule in run(text) if rule == UNGATED]
    if not lines:
        assert platform != "github"
        pytest.skip(f"the {platform} sample has no '{UNGATED}' finding to suppress")
    line = lines[0]
    ignore = f"{marker} cdlint: ignore[{UNGATED}] accepted"
    assert (line, UNGATED) not in run(with_line(text, line, "  " + ignore))
    assert (line + 1, UNGATED) not in run(with_line(text, line, before=ignore))
    expired = with_line(text, line, f"  {marker} cdlint: ignore[{UNGATED}] until=2020-01-01 accepted")
    assert {(line, UNGATED), (line, "invalid-ignore")} <= set(run(expired))
    unused = with_line(text, 1, f"  {marker} cdlint: ignore[{UNGATED}] misplaced")
    assert (1, "unused-ignore") in run(unused)


def test_scan_reads_both_comment_forms_from_raw_lines() -> None:
    groovy = """pipeline {
    stages {
        // cdlint: ignore[manual-production-deploy, ungated-production-deploy] hotfix lane until=2030-12-31
        stage('Deploy') {
            steps { sh './deploy.sh' }  // cdlint: ignore[deploy-rebuilds-artifact]
        }
    }
}
"""
    first, second = suppress.scan("Jenkinsfile", groovy)
    assert (first.span.line, first.span.column, first.target) == (3, 9, 4)
    assert first.rules == ("manual-production-deploy", "ungated-production-deploy")
    assert (first.reason, first.until, first.expiry) == ("hotfix lane", "2030-12-31", date(2030, 12, 31))
    assert first.subject == "stage('Deploy') {"
    assert (second.span.line, second.target, second.rules, second.reason) == (5, 5, ("deploy-rebuilds-artifact",), "")


@pytest.mark.parametrize(
    "line",
    [
        "url: https://example.com/#cdlint: ignore[x]",
        "name: cdlint: ignore[x]",
        "run: echo 'x'#cdlint: ignore[x]",
        "# cdlint: ignored because of x",
        "# cdlint ignore[x]",
    ],
)
def test_text_that_is_not_an_ignore_comment(line: str) -> None:
    assert suppress.scan("f.yml", line + "\nnext: 1\n") == []


def test_scan_details() -> None:
    text = "a: 1\r\n  # cdlint: ignore[ x , y,x ] : because\r\n\r\n  # other comment\r\nb: 2\r\n# cdlint: ignore[z]\r\n"
    first, last = suppress.scan("f.yml", text)
    assert (first.rules, first.reason, first.target, first.subject) == (("x", "y"), "because", 5, "b: 2")
    assert (last.target, last.subject) == (None, "")


def test_a_dangling_ignore_is_unused(tmp_path) -> None:
    text = NO_TESTS + f"# cdlint: ignore[{UNGATED}] nothing follows\n"
    report = run_check(workflow(tmp_path, text))
    assert [f.message for f in report.findings if f.rule == "unused-ignore"] == [
        f"ignore of '{UNGATED}' suppressed nothing (no line follows it)"]
