"""Run cdlint once for a hostile case: under resource limits, with an audit hook that
records what the process opens, lists, renames, removes and starts.

    python run_case.py SPEC.json

SPEC (JSON): ``argv`` (cdlint's arguments), ``log`` (where the events go, as JSON),
``memory`` (bytes of address space), ``cpu`` (seconds before SIGXCPU), ``module`` (run
as ``python -m cdlint`` from the current directory, which Python puts on ``sys.path``),
``deny`` (paths whose reading fails with EACCES, as for a folder without permissions:
the tests run as root, where permissions do not deny), ``break_rule`` (a rule id whose
check raises, as a rule with a bug would).

Only the standard library is imported before the hook is in place.
"""

import json
import os
import resource
import sys

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_WRITES = {"os.rename", "os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.symlink", "os.link",
           "os.truncate", "os.utime", "shutil.copyfile", "shutil.rmtree", "shutil.move"}
_FORBIDDEN = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
              "socket.connect", "socket.bind", "socket.getaddrinfo", "urllib.Request", "ctypes.dlopen"}


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        spec = json.load(handle)
    resource.setrlimit(resource.RLIMIT_AS, (spec["memory"], spec["memory"]))
    resource.setrlimit(resource.RLIMIT_CPU, (spec["cpu"], spec["cpu"] + 1))
    events: list = []
    deny = tuple(os.path.realpath(p) for p in spec.get("deny", ()))
    recording = [True]

    def denied(path: str) -> bool:
        real = os.path.realpath(path)
        return any(real == d or real.startswith(d + os.sep) for d in deny)

    def hook(event: str, args: tuple) -> None:
        if not recording[0]:
            return
        if event == "open":
            path, mode, flags = args
            if isinstance(path, (str, bytes, os.PathLike)):
                path = os.fsdecode(path)
                writing = bool(mode and any(c in mode for c in "wax+")) or bool((flags or 0) & _WRITE_FLAGS)
                link = writing and os.path.islink(path)
                events.append(["write" if writing else "read", os.path.abspath(path), link])
                if deny and denied(path):
                    raise PermissionError(13, "Permission denied", path)
        elif event in ("os.scandir", "os.listdir"):
            path = args[0] if args and args[0] is not None else "."
            if isinstance(path, (str, bytes, os.PathLike)):
                events.append(["list", os.path.abspath(os.fsdecode(path)), False])
                if deny and denied(os.fsdecode(path)):
                    raise PermissionError(13, "Permission denied", os.fsdecode(path))
        elif event in _WRITES:
            for path in args[:2]:
                if isinstance(path, (str, bytes, os.PathLike)):
                    events.append(["write", os.path.abspath(os.fsdecode(path)), False])
        elif event in _FORBIDDEN or event.startswith("socket."):
            events.append(["forbidden", event, False])

    code = 0
    sys.addaudithook(hook)
    try:
        if spec.get("break_rule"):
            _break(spec["break_rule"])
        sys.argv = ["cdlint", *spec["argv"]]
        if spec.get("module"):
            import runpy

            sys.path[0] = os.getcwd()
            runpy.run_module("cdlint", run_name="__main__", alter_sys=True)
        else:
            # As the console script runs: its own folder first on sys.path.
            sys.path[0] = os.path.dirname(sys.executable)
            from cdlint.cli import main as cdlint

            cdlint(prog_name="cdlint")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        sys.stdout.flush()
        recording[0] = False
        usage = resource.getrusage(resource.RUSAGE_SELF)
        with open(spec["log"], "w", encoding="utf-8") as handle:
            json.dump({"events": events, "maxrss_kib": usage.ru_maxrss, "cpu": usage.ru_utime + usage.ru_stime,
                       "code": code}, handle)
    sys.exit(code)


def _break(rule_id: str) -> None:
    """Make the rule ``rule_id`` raise, as a rule with a bug would."""
    import dataclasses

    import cdlint.rule

    original = cdlint.rule.load_rules

    def check(project, options):
        raise ZeroDivisionError("a bug in the rule")
        yield

    def load_rules(*args, **kwargs):
        rules = original(*args, **kwargs)
        if rule_id in rules:
            rules[rule_id] = dataclasses.replace(rules[rule_id], check=check)
        return rules

    cdlint.rule.load_rules = load_rules


if __name__ == "__main__":
    main()
