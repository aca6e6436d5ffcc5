"""Benchmark the Groovy parser on the Jenkinsfile corpus.

Usage: python bench/groovy_bench.py [N]

Parses every file under shared/corpus/jenkins N times (default 20) and
prints, per file, the max and median time of one parse, then the overall
max, median and throughput.  Exits quietly when the corpus is absent.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cdlint.parsers.groovy import parse  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "jenkins"


def main(argv: list[str]) -> int:
    runs = int(argv[1]) if len(argv) > 1 else 20
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}; nothing to benchmark")
        return 0
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file())
    texts = [(p.relative_to(CORPUS), p.read_text(encoding="utf-8", errors="replace")) for p in files]
    rows = []
    total_parses = 0
    started = time.perf_counter()
    for name, text in texts:
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            parse(text)
            times.append((time.perf_counter() - t0) * 1000)
        total_parses += runs
        rows.append((name, len(text), max(times), statistics.median(times)))
    elapsed = time.perf_counter() - started
    width = max(len(str(name)) for name, *_ in rows)
    print(f"{'file':<{width}}  {'bytes':>7}  {'max ms':>8}  {'median ms':>9}")
    for name, size, worst, median in sorted(rows, key=lambda r: -r[3]):
        print(f"{str(name):<{width}}  {size:>7}  {worst:>8.2f}  {median:>9.2f}")
    medians = [r[3] for r in rows]
    print()
    print(f"files: {len(rows)}, runs per file: {runs}")
    print(f"max of per-file max: {max(r[2] for r in rows):.2f} ms")
    print(f"max of per-file median: {max(medians):.2f} ms")
    print(f"median of per-file median: {statistics.median(medians):.2f} ms")
    print(f"throughput: {total_parses / elapsed:.0f} files/s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
