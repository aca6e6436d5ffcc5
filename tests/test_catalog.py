"""What the catalog promises beyond single fixtures: findings keep their identity when lines
move, repository-wide rules speak once, and each ignored test is one finding."""

from pathlib import Path

import pytest

from cdlint.engine import Settings, check, lint_file
from cdlint.rule import load_rules

from conftest import FIXTURES

RULES = load_rules()
CATALOG = sorted(
    p for p in (FIXTURES / "rules").glob("*/github_*") if p.suffix == ".yml" and p.parent.name not in ("parse-error",)
)


def run(root: Path, rule_ids: list[str] | None = None):
    rules = {r: RULES[r] for r in rule_ids} if rule_ids else RULES
    return check([str(root)], Settings(rules=rules)).findings


def repository(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / ".github" / "workflows" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize("fixture", CATALOG, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_keys_and_fingerprints_survive_moved_lines(tmp_path: Path, fixture: Path) -> None:
    before = repository(tmp_path / "a", {"w.yml": fixture.read_text()})
    after = repository(tmp_path / "b", {"w.yml": "# moved\n\n\n" + fixture.read_text()})
    first = [(f.rule, f.key, f.fingerprint) for f in run(before, [fixture.parent.name])]
    second = [(f.rule, f.key, f.fingerprint) for f in run(after, [fixture.parent.name])]
    assert first == second
    assert all(f[1] for f in first), "every finding has a key"


def test_repository_wide_rules_report_once(tmp_path: Path) -> None:
    ci = "on: [push, pull_request]\njobs:\n  test: {runs-on: x, steps: [{run: pytest}]}\n"
    release = "on: {push: {tags: ['v*']}}\njobs:\n  build: {runs-on: x, steps: [{run: python -m build}]}\n"
    root = repository(tmp_path, {"ci.yml": ci, "release.yml": release, "docs.yml": ci})
    [finding] = run(root, ["no-security-scan"])
    assert finding.span.path == ".github/workflows/ci.yml"
    assert finding.message == "none of the 3 pipelines runs a security scan (SAST, dependency, secret or container scan)"


def test_an_ignored_test_is_one_finding_whatever_follows_it(tmp_path: Path) -> None:
    workflow = """\
on: {push: {branches: [main]}}
jobs:
  test: {runs-on: x, steps: [{run: pytest || true}]}
  staging: {needs: test, runs-on: x, environment: staging, steps: [{run: ./deploy.sh staging}]}
  production: {needs: test, runs-on: x, environment: production, steps: [{run: ./deploy.sh production}]}
"""
    [finding] = run(repository(tmp_path, {"deploy.yml": workflow}), ["tests-allowed-to-fail"])
    assert finding.message == "test step 'pytest || true' in 'test' ignores its failure: '|| true' swallows its failure"


def test_per_run_concurrency_group_is_explained(tmp_path: Path) -> None:
    fixture = FIXTURES / "rules" / "unserialized-production-deploy" / "github_group_per_run.yml"
    [finding] = run(repository(tmp_path, {"deploy.yml": fixture.read_text()}), ["unserialized-production-deploy"])
    assert [e.note for e in finding.evidence] == [
        "concurrency group 'deploy-${{ github.run_id }}' is different for every run, so it serializes nothing"
    ]


def test_scheduled_only_work_names_each_stage_with_what_it_does() -> None:
    fixture = FIXTURES / "rules" / "no-commit-trigger" / "jenkins_nightly_only.Jenkinsfile"
    [finding] = [f for f in lint_file(fixture, platform="jenkins", rules=[load_rules()["no-commit-trigger"]])]
    assert [e.note for e in finding.evidence][1:3] == ["'Build' builds", "'Test' runs tests"]


TEARDOWN_RULES = ["persistent-test-environment", "environment-without-teardown"]
TEARDOWN_CASES = sorted(
    p for rule in TEARDOWN_RULES for p in (FIXTURES / "rules" / rule).iterdir() if not p.name.startswith(".")
)


@pytest.mark.parametrize("case", TEARDOWN_CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_environment_is_reported_by_both_teardown_rules(case: Path) -> None:
    # persistent-test-environment owns testing-tier environments, environment-without-teardown
    # the other per-change ones; both key a finding by pipeline and environment name.
    rules = [RULES[r] for r in TEARDOWN_RULES]
    if case.is_dir():
        found = check([str(case)], Settings(rules={r.id: r for r in rules})).findings
    else:
        found = lint_file(case, platform=case.name.partition("_")[0], rules=rules, root=case.parent)
    keys = {r: {f.key for f in found if f.rule == r} for r in TEARDOWN_RULES}
    both = keys[TEARDOWN_RULES[0]] & keys[TEARDOWN_RULES[1]]
    assert not both, f"{sorted(both)} reported by both rules: give each tier to one rule (see _dynamic in environment_without_teardown)"
