"""Spreading one site's work over the cores: forked workers that inherit the site.

Many sites already build in parallel, one site per worker. A single big site (a thousand
news items) would use one core only; its two costly steps, converting Markdown and
rendering pages, are each a list of independent tasks, and :func:`fork_map` runs such a
list on forked processes. Forking hands every worker the loaded site and the compiled
templates for free; only the results (strings) travel back.

The calling process does its own share while the children do theirs. Forking is safe
only in a process without other threads, so callers opt in with ``workers`` (the
``build`` command does; the preview server, which runs threads, does not).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


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
    children: list[tuple[int, int]] = []
    try:
        for share in range(1, workers):
            children.append(fork_worker(lambda share=share: [function(item) for item in items[share::workers]]))
    except OSError:  # could not fork (no memory, too many processes): all of it here, no orphans
        for child in children:
            join_worker(child, wanted=False)
        return [function(item) for item in items]
    results: list = [None] * len(items)
    failure: BaseException | None = None
    try:
        results[0::workers] = [function(item) for item in items[0::workers]]
    except BaseException as exc:
        failure = exc
    for share, child in enumerate(children, start=1):
        ok, value = join_worker(child, wanted=failure is None)
        if failure is not None:
            continue
        if ok:
            results[share::workers] = value
        else:
            failure = value
    if failure is not None:
        raise failure
    return results


def fork_worker(work: Callable[[], object]) -> tuple[int, int]:
    """Fork a child that runs ``work()`` and pickles its result (or the exception it met)
    into a pipe; returns its pid and the pipe's read end, for :func:`join_worker`."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        code = 0
        try:
            os.close(reader)
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
    return pid, reader


def join_worker(child: tuple[int, int], *, wanted: bool = True) -> tuple[bool, object]:
    """Wait for a child of :func:`fork_worker`: ``(True, result)`` or ``(False, exception)``.
    With ``wanted`` false the answer is not read (closing the pipe ends a child still writing)."""
    pid, reader = child
    with os.fdopen(reader, "rb") as stream:
        data = stream.read() if wanted else b""
    os.waitpid(pid, 0)
    if not wanted:
        return False, None
    try:
        return pickle.loads(data)
    except Exception:  # the child died before it could answer
        return False, RuntimeError("a build worker process stopped unexpectedly")


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
