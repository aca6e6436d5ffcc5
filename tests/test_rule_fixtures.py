"""Every rule against its fixtures: each `# expect: RULE` marker is a finding, nothing else is.

A fixture is a file `fixtures/rules/<rule-id>/<platform>_<case>.<ext>`, or a
directory of that name holding a small repository when the case spans
several pipeline files.
"""

import re
from pathlib import Path

import pytest

from cdlint.engine import Settings, check, lint_file
from cdlint.parsers import PARSERS
from cdlint.rule import load_rules

from conftest import FIXTURES, ROOT

RULE_FIXTURES = FIXTURES / "rules"
EXPECT = re.compile(r"(?:#|//)\s*expect:\s*([a-z0-9, -]+?)\s*$")
RULES = load_rules()
CASES = sorted(p for p in RULE_FIXTURES.glob("*/*") if not p.name.startswith("."))


def expected(path: Path, root: Path) -> set[tuple[str, int, str]]:
    found = set()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                for rule_id in match[1].split(","):
                    found.add((file.relative_to(root).as_posix(), number, rule_id.strip()))
    return found


def selection(rule) -> list:
    """The rules a fixture runs: the rule itself, or all of them for the rules about ignore
    comments, which judge the other rules' findings."""
    return list(RULES.values()) if "suppression" in rule.tags else [rule]


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(path: Path) -> None:
    rule = RULES[path.parent.name]
    platform = path.name.partition("_")[0]
    assert platform in PARSERS, f"fixture names an unknown platform: {platform}"
    if path.is_dir():
        report = check([str(path)], Settings(rules={r.id: r for r in selection(rule)}))
        assert not report.errors
        found = {(f.span.path, f.span.line, f.rule) for f in report.findings if f.rule == rule.id}
        assert found == expected(path, path)
    else:
        findings = lint_file(path, platform=platform, rules=selection(rule), root=path.parent)
        found = {(f.span.path, f.span.line, f.rule) for f in findings if f.rule == rule.id}
        assert found == expected(path, path.parent)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_has_violating_and_clean_fixtures(rule_id: str) -> None:
    cases = [p for p in CASES if p.parent.name == rule_id]
    roots = {p: (p if p.is_dir() else p.parent) for p in cases}
    marked = [p for p in cases if expected(p, roots[p])]
    assert marked, f"{rule_id} has no fixture with an expect marker"
    assert len(marked) < len(cases), f"{rule_id} has no clean fixture"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_id_module_and_fixture_folder_match(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert rule.module == "cdlint.rules." + rule_id.replace("-", "_")
    assert (ROOT / "rules" / (rule_id.replace("-", "_") + ".py")).is_file()
    assert (RULE_FIXTURES / rule_id).is_dir()


def test_fixture_folders_name_rules() -> None:
    assert {p.name for p in RULE_FIXTURES.iterdir() if p.is_dir()} <= set(RULES)


def test_findings_carry_evidence_and_practice() -> None:
    path = RULE_FIXTURES / "ungated-production-deploy" / "github_continue_on_error.yml"
    [finding] = lint_file(path, platform="github", rules=[RULES["ungated-production-deploy"]], root=path.parent)
    assert finding.practice == "gated-stages"
    assert finding.severity == "error"
    notes = [e.note for e in finding.evidence]
    assert notes[0].startswith("push")
    assert "test stage 'test' does not stop the pipeline when it fails" in notes
    assert any("approvals or checks configured outside the file" in n for n in notes)


def test_workflow_run_without_conclusion_check_is_explained() -> None:
    path = RULE_FIXTURES / "ungated-production-deploy" / "github_workflow_run_ungated"
    report = check([str(path)], Settings(rules={"ungated-production-deploy": RULES["ungated-production-deploy"]}))
    [finding] = report.findings
    assert any("also when it failed" in e.note for e in finding.evidence)


def test_manual_deploy_names_the_typed_input() -> None:
    path = RULE_FIXTURES / "manual-production-deploy" / "github_dispatch_version.yml"
    [finding] = lint_file(path, platform="github", rules=[RULES["manual-production-deploy"]], root=path.parent)
    assert "hand-typed version" in finding.message
    assert any(e.note == "input 'version' chooses what is deployed" for e in finding.evidence)
