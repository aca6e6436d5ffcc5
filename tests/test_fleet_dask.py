"""``cdlint fleet scan --scheduler``: the same store from a Dask cluster as from local processes.

A LocalCluster of two worker processes stands in for a real cluster (no network
beyond the loopback). Needs the ``fleet`` extra, which CI installs.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from cdlint.cli import main

from conftest import ROOT
from fleet_repos import TESTED, UNTESTED, bare, history_repo, repo_of

distributed = pytest.importorskip("distributed", reason="the fleet extra (pip install -e '.[fleet]') is not installed")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  scheduler_port=0, host="127.0.0.1") as local:
        yield local


def scan(tmp_path: Path, *args: str):
    return CliRunner().invoke(main, ["fleet", "scan", "--cache", str(tmp_path / "cache"), *args], catch_exceptions=False)


@pytest.fixture
def sources(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(ROOT)
    work = history_repo(tmp_path / "work")
    served = bare(work, tmp_path / "served.git")
    listing = tmp_path / "repos.txt"
    listing.write_text("\n".join([
        str(work), served.as_uri(), str(repo_of(ROOT / "fixtures/maturity/github_expert", tmp_path / "expert")),
        str(repo_of(ROOT / "fixtures/demo", tmp_path / "demo")),
        str(tmp_path / "missing"), (tmp_path / "no-such.git").as_uri()]) + "\n")
    return listing


def test_dask_store_equals_the_local_store(cluster, sources, tmp_path) -> None:
    local, dask = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    history = ("--history", "--since", "2024-01-01")
    assert scan(tmp_path, "-s", str(local), *history, str(sources)).exit_code == 0
    result = scan(tmp_path, "-s", str(dask), "--scheduler", cluster.scheduler_address, *history, str(sources))
    assert result.exit_code == 0, result.output
    lines = sorted(dask.read_text(encoding="utf-8").splitlines())
    assert lines == sorted(local.read_text(encoding="utf-8").splitlines())
    assert len(lines) == 2 * 4 + 2 + 2  # two histories of four commits, two of one commit, two failures
    again = scan(tmp_path, "-s", str(dask), "--scheduler", cluster.scheduler_address, *history, str(sources))
    assert "10 commits already stored" in again.stderr


def test_a_killed_worker_loses_no_repository(cluster, tmp_path) -> None:
    """One worker process dies while the scan runs: Dask runs its tasks again elsewhere, and
    every repository ends up in the store once, with a result."""
    repos = []
    for n in range(120):
        work = tmp_path / "repos" / f"r{n:03d}"
        (work / ".github" / "workflows").mkdir(parents=True)
        (work / ".github" / "workflows" / "ci.yml").write_text(TESTED if n % 2 else UNTESTED)
        repos.append(str(work))
    listing = tmp_path / "repos.txt"
    listing.write_text("\n".join(repos) + "\n")
    with distributed.Client(cluster.scheduler_address) as client:
        victim = sorted(client.run(os.getpid).items())[0][1]
    killed = []

    def kill_once(event):  # called on the driver as each result arrives
        if not killed and event >= 10:
            killed.append(victim)
            os.kill(victim, signal.SIGKILL)

    from cdlint.fleet import engines

    real = engines.run_dask

    def watched(tasks, options, address):
        for count, outcome in enumerate(real(tasks, options, address), start=1):
            kill_once(count)
            yield outcome

    path = tmp_path / "s.jsonl"
    try:
        engines.run_dask = watched
        result = scan(tmp_path, "-s", str(path), "--scheduler", cluster.scheduler_address, str(listing))
    finally:
        engines.run_dask = real
    assert result.exit_code == 0, result.output
    assert killed
    records = [line for line in path.read_text().splitlines()]
    assert len(records) == 120
    assert '"error":null' in records[0] and all('"error":null' in r for r in records)


def test_an_unreachable_scheduler_is_a_usage_error(tmp_path) -> None:
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = scan(tmp_path, "-s", str(tmp_path / "s.jsonl"), "--scheduler", "tcp://127.0.0.1:9", str(ROOT / "fixtures/demo"))
    assert result.exit_code == 2
    assert result.stderr.startswith("cdlint: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
