"""Git repositories the fleet tests build: commits of pipeline changes at chosen times."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

UNTESTED = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
"""
TESTED = UNTESTED + "      - run: make test\n"


def git(repo: Path, *args: str, when: str = "2024-01-01T12:00:00Z") -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True)
    return done.stdout.strip()


def make_repo(path: Path, commits: list[tuple[str, dict[str, str | None]]]) -> Path:
    """A work tree at ``path`` with one commit per ``(time, {file: content or None to delete})``."""
    path.mkdir(parents=True)
    git(path, "init", "--quiet", "--initial-branch=main")
    for when, files in commits:
        for name, content in files.items():
            target = path / name
            if content is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(content)
        git(path, "add", "--all")
        git(path, "commit", "--quiet", "--allow-empty", "-m", f"at {when}", when=when)
    return path


def bare(work: Path, target: Path) -> Path:
    """A bare clone of ``work`` that serves partial clones, as a hosting service does."""
    subprocess.run(["git", "clone", "--quiet", "--bare", str(work), str(target)], check=True, capture_output=True)
    git(target, "config", "uploadpack.allowFilter", "true")
    return target


def history_repo(path: Path) -> Path:
    """Three pipeline changes and one code change: untested, tested, a deploy job, then code."""
    deploy = TESTED + "  deploy:\n    needs: build\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: ./deploy.sh\n"
    return make_repo(path, [
        ("2024-01-10T12:00:00Z", {".github/workflows/ci.yml": UNTESTED, "src/main.c": "int main;\n"}),
        ("2024-03-10T12:00:00Z", {".github/workflows/ci.yml": TESTED}),
        ("2024-03-20T12:00:00Z", {".github/workflows/ci.yml": deploy}),
        ("2024-05-10T12:00:00Z", {"src/main.c": "int main(void);\n"}),
    ])


def repo_of(folder: Path, path: Path, when: str = "2024-02-01T12:00:00Z") -> Path:
    """A work tree at ``path`` whose one commit holds the files of ``folder``."""
    files = {f.relative_to(folder).as_posix(): f.read_text(encoding="utf-8") for f in sorted(folder.rglob("*")) if f.is_file()}
    return make_repo(path, [(when, files)])
