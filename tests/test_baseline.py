"""Baselines: record the findings of today, report only new ones, survive edits that move lines."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cdlint import baseline
from cdlint.cli import main
from cdlint.engine import Settings, check, lint_file
from cdlint.formatters import sarif
from cdlint.rule import load_rules

from conftest import CATALOG_OFF, CATALOG_RULES, FIXTURES

UNGATED = "ungated-production-deploy"
NO_TESTS = (FIXTURES / "rules" / UNGATED / "github_no_tests.yml").read_text()
SECOND_DEPLOY = """  deploy-eu:
    needs: build
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: ./scripts/deploy.sh eu
"""


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def repository(root: Path, text: str) -> str:
    path = root / ".github" / "workflows" / "release.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    (root / ".cdlint.yaml").write_text(CATALOG_OFF)
    return str(root)


def test_a_recorded_finding_survives_lines_inserted_above_it_and_a_new_one_is_reported(tmp_path) -> None:
    root = repository(tmp_path / "repo", NO_TESTS)
    recorded = tmp_path / "baseline.json"
    result = run("check", "--write-baseline", str(recorded), root)
    assert result.exit_code == 0
    assert result.output == f"cdlint: recorded 1 finding in {recorded}\n"
    assert run("check", "--baseline", str(recorded), root).exit_code == 0

    moved = "# Release pipeline\n# owned by the platform team\n\n" + NO_TESTS.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-24.04")
    repository(tmp_path / "repo", moved)
    result = run("check", "--baseline", str(recorded), root)
    assert result.exit_code == 0
    assert "no findings in 1 pipeline file" in result.output
    assert "cdlint: 1 finding recorded in the baseline is not shown" in result.output

    repository(tmp_path / "repo", moved + SECOND_DEPLOY)
    result = run("check", "--baseline", str(recorded), root)
    assert result.exit_code == 1
    assert "'deploy-eu' deploys to 'production'" in result.output
    assert "'deploy' deploys" not in result.output


def test_the_file_is_versioned_sorted_and_deterministic(tmp_path) -> None:
    root = repository(tmp_path / "repo", NO_TESTS + SECOND_DEPLOY)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    run("check", "--write-baseline", str(first), root)
    run("check", "--write-baseline", str(second), root)
    assert first.read_bytes() == second.read_bytes()
    document = json.loads(first.read_text())
    assert document["version"] == 1 and document["tool"] == "cdlint"
    entries = document["findings"]
    assert [set(e) for e in entries] == [{"path", "rule", "fingerprint", "message"}] * 2
    assert entries == sorted(entries, key=lambda e: (e["path"], e["rule"], e["fingerprint"], e["message"]))
    assert first.read_text().endswith("}\n") and "\n    {\n" in first.read_text()


def test_a_fingerprint_recorded_once_hides_one_finding() -> None:
    path = FIXTURES / "rules" / UNGATED / "github_no_tests.yml"
    [finding] = lint_file(path, rules=[load_rules()[UNGATED]], root=path.parent)
    kept, hidden = baseline.subtract([finding, finding], {finding.fingerprint: 1})
    assert (kept, hidden) == ([finding], 1)


def test_baseline_from_the_configuration(tmp_path) -> None:
    root = tmp_path / "repo"
    repository(root, NO_TESTS)
    (root / "ci").mkdir()
    run("check", "--write-baseline", str(root / "ci" / "cdlint-baseline.json"), str(root))
    (root / ".cdlint.yaml").write_text("baseline: ci/cdlint-baseline.json\n")
    assert run("check", str(root)).exit_code == 0
    (root / ".cdlint.yaml").write_text("baseline: ci/missing.json\n")
    result = run("check", str(root))
    assert result.exit_code == 2 and "missing.json' does not exist (write one with --write-baseline)" in result.output


@pytest.mark.parametrize(
    "content,message",
    [("{", "cannot read baseline file"), ('{"version": 2, "findings": []}', "is not a version 1 cdlint baseline"),
     ('{"version": 1, "findings": [{"rule": "x"}]}', "must be a list of entries with a 'fingerprint'")],
)
def test_a_bad_baseline_is_a_usage_error(tmp_path, content: str, message: str) -> None:
    bad = tmp_path / "baseline.json"
    bad.write_text(content)
    result = run("check", "--baseline", str(bad), repository(tmp_path / "repo", NO_TESTS))
    assert result.exit_code == 2 and message in result.output


def test_sarif_fingerprints_are_the_baseline_fingerprints(tmp_path) -> None:
    core = {k: r for k, r in load_rules().items() if k not in CATALOG_RULES}
    report = check([repository(tmp_path, NO_TESTS + SECOND_DEPLOY)], Settings(rules=core))
    results = json.loads(sarif.render(report))["runs"][0]["results"]
    recorded = [e["fingerprint"] for e in json.loads(baseline.render(report.findings))["findings"]]
    assert sorted(r["partialFingerprints"]["cdlintFingerprint/v1"] for r in results) == sorted(recorded)
    assert len(set(recorded)) == 2


def every_fixture_finding():
    rules = load_rules()
    for case in sorted((FIXTURES / "rules").glob("*/*")):
        if case.is_dir():
            yield from check([str(case)], Settings(rules=rules)).findings
        else:
            yield from lint_file(case, platform=case.name.partition("_")[0], rules=rules.values(), root=case.parent)


def test_every_rule_names_what_it_flags() -> None:
    """Fingerprints rest on ``Finding.key`` (the stage, environment or reference flagged), not on
    the message, whose wording may change, or line numbers."""
    found = list(every_fixture_finding())
    assert {f.rule for f in found} >= {"ungated-production-deploy", "unused-ignore", "parse-error"}
    assert [f"{f.rule} at {f.span}" for f in found if not f.key] == []
