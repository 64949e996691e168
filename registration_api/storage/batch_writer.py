"""Group commit: one thread writes registrations, many requests share each durable commit.

With SQLite only one writer can hold the lock at a time, and every durable commit waits
for the disk. Requests that each open a transaction queue up on the lock and their tail
latency grows with the load. Here requests hand their items to a single writer thread,
which takes whatever is waiting as one batch, has ``handle(conn, items)`` write it in one
transaction (set-based: a few statements for the whole batch, not a few per item),
commits once, and only then answers each request. Under load a batch grows to cover the
queue, so one fsync and one round of statements serve many sign-ups.

If a batch fails as a whole (say a twin committed by another process breaks a unique
index), each of its items is retried alone, so one bad item never fails the others.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.engine import Connection, Engine

MAX_BATCH = 256
Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class _Job(Generic[Item, Result]):
    item: Item
    future: Future[Result] = field(default_factory=Future)


class BatchWriter(Generic[Item, Result]):
    """Runs ``handle(conn, items) -> results`` (one result per item, in order) in batches."""

    def __init__(
        self,
        engine: Engine,
        handle: Callable[[Connection, Sequence[Item]], list[Result]],
        max_batch: int = MAX_BATCH,
    ):
        self.engine = engine
        self.handle = handle
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job[Item, Result] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, item: Item) -> Future[Result]:
        """Write ``item`` in the next batch; the future resolves after that batch committed."""
        job: _Job[Item, Result] = _Job(item)
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="registration-writer", daemon=True)
                    self._thread.start()
        self._queue.put(job)
        return job.future

    def close(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._queue.put(None)
                self._thread.join(timeout=30)
                self._thread = None

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._queue.put(None)
                    break
                batch.append(job)
            # a request that gave up waiting (its task was cancelled) is not written at all
            batch = [job for job in batch if job.future.set_running_or_notify_cancel()]
            if not batch:
                continue
            try:
                results = self._write(batch)
            except BaseException:
                for job in batch:
                    try:
                        [result] = self._write([job])
                    except BaseException as exc:  # handed to the request that asked, not swallowed
                        job.future.set_exception(exc)
                    else:
                        job.future.set_result(result)
                continue
            for job, result in zip(batch, results, strict=True):
                job.future.set_result(result)

    def _write(self, batch: list[_Job[Item, Result]]) -> list[Result]:
        """Run the batch in one transaction; its results once committed."""
        with self.engine.connect() as conn, conn.begin():
            results = self.handle(conn, [job.item for job in batch])
            if len(results) != len(batch):  # rolled back: no request is told a wrong outcome
                raise RuntimeError(f"the batch handler gave {len(results)} results for {len(batch)} items")
            return results
