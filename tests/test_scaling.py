"""Guards against quadratic work on big repositories (bench/scaling.py measures the rest).

Timings are loose on purpose: linear growth makes four times the jobs cost about four
times as much, a quadratic walk sixteen times.
"""

import time
from pathlib import Path

import pytest

from cdlint.engine import Settings, check

pytestmark = pytest.mark.slow


def chain(root: Path, jobs: int) -> Path:
    """A workflow of ``jobs`` jobs, each needing the one before: a build, tests, a deploy."""
    lines = ["on:\n  push:\n    branches: [main]\njobs:\n"]
    for i in range(jobs):
        needs = f"    needs: j{i - 1}\n" if i else ""
        run = "make build" if i == 0 else "kubectl apply -f k8s/" if i == jobs - 1 else f"make test PART={i}"
        env = "    environment: production\n" if i == jobs - 1 else ""
        lines.append(f"  j{i}:\n    runs-on: ubuntu-latest\n{needs}{env}    steps:\n      - run: {run}\n")
    path = root / f"chain{jobs}" / ".github" / "workflows" / "chain.yml"
    path.parent.mkdir(parents=True)
    path.write_text("".join(lines))
    return root / f"chain{jobs}"


def seconds(repo: Path) -> float:
    start = time.perf_counter()
    report = check([str(repo)], Settings())
    assert report.files == ((".github/workflows/chain.yml", "github"),)
    assert not report.errors  # a walk that recursed per job failed here
    return time.perf_counter() - start


def test_a_chain_of_2000_jobs_costs_linear_time(tmp_path) -> None:
    seconds(chain(tmp_path, 10))  # the signals and the rules, loaded once
    small = seconds(chain(tmp_path, 500))
    big = seconds(chain(tmp_path, 2000))
    assert big < 5, f"2,000 jobs took {big:.1f} s"
    assert big < 8 * small, f"4x the jobs took {big / small:.1f}x the time: quadratic work is back"
