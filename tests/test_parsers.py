"""Parsers against golden normalized graphs (``pytest --update-golden`` rewrites them)."""

import json
from pathlib import Path

import pytest

from cdlint.formatters.graph import pipeline_dict
from cdlint.project import parse_file
from cdlint.workspace import Workspace

from conftest import FIXTURES

PARSER_FIXTURES = FIXTURES / "parsers"
GOLDEN_CASES = sorted(
    (platform.name, path)
    for platform in PARSER_FIXTURES.iterdir()
    if platform.is_dir()
    for path in platform.rglob("*")
    if path.is_file() and path.suffix in (".yml", ".yaml", "") and "golden" not in path.parts
    and path.parent.name in ("workflows", "pipelines", platform.name) or path.name.startswith("Jenkinsfile")
)


def golden_path(root: Path, path: Path) -> Path:
    return root / "golden" / (path.stem + ".graph.json")


@pytest.mark.parametrize("platform,path", GOLDEN_CASES, ids=lambda v: v if isinstance(v, str) else v.name)
def test_golden_graph(platform: str, path: Path, update_golden: bool) -> None:
    root = PARSER_FIXTURES / platform
    rel = path.relative_to(root).as_posix()
    pipeline = parse_file(rel, platform, Workspace(root))
    actual = json.dumps(pipeline_dict(pipeline, detail=True), indent=2, ensure_ascii=False) + "\n"
    golden = golden_path(root, path)
    if update_golden or not golden.exists():
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"wrote missing golden file {golden.relative_to(FIXTURES)}; review it and rerun")
    assert actual == golden.read_text(encoding="utf-8")
