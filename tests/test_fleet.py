"""``cdlint fleet scan``: every input kind, the records, resume, history, errors and bounds."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from cdlint.cli import main
from cdlint.errors import ConfigError
from cdlint.fleet import git as fleet_git
from cdlint.fleet import history, inputs, store
from cdlint.yamlload import MAX_FILE_SIZE

from conftest import ROOT
from fleet_repos import TESTED, UNTESTED, bare, git, history_repo, make_repo

EXPERT = "fixtures/maturity/github_expert"
BASE = "fixtures/maturity/github_base"
DEMO = "fixtures/demo"


@pytest.fixture(autouse=True)
def at_root(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)


def scan(tmp_path: Path, *args: str, stdin: str | None = None):
    result = CliRunner().invoke(main, ["fleet", "scan", "--cache", str(tmp_path / "cache"), *args], input=stdin,
                                catch_exceptions=False)
    return result


def stored(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def cli_json(*args: str) -> dict:
    return json.loads(CliRunner().invoke(main, list(args)).stdout)


# --- inputs --------------------------------------------------------------------------


def test_list_lines_name_locations_and_refs(tmp_path) -> None:
    (tmp_path / "repos" / "shop").mkdir(parents=True)
    text = ["# the shop team", "", "repos/shop   # on disk", "https://user:secret@git.example.com/acme/api.git release/1.x",
            "git@github.com:acme/web.git", "file:///srv/git/ops.git v2"]
    found = list(inputs.parse_list(text, tmp_path, "list.txt"))
    assert [(s.name, s.kind, s.ref) for s in found] == [
        ("repos/shop", "directory", None),
        ("git.example.com/acme/api@release/1.x", "git", "release/1.x"),
        ("github.com/acme/web", "git", None),
        ("/srv/git/ops@v2", "git", "v2"),
    ]
    assert found[0].location == str(tmp_path / "repos" / "shop")
    assert "secret" not in inputs.redact(found[1].location)


@pytest.mark.parametrize("line,message", [
    ("ext::sh -c touch%20/tmp/x", "expected LOCATION \\[REF\\]"),
    ("ext::sh%20-c%20touch", "remote helper addresses"),
    ("ext://sh/evil", "unsupported URL scheme 'ext'"),
    ("https://h/x.git --upload-pack=evil", "is not a branch, tag or commit"),
    ("a b c", "expected LOCATION \\[REF\\]"),
])
def test_bad_list_lines_are_usage_errors_with_their_line(tmp_path, line: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        list(inputs.parse_list(["# first", line], tmp_path, "list.txt"))
    assert str(raised.value).startswith("list.txt:2: ")


def test_a_bare_repository_directory_is_a_git_source(tmp_path) -> None:
    work = make_repo(tmp_path / "work", [("2024-01-01T00:00:00Z", {".github/workflows/ci.yml": TESTED})])
    source = inputs.from_argument(str(bare(work, tmp_path / "shop.git")))[0]
    assert source.kind == "git" and source.location.startswith("file://") and source.name.endswith("/shop")


def test_a_folder_of_repositories_gives_each_repository_as_a_source(tmp_path) -> None:
    org = tmp_path / "org"
    for name in ("api", "web"):
        make_repo(org / name, [("2024-01-01T00:00:00Z", {".github/workflows/ci.yml": TESTED})])
    make_repo(org / "libs" / "core", [("2024-01-01T00:00:00Z", {"Jenkinsfile": "node { stage('Build') { sh 'make' } }\n"})])
    (org / "notes").mkdir()
    found = inputs.from_argument(str(org))
    assert sorted(s.name for s in found) == sorted(f"{org}/{name}" for name in ("api", "libs/core", "web"))
    assert {s.kind for s in found} == {"directory"}
    # A repository is one source, whatever it holds.
    assert [s.name for s in inputs.from_argument(str(org / "api"))] == [f"{org}/api"]
    path = tmp_path / "s.jsonl"
    assert scan(tmp_path, "-s", str(path), str(org)).exit_code == 0
    assert sorted(r["repository"] for r in stored(path)) == sorted(s.name for s in found)


def test_missing_source_on_the_command_line_exits_2(tmp_path) -> None:
    result = scan(tmp_path, "-s", str(tmp_path / "s.jsonl"), "no/such/repository")
    assert result.exit_code == 2
    assert result.stderr == "cdlint: no such directory, list file or git URL: no/such/repository\n"


# --- records ---------------------------------------------------------------------------


def test_directory_records_hold_the_check_and_maturity_documents(tmp_path) -> None:
    path = tmp_path / "s.jsonl"
    result = scan(tmp_path, "-s", str(path), EXPERT, DEMO)
    assert result.exit_code == 0, result.output
    records = {r["repository"]: r for r in stored(path)}
    assert set(records) == {EXPERT, DEMO}
    for name, record in records.items():
        assert record["error"] is None and record["tool"]["name"] == "cdlint"
        assert record["check"] == cli_json("check", "--format", "json", name)
        assert record["maturity"] == cli_json("maturity", "--format", "json", name)
    # Inside this repository's work tree: the commit it is at.
    head = git(ROOT, "rev-parse", "HEAD")
    assert records[DEMO]["commit"] == head and records[DEMO]["time"].endswith("Z")


def test_plain_directories_have_no_commit_and_are_scanned_again(tmp_path) -> None:
    plain = tmp_path / "plain"
    (plain / ".github" / "workflows").mkdir(parents=True)
    (plain / ".github" / "workflows" / "ci.yml").write_text(TESTED)
    path = tmp_path / "s.jsonl"
    for _ in range(2):
        assert scan(tmp_path, "-s", str(path), str(plain)).exit_code == 0
    records = stored(path)
    assert [r["commit"] for r in records] == [None, None]
    assert records[0] == records[1]


def test_git_sources_read_the_same_files_as_the_work_tree(tmp_path) -> None:
    work = history_repo(tmp_path / "work")
    served = bare(work, tmp_path / "served.git")
    listing = tmp_path / "repos.txt"
    listing.write_text(f"served.git\n{served.as_uri()}\n")
    path = tmp_path / "s.jsonl"
    result = scan(tmp_path, "-s", str(path), str(work), str(listing))
    assert result.exit_code == 0, result.output
    records = stored(path)
    assert len(records) == 3
    head = git(work, "rev-parse", "HEAD")
    assert {r["commit"] for r in records} == {head}
    assert {r["time"] for r in records} == {"2024-05-10T12:00:00Z"}
    assert records[1]["check"] == records[2]["check"] == records[0]["check"]
    documents = [{k: v for k, v in r["maturity"].items() if k != "path"} for r in records]
    assert documents[0] == documents[1] == documents[2]
    assert [r["maturity"]["path"] for r in records] == [r["repository"] for r in records]


def test_sources_from_standard_input_with_a_ref(tmp_path) -> None:
    work = history_repo(tmp_path / "work")
    served = bare(work, tmp_path / "served.git")
    first = git(work, "rev-list", "--max-parents=0", "HEAD")
    git(served, "tag", "first", first)
    path = tmp_path / "s.jsonl"
    result = scan(tmp_path, "-s", str(path), "-", stdin=f"{served.as_uri()} first\n{ROOT / EXPERT}\n")
    assert result.exit_code == 0, result.output
    records = stored(path)
    assert records[0]["commit"] == first and records[0]["ref"] == "first"
    assert records[0]["repository"].endswith("/served@first")
    assert [f["path"] for f in records[0]["check"]["files"]] == [".github/workflows/ci.yml"]


def test_the_cache_holds_pipeline_files_only(tmp_path) -> None:
    work = make_repo(tmp_path / "work", [("2024-01-01T00:00:00Z", {
        ".github/workflows/ci.yml": TESTED, "big/data.bin": "x" * 100_000, "deploy/Jenkinsfile": "pipeline { }\n",
        "ci/templates/build.yml": "steps: []\n", "node_modules/x/.gitlab-ci.yml": "a: 1\n"})])
    served = bare(work, tmp_path / "served.git")
    assert scan(tmp_path, "-s", str(tmp_path / "s.jsonl"), served.as_uri()).exit_code == 0
    cache = fleet_git.cache_path(tmp_path / "cache", served.as_uri())
    objects = subprocess.run(["git", "-C", str(cache), "rev-list", "--objects", "--missing=print", "--all"],
                             capture_output=True, text=True, check=True).stdout.splitlines()
    missing = {line[1:] for line in objects if line.startswith("?")}
    present = {line.split(" ", 1)[1] for line in objects if " " in line and not line.startswith("?")}
    blob = lambda name: git(work, "rev-parse", f"HEAD:{name}")  # noqa: E731
    assert blob("big/data.bin") in missing and blob("node_modules/x/.gitlab-ci.yml") in missing
    assert {".github/workflows/ci.yml", "deploy/Jenkinsfile", "ci/templates/build.yml"} <= present
    shallow = subprocess.run(["git", "-C", str(cache), "rev-list", "--count", "--all"], capture_output=True, text=True)
    assert shallow.stdout.strip() == "1"


def test_hostile_trees_are_bounded(tmp_path) -> None:
    """A symlink out of the repository is never written; an oversized file is cut at the
    limit and reported as too large, as on disk."""
    work = make_repo(tmp_path / "work", [("2024-01-01T00:00:00Z", {".github/workflows/ci.yml": TESTED})])
    os.symlink("/etc/passwd", work / ".github" / "workflows" / "leak.yml")
    (work / ".github" / "workflows" / "huge.yml").write_text("a: " + "x" * (MAX_FILE_SIZE + 10) + "\n")
    git(work, "add", "--all")
    git(work, "commit", "--quiet", "-m", "hostile")
    served = bare(work, tmp_path / "served.git")
    path = tmp_path / "s.jsonl"
    assert scan(tmp_path, "-s", str(path), served.as_uri()).exit_code == 0
    record = stored(path)[0]
    assert record["error"] is None
    assert [f["path"] for f in record["check"]["files"]] == [".github/workflows/ci.yml", ".github/workflows/huge.yml"]
    messages = [f["message"] for f in record["check"]["findings"] if f["rule"] == "parse-error"]
    assert any("larger than" in m for m in messages), messages
    assert "root:" not in json.dumps(record)


def test_wanted_paths() -> None:
    assert fleet_git.wanted(".github/actions/setup/action.yml")
    assert fleet_git.wanted("ci/deploy.Jenkinsfile") and fleet_git.wanted("jenkins/build.groovy")
    assert fleet_git.wanted("eng/pipelines/templates/build.yaml") and fleet_git.wanted(".gitlab-ci.yml")
    assert not fleet_git.wanted("src/main.c") and not fleet_git.wanted("vendor/x/azure-pipelines.yml")


# --- resume and errors -----------------------------------------------------------------


def test_a_second_scan_skips_what_is_stored_and_force_redoes_it(tmp_path) -> None:
    work = history_repo(tmp_path / "work")
    served = bare(work, tmp_path / "served.git").as_uri()
    path = tmp_path / "s.jsonl"
    assert scan(tmp_path, "-s", str(path), served, EXPERT).exit_code == 0
    again = scan(tmp_path, "-s", str(path), served, EXPERT)
    assert again.exit_code == 0
    # The git source's commit is stored; the plain fixture directory is in this work tree, so it has one too.
    assert "0 records stored" in again.stderr and "2 commits already stored" in again.stderr
    assert len(stored(path)) == 2
    forced = scan(tmp_path, "-s", str(path), "--force", served)
    assert "1 record stored" in forced.stderr and len(stored(path)) == 3


def test_failures_are_error_records_and_are_tried_again(tmp_path) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_text(f"gone\n{(tmp_path / 'nothing.git').as_uri()}\n{ROOT / BASE}\n")
    path = tmp_path / "s.jsonl"
    result = scan(tmp_path, "-s", str(path), str(listing))
    assert result.exit_code == 0
    assert "3 of 3 repositories: 3 records stored" in result.stderr and "2 failed" in result.stderr
    records = stored(path)
    assert records[0]["error"] == "no such directory: gone"
    assert records[1]["error"].startswith("git fetch failed: ") and records[1]["check"] is None
    assert records[2]["error"] is None
    assert "2 failed" in scan(tmp_path, "-s", str(path), str(listing)).stderr
    assert len(stored(path)) == 5


def test_a_repository_that_breaks_cdlint_is_an_error_record(tmp_path, monkeypatch) -> None:
    from cdlint.fleet import evaluate

    real = evaluate.assess

    def fragile(project, findings, model):
        if any(p.path.endswith("release.yml") for p in project.pipelines):
            raise RecursionError("maximum recursion depth exceeded")
        return real(project, findings, model)

    monkeypatch.setattr(evaluate, "assess", fragile)
    path = tmp_path / "s.jsonl"
    assert scan(tmp_path, "-s", str(path), DEMO, EXPERT).exit_code == 0
    records = {r["repository"]: r for r in stored(path)}
    assert records[DEMO]["error"] == "internal error: RecursionError: maximum recursion depth exceeded"
    assert records[DEMO]["commit"] is not None and records[DEMO]["maturity"] is None
    assert records[EXPERT]["error"] is None


def test_a_server_that_never_answers_times_out(tmp_path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        port = server.getsockname()[1]
        path = tmp_path / "s.jsonl"
        started = time.monotonic()
        result = scan(tmp_path, "-s", str(path), "--timeout", "2", f"git://127.0.0.1:{port}/silent.git")
        assert time.monotonic() - started < 30
    assert result.exit_code == 0
    assert "timed out after 2 s" in stored(path)[0]["error"]


def test_an_interrupted_scan_keeps_its_records_and_resumes(tmp_path) -> None:
    repos = []
    for n in range(150):
        repo = tmp_path / "repos" / f"r{n:03d}" / ".github" / "workflows"
        repo.mkdir(parents=True)
        (repo / "ci.yml").write_text(TESTED if n % 2 else UNTESTED)
        repos.append(str(repo.parents[1]))
    listing = tmp_path / "repos.txt"
    listing.write_text("\n".join(repos) + "\n")
    path = tmp_path / "s.jsonl"
    command = [sys.executable, "-m", "cdlint", "fleet", "scan", "-s", str(path), str(listing)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not path.exists() or path.read_text().count("\n") < 5):
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    kept = stored(path)
    if process.returncode == 0:
        pytest.skip("the scan finished before it could be interrupted")
    assert process.returncode == 130, err
    assert "interrupted;" in err and "run again to resume" in err
    assert 5 <= len(kept) < 150
    # A kill can leave half a line: the next scan cuts it off before appending.
    with open(path, "a") as handle:
        handle.write('{"repository": "half')
    result = scan(tmp_path, "-s", str(path), str(listing))
    assert result.exit_code == 0
    names = [r["repository"] for r in stored(path)]
    # Plain directories are scanned again (no commit): each once more, none lost.
    assert set(names) == set(repos) and len(names) == len(kept) + 150


# --- history ---------------------------------------------------------------------------


def levels(record: dict) -> dict:
    return {c["id"]: c["level"] for c in record["maturity"]["categories"]}


@pytest.mark.parametrize("kind", ["work tree", "file URL"])
def test_history_evaluates_the_commits_that_changed_pipelines(tmp_path, kind: str) -> None:
    work = history_repo(tmp_path / "work")
    source = str(work) if kind == "work tree" else bare(work, tmp_path / "served.git").as_uri()
    path = tmp_path / "s.jsonl"
    result = scan(tmp_path, "-s", str(path), "--history", "--since", "2024-01-01", source)
    assert result.exit_code == 0, result.output
    records = stored(path)
    assert [r["time"] for r in records] == ["2024-05-10T12:00:00Z", "2024-03-20T12:00:00Z", "2024-03-10T12:00:00Z",
                                            "2024-01-10T12:00:00Z"]
    assert [levels(r)["test-verification"] for r in records] == ["base", "base", "base", None]
    assert [len(r["check"]["files"]) for r in records] == [1, 1, 1, 1]
    assert records[1]["check"]["findings"] != records[2]["check"]["findings"]  # the deploy job is new
    # Resumed: nothing is evaluated twice; a longer window adds nothing older than the first commit.
    again = scan(tmp_path, "-s", str(path), "--history", "--since", "2020-01-01", source)
    assert "4 commits already stored" in again.stderr and len(stored(path)) == 4


def test_history_every_and_max_commits(tmp_path) -> None:
    work = history_repo(tmp_path / "work")
    path = tmp_path / "s.jsonl"
    assert scan(tmp_path, "-s", str(path), "--history", "--since", "2024-02-01", "--every", "30d", str(work)).exit_code == 0
    assert [r["time"][:10] for r in stored(path)] == ["2024-05-10", "2024-03-20"]
    other = tmp_path / "t.jsonl"
    assert scan(tmp_path, "-s", str(other), "--history", "--since", "2020-01-01", "--max-commits", "2", str(work)).exit_code == 0
    assert [r["time"][:10] for r in stored(other)] == ["2024-05-10", "2024-03-20"]


def test_history_of_a_plain_directory_is_an_error_record(tmp_path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    path = tmp_path / "s.jsonl"
    assert scan(tmp_path, "-s", str(path), "--history", str(plain)).exit_code == 0
    assert stored(path)[0]["error"].startswith("--history needs a git repository")


def test_every_needs_history(tmp_path) -> None:
    result = scan(tmp_path, "-s", str(tmp_path / "s.jsonl"), "--every", "30d", EXPERT)
    assert result.exit_code == 2 and "--every needs --history" in result.stderr


def test_select_thins_and_bounds() -> None:
    day = 86400
    tip = ("t", 100 * day)
    changed = [("t", 100 * day), ("a", 99 * day), ("b", 80 * day), ("c", 60 * day), ("d", 59 * day), ("e", 10 * day)]
    window = history.History(since=50 * day, every=15 * day, limit=24)
    assert [c for c, _ in history.select(tip, changed, window)] == ["t", "b", "c"]
    assert [c for c, _ in history.select(tip, changed, history.History(since=0, limit=3))] == ["t", "a", "b"]


def test_durations_and_dates() -> None:
    now = datetime(2025, 1, 31, tzinfo=timezone.utc)
    assert history.duration("2w") == 14 * 86400
    assert history.since("30d", now) == int(now.timestamp()) - 30 * 86400
    assert history.since("2024-01-31", now) == int(datetime(2024, 1, 31, tzinfo=timezone.utc).timestamp())
    for bad in ("0d", "soon", "3x"):
        with pytest.raises(ConfigError):
            history.since(bad, now)


# --- the store -------------------------------------------------------------------------


def test_store_cuts_a_partial_line_and_locks(tmp_path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"repository": "a"}\n{"repository": "b", "comm')
    assert [r["repository"] for _, r in store.records(path)] == ["a"]
    with store.Store(path) as target:
        with pytest.raises(ConfigError, match="in use by another scan"):
            store.Store(path).__enter__()
        target.append('{"repository": "c"}')
    assert path.read_text() == '{"repository": "a"}\n{"repository": "c"}\n'


def test_store_rejects_lines_that_are_not_records(tmp_path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"repository": "a"}\n[1, 2]\n')
    with pytest.raises(ConfigError, match=r"s.jsonl:2: not a record"):
        list(store.records(path))


def test_progress_line_counts_rate_and_time_left() -> None:
    from cdlint.fleet.runner import Tally

    tally = Tally(total=100, done=20, failed=3, started=time.monotonic() - 10)
    assert tally.line() == "20/100 repositories, 3 failed, 2.0/s, about 0:40 left"
    tally = Tally(total=100_000, done=10, started=time.monotonic() - 10)
    assert tally.line().endswith("about 27:46:30 left")


def test_progress_is_quiet_when_not_a_terminal(tmp_path) -> None:
    result = scan(tmp_path, "-s", str(tmp_path / "s.jsonl"), EXPERT, BASE)
    assert result.stderr.splitlines() == [f"cdlint: 2 of 2 repositories: 2 records stored in {tmp_path / 's.jsonl'}, "
                                          "0 failed, 0 commits already stored"]


def test_local_processes_give_the_same_records(tmp_path) -> None:
    work = history_repo(tmp_path / "work")
    sources = [str(work), EXPERT, BASE, DEMO, "missing-directory"]
    listing = tmp_path / "repos.txt"
    listing.write_text("\n".join(sources) + "\n")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert scan(tmp_path, "-s", str(one), "--history", "--since", "2024-01-01", str(listing)).exit_code == 0
    assert scan(tmp_path, "-s", str(two), "-j", "2", "--history", "--since", "2024-01-01", str(listing)).exit_code == 0
    assert sorted(one.read_text().splitlines()) == sorted(two.read_text().splitlines())


def test_a_worker_process_that_dies_costs_only_its_repository(tmp_path, monkeypatch) -> None:
    """A process that dies breaks the pool: the tasks in flight are tried again alone, so
    only the repository that kills its process again is an error record."""
    from cdlint.fleet import evaluate

    real = evaluate.evaluate

    def deadly(root, source, commit, when, options):
        if source.name.endswith("doomed"):
            os._exit(3)
        return real(root, source, commit, when, options)

    monkeypatch.setattr(evaluate, "evaluate", deadly)  # forked workers inherit it
    doomed = tmp_path / "doomed"
    doomed.mkdir()
    path = tmp_path / "s.jsonl"
    result = scan(tmp_path, "-s", str(path), "-j", "2", EXPERT, BASE, str(doomed), DEMO)
    assert result.exit_code == 0, result.output
    records = {r["repository"]: r for r in stored(path)}
    assert len(records) == len(stored(path)) == 4
    assert records[str(doomed)]["error"] == "the worker process died while scanning this repository"
    assert all(records[name]["error"] is None for name in (EXPERT, BASE, DEMO))
