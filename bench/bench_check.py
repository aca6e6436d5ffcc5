"""Benchmark: `cdlint check` over the shared corpus, and one file end to end (what a pre-commit hook feels).

    .venv/bin/python bench/bench_check.py [--runs 5]

Prints the median wall time of each measurement. Skips what is absent.
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


def wall(command: list[str], runs: int, cwd: Path | None = None) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        completed = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=cwd)
        times.append(time.perf_counter() - start)
        if completed.returncode not in (0, 1):
            sys.exit(f"{' '.join(command)} failed ({completed.returncode}): {completed.stderr[-500:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cdlint = [sys.executable, "-m", "cdlint", "check", "--format", "json"]
    one = ROOT / "fixtures" / "demo" / ".github" / "workflows" / "ci.yml"
    # Run inside the demo repository, which has no configuration file (this repository's
    # own .cdlint.yaml would be found from its root); then with one, which costs the
    # import of jsonschema.
    demo = ROOT / "fixtures" / "demo"
    print(f"single file ({one.relative_to(ROOT)}): {wall(cdlint + [str(one)], args.runs, demo) * 1000:.0f} ms median")
    configured = cdlint + ["--config", str(ROOT / ".cdlint.yaml"), str(one)]
    print(f"single file with a configuration file: {wall(configured, args.runs, demo) * 1000:.0f} ms median")
    if not CORPUS.is_dir():
        print("corpus absent: skipped")
        return
    sys.path.insert(0, str(ROOT))
    from cdlint.parsers import discover

    for platform in ("github", "gitlab", "azure", "jenkins"):
        folder = CORPUS / platform
        if not folder.is_dir():
            continue
        groups = sorted(str(p) for p in folder.iterdir() if p.is_dir())
        files = sum(len(discover(Path(g))) for g in groups)
        if not files:
            print(f"{platform}: no pipeline files discovered")
            continue
        seconds = wall(cdlint + groups, args.runs)
        print(f"{platform}: {files} files in {seconds:.2f} s median ({files / seconds:.0f} files/s)")


if __name__ == "__main__":
    main()
