"""The integration formats: GitHub annotations, GitLab Code Quality, JUnit, and SARIF for code scanning."""

import json
from dataclasses import replace
import re
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from cdlint.cli import FORMATS
from cdlint.engine import Settings, check
from cdlint.finding import Evidence, Finding, distinct_fingerprints
from cdlint.formatters import FORMATTERS, RenderOptions, codequality, github, junit, sarif
from cdlint.model import Span
from cdlint.report import Report
from cdlint.rule import Rule, rule

from conftest import FIXTURES
from test_formatters import sarif_schema

DEMO = str(FIXTURES / "demo")


@rule(id="plain-text-secret", practice="protected-secrets", severity="error", tags=("security",))
def _security_rule(project, options):
    """A secret is written in the pipeline file.

    Fix: store it in the platform's secret store.
    """
    return iter(())


@pytest.fixture(scope="module")
def demo() -> Report:
    return check([DEMO], Settings())


def synthetic() -> Report:
    rules = (Rule("odd-rule", "gated-stages", "warning", lambda p, o: iter(())), _security_rule)
    findings = (
        Finding(Span("dir, with: odd/ci.yml", 3, 5), "100% broken\r\nsecond line: a, b", rule="odd-rule", severity="warning",
                key="k1", evidence=(Evidence(Span("dir, with: odd/ci.yml", 1, 1), "from here"),)),
        Finding(Span("dir, with: odd/ci.yml", 7, 1, 9, 4), "spans lines", rule="odd-rule", severity="note", key="k2"),
        Finding(Span("secrets.yml", 2, 3, 2, 9), "token <x> & \x1b[31m", rule="plain-text-secret", severity="error", key="k3"),
        Finding(Span("secrets.yml", 4, 3, 4, 9), "token <x> & \x1b[31m", rule="plain-text-secret", severity="error", key="k3"),
    )
    files = (("dir, with: odd/ci.yml", "github"), ("secrets.yml", "github"), ("clean.yml", "github"))
    return Report(findings, rules, files)


def test_every_format_is_offered() -> None:
    assert FORMATS == tuple(FORMATTERS)
    for render in FORMATTERS.values():
        assert render(synthetic()) == render(synthetic())


def test_github_annotations_escape_data_and_properties() -> None:
    lines = github.render(synthetic()).splitlines()
    assert lines[0] == (
        "::warning file=dir%2C with%3A odd/ci.yml,line=3,col=5,title=cdlint odd-rule"
        "::100%25 broken%0D%0Asecond line: a, b%0Adir, with: odd/ci.yml:1:1: from here"
    )
    assert lines[1] == "::notice file=dir%2C with%3A odd/ci.yml,line=7,endLine=9,title=cdlint odd-rule::spans lines"
    assert lines[2].startswith("::error file=secrets.yml,line=2,col=3,endLine=2,endColumn=9,title=cdlint plain-text-secret::")
    assert lines[-1] == "4 findings (2 errors, 1 warning, 1 note) in 3 pipeline files"


def _unescape(value: str) -> str:
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: {"25": "%", "0D": "\r", "0A": "\n", "3A": ":", "2C": ","}[m[1]], value)


def test_github_annotations_parse_back(demo) -> None:
    output = github.render(demo).splitlines()
    annotations = [line for line in output if line.startswith("::")]
    assert len(annotations) == len(demo.findings)
    for line, finding in zip(annotations, demo.findings):
        match = re.fullmatch(r"::(error|warning|notice) ([^:]*)::(.*)", line)
        assert match, line
        properties = dict(p.split("=", 1) for p in match[2].split(","))
        assert _unescape(properties["file"]) == finding.span.path
        assert int(properties["line"]) == finding.span.line
        assert _unescape(match[3]).splitlines()[0] == finding.message


def test_codequality_fields(demo) -> None:
    issues = json.loads(codequality.render(demo))
    assert len(issues) == len(demo.findings)
    for issue, finding in zip(issues, demo.findings):
        assert issue["check_name"] == finding.rule
        assert issue["description"] == finding.message
        assert issue["fingerprint"] == finding.fingerprint
        assert issue["location"]["path"] == finding.span.path
        assert issue["location"]["lines"]["begin"] == finding.span.line
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_codequality_severity_map_and_unique_fingerprints() -> None:
    report = synthetic()
    issues = json.loads(codequality.render(report))
    assert [i["severity"] for i in issues] == ["minor", "info", "critical", "critical"]
    assert [i["categories"] for i in issues] == [["Bug Risk"], ["Bug Risk"], ["Security"], ["Security"]]
    assert issues[2]["fingerprint"] == report.findings[2].fingerprint
    assert issues[3]["fingerprint"] != issues[2]["fingerprint"]
    assert issues[0]["content"]["body"] == "- dir, with: odd/ci.yml:1:1: from here\n"
    parse_error = Finding(Span("a.yml", 1, 1), "bad", rule="parse-error", severity="error", key="x")
    from cdlint.rule import load_rules

    assert codequality.severity(parse_error, load_rules()["parse-error"]) == "blocker"


def test_junit_parses_back_with_the_standard_library() -> None:
    report = synthetic()
    root = ET.fromstring(junit.render(report, RenderOptions(fail_on="warning")))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("6", "2")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert sorted(suites) == ["clean.yml", "dir, with: odd/ci.yml", "secrets.yml"]
    for suite in suites.values():
        assert [c.get("name") for c in suite.findall("testcase")] == ["odd-rule", "plain-text-secret"]
        assert suite.get("tests") == "2"
    assert suites["clean.yml"].get("failures") == "0" and suites["clean.yml"].find("testcase/failure") is None
    [failure] = suites["secrets.yml"].findall("testcase/failure")
    assert failure.get("type") == "error" and failure.get("message") == "2 findings"
    assert "secrets.yml:4:3: error plain-text-secret: token <x> & \ufffd[31m" in failure.text
    [odd] = suites["dir, with: odd/ci.yml"].findall("testcase/failure")
    assert odd.get("type") == "warning" and "    = dir, with: odd/ci.yml:1:1: from here" in odd.text


@pytest.mark.parametrize("fail_on,failures", [("error", 1), ("warning", 2), ("note", 2), ("never", 0)])
def test_junit_fails_only_findings_at_or_above_fail_on(fail_on: str, failures: int) -> None:
    """Jenkins marks a build UNSTABLE on any failure: findings below --fail-on are listed in
    system-out of a passing testcase, not failed."""
    root = ET.fromstring(junit.render(synthetic(), RenderOptions(fail_on=fail_on)))
    assert int(root.get("failures")) == failures == len(root.findall(".//failure"))
    assert sum(int(s.get("failures")) for s in root.findall("testsuite")) == failures
    listed = [case for case in root.iter("testcase") if case.find("failure") is not None or case.find("system-out") is not None]
    assert len(listed) == 2, "every rule that found something in a file is listed, failing or not"
    [odd] = [c for c in root.findall("testsuite[@name='dir, with: odd/ci.yml']/testcase[@name='odd-rule']")]
    if fail_on in ("error", "never"):
        assert odd.find("failure") is None and "dir, with: odd/ci.yml:7:1: note odd-rule: spans lines" in odd.find("system-out").text


def test_junit_classnames_have_one_dot() -> None:
    """Jenkins splits classname at its last dot into package and class."""
    root = ET.fromstring(junit.render(synthetic()))
    names = {case.get("classname") for case in root.iter("testcase")}
    assert names == {"cdlint.clean_yml", "cdlint.dir, with: odd/ci_yml", "cdlint.secrets_yml"}
    assert all(name.count(".") == 1 for name in names)


def test_junit_of_the_demo(demo) -> None:
    root = ET.fromstring(junit.render(demo))
    failures = sum(int(s.get("failures")) for s in root.findall("testsuite"))
    assert failures == len({(f.span.path, f.rule) for f in demo.findings if f.severity == "error"})
    passing = {(s.get("name"), c.get("name")) for s in root.findall("testsuite") for c in s.findall("testcase")
               if c.find("system-out") is not None}
    assert passing == {(f.span.path, f.rule) for f in demo.findings} - {(f.span.path, f.rule) for f in demo.findings if f.severity == "error"}
    assert len(root.findall("testsuite")) == len({p for p, _ in demo.files} | {f.span.path for f in demo.findings})


def test_sarif_meets_code_scanning_requirements() -> None:
    report = synthetic()
    document = json.loads(sarif.render(report))
    jsonschema.validate(document, sarif_schema())
    run = document["runs"][0]
    assert run["automationDetails"]["id"] == "cdlint/"
    assert "%SRCROOT%" in run["originalUriBaseIds"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    secret = rules["plain-text-secret"]
    assert secret["properties"]["security-severity"] == "8.0"
    assert "security" in secret["properties"]["tags"] and secret["properties"]["precision"] in ("very-high", "high", "medium", "low")
    assert secret["help"]["text"] == "Fix: store it in the platform's secret store."
    assert "helpUri" not in secret, "a plugin's rule is not in docs/rules.md"
    assert "security-severity" not in rules["odd-rule"]["properties"]
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location["uriBaseId"] == "%SRCROOT%"
        assert not location["uri"].startswith(("/", "file:"))
    fingerprints = [r["partialFingerprints"]["cdlintFingerprint/v1"] for r in run["results"]]
    assert fingerprints[:3] == [f.fingerprint for f in report.findings[:3]]
    assert report.findings[3].fingerprint == report.findings[2].fingerprint != fingerprints[3]
    assert fingerprints == distinct_fingerprints(report.findings) and len(set(fingerprints)) == 4
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "dir%2C%20with%3A%20odd/ci.yml"
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]


def test_sarif_of_the_demo_with_rule_errors(demo) -> None:
    report = Report(demo.findings, demo.rules, demo.files, errors=("rule 'x' failed: ValueError: boom",))
    document = json.loads(sarif.render(report))
    jsonschema.validate(document, sarif_schema())
    [invocation] = document["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"] == "rule 'x' failed: ValueError: boom"


def test_sarif_keeps_ignored_findings_as_suppressed_results(tmp_path) -> None:
    workflow = tmp_path / ".github" / "workflows" / "release.yml"
    workflow.parent.mkdir(parents=True)
    source = (FIXTURES / "rules" / "ungated-production-deploy" / "github_no_tests.yml").read_text()
    workflow.write_text(source.replace("  deploy:  # expect: ungated-production-deploy",
                                       "  # cdlint: ignore[ungated-production-deploy] a person approves in the environment\n  deploy:"))
    report = check([str(tmp_path)], Settings())
    assert "ungated-production-deploy" not in {f.rule for f in report.findings}
    document = json.loads(sarif.render(report))
    jsonschema.validate(document, sarif_schema())
    results = document["runs"][0]["results"]
    [suppressed] = [r for r in results if "suppressions" in r]
    assert suppressed["ruleId"] == "ungated-production-deploy"
    assert suppressed["locations"][0]["physicalLocation"]["region"]["startLine"] == 14
    [suppression] = suppressed["suppressions"]
    assert suppression["kind"] == "inSource"
    assert suppression["justification"] == "a person approves in the environment"
    assert suppression["location"]["physicalLocation"]["region"]["startLine"] == 13
    assert len(results) == len(report.findings) + 1
    fingerprints = [r["partialFingerprints"]["cdlintFingerprint/v1"] for r in results]
    assert len(set(fingerprints)) == len(fingerprints)
    assert [r for r in results if "suppressions" not in r] == json.loads(sarif.render(replace(report, suppressed=())))["runs"][0]["results"]


def test_sarif_category_reaches_automation_details() -> None:
    for category, ident in (("cdlint", "cdlint/"), ("cdlint/frontend", "cdlint/frontend/"), ("backend/", "backend/")):
        document = json.loads(sarif.render(synthetic(), RenderOptions(category=category)))
        assert document["runs"][0]["automationDetails"]["id"] == ident


def test_check_sarif_category_option(tmp_path) -> None:
    from click.testing import CliRunner

    from cdlint.cli import main

    out = tmp_path / "x.sarif"
    result = CliRunner().invoke(main, ["check", "--format", "sarif", "--sarif-category", "cdlint/web", "-o", str(out), DEMO])
    assert result.exit_code == 1
    assert json.loads(out.read_text())["runs"][0]["automationDetails"]["id"] == "cdlint/web/"


def test_markdown_summary_lists_every_finding(demo) -> None:
    from cdlint.formatters import markdown

    text = markdown.render(demo)
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) == len(demo.findings)
    assert text.splitlines()[2].startswith(f"{len(demo.findings)} findings")
    assert all(row.count(" | ") == 3 for row in rows), "pipes inside messages are escaped"
