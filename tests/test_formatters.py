import json
from importlib.resources import files

import jsonschema
import pytest

from cdlint.engine import Settings, check
from cdlint.formatters import json_report, sarif, text
from cdlint.formatters.graph import render_json

from conftest import FIXTURES, SCHEMAS

DEMO = str(FIXTURES / "demo")


def schema(name: str) -> dict:
    return json.loads(files("cdlint").joinpath("schemas", name).read_text())


@pytest.fixture(scope="module")
def report():
    return check([DEMO], Settings())


def test_json_matches_the_v1_schema(report) -> None:
    jsonschema.validate(json.loads(json_report.render(report)), schema("check-v1.schema.json"))


def test_graph_json_matches_the_v1_schema(report) -> None:
    for project in report.projects:
        jsonschema.validate(json.loads(render_json(project)), schema("graph-v1.schema.json"))


def sarif_schema() -> dict:
    path = SCHEMAS / "sarif-schema-2.1.0.json"
    if not path.exists():
        pytest.skip("../shared/schemas/sarif-schema-2.1.0.json is not present")
    return json.loads(path.read_text())


def test_sarif_is_valid_and_describes_every_rule(report) -> None:
    document = json.loads(sarif.render(report))
    jsonschema.validate(document, sarif_schema())
    run = document["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {r.id for r in report.rules}
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "file:"))
        assert len(result["partialFingerprints"]["cdlintFingerprint/v1"]) == 32


def test_sarif_rules_carry_help(report) -> None:
    rules = json.loads(sarif.render(report))["runs"][0]["tool"]["driver"]["rules"]
    ungated = next(r for r in rules if r["id"] == "ungated-production-deploy")
    assert ungated["shortDescription"]["text"] == "A production deploy or release can run without a passing test stage before it."
    assert "Fix:" in ungated["help"]["text"]
    assert ungated["defaultConfiguration"]["level"] == "error"


def test_text_shows_source_line_and_evidence(report) -> None:
    output = text.render(report)
    block = output.split(".github/workflows/release.yml:16:3: error ungated-production-deploy:")[1]
    assert "   16 |   publish:" in block
    assert "= .github/workflows/release.yml:4:3: push (tags v*)" in block


def test_fingerprints_survive_inserted_lines(tmp_path) -> None:
    source = (FIXTURES / "rules" / "ungated-production-deploy" / "github_no_tests.yml").read_text()
    first, second = tmp_path / "a", tmp_path / "b"
    for root, text_ in ((first, source), (second, "# a comment\n# another\n" + source)):
        (root / ".github" / "workflows").mkdir(parents=True)
        (root / ".github" / "workflows" / "release.yml").write_text(text_)
    before = check([str(first)], Settings()).findings
    after = check([str(second)], Settings()).findings
    assert [f.span.line + 2 for f in before] == [f.span.line for f in after]
    assert [f.fingerprint for f in before] == [f.fingerprint for f in after]
