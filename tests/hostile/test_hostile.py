"""cdlint on hostile repositories (issue 15): each case of :mod:`cases` runs in a process of
its own under resource limits (CPU time, 200 MiB of address space) and an audit hook, and
must end with the exit code it is given, its finding or one-line message, no traceback,
nothing read outside the repository but cdlint's own installation, and nothing written
but the files it was asked to write — never through a symlink.

Slow (a process per case): ``-m "not slow"`` leaves them out; CI runs them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from hostile.cases import CASES, MIB, Case

RUNNER = Path(__file__).with_name("run_case.py")
MEMORY = 200 * MIB
pytestmark = [pytest.mark.slow, pytest.mark.hostile]


def _installation() -> list[str]:
    """Where Python and cdlint's dependencies and cdlint itself are read from."""
    import cdlint
    import cdlint.rules

    places = {sys.prefix, sys.base_prefix, sys.exec_prefix, *sysconfig.get_paths().values(),
              os.path.dirname(cdlint.__file__), *cdlint.rules.__path__}
    return sorted({os.path.realpath(p) for p in places if p})


INSTALLATION = _installation()


def _under(path: str, places: list[str]) -> bool:
    real = os.path.realpath(path)
    return any(real == p or real.startswith(p.rstrip(os.sep) + os.sep) for p in places)


def _fill(text: str, root: Path, outside: Path) -> str:
    return text.replace("{root}", str(root)).replace("{outside}", str(outside))


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=False, reason=c.xfail)] if c.xfail else [])
             for c in CASES],
)
def test_hostile(case: Case, tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    (root / ".git").mkdir(parents=True)
    (outside / "home").mkdir(parents=True)
    case.build(root, outside)
    before = {name: (outside / name).read_bytes() for name in case.unchanged}
    log = tmp_path / "events.json"
    spec = {"argv": [_fill(a, root, outside) for a in case.argv], "log": str(log), "memory": MEMORY,
            "cpu": int(case.seconds * 3) + 1, "module": case.module, "break_rule": case.break_rule,
            "deny": [str(root / d) for d in case.deny]}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    env = {**os.environ, "HOME": str(outside / "home"), "CDLINT_CACHE_DIR": str(outside / "cache"), "NO_COLOR": "1",
           **{k: _fill(v, root, outside) for k, v in case.env.items()}}
    env = {k: v for k, v in env.items() if v != ""}
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, str(RUNNER), str(tmp_path / "spec.json")], cwd=_fill(case.cwd, root, outside),
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        stdout, stderr = process.communicate(timeout=max(10, case.seconds * 4))
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"still running after {time.monotonic() - started:.0f} s (a hang)")
    out, err = stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")
    shown = f"exit {process.returncode}\n--- stderr\n{err[-3000:]}\n--- stdout\n{out[-2000:]}"
    assert process.returncode >= 0, f"killed by signal {-process.returncode}\n{shown}"
    assert "Traceback" not in err, shown
    if case.break_rule is None:
        assert "internal error" not in out + err, shown
    assert process.returncode in case.exit, shown
    assert all(line.startswith("cdlint: ") for line in err.splitlines() if line.strip()), shown
    if case.expect:
        assert re.search(case.expect, out + err), f"expected {case.expect!r}\n{shown}"
    for text in case.absent:
        assert text not in out and text not in err, f"{text!r} is in the output\n{shown}"
    record = json.loads(log.read_text())
    assert record["cpu"] <= case.seconds, f"{record['cpu']:.1f} s of CPU time, more than {case.seconds} s"
    assert record["maxrss_kib"] * 1024 <= MEMORY, f"{record['maxrss_kib'] // 1024} MiB"
    _check_events(record["events"], case, root, outside)
    for name, content in before.items():
        assert (outside / name).read_bytes() == content, f"{name} outside the repository was changed"
    if case.verify is not None:
        case.verify(out, root)


def _check_events(events: list, case: Case, root: Path, outside: Path) -> None:
    """Reads only inside the repository, cdlint's cache and installation; writes only the
    files asked for (and temporary files beside them) and the cache; no process, no socket."""
    readable = [os.path.realpath(p) for p in (root, outside / "cache", outside / "fifo-cache", outside / "home",
                                               *(_fill(r, root, outside) for r in case.reads))] + INSTALLATION
    writable = [os.path.realpath(p) for p in (outside / "cache", outside / "home")]
    if case.env.get("CDLINT_CACHE_DIR"):
        writable.append(os.path.realpath(_fill(case.env["CDLINT_CACHE_DIR"], root, outside)))
    asked = {os.path.realpath(root / w) for w in case.writes}
    problems = []
    for kind, path, through_link in events:
        if kind == "forbidden":
            problems.append(f"started {path}")
        elif kind in ("read", "list") and not _under(path, readable):
            problems.append(f"{kind} {path}")
        elif kind == "write":
            if through_link:
                problems.append(f"wrote through the symlink {path}")
            beside = os.path.dirname(os.path.realpath(path))
            if not (_under(path, writable) or os.path.realpath(path) in asked
                    or any(beside == os.path.dirname(a) for a in asked)):
                problems.append(f"wrote {path}")
    assert not problems, "\n".join(dict.fromkeys(problems))
