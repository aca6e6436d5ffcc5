"""Benchmark: two installations of cdlint side by side, interleaved run by run so that
the machine's load falls on both alike.

    .venv/bin/python bench/bench_versions.py BASELINE CANDIDATE [--runs 5]

BASELINE and CANDIDATE are `cdlint` executables, each in its own virtual environment,
installed the same way (a wheel, or `pip install DIR`; an editable install starts
slower). To compare a change with the commit before it:

    git worktree add /tmp/before HEAD~1
    python -m venv /tmp/before-venv && /tmp/before-venv/bin/pip install /tmp/before
    python -m venv /tmp/after-venv && /tmp/after-venv/bin/pip install .
    .venv/bin/python bench/bench_versions.py /tmp/before-venv/bin/cdlint /tmp/after-venv/bin/cdlint

Measures one file end to end (what a pre-commit hook feels), `check` over each
platform's part of ../shared/corpus, and `check` and `maturity` over all of it; prints the medians
and the ratio candidate / baseline.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
PLATFORMS = ("github", "gitlab", "azure", "jenkins")


def cases() -> dict[str, tuple[list[str], Path | None]]:
    demo = ROOT / "fixtures" / "demo"
    found: dict[str, tuple[list[str], Path | None]] = {
        "single file": (["check", "--format", "json", ".github/workflows/ci.yml"], demo),
    }
    groups = {p: sorted(str(g) for g in (CORPUS / p).iterdir() if g.is_dir()) for p in PLATFORMS if (CORPUS / p).is_dir()}
    for platform, folders in groups.items():
        found[f"check {platform}"] = (["check", "--format", "json", *folders], None)
    if groups:
        found["check, whole corpus"] = (["check", "--format", "json", *(g for f in groups.values() for g in f)], None)
        found["maturity, whole corpus"] = (["maturity", "--format", "json", *(g for f in groups.values() for g in f)], None)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("baseline")
    parser.add_argument("candidate")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for name, (arguments, cwd) in cases().items():
        times: dict[str, list[float]] = {"baseline": [], "candidate": []}
        for _ in range(args.runs):
            for which in times:
                start = time.perf_counter()
                done = subprocess.run([getattr(args, which), *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
                times[which].append(time.perf_counter() - start)
                if done.returncode not in (0, 1):
                    sys.exit(f"{which} failed on {name} ({done.returncode}): {done.stderr.decode()[-300:]}")
        before, after = (statistics.median(times[w]) for w in ("baseline", "candidate"))
        print(f"{name:24} baseline {before * 1000:7.0f} ms   candidate {after * 1000:7.0f} ms   ratio {after / before:.2f}")


if __name__ == "__main__":
    main()
