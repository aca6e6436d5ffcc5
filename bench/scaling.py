"""Benchmark: does cdlint stay linear on one big repository?

    .venv/bin/python bench/scaling.py [--cdlint PATH] [--runs 3] [--timeout 120]

Writes repositories into a temporary folder and times `cdlint check --format json` on each
(whole processes; the median of --runs, and the peak memory of the slowest run):

- the GitHub part of ../shared/corpus copied 1, 10 and 50 times into one repository (the
  cost per file must stay flat: at most 1.1 times the 1x run's);
- one Azure template used 100 and 400 times; GitHub chains of 500 and 2,000 jobs;
- the graph blow-ups of issue 15, at the largest sizes a pipeline may have: GitLab
  `stages: [a, b]` with 223 + 223 jobs, Azure 2 stages of 158 jobs passing artifacts,
  100 workflows each naming all 100 in `workflow_run`, 3,000 jobs extending a template
  of 3,000 variables.

Each case prints its size, its time, the time per unit of size and the ratio to the smaller
run of the same case: linear growth keeps the cost per unit flat. `write_cases(root,
small=True)` writes the same shapes at sizes even a quadratic cdlint finishes, for
bench/same_output.py.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def github_corpus(root: Path, copies: int) -> Path:
    """``copies`` copies of every GitHub group of the corpus, side by side in one repository."""
    repo = root / f"github-corpus-{copies}x"
    for k in range(copies):
        for group in sorted((CORPUS / "github").iterdir()):
            if group.is_dir():
                shutil.copytree(group, repo / f"copy{k}" / group.name, symlinks=True)
    return repo


def azure_template(root: Path, uses: int) -> Path:
    """One pipeline using one job template ``uses`` times, each with its own parameters."""
    repo = root / f"azure-template-{uses}"
    (repo / "templates").mkdir(parents=True)
    (repo / "templates" / "build.yml").write_text(
        "parameters:\n- name: name\n  type: string\n- name: os\n  type: string\n  default: linux\n"
        "jobs:\n- job: ${{ parameters.name }}\n  pool:\n    vmImage: ubuntu-latest\n  steps:\n"
        "  - checkout: self\n  - script: make build OS=${{ parameters.os }}\n    displayName: Build\n"
        "  - script: make test\n    displayName: Test\n"
        "  - task: PublishTestResults@2\n    inputs:\n      testResultsFormat: JUnit\n"
        "  - publish: out\n    artifact: ${{ parameters.name }}\n"
    )
    uses_text = "".join(f"  - template: templates/build.yml\n    parameters:\n      name: b{i}\n      os: os{i % 3}\n" for i in range(uses))
    (repo / "azure-pipelines.yml").write_text(
        "trigger: [main]\nstages:\n- stage: Build\n  jobs:\n" + uses_text
        + "- stage: Deploy\n  dependsOn: Build\n  jobs:\n  - deployment: Production\n    environment: production\n"
        "    strategy:\n      runOnce:\n        deploy:\n          steps:\n          - script: ./deploy.sh\n"
    )
    return repo


def github_chain(root: Path, jobs: int) -> Path:
    """One workflow whose ``jobs`` jobs each need the one before: build, tests, a deploy."""
    repo = root / f"github-chain-{jobs}"
    (repo / ".github" / "workflows").mkdir(parents=True)
    lines = ["on:\n  push:\n    branches: [main]\njobs:\n"]
    for i in range(jobs):
        needs = f"    needs: j{i - 1}\n" if i else ""
        if i == 0:
            steps = "      - run: make build\n      - uses: actions/upload-artifact@v4\n        with:\n          name: dist\n          path: dist\n"
        elif i == jobs - 1:
            steps = ("      - uses: actions/download-artifact@v4\n        with:\n          name: dist\n"
                     "      - run: kubectl apply -f k8s/\n")
        else:
            steps = f"      - run: make test PART={i}\n"
        env = "    environment: production\n" if i == jobs - 1 else ""
        lines.append(f"  j{i}:\n    runs-on: ubuntu-latest\n{needs}{env}    steps:\n      - uses: actions/checkout@v4\n{steps}")
    (repo / ".github" / "workflows" / "chain.yml").write_text("".join(lines))
    return repo


def gitlab_stages(root: Path, jobs: int) -> Path:
    """GitLab ``stages: [a, b]`` with ``jobs`` jobs in each: every job of b waits for all of a."""
    repo = root / f"gitlab-stages-{jobs}"
    repo.mkdir(parents=True)
    text = ["stages: [a, b]\n"]
    text += [f"test{i}:\n  stage: a\n  script: make test PART={i}\n" for i in range(jobs)]
    text += [f"deploy{i}:\n  stage: b\n  script: ./deploy.sh {i}\n  environment: review/{i}\n" for i in range(jobs)]
    (repo / ".gitlab-ci.yml").write_text("".join(text))
    return repo


def azure_artifacts(root: Path, jobs: int) -> Path:
    """Two Azure stages of ``jobs`` jobs: each job of the first publishes an artifact, each of
    the second downloads every artifact of the run."""
    repo = root / f"azure-artifacts-{jobs}"
    repo.mkdir(parents=True)
    text = ["trigger: [main]\nstages:\n- stage: Build\n  jobs:\n"]
    text += [f"  - job: build{i}\n    steps:\n    - script: make build PART={i}\n    - publish: out{i}\n      artifact: part{i}\n" for i in range(jobs)]
    text.append("- stage: Test\n  jobs:\n")
    text += [f"  - job: test{i}\n    steps:\n    - download: current\n    - script: make test PART={i}\n" for i in range(jobs)]
    (repo / "azure-pipelines.yml").write_text("".join(text))
    return repo


def workflow_runs(root: Path, workflows: int) -> Path:
    """``workflows`` workflows, each started by the runs of all of them."""
    repo = root / f"workflow-run-{workflows}"
    (repo / ".github" / "workflows").mkdir(parents=True)
    names = ", ".join(f"w{i}" for i in range(workflows))
    for i in range(workflows):
        (repo / ".github" / "workflows" / f"w{i}.yml").write_text(
            f"name: w{i}\non:\n  workflow_run:\n    workflows: [{names}]\n    types: [completed]\n"
            f"jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test PART={i}\n"
        )
    return repo


def gitlab_extends(root: Path, jobs: int, variables: int) -> Path:
    """``jobs`` jobs extending one template that sets ``variables`` variables."""
    repo = root / f"gitlab-extends-{jobs}x{variables}"
    repo.mkdir(parents=True)
    text = [".base:\n  image: python:3.12\n  variables:\n"]
    text += [f"    VAR_{i}: value-{i}\n" for i in range(variables)]
    text += [f"job{i}:\n  extends: .base\n  script: make test PART={i}\n" for i in range(jobs)]
    (repo / ".gitlab-ci.yml").write_text("".join(text))
    return repo


SMALL = [
    (github_corpus, (2,)), (github_chain, (200,)), (azure_template, (40,)), (gitlab_stages, (100,)), (azure_artifacts, (100,)),
    (workflow_runs, (20,)), (gitlab_extends, (300, 300)),
]

# (case, sizes, unit): each size is the arguments of one run; the unit names what grows.
CASES = [
    ("github corpus", github_corpus, [(1,), (10,), (50,)], "file"),
    ("azure template uses", azure_template, [(100,), (400,)], "use"),
    ("github job chain", github_chain, [(500,), (2000,)], "job"),
    # The largest sizes that stay within the 50,000 dependencies a pipeline may have
    # (cdlint.parsers.common.MAX_EDGES); past them a pipeline is too large to analyse.
    ("gitlab stage barrier", gitlab_stages, [(100,), (223,)], "job"),
    ("azure artifacts", azure_artifacts, [(100,), (158,)], "job"),
    ("workflow_run fan", workflow_runs, [(25,), (100,)], "workflow"),
    ("gitlab extends", gitlab_extends, [(750, 750), (3000, 3000)], "job"),
]


def write_cases(root: Path, small: bool = True) -> list[Path]:
    """The repositories of the small sizes (for output comparisons; the GitHub corpus twice
    in one repository when the corpus is there)."""
    return [make(root, *size) for make, size in SMALL if make is not github_corpus or (CORPUS / "github").is_dir()]


def units(repo: Path, make, size: tuple[int, ...]) -> int:
    if make is github_corpus:
        return sum(1 for p in repo.rglob("*") if p.is_file())
    return size[0]


def measure(cdlint: str, repo: Path, runs: int, timeout: float) -> tuple[float, float] | None:
    """Median seconds and peak MiB of ``cdlint check`` on ``repo``; None past ``timeout``."""
    times, peak = [], 0.0
    for _ in range(runs):
        result = run_measured([cdlint, "check", "--format", "json", "--fail-on", "never", str(repo)], timeout)
        if result is None:
            return None
        seconds, mib, _ = result
        times.append(seconds)
        peak = max(peak, mib)
    return statistics.median(times), peak


def run_measured(command: list[str], timeout: float, cwd: Path | None = None,
                 accept: tuple[int, ...] | None = (0, 1)) -> tuple[float, float, float] | None:
    """Wall seconds, peak resident MiB and CPU seconds (user and system, with the processes
    it waited for) of one process (None past ``timeout``); exits on a failure: an exit code
    not in ``accept`` (None: any but a signal's)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    _, status, usage = os.wait4(process.pid, 0)
    timer.cancel()
    if time.perf_counter() - start > timeout:
        return None
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode < 0 if accept is None else process.returncode not in accept:
        sys.exit(f"{' '.join(command)}: exit {process.returncode}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cdlint", default=str(Path(sys.executable).with_name("cdlint")))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--only", help="run only the cases whose name contains this")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        for name, make, sizes, unit in CASES:
            if args.only and args.only not in name:
                continue
            if make is github_corpus and not (CORPUS / "github").is_dir():
                print(f"{name}: corpus absent, skipped")
                continue
            first = None
            for size in sizes:
                repo = make(Path(scratch), *size)
                count = units(repo, make, size)
                result = measure(args.cdlint, repo, args.runs, args.timeout)
                if result is None:
                    print(f"{name:22} {count:>7} {unit}s  over {args.timeout:.0f} s")
                    continue
                seconds, peak = result
                per = seconds / count
                first = first or per
                print(f"{name:22} {count:>7} {unit}s  {seconds:7.2f} s  {per * 1000:8.3f} ms/{unit}"
                      f"  x{per / first:4.2f} per {unit}  peak {peak:5.0f} MiB")
                shutil.rmtree(repo)


if __name__ == "__main__":
    main()
