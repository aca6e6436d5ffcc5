import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cdlint.cli import main

from conftest import FIXTURES

DEMO = str(FIXTURES / "demo")
CLEAN = str(FIXTURES / "clean" / "github_exemplary.yml")
ALWAYS = str(FIXTURES / "rules" / "ungated-production-deploy" / "github_always.yml")


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_check_demo_finds_violations_and_exits_1() -> None:
    result = run("check", DEMO)
    assert result.exit_code == 1
    assert ".github/workflows/hotfix.yml:11:3: error manual-production-deploy:" in result.output
    assert result.output.rstrip().endswith("in 6 pipeline files") or "pipeline files" in result.output


def test_clean_file_exits_0() -> None:
    result = run("check", CLEAN)
    assert result.exit_code == 0
    assert "no findings in 1 pipeline file" in result.output


@pytest.mark.parametrize("fail_on,code", [("never", 0), ("error", 1), ("warning", 1), ("note", 1)])
def test_fail_on(fail_on: str, code: int) -> None:
    assert run("check", "--fail-on", fail_on, ALWAYS).exit_code == code


def test_warnings_do_not_fail_by_default(tmp_path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    source = FIXTURES / "rules" / "persistent-test-environment" / "github_qa_never_removed.yml"
    (workflows / "qa.yml").write_text(source.read_text())
    assert run("check", str(tmp_path)).exit_code == 0
    assert run("check", "--fail-on", "warning", str(tmp_path)).exit_code == 1


def test_json_output_to_file(tmp_path) -> None:
    out = tmp_path / "report.json"
    result = run("check", "--format", "json", "--output", str(out), DEMO)
    assert result.exit_code == 1
    assert result.output == ""
    document = json.loads(out.read_text())
    assert document["version"] == 1
    assert {f["rule"] for f in document["findings"]} >= {"manual-production-deploy", "ungated-production-deploy"}
    assert all(not f["path"].startswith("/") for f in document["findings"])


def test_missing_path_is_a_usage_error() -> None:
    result = run("check", "no/such/place.yml")
    assert result.exit_code == 2
    assert "no such file or directory" in result.output


def test_bad_production_env_regex_is_a_usage_error() -> None:
    assert run("check", "--production-env", "(", CLEAN).exit_code == 2


def test_production_env_option_makes_a_name_production(tmp_path) -> None:
    workflow = tmp_path / "deploy.yml"
    workflow.write_text("on: push\njobs:\n  ship:\n    environment: uat-eu\n    steps: [{run: ./deploy.sh}]\n")
    assert run("check", str(workflow)).exit_code == 0
    result = run("check", "--production-env", "^uat-eu$", str(workflow))
    assert result.exit_code == 1
    assert "ungated-production-deploy" in result.output


def test_parse_error_is_a_finding_not_a_traceback(tmp_path) -> None:
    workflow = tmp_path / ".github" / "workflows" / "bad.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_bytes(b"on: push\njobs: \xff\xfe\n")
    result = run("check", str(tmp_path))
    assert result.exit_code == 1
    assert ".github/workflows/bad.yml:2:7: error parse-error: file is not UTF-8" in result.output


def test_rules_lists_every_rule() -> None:
    result = run("rules")
    assert result.exit_code == 0
    for rule_id in ("deploy-rebuilds-artifact", "ungated-production-deploy", "persistent-test-environment",
                    "manual-production-deploy", "parse-error"):
        assert rule_id in result.output


def test_rule_prints_its_documentation() -> None:
    result = run("rule", "ungated-production-deploy")
    assert result.exit_code == 0
    assert "A production deploy or release can run without a passing test stage before it." in result.output
    assert "Fix:" in result.output


def test_unknown_rule_is_a_usage_error() -> None:
    assert run("rule", "no-such-rule").exit_code == 2


def test_graph_json(tmp_path) -> None:
    result = run("graph", "--format", "json", DEMO)
    assert result.exit_code == 0
    document = json.loads(result.output)
    deploy = next(p for p in document["pipelines"] if p["path"] == ".github/workflows/deploy.yml")
    assert [s["id"] for s in deploy["stages"]] == ["staging", "smoke", "production"]
    assert {"from": "smoke", "to": "production", "kind": "order"} in deploy["edges"]
    assert any(e["kind"] == "trigger" for e in document["edges"])


def test_python_dash_m_runs_the_cli() -> None:
    completed = subprocess.run([sys.executable, "-m", "cdlint", "--version"], capture_output=True, text=True)
    assert completed.returncode == 0
    assert completed.stdout.startswith("cdlint, version ")
