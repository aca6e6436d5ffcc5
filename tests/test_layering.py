"""Data flows one way: parsers → model → rules → formatters; only the CLI writes."""

import ast
import re
from pathlib import Path

import pytest

from conftest import ROOT


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


RULE_FILES = sorted((ROOT / "rules").glob("*.py"))
FORMATTER_FILES = sorted((ROOT / "cdlint" / "formatters").glob("*.py"))


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rules_do_not_import_formatters_parsers_or_cli(path: Path) -> None:
    for name in imports(path):
        assert not name.startswith(("cdlint.formatters", "cdlint.cli", "cdlint.parsers", "cdlint.engine")), name
        assert name != "rules" and not name.startswith("rules."), "import cdlint.rules, never rules"


@pytest.mark.parametrize("path", FORMATTER_FILES, ids=lambda p: p.name)
def test_formatters_do_not_import_rules_or_parsers(path: Path) -> None:
    for name in imports(path):
        assert not name.startswith(("cdlint.rules", "cdlint.parsers", "cdlint.cli", "cdlint.engine")), name


def test_only_the_cli_writes_output() -> None:
    for path in sorted((ROOT / "cdlint").rglob("*.py")) + RULE_FILES:
        if path.name in ("cli.py", "__main__.py"):
            continue
        source = path.read_text()
        assert not re.search(r"(?<![\w.])print\(", source) or path.name == "rule.py", path
        assert "click.echo" not in source, path


def test_no_rules_package_inside_cdlint() -> None:
    assert not (ROOT / "cdlint" / "rules").exists()


MATURITY_FILES = sorted((ROOT / "cdlint" / "maturity").glob("*.py"))


def test_detectors_read_the_model_not_yaml() -> None:
    for name in imports(ROOT / "cdlint" / "maturity" / "detectors.py"):
        assert not name.startswith(("cdlint.yamlload", "cdlint.parsers", "ruamel", "cdlint.cli", "cdlint.engine")), name


def test_networkx_is_imported_only_where_a_graph_is_drawn_or_built() -> None:
    users = {path.relative_to(ROOT).as_posix() for path in sorted((ROOT / "cdlint").rglob("*.py")) + RULE_FILES
             if any(n == "networkx" or n.startswith("networkx.") for n in imports(path))}
    assert users <= {"cdlint/model.py", "cdlint/maturity/stagegraph.py"}, users


@pytest.mark.parametrize("path", sorted((ROOT / "cdlint").rglob("*.py")) + RULE_FILES, ids=lambda p: p.name)
def test_only_the_maturity_command_imports_maturity(path: Path) -> None:
    if path.parent.name in ("maturity", "fleet") or path.name == "cli.py":
        return
    assert not any(n.startswith("cdlint.maturity") for n in imports(path)), path


@pytest.mark.parametrize("path", sorted((ROOT / "cdlint").rglob("*.py")) + RULE_FILES, ids=lambda p: p.name)
def test_only_fleet_uses_fleet_and_dask(path: Path) -> None:
    """The fleet is an extra: check and maturity never import it, and only its engines import Dask."""
    names = imports(path)
    if path.parent.name != "fleet" and path.name != "cli.py":
        assert not any(n.startswith("cdlint.fleet") for n in names), path
    if path.name != "engines.py":
        assert not any(n.split(".")[0] in ("dask", "distributed", "pyarrow") for n in names), path
