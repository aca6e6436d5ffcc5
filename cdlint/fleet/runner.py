"""A scan: sources → tasks (minus what the store holds) → an engine → the store.

Records are appended as each task completes, so an interrupted scan keeps
every finished repository and the next one resumes: a commit already stored
with a result by this version of cdlint is not evaluated again (``force``
evaluates it anyway). Error records are never skipped: the next scan tries again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from cdlint import __version__
from cdlint.fleet import store
from cdlint.fleet.evaluate import Options, Outcome, Task
from cdlint.fleet.inputs import Source


@dataclass
class Tally:
    """How a scan is going: what the progress line and the summary say."""

    total: int
    done: int = 0
    failed: int = 0
    records: int = 0
    skipped: int = 0
    started: float = field(default_factory=time.monotonic)

    def add(self, outcome: Outcome) -> None:
        self.done += 1
        self.failed += outcome.failed > 0
        self.records += len(outcome.records)
        self.skipped += outcome.skipped

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0
        return (f"{self.done}/{self.total} repositories, {self.failed} failed, {rate:.1f}/s, "
                f"about {_clock(left)} left")

    def summary(self, path: str) -> str:
        return (f"{self.done} of {self.total} repositories: {self.records} record{'s' * (self.records != 1)} stored "
                f"in {path}, {self.failed} failed, {self.skipped} commit{'s' * (self.skipped != 1)} already stored")


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else f"{seconds // 60}:{seconds % 60:02d}"


def scan(sources: Sequence[Source], path: str, options: Options, engine, force: bool = False) -> Iterator[Outcome]:
    """Scan ``sources`` with ``engine`` (a callable: tasks, options → outcomes), appending
    each outcome's records to the store at ``path`` before yielding it."""
    with store.Store(path) as target:
        stored = {} if force else store.done(path, __version__)
        tasks = (Task(s, frozenset(stored.get(s.name, ()))) for s in sources)
        for outcome in engine(tasks, options):
            for line in outcome.records:
                target.append(line)
            yield outcome
