"""What stages deliver, on fixtures written for it: each `# delivers: KIND CHANNEL TARGET`
marker (several separated by ';') is a delivery of the stage on that line, and a stage
without a marker delivers nothing."""

import re
from pathlib import Path

import pytest

from cdlint.engine import Settings, Target, analyse
from cdlint.parsers import PARSERS

from conftest import FIXTURES

DELIVERY_FIXTURES = FIXTURES / "deliveries"
MARKER = re.compile(r"(?:#|//)\s*delivers:\s*(.+?)\s*$")
CASES = sorted(p for p in DELIVERY_FIXTURES.iterdir() if not p.name.startswith("."))


def markers(path: Path) -> dict[int, set[tuple[str, str, str]]]:
    found = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = MARKER.search(line)
        if match:
            found[number] = {tuple(part.split(None, 2)) for part in match[1].split(";")}
    return found


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_deliveries(path: Path) -> None:
    platform = path.name.partition("_")[0]
    assert platform in PARSERS
    project, _, errors = analyse(Target(path.parent, ((path.name, platform),)), {}, Settings(rules={}))
    assert not errors
    found = {
        s.span.line: {(d.kind, d.channel, d.target) for d in s.deliveries}
        for s in project.stages() if s.deliveries
    }
    assert found == markers(path)


def test_production_is_a_stable_deploy_or_publish() -> None:
    project, _, _ = analyse(Target(DELIVERY_FIXTURES, (("github_prereleases.yml", "github"),)), {}, Settings(rules={}))
    assert not [s.id for s in project.stages() if s.environment and s.environment.tier == "production"]
    project, _, _ = analyse(Target(DELIVERY_FIXTURES, (("github_registries.yml", "github"),)), {}, Settings(rules={}))
    assert all(s.environment and s.environment.tier == "production" for s in project.stages())


def test_every_delivery_says_why() -> None:
    project, _, _ = analyse(Target(DELIVERY_FIXTURES, (("github_prereleases.yml", "github"),)), {}, Settings(rules={}))
    for stage in project.stages():
        for delivery in stage.deliveries:
            signal, *reasons = delivery.evidence
            assert signal.source in ("command", "action", "task", "step", "keyword", "argument", "library step")
            assert reasons, f"{stage.id}: a prerelease says what made it one"


def test_a_release_beside_the_ci_of_the_same_commit_names_it() -> None:
    from cdlint.engine import check
    from cdlint.rule import load_rules

    rule = load_rules()["ungated-production-deploy"]
    path = FIXTURES / "rules" / "ungated-production-deploy" / "github_release_beside_ci"
    [finding] = check([str(path)], Settings(rules={rule.id: rule})).findings
    assert finding.message == (
        "'publish' publishes to 'npm' with no passing test stage before it (push (tags v*) → publish); "
        "tests of this revision run in .github/workflows/ci.yml, which .github/workflows/release.yml does not wait for"
    )
    assert any("tests the same change, in parallel" in e.note for e in finding.evidence)


def test_a_release_beside_many_test_workflows_names_ten_and_counts_the_rest(tmp_path) -> None:
    from cdlint.engine import check
    from cdlint.rule import load_rules

    rule = load_rules()["ungated-production-deploy"]
    beside = FIXTURES / "rules" / "ungated-production-deploy" / "github_release_beside_ci" / ".github" / "workflows"
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "release.yml").write_text((beside / "release.yml").read_text())
    for n in range(13):
        (workflows / f"ci{n:02}.yml").write_text((beside / "ci.yml").read_text())
    [finding] = check([str(tmp_path)], Settings(rules={rule.id: rule})).findings
    parallel = [e.note for e in finding.evidence if "in parallel" in e.note]
    assert len(parallel) == 11
    assert parallel[:10] == [f"'test' in .github/workflows/ci{n:02}.yml tests the same change, in parallel" for n in range(10)]
    assert parallel[10] == "and the tests of 3 more pipelines, in parallel"


def test_a_manual_only_release_is_a_manual_push_and_ungated() -> None:
    from cdlint.engine import lint_file
    from cdlint.rule import load_rules

    rules = load_rules()
    path = FIXTURES / "rules" / "ungated-production-deploy" / "github_manual_only.yml"
    found = {f.rule for f in lint_file(path, "github", [rules["ungated-production-deploy"], rules["manual-production-deploy"]])}
    assert found == {"ungated-production-deploy", "manual-production-deploy"}
