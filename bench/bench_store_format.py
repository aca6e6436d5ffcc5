"""Benchmark: the fleet store as JSON Lines or as Parquet, on 10,000 records.

    .venv/bin/python bench/bench_store_format.py [--records 10000] [--store S.jsonl]

Records come from a store (``--store``), or from scanning ../shared/corpus once;
they are repeated under new repository names up to ``--records``. Prints the
size on disk and the median time to load everything into pandas (and into
pyarrow, and with the json module line by line), for JSON Lines and for Parquet
(the documents as nested columns, and as JSON text columns). Needs pandas and
pyarrow (not dependencies of cdlint).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def timed(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def corpus_records(folder: Path) -> list[dict]:
    store = folder / "corpus.jsonl"
    groups = sorted(str(p) for platform in ("github", "gitlab", "azure", "jenkins") for p in (CORPUS / platform).iterdir() if p.is_dir())
    subprocess.run([sys.executable, "-m", "cdlint", "fleet", "scan", "-j", "2", "-s", str(store), *groups], check=True,
                   stderr=subprocess.DEVNULL)
    return [json.loads(line) for line in store.read_text(encoding="utf-8").splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import pandas
    import pyarrow
    import pyarrow.json
    import pyarrow.parquet

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        base = [json.loads(line) for line in args.store.read_text().splitlines()] if args.store else corpus_records(folder)
        records = [{**base[i % len(base)], "repository": f"org/repo-{i:05d}"} for i in range(args.records)]
        jsonl = folder / "store.jsonl"
        with open(jsonl, "w", encoding="utf-8") as handle:
            for r in records:
                handle.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
        nested = folder / "nested.parquet"
        pyarrow.parquet.write_table(pyarrow.Table.from_pylist(records), nested, compression="zstd")
        text = folder / "text.parquet"
        flat = [{**r, "tool": json.dumps(r["tool"]), "check": json.dumps(r["check"]), "maturity": json.dumps(r["maturity"])}
                for r in records]
        pyarrow.parquet.write_table(pyarrow.Table.from_pylist(flat), text, compression="zstd")
        del records, flat

        def lines() -> None:
            with open(jsonl, "rb") as handle:
                for line in handle:
                    json.loads(line)

        mb = lambda p: os.path.getsize(p) / 1e6  # noqa: E731
        print(f"{args.records} records from {len(base)} distinct ones")
        print(f"JSON Lines:                 {mb(jsonl):7.1f} MB")
        print(f"  pandas.read_json(lines)   {timed(lambda: pandas.read_json(jsonl, lines=True), args.runs):6.2f} s")
        print(f"  pyarrow.json.read_json    {timed(lambda: pyarrow.json.read_json(jsonl, read_options=pyarrow.json.ReadOptions(block_size=1 << 26)), args.runs):6.2f} s")
        print(f"  json.loads per line       {timed(lines, args.runs):6.2f} s")
        print(f"Parquet, nested (zstd):     {mb(nested):7.1f} MB")
        print(f"  pandas.read_parquet       {timed(lambda: pandas.read_parquet(nested), args.runs):6.2f} s")
        print(f"  pyarrow.parquet.read_table{timed(lambda: pyarrow.parquet.read_table(nested), args.runs):6.2f} s")
        print(f"Parquet, JSON text (zstd):  {mb(text):7.1f} MB")
        print(f"  pandas.read_parquet       {timed(lambda: pandas.read_parquet(text), args.runs):6.2f} s")
        buffer = io.BytesIO()
        import gzip

        with gzip.open(buffer, "wb") as g:
            g.write(jsonl.read_bytes())
        print(f"JSON Lines, gzip -6:        {len(buffer.getvalue()) / 1e6:7.1f} MB")


if __name__ == "__main__":
    main()
