"""Benchmark: discovery on a large repository tree, and `cdlint check` of it end to end.

    .venv/bin/python bench/bench_discovery.py [--files 50000] [--runs 5]

Builds, in a temporary directory, a repository of ``--files`` files shaped like a
monorepo (source files in many folders, YAML configuration and Kubernetes manifests,
scripts without an extension, a .gitignore'd build output and a node_modules tree)
of which 10 are pipelines of the four platforms in places only their content shows,
then prints the median time of discovery (`cdlint.discovery.scan`) and of `cdlint
check` on it, and what was found. The issue's bar: discovery under 1 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

AZURE = "trigger: [main]\npool: {vmImage: ubuntu-latest}\nsteps:\n- script: make test\n"
AZURE_JOBS = "parameters:\n- name: c\n  default: Release\njobs:\n- job: Build\n  steps:\n  - script: make ${{ parameters.c }}\n"
JENKINS = "pipeline {\n  agent any\n  stages {\n    stage('Build') { steps { sh 'make' } }\n  }\n}\n"
WORKFLOW = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: [{run: make test}]\n"
GITLAB = "stages: [test]\nunit:\n  stage: test\n  script: make test\n"
PIPELINES = {
    ".github/workflows/ci.yml": WORKFLOW,
    ".github/workflows/release.yml": WORKFLOW,
    ".gitlab-ci.yml": GITLAB,
    "azure-pipelines.yml": AZURE,
    "vsts/nightly.yml": AZURE,
    "services/payments/ci/pipeline.yml": AZURE_JOBS,
    "tests/e2e/azure.yml": AZURE,
    "Jenkinsfile": JENKINS,
    "jenkins/release": "#!/usr/bin/env groovy\n" + JENKINS,
    "services/search/build.groovy": "node {\n  stage('Build') { sh 'make' }\n}\n",
}
K8S = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 2\n"
SOURCE = "def handler(event):\n    return {'status': 200}\n" * 20


def build(root: Path, files: int) -> None:
    """A tree of ``files`` files, 10 of them pipelines."""
    for path, text in PIPELINES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    (root / ".gitignore").write_text("/build/\n*.log\n")
    kinds = [("py", SOURCE), ("ts", SOURCE), ("go", SOURCE), ("md", "# notes\n"), ("yaml", K8S), ("json", "{}\n"),
             ("", "#!/bin/sh\nexec make \"$@\"\n"), ("java", SOURCE), ("yml", "key: value\nother: 1\n"), ("txt", "x\n")]
    made = len(PIPELINES) + 1
    index = 0
    while made < files:
        area = ("node_modules/pkg{}", "build/out{}", "services/svc{}/src", "libs/lib{}/pkg", "deploy/k8s/app{}")[index % 5]
        folder = root / area.format(index // 5 % 400)
        folder.mkdir(parents=True, exist_ok=True)
        extension, text = kinds[index % len(kinds)]
        name = f"file{index}" + (f".{extension}" if extension else "")
        (folder / name).write_text(text)
        made += 1
        index += 1


def median(run, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from cdlint.discovery import scan

    folder = Path(tempfile.mkdtemp(prefix="cdlint-bench-"))
    try:
        build(folder, args.files)
        subprocess.run(["git", "init", "-q", str(folder)], check=True)
        on_disk = sum(1 for p in folder.rglob("*") if p.is_file() and ".git" not in p.parts)
        scanned = scan(folder)
        seconds = median(lambda: scan(folder), args.runs)
        print(f"tree: {on_disk} files; discovery found {len(scanned.files)} pipeline files "
              f"({', '.join(sorted(p for p, _ in scanned.files))})")
        print(f"discovery: {seconds * 1000:.0f} ms median of {args.runs}")
        command = [sys.executable, "-m", "cdlint", "check", "--format", "json", str(folder)]

        def check() -> None:
            done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if done.returncode not in (0, 1):
                sys.exit(f"cdlint check failed ({done.returncode}): {done.stderr[-500:]}")

        print(f"cdlint check (process, end to end): {median(check, args.runs) * 1000:.0f} ms median of {args.runs}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
