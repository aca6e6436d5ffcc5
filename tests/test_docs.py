"""The documentation stays true: the README's rule table is the registry's, and every
rule's docstring and options document it."""

import re

import jsonschema
import pytest
from click.testing import CliRunner

from cdlint import ruledocs
from cdlint.cli import main
from cdlint.rule import load_rules

from conftest import ROOT


def test_readme_rule_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    table = re.search(r"<!-- rules:start[^>]*-->\n(.*?)<!-- rules:end -->", readme, re.S)
    assert table, "README lacks the rules table markers"
    assert table[1] == ruledocs.table(load_rules().values()), "README rule table is stale: paste `cdlint rules --format markdown`"


def test_readme_commands_are_the_ci_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 -m venv .venv && .venv/bin/pip install -e '.[test,fleet]' && .venv/bin/cdlint check fixtures/demo" in readme
    assert ".venv/bin/python -m pytest" in readme
    for part in ("python3 -m venv .venv", ".venv/bin/pip install -e '.[test,fleet]'", ".venv/bin/cdlint check fixtures/demo",
                 ".venv/bin/python -m pytest"):
        assert part in ci, part


RULES = load_rules()


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_docstring_is_its_documentation(rule_id: str) -> None:
    rule = RULES[rule_id]
    summary, _, body = rule.doc.partition("\n")
    assert summary.strip().endswith("."), "the summary is one sentence on the first line"
    assert len(body.split()) > 20, "the docstring explains why"
    assert "\nFix: " in rule.doc, "the docstring has a 'Fix:' part"
    # Rules about reading the files or about ignore comments (not a practice) have no
    # pipeline to show as good.
    if rule.id not in ("parse-error", "unresolved-include") and "suppression" not in rule.tags:
        assert re.search(r"\nBad\b.*:\n", rule.doc) and re.search(r"\nGood\b.*:\n", rule.doc), "a bad and a good example"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_options_are_json_schema_with_valid_defaults(rule_id: str) -> None:
    rule = RULES[rule_id]
    schema = {"type": "object", "properties": rule.options, "additionalProperties": False}
    jsonschema.Draft202012Validator.check_schema(schema)
    assert all("default" in spec and spec.get("description") for spec in rule.options.values())
    jsonschema.validate(rule.defaults(), schema)


def test_cli_lists_every_rule_with_practice_and_severity() -> None:
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0
    lines = {line.split()[0]: line.split()[1:3] for line in result.output.splitlines()}
    assert lines == {r.id: [r.severity, r.practice] for r in RULES.values()}


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_cli_prints_each_rules_documentation(rule_id: str) -> None:
    rule = RULES[rule_id]
    result = CliRunner().invoke(main, ["rule", rule_id])
    assert result.exit_code == 0
    assert result.output.startswith(f"{rule.id} ({rule.severity}, practice: {rule.practice})\n")
    assert rule.summary in result.output and "Fix:" in result.output
    for name in rule.options:
        assert f"  {name}: " in result.output


def test_readme_example_outputs_are_what_cdlint_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each ```text block after an `<!-- output: cdlint ... -->` marker is a shortened copy
    of that command's output: every line in it (but '...') is a line cdlint prints."""
    readme = (ROOT / "README.md").read_text()
    examples = re.findall(r"<!-- output: cdlint (.*?) -->\n.*?```text\n(.*?)\n```", readme, re.S)
    assert len(examples) == 2
    monkeypatch.chdir(ROOT)
    for command, block in examples:
        printed = set(CliRunner().invoke(main, command.split()).output.splitlines())
        missing = [line for line in block.splitlines() if line not in ("...", "") and line not in printed]
        assert not missing, f"README example of `cdlint {command}` is stale: {missing}"


def test_rules_page_is_current() -> None:
    page = (ROOT / "docs" / "rules.md").read_text()
    assert page == ruledocs.page(load_rules().values()), "docs/rules.md is stale: run `cdlint rules --format doc -o docs/rules.md`"


def test_sarif_help_links_point_at_sections_that_exist() -> None:
    """Code scanning links each alert to its rule's helpUri: the anchor must be a heading of
    docs/rules.md as GitHub renders it."""
    import json

    from cdlint.formatters import sarif
    from cdlint.report import Report

    page = (ROOT / "docs" / "rules.md").read_text()
    rules = json.loads(sarif.render(Report((), tuple(RULES.values()), ())))["runs"][0]["tool"]["driver"]["rules"]
    anchors = ruledocs.anchors(page)
    assert len(rules) == len(RULES)
    for described in rules:
        base, _, anchor = described["helpUri"].partition("#")
        assert base == "https://github.com/cdlint/cdlint/blob/main/docs/rules.md"
        assert anchor == described["id"] and anchor in anchors


def test_markdown_examples_in_the_rules_page_are_fenced() -> None:
    page = (ROOT / "docs" / "rules.md").read_text()
    assert page.count("```") % 2 == 0
    section = page.split("\n## ungated-production-deploy\n")[1].split("\n## ")[0]
    assert "\nBad" in section and "```\n" in section
