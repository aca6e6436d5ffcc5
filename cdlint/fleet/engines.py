"""Running tasks: in this process, in local processes, or on a Dask cluster.

Each engine takes tasks lazily and yields an :class:`Outcome` per task as soon
as it completes, keeping only a small window of tasks in flight (two per worker
slot): memory stays flat in the number of repositories. A task that fails,
times out or loses its worker too often becomes an error record; nothing a
repository does stops the run.

Local processes: a task that runs out of time is stopped inside its process (a
timer signal); a process that dies (killed, out of memory) breaks the pool,
which is started again and its tasks tried once more. Dask: a task is handed to
the cluster through ``dask.distributed.Client.submit`` and waited for with
``wait(..., return_when="FIRST_COMPLETED")``, which streams results as they
complete like ``as_completed`` and also lets a task that outlives its time be
given up; Dask itself retries the tasks of a lost worker.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from cdlint.errors import ConfigError
from cdlint.fleet.evaluate import Options, Outcome, Task, encode, error_record, scan

def failed(task: Task, message: str) -> Outcome:
    return Outcome(task.source, (encode(error_record(task.source, message)),), 0, 1)


def run_local(tasks: Iterable[Task], options: Options, jobs: int = 1) -> Iterator[Outcome]:
    """Outcomes of ``tasks`` in this process (``jobs`` 1) or in ``jobs`` processes, as they complete."""
    if jobs <= 1:
        for task in tasks:
            yield scan(task, options)
        return
    queue = iter(tasks)
    pool = ProcessPoolExecutor(max_workers=jobs)
    running: dict = {}
    try:
        while True:
            while len(running) < 2 * jobs:
                task = next(queue, None)
                if task is None:
                    break
                running[pool.submit(scan, task, options)] = task
            if not running:
                return
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            broken = []
            for future in finished:
                task = running.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    broken.append(task)
            if broken:
                # Every task in flight is lost with the pool, and which one killed it is
                # unknown: each is tried again alone, then the scan goes on in a new pool.
                broken += running.values()
                running.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                for task in broken:
                    yield _alone(task, options)
                pool = ProcessPoolExecutor(max_workers=jobs)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _alone(task: Task, options: Options) -> Outcome:
    with ProcessPoolExecutor(max_workers=1) as single:
        try:
            return single.submit(scan, task, options).result()
        except BrokenProcessPool:
            return failed(task, "the worker process died while scanning this repository")


def run_dask(tasks: Iterable[Task], options: Options, address: str) -> Iterator[Outcome]:
    """Outcomes of ``tasks`` on the Dask cluster whose scheduler is at ``address``, as they complete."""
    try:
        from distributed import Client
        from distributed import wait as dask_wait
    except ImportError:
        raise ConfigError("--scheduler needs Dask: pip install 'cdlint[fleet]'") from None
    try:
        client = Client(address)  # waits as long as Dask's distributed.comm.timeouts.connect (30 s)
    except (OSError, TimeoutError, ValueError) as e:
        raise ConfigError(f"cannot reach the Dask scheduler at {address}: {e}") from None
    with client:
        slots = max(1, sum(client.nthreads().values()))
        # A task's own deadlines (its git commands) stop it first; this catches one stuck
        # elsewhere. It counts from the hand-over, so it leaves room for the wait in the queue.
        backstop = options.timeout * 1.25 + 5
        queue = iter(tasks)
        # Retries cover tasks that raise (they do not: scan returns error records) and
        # tasks whose worker died (the scheduler's allowed-failures counts those).
        options_future = client.scatter(options, broadcast=True)
        running: dict = {}
        started: dict = {}
        try:
            while True:
                while len(running) < 2 * slots:
                    task = next(queue, None)
                    if task is None:
                        break
                    future = client.submit(scan, task, options_future, pure=False)
                    running[future] = task
                    started[future] = time.monotonic()
                if not running:
                    return
                now = time.monotonic()
                first_deadline = min(started.values()) + backstop
                try:
                    finished = dask_wait(list(running), timeout=max(0.01, first_deadline - now), return_when="FIRST_COMPLETED").done
                except TimeoutError:
                    finished = set()
                for future in list(finished):
                    task = running.pop(future)
                    started.pop(future)
                    try:
                        yield future.result()
                    except Exception as e:  # KilledWorker after too many lost workers, a cancelled task
                        yield failed(task, f"the cluster could not run this task: {type(e).__name__}: {e}")
                now = time.monotonic()
                for future, since in list(started.items()):
                    if now - since > backstop:
                        task = running.pop(future)
                        started.pop(future)
                        future.cancel()
                        yield failed(task, f"timed out after {options.timeout:g} s")
        finally:
            for future in running:
                future.cancel()
