"""The group-commit writer: one answer per request, whatever happens to the others."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from registration_api.storage.batch_writer import BatchWriter


def test_a_request_that_gave_up_is_skipped_and_the_writer_goes_on():
    busy, release = threading.Event(), threading.Event()
    calls: list[list[int]] = []

    def handle(conn, items):
        calls.append(list(items))
        if items == [0]:
            busy.set()
            release.wait(5)
        return [f"ok-{i}" for i in items]

    writer = BatchWriter(sa.create_engine("sqlite://"), handle)
    try:
        first = writer.submit(0)
        busy.wait(5)  # the writer is inside the first batch; the next two wait for it
        given_up, waiting = writer.submit(1), writer.submit(2)
        assert given_up.cancel()
        release.set()
        assert first.result(5) == "ok-0" and waiting.result(5) == "ok-2"
        assert writer.submit(3).result(5) == "ok-3", "the writer still answers"
        assert calls == [[0], [2], [3]]
    finally:
        writer.close()


def test_a_failing_batch_is_retried_item_by_item():
    def handle(conn, items):
        if 13 in items and len(items) > 1:
            raise RuntimeError("one bad item spoils the batch")
        if items == [13]:
            raise ValueError("item 13 is bad")
        return [i * 2 for i in items]

    gate = threading.Event()
    writer = BatchWriter(sa.create_engine("sqlite://"), lambda conn, items: (gate.wait(5), handle(conn, items))[1])
    try:
        futures = [writer.submit(i) for i in (11, 12, 13, 14)]
        gate.set()
        assert [f.result(5) for f in futures if f is not futures[2]] == [22, 24, 28]
        assert isinstance(futures[2].exception(5), ValueError)
    finally:
        writer.close()
