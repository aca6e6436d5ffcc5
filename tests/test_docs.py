"""The README stays true: its rule table is the registry's."""

import re

from cdlint.cli import rules_markdown
from cdlint.rule import load_rules

from conftest import ROOT


def test_readme_rule_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    table = re.search(r"<!-- rules:start[^>]*-->\n(.*?)<!-- rules:end -->", readme, re.S)
    assert table, "README lacks the rules table markers"
    assert table[1] == rules_markdown(load_rules().values()), "README rule table is stale: paste `cdlint rules --markdown`"


def test_readme_commands_are_the_ci_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/cdlint check fixtures/demo" in readme
    assert ".venv/bin/python -m pytest" in readme
    for part in ("python3 -m venv .venv", ".venv/bin/pip install -e '.[test]'", ".venv/bin/cdlint check fixtures/demo",
                 ".venv/bin/python -m pytest"):
        assert part in ci, part
