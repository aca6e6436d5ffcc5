"""The results store: a JSON Lines file, one record per repository and commit.

JSON Lines because a record is appended the moment its repository finishes,
with one ``write`` of a whole line: a run that is killed keeps every finished
record, and at worst leaves half a line at the end, which the next run cuts off
before it appends. Analysts load the file as it is (``pandas.read_json(path,
lines=True)``, ``pyarrow.json.read_json``, ``jq``, DuckDB's ``read_json``). The
README gives the measurements against Parquet.

One scan writes to a store at a time (an exclusive lock on the file).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from cdlint.errors import ConfigError
from cdlint.safetext import scrub

_CHUNK = 1 << 16


class Store:
    """An open store, appending records."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def __enter__(self) -> Store:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as e:
            raise ConfigError(f"cannot open the store {self.path}: {e.strerror}") from None
        try:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # Windows: no lock
            pass
        except OSError:
            os.close(self._fd)
            raise ConfigError(f"the store {self.path} is in use by another scan") from None
        _cut_partial_line(self._fd)
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None

    def append(self, line: str) -> None:
        """Add one record (a JSON object on one line) at the end, in one write."""
        data = (scrub(line) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]


def _cut_partial_line(fd: int) -> None:
    """Drop what a killed run left after the last complete line."""
    size = os.lseek(fd, 0, os.SEEK_END)
    end = size
    while end > 0:
        start = max(0, end - _CHUNK)
        chunk = os.pread(fd, end - start, start)
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            end = start + newline + 1
            break
        end = start
    if end != size:
        os.ftruncate(fd, end)


def records(path: str | Path) -> Iterator[tuple[int, dict]]:
    """``(offset, record)`` of each complete line of the store, in order. A line cut short
    at the end (a run still writing, or killed) is not a record."""
    try:
        handle = open(path, "rb")
    except OSError as e:
        raise ConfigError(f"cannot read the store {path}: {e.strerror}") from None
    with handle:
        offset, number = 0, 0
        for line in handle:
            number += 1
            if not line.endswith(b"\n"):
                return
            if line.strip():
                try:
                    record = json.loads(line)
                except ValueError as e:
                    raise ConfigError(f"{path}:{number}: not a record: {e}") from None
                if not isinstance(record, dict) or "repository" not in record:
                    raise ConfigError(f"{path}:{number}: not a record: no 'repository'")
                yield offset, record
            offset += len(line)


def record_at(path: str | Path, offset: int) -> dict:
    with open(path, "rb") as handle:
        handle.seek(offset)
        return json.loads(handle.readline())


def done(path: str | Path, version: str) -> dict[str, set[str]]:
    """Commits with a result (not an error) by ``version`` of cdlint, by repository: what a
    resumed run skips. Missing store: nothing."""
    if not Path(path).exists():
        return {}
    found: dict[str, set[str]] = {}
    for _, record in records(path):
        tool = record.get("tool") or {}
        if record.get("error") is None and record.get("commit") and tool.get("version") == version:
            found.setdefault(record["repository"], set()).add(record["commit"])
    return found
