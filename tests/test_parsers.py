"""Parsers against golden normalized graphs (``pytest --update-golden`` rewrites them).

``fixtures/parsers/<platform>/`` is a small repository tree: every pipeline file
cdlint discovers in it is parsed (with its includes and templates resolved in
that tree) and compared with ``golden/<path with / as __>.graph.json``.
"""

import json
from pathlib import Path

import pytest

from cdlint.formatters.graph import pipeline_dict
from cdlint.parsers import discover
from cdlint.project import parse_file
from cdlint.workspace import Workspace

from conftest import FIXTURES

PARSER_FIXTURES = FIXTURES / "parsers"
CASES = sorted(
    (platform.name, rel)
    for platform in PARSER_FIXTURES.iterdir()
    if platform.is_dir()
    for rel, found in discover(platform)
    if found == platform.name
)


def golden_path(platform: str, rel: str) -> Path:
    return PARSER_FIXTURES / platform / "golden" / (rel.replace("/", "__") + ".graph.json")


@pytest.mark.parametrize("platform,rel", CASES, ids=[f"{p}:{r}" for p, r in CASES])
def test_golden_graph(platform: str, rel: str, update_golden: bool) -> None:
    pipeline = parse_file(rel, platform, Workspace(PARSER_FIXTURES / platform))
    actual = json.dumps(pipeline_dict(pipeline, detail=True), indent=2, ensure_ascii=False) + "\n"
    golden = golden_path(platform, rel)
    if update_golden or not golden.exists():
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"wrote missing golden file {golden.relative_to(FIXTURES)}; review it and rerun")
    assert actual == golden.read_text(encoding="utf-8")


def test_every_golden_file_has_a_pipeline() -> None:
    expected = {golden_path(p, r) for p, r in CASES}
    assert set(PARSER_FIXTURES.glob("*/golden/*.graph.json")) == expected
