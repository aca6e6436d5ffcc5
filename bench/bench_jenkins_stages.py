"""Measure: how many `stage(` calls of Jenkinsfiles become stages, and how many stages cdlint makes.

    .venv/bin/python bench/bench_jenkins_stages.py [FOLDER ...]

FOLDER: a folder of Jenkins pipelines, or of repositories holding them (default:
../shared/corpus/jenkins and fixtures/parsers/jenkins/loops). A `stage(` call counts as
found when a stage of the parsed pipeline is at its position; a loop over a literal
collection makes several stages at one call, a loop over a computed one a stage marked
as repeated.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = [ROOT.parent / "shared" / "corpus" / "jenkins", ROOT / "fixtures" / "parsers" / "jenkins" / "loops"]


def measure(folder: Path) -> None:
    from cdlint.model import LineIndex
    from cdlint.parsers import discover, groovy
    from cdlint.project import parse_file
    from cdlint.workspace import Workspace

    roots = sorted(p for p in folder.iterdir() if p.is_dir()) or [folder]
    calls = found = stages = repeated = 0
    for root in roots:
        workspace = Workspace(root)
        for rel, platform in discover(root):
            if platform != "jenkins":
                continue
            text = (root / rel).read_text(encoding="utf-8", errors="replace")
            lines = LineIndex(text)
            written = {
                lines.position(n.start) for n in groovy.iter_nodes(groovy.parse(text))
                if isinstance(n, groovy.Call) and n.callee is None and n.name == "stage" and (n.args or n.named)
            }
            pipeline = parse_file(rel, "jenkins", workspace)
            made = {(s.span.line, s.span.column) for s in pipeline.stages}
            calls += len(written)
            found += len(written & made)
            stages += len(pipeline.stages)
            repeated += sum("repeated" in s.facts for s in pipeline.stages)
            for line, column in sorted(written - made):
                print(f"  lost: {root.name}/{rel}:{line}:{column}")
    share = 100 * found / calls if calls else 100.0
    print(f"{folder}: {found} of {calls} stage() calls became stages ({share:.1f}%); "
          f"{stages} stages, {repeated} marked repeated")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    folders = [Path(a) for a in sys.argv[1:]] or [d for d in DEFAULTS if d.is_dir()]
    for folder in folders:
        measure(folder)


if __name__ == "__main__":
    main()
