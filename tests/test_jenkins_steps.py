"""Jenkins steps: what cdlint reads them as doing, and what they point at that it does not read."""

import pytest

from cdlint.classify import classify_jenkins_step


@pytest.mark.parametrize(
    "step, inputs, tags",
    [
        ("recordIssues", {"tools": "[java(), checkStyle(pattern: 'target/checkstyle-result.xml')]"}, {"scan:lint"}),
        ("recordIssues", {"tools": "[owaspDependencyCheck(pattern: 'target/dependency-check-report.json')]"},
         {"scan:lint", "scan:dependency"}),
        ("recordIssues", {"tool": "trivy(pattern: 'trivy.json')"}, {"scan:lint", "scan:container"}),
        ("recordIssues", {"tools": "[bandit(pattern: 'bandit.json'), pyLint()]"}, {"scan:lint", "scan:sast"}),
        ("scanForIssues", {"tool": "goVet(pattern: 'vet.log')"}, {"scan:lint"}),
        ("scanForIssues", {"tool": "grype()"}, {"scan:lint", "scan:container"}),
        ("publishIssues", {"issues": "[vet]"}, set()),
    ],
)
def test_warnings_ng_steps_scan_for_security_only_with_a_security_tool(step: str, inputs: dict, tags: set) -> None:
    assert set(classify_jenkins_step(step, inputs)) == tags
