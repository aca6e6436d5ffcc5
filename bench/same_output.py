"""Check that a change alters no output: run two installations of cdlint on every group of
../shared/corpus (and on the generated repositories of bench/scaling.py) and compare what
they print, byte for byte.

    .venv/bin/python bench/same_output.py record BASELINE_CDLINT /tmp/before
    .venv/bin/python bench/same_output.py record CANDIDATE_CDLINT /tmp/after
    .venv/bin/python bench/same_output.py compare /tmp/before /tmp/after

`record` writes, for each group, `cdlint graph --format json` and `--format text` (stages,
edges, tags with their evidence, deliveries), and for the whole corpus at once
`cdlint check --format json` (findings) and `cdlint maturity --format json`. `compare`
lists the files that differ and exits 1 if any does.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
PLATFORMS = ("github", "gitlab", "azure", "jenkins")


def groups() -> list[Path]:
    found = [g for p in PLATFORMS if (CORPUS / p).is_dir() for g in sorted((CORPUS / p).iterdir()) if g.is_dir()]
    peers = CORPUS / "peer-tests" / "actionlint"
    return found + ([peers] if peers.is_dir() else [])


def run(cdlint: str, arguments: list[str], out: Path) -> None:
    done = subprocess.run([cdlint, *arguments], capture_output=True)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(arguments)} failed ({done.returncode}): {done.stderr.decode()[-300:]}")
    out.write_bytes(done.stdout)


def record(cdlint: str, target: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from scaling import write_cases

    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        generated = write_cases(Path(scratch), small=True)
        every = groups() + generated
        jobs = []
        for group in every:
            name = f"{'generated' if group in generated else group.parent.name}__{group.name}"
            jobs.append((["graph", "--format", "json", str(group)], target / f"graph-{name}.json"))
            jobs.append((["graph", "--format", "text", str(group)], target / f"graph-{name}.txt"))
            jobs.append((["check", "--format", "json", "--fail-on", "never", str(group)], target / f"check-{name}.json"))
        corpus = [str(g) for g in groups()]
        jobs.append((["check", "--format", "json", *corpus], target / "check-corpus.json"))
        jobs.append((["maturity", "--format", "json", *corpus], target / "maturity-corpus.json"))
        with ThreadPoolExecutor(2) as pool:
            for future in [pool.submit(run, cdlint, arguments, out) for arguments, out in jobs]:
                future.result()
    # The generated repositories live in a temporary folder whose name shows in the output.
    for path in target.iterdir():
        path.write_bytes(path.read_bytes().replace(scratch.encode(), b"<scratch>"))
    print(f"{len(jobs)} outputs of {len(every)} groups in {target}")


def compare(before: Path, after: Path) -> int:
    names = sorted({p.name for p in before.iterdir()} | {p.name for p in after.iterdir()})
    differ = [n for n in names if not (before / n).is_file() or not (after / n).is_file() or (before / n).read_bytes() != (after / n).read_bytes()]
    digest = hashlib.sha256(b"".join((before / n).read_bytes() for n in names if (before / n).is_file())).hexdigest()
    for name in differ:
        print(f"differs: {name}")
    print(f"{len(names) - len(differ)} of {len(names)} outputs identical (sha256 of all: {digest[:16]})")
    return 1 if differ else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record")
    rec.add_argument("cdlint")
    rec.add_argument("target", type=Path)
    cmp = commands.add_parser("compare")
    cmp.add_argument("before", type=Path)
    cmp.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "record":
        record(args.cdlint, args.target)
    else:
        sys.exit(compare(args.before, args.after))


if __name__ == "__main__":
    main()
