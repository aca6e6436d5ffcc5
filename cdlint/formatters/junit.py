"""``--format junit``: JUnit XML for the test tabs of Jenkins, Azure DevOps and GitLab.

One testsuite per pipeline file and one testcase per rule run on it. A rule that
found something at or above ``--fail-on`` in the file fails its testcase (typed
by the highest severity, listing every finding); findings below it are listed in
the testcase's ``system-out`` and do not fail it, so notes do not turn a passing
build UNSTABLE. Jenkins splits ``classname`` at its last dot into package and
class, so it is ``cdlint.`` and the file's path with its dots made underscores.
Times are zero so the output stays deterministic.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from cdlint.finding import SEVERITIES, Finding
from cdlint.formatters import DEFAULT, RenderOptions
from cdlint.report import Report

# Characters XML 1.0 cannot hold, even escaped (the complement of its Char production,
# written as the small set it is: compiling the complement of the large one takes ms).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def classname(path: str) -> str:
    return "cdlint." + _clean(path).replace(".", "_")


def _fails(finding: Finding, fail_on: str) -> bool:
    return fail_on != "never" and SEVERITIES.index(finding.severity) <= SEVERITIES.index(fail_on)


def _listing(found: list[Finding]) -> str:
    lines = []
    for f in found:
        lines.append(f"{f.span}: {f.severity} {f.rule}: {f.message}")
        lines += [f"    = {e.span}: {e.note}" for e in f.evidence]
    return _clean("\n".join(lines))


def render(report: Report, options: RenderOptions = DEFAULT) -> str:
    by_file: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_file.setdefault(f.span.path, []).append(f)
    paths = sorted({path for path, _ in report.files} | set(by_file))
    rule_ids = sorted({r.id for r in report.rules} | {f.rule for f in report.findings})
    root = ET.Element("testsuites", name="cdlint")
    total_failures = 0
    for path in paths:
        suite = ET.SubElement(root, "testsuite", name=_clean(path))
        failures = 0
        for rule_id in rule_ids:
            case = ET.SubElement(suite, "testcase", name=rule_id, classname=classname(path), time="0")
            found = [f for f in by_file.get(path, ()) if f.rule == rule_id]
            if not found:
                continue
            if any(_fails(f, options.fail_on) for f in found):
                failures += 1
                worst = min((f.severity for f in found), key=SEVERITIES.index)
                summary = found[0].message if len(found) == 1 else f"{len(found)} findings"
                failure = ET.SubElement(case, "failure", message=_clean(summary), type=worst)
                failure.text = _listing(found)
            else:
                ET.SubElement(case, "system-out").text = _listing(found)
        suite.set("tests", str(len(rule_ids)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        suite.set("time", "0")
        total_failures += failures
    root.set("tests", str(len(paths) * len(rule_ids)))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
