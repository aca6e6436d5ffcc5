"""Benchmark: `cdlint fleet scan` on 10,000 repositories, against `cdlint maturity --jobs 2`.

    .venv/bin/python bench/bench_fleet.py [--repositories 10000] [--jobs 2] [--no-dask] [--keep DIR]

The repositories are copies of the ../shared/corpus groups under unique names
(hard links where the file system allows). Measured, each in a fresh process:
`cdlint maturity --jobs N` over all of them (the baseline), `cdlint fleet scan
--jobs N` into a new store (its throughput must be at least 90% of the
baseline's), the same scan of a tenth of them (peak memory must not grow with
the number of repositories), and, when Dask is installed, `cdlint fleet scan
--scheduler` on a LocalCluster of N single-threaded worker processes, checked
against the local store. Prints wall time, repositories per second and the
peak resident memory of the largest process; and the time to write the HTML
report of the store.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
PLATFORMS = ("github", "gitlab", "azure", "jenkins")

# Runs a command and prints its wall time and the peak RSS (KiB) of it and its children.
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


def measure(command: list[str]) -> tuple[float, int]:
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True).stdout.split()
    seconds, rss, code = float(out[0]), int(out[1]), int(out[2])
    if code not in (0, 1):
        sys.exit(f"{' '.join(command[:6])} ... failed with exit {code}")
    return seconds, rss


def link_tree(source: Path, target: Path) -> None:
    try:
        shutil.copytree(source, target, copy_function=os.link)
    except OSError:
        shutil.copytree(source, target)


def make_repositories(folder: Path, count: int) -> list[str]:
    groups = [p for platform in PLATFORMS if (CORPUS / platform).is_dir() for p in sorted((CORPUS / platform).iterdir()) if p.is_dir()]
    if not groups:
        sys.exit("../shared/corpus is not present")
    paths = []
    for n in range(count):
        group = groups[n % len(groups)]
        target = folder / f"{group.parent.name}__{group.name}__{n:05d}"
        if not target.exists():
            link_tree(group, target)
        paths.append(str(target))
    return paths


def report(label: str, count: int, seconds: float, rss: int, workers: int) -> float:
    rate = count / seconds
    print(f"{label:<44} {seconds:8.1f} s  {rate:7.1f} repos/s  {rate / workers:6.1f} per worker  peak {rss / 1024:7.0f} MiB")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repositories", type=int, default=10000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--keep", type=Path, help="build the repositories here and keep them")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="cdlint-bench-fleet-"))
    folder = args.keep or scratch / "repos"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        paths = make_repositories(folder, args.repositories)
        print(f"{len(paths)} repositories from {len(set(Path(p).name.rsplit('__', 1)[0] for p in paths))} corpus groups "
              f"made in {time.perf_counter() - started:.0f} s; {args.jobs} workers; cdlint from {ROOT}")
        listing = scratch / "repos.txt"
        listing.write_text("\n".join(paths) + "\n")
        small = scratch / "small.txt"
        small.write_text("\n".join(paths[: max(1, len(paths) // 10)]) + "\n")
        cdlint = [sys.executable, "-m", "cdlint"]
        jobs = ["--jobs", str(args.jobs)]

        seconds, rss = measure([*cdlint, "maturity", *jobs, *paths])
        baseline = report(f"cdlint maturity --jobs {args.jobs}", len(paths), seconds, rss, args.jobs)
        store = scratch / "local.jsonl"
        seconds, rss = measure([*cdlint, "fleet", "scan", *jobs, "-s", str(store), str(listing)])
        local = report(f"cdlint fleet scan --jobs {args.jobs}", len(paths), seconds, rss, args.jobs)
        print(f"  store: {store.stat().st_size / 1e6:.0f} MB, {sum(1 for _ in open(store))} records; "
              f"throughput {100 * local / baseline:.0f}% of maturity's")
        seconds, rss_small = measure([*cdlint, "fleet", "scan", *jobs, "-s", str(scratch / "small.jsonl"), str(small)])
        report(f"cdlint fleet scan --jobs {args.jobs} (a tenth)", len(paths) // 10, seconds, rss_small, args.jobs)
        print(f"  peak memory with 10x the repositories: {rss / max(rss_small, 1):.2f}x")
        site = scratch / "site"
        seconds, rss = measure([*cdlint, "fleet", "report", "-s", str(store), "-o", str(site)])
        print(f"cdlint fleet report (html){seconds:27.1f} s  peak {rss / 1024:7.0f} MiB  "
              f"index.html {(site / 'index.html').stat().st_size / 1e6:.1f} MB, "
              f"{sum(f.stat().st_size for f in (site / 'repos').iterdir()) / 1e6:.0f} MB of repository pages")
        if not args.no_dask:
            dask_run(cdlint, listing, store, scratch, len(paths), args.jobs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def dask_run(cdlint: list[str], listing: Path, local: Path, scratch: Path, count: int, workers: int) -> None:
    try:
        from distributed import LocalCluster
    except ImportError:
        print("Dask: not installed (pip install -e '.[fleet]'): skipped")
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster:
        store = scratch / "dask.jsonl"
        seconds, rss = measure([*cdlint, "fleet", "scan", "--scheduler", cluster.scheduler_address, "-s", str(store), str(listing)])
        report(f"cdlint fleet scan --scheduler (LocalCluster {workers}x1)", count, seconds, rss, workers)
    with open(store, encoding="utf-8") as dask_lines, open(local, encoding="utf-8") as local_lines:
        same = sorted(dask_lines.read().splitlines()) == sorted(local_lines.read().splitlines())
    print(f"  Dask store equals the local store (sorted): {same}")


if __name__ == "__main__":
    main()
