"""Converting a big site's Markdown while the generator is still starting up.

Loading the generator's pipeline (the pydantic models, Jinja, Babel) takes a third of a
second, and a site with a thousand news items needs several times that for Markdown
alone. :class:`MarkdownPrefetch` forks its workers before that start-up, right after
reading the news files: they convert bodies while this process imports and validates,
and this process joins the work when it gets to the news. Work is dealt out in small
chunks from a pipe of tickets, so whoever is free takes the next one: the early workers
do most of it, and nobody waits idle.

Only the Markdown is converted early, with nothing but :mod:`storefront.render.markdown_html`
loaded; everything that can fail with a partner's mistake (headers, the site's YAML)
is still checked by the loader, in order.
"""

from __future__ import annotations

import contextlib
import os
import struct
from collections.abc import Callable
from pathlib import Path

from storefront.render.markdown_html import MarkdownRefused, news_body_html, site_budget, split_front_matter
from storefront.site.news_folder import NewsRefused, news_files
from storefront.site.partner_files import LIMITS, UnsafeFile, read_text
from storefront.speedups.fork_map import Worker, fork_worker, join_worker

CHUNK = 8  # bodies per ticket
_TICKET = struct.Struct("I")
#: Converted bodies by the index of a chunk's first body (None: refused).
Chunks = dict[int, list[str | None]]


def _converted(body: str) -> str | None:
    """The HTML of a body, or None for one refused: the loader converts it again and says where."""
    try:
        return news_body_html(body)
    except MarkdownRefused:
        return None


class MarkdownPrefetch:
    """News bodies being converted by forked workers, started before the pipeline loads."""

    def __init__(self, bodies: list[str], workers: int):
        self.bodies = bodies
        # at most ~10,000 tickets: they must all fit in the pipe's buffer before anyone reads
        self.chunk = max(CHUNK, -(-len(bodies) // 10_000))
        self._tickets_in, tickets_out = os.pipe()
        os.write(tickets_out, b"".join(_TICKET.pack(i) for i in range(0, len(bodies), self.chunk)))
        os.close(tickets_out)  # once the tickets are taken, reads see the end of the pipe
        self._html: dict[str, str] | None = None
        self._children: list[Worker[Chunks]] = []
        try:
            for _ in range(workers - 1):
                self._children.append(fork_worker(self._convert_tickets))
        except OSError:  # could not fork (no memory, too many processes): fewer workers, no orphans
            if not self._children:
                self._html = {}
                os.close(self._tickets_in)

    @classmethod
    def start(
        cls, news_folder: Path, known: Callable[[str], bool], workers: int, minimum: int = 64
    ) -> MarkdownPrefetch | None:
        """Start converting the bodies under ``news_folder`` for which ``known`` is false;
        None when there is too little to convert for forking to pay (or one core)."""
        if workers <= 1 or not hasattr(os, "fork"):
            return None
        try:
            files = news_files(news_folder.parent)
        except NewsRefused:
            return None  # the loader reports it
        bodies = []
        for path in files:
            try:
                split = split_front_matter(read_text(path, news_folder.parent, LIMITS["news"]))
            except (OSError, UnsafeFile):
                continue  # the loader reports it
            if split is not None and not known(split.body):
                bodies.append(split.body)
        return cls(bodies, workers) if len(bodies) >= minimum else None

    def html(self, body: str) -> str | None:
        """The HTML of ``body`` if it was among the prefetched ones (this process joins the
        remaining work on the first call)."""
        if self._html is None:
            self._html = {}  # finished, whatever happens: close() must not finish twice
            self._html = self._finish()
        return self._html.get(body)

    def close(self) -> None:
        """Reap the workers even if nobody asked for the HTML (the site failed earlier)."""
        if self._html is None:
            self._html = {}
            with contextlib.suppress(Exception):
                self._finish()

    @site_budget
    def _convert_tickets(self) -> Chunks:
        done: Chunks = {}
        while True:
            ticket = os.read(self._tickets_in, _TICKET.size)
            if not ticket:
                return done
            (start,) = _TICKET.unpack(ticket)
            done[start] = [_converted(body) for body in self.bodies[start : start + self.chunk]]

    def _finish(self) -> dict[str, str]:
        chunks: Chunks = {}
        failure: BaseException | None = None
        try:
            chunks.update(self._convert_tickets())
        except BaseException as exc:
            failure = exc
        finally:
            os.close(self._tickets_in)
        for child in self._children:
            try:
                chunks.update(join_worker(child))
            except BaseException as exc:
                if failure is None:
                    failure = exc
        if failure is not None:
            raise failure
        return {
            body: html
            for start, converted in chunks.items()
            for body, html in zip(self.bodies[start : start + self.chunk], converted, strict=True)
            if html is not None
        }
