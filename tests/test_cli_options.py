"""The command line as users of ruff and zizmor expect it: one settings path for every command,
operational errors as one line and exit 2, atomic reports, colour, concise output, rule
selection, statistics, stdin, and the machine-readable listings."""

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cdlint.cli import main
from cdlint.formatters import FORMATTERS
from cdlint.output import write_file
from cdlint.parsers import PARSERS
from cdlint.rule import load_rules

from conftest import FIXTURES

DEMO = str(FIXTURES / "demo")
NO_TESTS = (FIXTURES / "rules" / "ungated-production-deploy" / "github_no_tests.yml").read_text()
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(*args, **kwargs):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, **kwargs)


def repository(root: Path, workflow: str = NO_TESTS, name: str = "release.yml") -> Path:
    path = root / ".github" / "workflows" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(workflow)
    return root


@pytest.fixture(autouse=True)
def inside(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)


# --- one configuration for every command ------------------------------------------------


def test_maturity_reads_the_configuration_like_check(tmp_path) -> None:
    repository(tmp_path)
    repository(tmp_path / "fixtures", name="other.yml")
    (tmp_path / ".cdlint.yaml").write_text("exclude: [fixtures/]\n")
    checked = json.loads(run("check", "--format", "json", ".").stdout)
    assessed = json.loads(run("maturity", "--format", "json", ".").stdout)
    assert [f["path"] for f in checked["files"]] == [".github/workflows/release.yml"]
    evidence = {e["path"] for c in assessed["categories"] for p in c["practices"] for e in p["evidence"]}
    assert evidence == {".github/workflows/release.yml"}, "maturity reads the excluded fixtures"


def test_maturity_honours_rule_settings_and_config_option(tmp_path) -> None:
    repository(tmp_path)
    other = tmp_path / "elsewhere.yaml"
    other.write_text("rules:\n  ungated-production-deploy: disable\n")

    def findings(*args: str) -> set[str]:
        document = json.loads(run("maturity", "--format", "json", *args, ".").stdout)
        return {f["rule"] for c in document["categories"] for p in c["practices"] for f in p["findings"]}

    assert "ungated-production-deploy" in findings()
    assert "ungated-production-deploy" not in findings("--config", str(other))
    (tmp_path / "pyproject.toml").write_text("[tool.cdlint.rules]\nungated-production-deploy = 'disable'\n")
    assert "ungated-production-deploy" not in findings()


def test_each_repository_of_maturity_has_its_own_configuration(tmp_path) -> None:
    repository(tmp_path / "a")
    repository(tmp_path / "b")
    repository(tmp_path / "c")
    (tmp_path / "b" / ".cdlint.yaml").write_text("exclude: [.github/]\n")
    (tmp_path / "c" / ".cdlint.yaml").write_text("rules:\n  ungated-production-deploy: disable\n")
    result = run("maturity", "--format", "json", "a", "b", "c")
    # b's configuration leaves out all its pipelines: a repository without any is not rated.
    assert result.exit_code == 2 and "no pipeline files found in b " in result.stderr
    document = json.loads(run("maturity", "--format", "json", "--allow-empty", "a", "b", "c").stdout)
    findings = {r["path"]: {f["rule"] for c in r["categories"] for p in c["practices"] for f in p["findings"]}
                for r in document["repositories"]}
    assert set(findings) == {"a", "c"}
    assert "ungated-production-deploy" in findings["a"] and "ungated-production-deploy" not in findings["c"]


def test_graph_reads_the_configuration(tmp_path) -> None:
    repository(tmp_path)
    repository(tmp_path / "legacy", name="old.yml")
    (tmp_path / ".cdlint.yaml").write_text("exclude: [legacy/]\n")
    document = json.loads(run("graph", "--format", "json", ".").stdout)
    assert [p["path"] for p in document["pipelines"]] == [".github/workflows/release.yml"]


# --- operational errors and writing ------------------------------------------------------


@pytest.mark.parametrize("args", [
    ("check", "-o", "missing-dir/report.txt", "."),
    ("check", "--write-baseline", "missing-dir/baseline.json", "."),
    ("maturity", "-o", "missing-dir/maturity.html", "--format", "html", "."),
    ("graph", "-o", "missing-dir/graph.dot", "--format", "dot", "."),
    ("rules", "-o", "missing-dir/rules.md", "--format", "doc"),
])
def test_a_write_error_is_one_line_and_exit_2(tmp_path, args) -> None:
    repository(tmp_path)
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"cdlint: cannot write missing-dir/{Path(args[2]).name}: No such file or directory"]
    assert "Traceback" not in result.output


def test_an_internal_error_is_one_line_and_exit_2_with_a_traceback_only_under_debug(tmp_path, monkeypatch) -> None:
    repository(tmp_path)

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr("cdlint.engine.check_targets", broken)
    result = run("check", ".")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "cdlint: internal error: KeyError: 'boom'; please report it (run with --debug for the traceback)"]
    debugged = run("check", "--debug", ".")
    assert debugged.exit_code == 2 and "Traceback (most recent call last)" in debugged.stderr


def test_a_file_that_cannot_be_read_is_one_line_and_exit_2(tmp_path) -> None:
    repository(tmp_path)
    (tmp_path / "baseline.json").mkdir()
    (tmp_path / ".cdlint.yaml").write_text("baseline: baseline.json\n")
    result = run("check", ".")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["cdlint: baseline file 'baseline.json' is a directory; not read"]


def test_reports_replace_a_symlink_instead_of_writing_through_it(tmp_path) -> None:
    repository(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    (tmp_path / "report.json").symlink_to(victim)
    assert run("check", "--format", "json", "-o", "report.json", ".").exit_code == 1
    assert victim.read_text() == "keep me\n"
    assert not (tmp_path / "report.json").is_symlink()
    assert json.loads((tmp_path / "report.json").read_text())["version"] == 1


def test_a_failed_write_leaves_the_previous_report_and_no_temporary_file(tmp_path, monkeypatch) -> None:
    target = tmp_path / "report.txt"
    target.write_text("previous\n")

    def refuse(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        write_file(target, "new\n")
    assert target.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


def test_written_reports_get_the_usual_mode(tmp_path) -> None:
    write_file(tmp_path / "r.txt", "x\n")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "r.txt").stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_gate_on_what_files_cannot_show_is_a_usage_error() -> None:
    result = run("maturity", "--fail-under", "culture-organization=beginner", DEMO)
    assert result.exit_code == 2
    assert "Culture & Organization cannot be assessed from pipeline files" in result.stderr
    result = run("maturity", "--fail-under", "design-architecture=expert", DEMO)
    assert result.exit_code == 2
    assert "can show Design & Architecture up to" in result.stderr


# --- what the text report looks like ------------------------------------------------------


def test_colour_is_asked_for_or_off_when_piped(monkeypatch) -> None:
    plain = run("check", DEMO).stdout
    assert not ANSI.search(plain), "CliRunner is not a terminal: no colour"
    coloured = run("check", "--color", "always", DEMO).stdout
    assert "\x1b[1;31merror\x1b[0m" in coloured and "\x1b[1;33mwarning\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == plain
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ANSI.search(run("check", DEMO).stdout)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not ANSI.search(run("check", DEMO).stdout)
    assert ANSI.search(run("check", "--color", "always", DEMO).stdout)
    assert not ANSI.search(run("check", "--color", "always", "--format", "json", DEMO).stdout)


def test_colour_follows_the_terminal(monkeypatch) -> None:
    import cdlint.cli

    monkeypatch.setattr(cdlint.cli.sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert cdlint.cli._color("auto", None) is True
    assert cdlint.cli._color("auto", "report.txt") is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert cdlint.cli._color("auto", None) is False


def test_concise_is_one_line_per_finding() -> None:
    full = run("check", DEMO).stdout.splitlines()
    concise = run("check", "--format", "concise", DEMO).stdout.splitlines()
    headlines = [line for line in full if re.match(r"^\S+:\d+:\d+: (error|warning|note) ", line)]
    assert concise == headlines + [full[-1]]


def test_the_configuration_chooses_the_format_and_the_command_line_wins(tmp_path) -> None:
    repository(tmp_path)
    (tmp_path / ".cdlint.yaml").write_text("format: concise\n")
    lines = run("check", ".").stdout.splitlines()
    assert ".github/workflows/release.yml:13:3: error ungated-production-deploy: 'deploy' deploys to 'production' " \
           "with no passing test stage before it (push (main) → build → deploy)" in lines
    assert all(re.match(r"^\S+:\d+:\d+: ", line) for line in lines[:-1])
    assert json.loads(run("check", "--format", "json", ".").stdout)["version"] == 1
    (tmp_path / ".cdlint.yaml").write_text("format: fancy\n")
    result = run("check", ".")
    assert result.exit_code == 2 and "format: expected one of: " + ", ".join(FORMATTERS) in result.stderr


def test_quiet_prints_findings_only() -> None:
    result = run("check", "--quiet", "--format", "concise", DEMO)
    assert result.exit_code == 1
    assert all(re.match(r"^\S+:\d+:\d+: ", line) for line in result.stdout.splitlines())


def test_statistics_count_per_rule_most_first() -> None:
    report = json.loads(run("check", "--format", "json", DEMO).stdout)
    counts: dict[str, int] = {}
    for f in report["findings"]:
        counts[f["rule"]] = counts.get(f["rule"], 0) + 1
    result = run("check", "--statistics", DEMO)
    assert result.exit_code == 1
    rows = [line.split() for line in result.stdout.splitlines()[:-1]]
    assert [(int(r[0]), r[1]) for r in rows] == sorted(((n, rule) for rule, n in counts.items()), key=lambda x: (-x[0], x[1]))
    assert result.stdout.splitlines()[-1].startswith(f"{len(report['findings'])} findings")
    assert run("check", "--statistics", "--format", "sarif", DEMO).exit_code == 2


# --- choosing rules -----------------------------------------------------------------------


def rules_found(*args: str) -> set[str]:
    return {f["rule"] for f in json.loads(run("check", "--format", "json", *args, DEMO).stdout)["findings"]}


def test_select_and_ignore_by_rule_id_and_practice() -> None:
    everything = rules_found()
    assert rules_found("--select", "ungated-production-deploy") == {"ungated-production-deploy"}
    assert rules_found("--select", "gated-stages") == {"ungated-production-deploy", "tests-allowed-to-fail"}
    assert rules_found("--select", "gated-stages,manual-production-deploy") == {
        "ungated-production-deploy", "tests-allowed-to-fail", "manual-production-deploy"}
    assert rules_found("--ignore", "gated-stages", "--ignore", "no-security-scan") == everything - {
        "ungated-production-deploy", "tests-allowed-to-fail", "no-security-scan"}
    assert rules_found("--select", "gated-stages", "--ignore", "tests-allowed-to-fail") == {"ungated-production-deploy"}


def test_select_overrides_a_disable_in_the_configuration(tmp_path) -> None:
    repository(tmp_path)
    (tmp_path / ".cdlint.yaml").write_text("rules:\n  ungated-production-deploy: disable\n")
    assert run("check", ".").exit_code == 0
    assert run("check", "--select", "ungated-production-deploy", ".").exit_code == 1
    assert run("check", "--select", "gated-stages", ".").exit_code == 0, "a practice keeps the configuration's disables"


def test_unknown_selection_is_a_usage_error_with_a_suggestion() -> None:
    result = run("check", "--select", "ungated-deploy", DEMO)
    assert result.exit_code == 2
    assert result.stderr.startswith("cdlint: 'ungated-deploy' is neither a rule id nor a practice "
                                    "(did you mean 'ungated-production-deploy'")
    assert len(result.stderr.splitlines()) == 1


def test_min_severity() -> None:
    severities = {f["severity"] for f in json.loads(run("check", "--format", "json", "--min-severity", "warning", DEMO).stdout)["findings"]}
    assert severities == {"error", "warning"}
    assert run("check", "--min-severity", "error", "--fail-on", "warning", "--select", "tests-allowed-to-fail", DEMO).exit_code == 0


# --- stdin, listings, graphs ----------------------------------------------------------------


def test_check_reads_one_pipeline_from_stdin(tmp_path) -> None:
    (tmp_path / ".cdlint.yaml").write_text("format: concise\n")
    result = run("check", "-", "--stdin-filename", ".github/workflows/release.yml", input=NO_TESTS)
    assert result.exit_code == 1
    assert ".github/workflows/release.yml:13:3: error ungated-production-deploy: 'deploy' deploys to 'production' " \
           "with no passing test stage before it (push (main) → build → deploy)" in result.stdout.splitlines()
    assert not (tmp_path / ".github").exists()
    clean = run("check", "-", "--stdin-filename", "ci/.gitlab-ci.yml", input="test:\n  script: make test\n")
    assert clean.exit_code == 0 and "1 pipeline file" in clean.stdout
    gitlab = run("check", "-", "--stdin-filename", ".gitlab-ci.yml", "--format", "json", input="test:\n  script: make test\n")
    assert json.loads(gitlab.stdout)["files"] == [{"path": ".gitlab-ci.yml", "platform": "gitlab"}]


def test_stdin_ignores_and_parse_errors_work(tmp_path) -> None:
    ignored = NO_TESTS.replace("  deploy:  # expect: ungated-production-deploy",
                               "  deploy:  # cdlint: ignore[ungated-production-deploy] gated by a person")
    assert run("check", "-", "--stdin-filename", ".github/workflows/r.yml", input=ignored).exit_code == 0
    broken = run("check", "-", "--stdin-filename", ".github/workflows/r.yml", input=b"on: push\njobs: \xff\n")
    assert broken.exit_code == 1 and "parse-error: file is not UTF-8" in broken.stdout


def test_stdin_usage_errors() -> None:
    assert run("check", "-", DEMO, input="").exit_code == 2
    assert run("check", "--stdin-filename", "x.yml", DEMO).exit_code == 2


def test_rules_as_json_and_as_documentation() -> None:
    registry = load_rules()
    document = json.loads(run("rules", "--format", "json").stdout)
    assert [r["id"] for r in document] == list(registry)
    ungated = next(r for r in document if r["id"] == "deploy-rebuilds-artifact")
    assert ungated["severity"] == "warning" and ungated["practice"] == "build-once-deploy-anywhere"
    assert ungated["options"] == registry["deploy-rebuilds-artifact"].options
    page = run("rules", "--format", "doc").stdout
    assert all(f"\n## {rule_id}\n" in page for rule_id in registry)


def test_platform_choices_are_the_parser_registry() -> None:
    help_text = run("check", "--help").stdout
    assert "[" + "|".join(PARSERS) + "]" in help_text.replace("\n", "").replace(" ", "")


@pytest.mark.parametrize("format_", ["dot", "mermaid"])
def test_graph_as_dot_and_mermaid(tmp_path, format_: str) -> None:
    result = run("graph", "--format", format_, "-o", "graph.out", DEMO)
    assert result.exit_code == 0 and result.stdout == ""
    text = (tmp_path / "graph.out").read_text()
    json_graph = json.loads(run("graph", "--format", "json", DEMO).stdout)
    stages = sum(len(p["stages"]) for p in json_graph["pipelines"])
    if format_ == "dot":
        assert text.startswith("digraph cdlint {") and text.rstrip().endswith("}")
        assert len(re.findall(r"^    s\d+ \[label=", text, re.M)) == stages
        assert text.count("subgraph cluster_") == len(json_graph["pipelines"])
        assert "peripheries=2" in text, "production deploys are marked"
    else:
        assert text.startswith("flowchart LR\n")
        assert len(re.findall(r"^    s\d+[\[(]", text, re.M)) == stages
        assert "-. artifact .->" in text
    edges = len(re.findall(r" (->|-->|==>|-\. artifact \.->) ", text))
    assert edges >= sum(len(p["edges"]) for p in json_graph["pipelines"])


def test_an_os_error_is_one_line_and_exit_2(tmp_path, monkeypatch) -> None:
    repository(tmp_path)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", ".github/workflows/release.yml")

    monkeypatch.setattr("cdlint.engine.check_targets", denied)
    result = run("check", ".")
    assert (result.exit_code, result.stderr) == (2, "cdlint: Permission denied: .github/workflows/release.yml\n")


@pytest.mark.parametrize("format_", ["text", "json", "sarif"])
def test_check_in_parallel_reports_what_one_process_does(tmp_path, format_) -> None:
    """Workers send back findings and file texts; the report is the same, byte for byte,
    also for a folder of several repositories, one of them clean and one without pipelines."""
    repository(tmp_path / "one")
    repository(tmp_path / "two", name="deploy.yml")
    (tmp_path / "three" / ".git").mkdir(parents=True)
    repository(tmp_path / "three", (FIXTURES / "clean" / "github_exemplary.yml").read_text())
    (tmp_path / "empty").mkdir()
    paths = [str(tmp_path / n) for n in ("one", "two", "three")] + [DEMO]
    alone = run("check", "--format", format_, "--jobs", "1", *paths)
    together = run("check", "--format", format_, "--jobs", "2", *paths)
    assert alone.exit_code == together.exit_code == 1
    assert together.output == alone.output
    nested = [str(tmp_path), DEMO]
    assert run("check", "--format", format_, "-j", "2", *nested).output == run("check", "--format", format_, "-j", "1", *nested).output


def test_check_uses_one_process_for_little_work(tmp_path) -> None:
    from cdlint.engine import PARALLEL_FILES, parallel_jobs
    from cdlint.targets import targets

    small = targets([DEMO, str(repository(tmp_path / "one"))], None)
    assert len(small) == 2
    assert sum(len(t.files) for t in small) < PARALLEL_FILES
    assert parallel_jobs(small, None) == 1
    assert parallel_jobs(small, 3) == 3


def test_check_uses_the_idle_cores_for_much_work(tmp_path, monkeypatch) -> None:
    from cdlint.engine import PARALLEL_FILES, parallel_jobs
    from cdlint.targets import targets

    for n in range(3):
        for i in range(PARALLEL_FILES // 2):
            repository(tmp_path / f"r{n}", name=f"w{i}.yml")
    big = targets([str(tmp_path / f"r{n}") for n in range(3)], None)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(4)), raising=False)
    monkeypatch.setattr("os.getloadavg", lambda: (0.2, 0.0, 0.0))
    assert parallel_jobs(big, None) == 3  # four idle cores, three repositories
    monkeypatch.setattr("os.getloadavg", lambda: (2.6, 0.0, 0.0))
    assert parallel_jobs(big, None) == 2  # two cores busy, two idle
    monkeypatch.setattr("os.getloadavg", lambda: (3.2, 0.0, 0.0))
    assert parallel_jobs(big, None) == 1
    monkeypatch.setattr("os.getloadavg", lambda: (9.0, 0.0, 0.0))
    assert parallel_jobs(big, None) == 1
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr("os.getloadavg", lambda: (0.6, 0.0, 0.0))
    assert parallel_jobs(big, None) == 2  # the tail of work just ended keeps no core


@pytest.mark.parametrize("format_", ["text", "json", "markdown"])
def test_maturity_in_parallel_reports_what_one_process_does(tmp_path, format_) -> None:
    """Workers keep projects and file texts to themselves unless the HTML report needs them."""
    paths = [str(repository(tmp_path / "one")), str(repository(tmp_path / "two", name="deploy.yml")), DEMO]
    alone = run("maturity", "--format", format_, "-j", "1", *paths)
    together = run("maturity", "--format", format_, "-j", "2", *paths)
    assert alone.exit_code == together.exit_code == 0
    assert together.output == alone.output


def test_maturity_keeps_projects_only_for_the_html_report() -> None:
    from cdlint.maturity import run as assess

    assert all(r.project is None and not r.sources for r in assess([DEMO], detail=False).repositories)
    assert all(r.project is not None and r.sources for r in assess([DEMO]).repositories)
