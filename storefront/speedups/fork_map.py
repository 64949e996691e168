"""Spreading one site's work over the cores: forked workers that inherit the site.

Many sites already build in parallel, one site per worker. A single big site (a thousand
news items) would use one core only; its two costly steps, converting Markdown and
rendering pages, are each a list of independent tasks, and :func:`fork_map` runs such a
list on forked processes. Forking hands every worker the loaded site and the compiled
templates for free; only the results (strings) travel back.

The calling process does its own share while the children do theirs. Forking is safe
only in a process without other threads: the pipeline reaches this only through a
:class:`~storefront.speedups.runner.ForkingRunner`, which the ``build`` and ``check``
commands ask for and the preview server (which runs threads) never does.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
Answer_co = TypeVar("Answer_co", covariant=True)


def fork_map(function: Callable[[T], R], items: Sequence[T], workers: int, *, minimum: int = 64) -> list[R]:
    """``[function(item) for item in items]``, shared between this process and ``workers - 1``
    forked children.

    Runs as a plain loop when ``workers`` is 1, where fork is unavailable, or when there are
    fewer than ``minimum`` items (a fork costs a few milliseconds). Items are dealt out in
    turn, so expensive and cheap ones spread evenly. An exception raised by ``function`` in
    any process is raised here, as a plain loop would raise it.
    """
    if workers <= 1 or len(items) < minimum or not hasattr(os, "fork"):
        return [function(item) for item in items]

    def share_of(share: int) -> Callable[[], list[R]]:
        return lambda: [function(item) for item in items[share::workers]]

    children: list[Worker[list[R]]] = []
    try:
        children.extend(fork_worker(share_of(share)) for share in range(1, workers))
    except OSError:  # could not fork (no memory, too many processes): all of it here, no orphans
        for child in children:
            reap_worker(child)
        return [function(item) for item in items]
    shares: list[list[R]] = []
    failure: BaseException | None = None
    try:
        shares.append(share_of(0)())
    except BaseException as exc:
        failure = exc
    for child in children:
        if failure is not None:
            reap_worker(child)
            continue
        try:
            shares.append(join_worker(child))
        except BaseException as exc:
            failure = exc
    if failure is not None:
        raise failure
    return [shares[index % workers][index // workers] for index in range(len(items))]


@dataclass(frozen=True)
class Worker(Generic[Answer_co]):
    """A forked child computing an answer: its pid and the read end of the pipe it answers through."""

    pid: int
    reader: int


def fork_worker(work: Callable[[], R]) -> Worker[R]:
    """Fork a child that runs ``work()`` and pickles its result (or the exception it met)
    into a pipe, for :func:`join_worker`."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        code = 0
        try:
            os.close(reader)
            answer: tuple[bool, object]
            try:
                answer = (True, work())
            except BaseException as exc:  # handed to the parent, which raises it
                answer = (False, exc)
            with os.fdopen(writer, "wb") as stream:
                try:
                    stream.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
                except Exception as exc:  # an exception that cannot be pickled
                    stream.write(pickle.dumps((False, RuntimeError(repr(exc)))))
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(writer)
    return Worker(pid, reader)


def join_worker(worker: Worker[R]) -> R:
    """Wait for a child of :func:`fork_worker` and give its result, or raise the exception it met."""
    with os.fdopen(worker.reader, "rb") as stream:
        data = stream.read()
    os.waitpid(worker.pid, 0)
    try:
        ok, value = pickle.loads(data)
    except Exception:  # the child died before it could answer
        raise RuntimeError("a build worker process stopped unexpectedly") from None
    if not ok:
        raise value
    result: R = value
    return result


def reap_worker(worker: Worker[object]) -> None:
    """Wait for a child whose answer is not wanted (closing the pipe ends a child still writing)."""
    os.close(worker.reader)
    os.waitpid(worker.pid, 0)


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
