"""Group commit: one thread writes registrations, many requests share each durable commit.

With SQLite only one writer can hold the lock at a time, and every durable commit waits
for the disk. Requests that each open a transaction queue up on the lock and their tail
latency grows with the load. Here requests hand their work to a single writer thread,
which runs whatever is waiting as one transaction (each piece inside its own savepoint,
so one failure does not spoil the others), commits once, and only then answers each of
them. Under load a batch grows to cover the queue, so one fsync serves many sign-ups.
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy.engine import Connection, Engine

MAX_BATCH = 128


@dataclass
class _Job:
    work: Callable[[Connection], Any]
    future: Future = field(default_factory=Future)


class BatchWriter:
    def __init__(self, engine: Engine, max_batch: int = MAX_BATCH):
        self.engine = engine
        self.max_batch = max_batch
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, work: Callable[[Connection], Any]) -> Future:
        """Run ``work(conn)`` in the next batch; the future resolves after that batch committed."""
        job = _Job(work)
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
            self._write(batch)

    def _write(self, batch: list[_Job]) -> None:
        outcomes: list[tuple[_Job, Any, BaseException | None]] = []
        try:
            with self.engine.connect() as conn, conn.begin():
                for job in batch:
                    savepoint = conn.begin_nested()
                    try:
                        result = job.work(conn)
                    except BaseException as exc:  # handed to the request that asked, not swallowed
                        savepoint.rollback()
                        outcomes.append((job, None, exc))
                    else:
                        savepoint.commit()
                        outcomes.append((job, result, None))
        except BaseException as exc:  # the commit itself failed: nobody in the batch is registered
            for job in batch:
                if not job.future.done():
                    job.future.set_exception(exc)
            return
        for job, result, error in outcomes:
            if error is None:
                job.future.set_result(result)
            else:
                job.future.set_exception(error)
