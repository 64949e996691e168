"""The one object through which the pipeline goes faster: where work runs, what is remembered.

Loading a site validates its news headers and converts their bodies; rendering makes its
pages; publishing writes its files. Each is a list of independent tasks handed to a
:class:`Runner`, so the stages never know whether work leaves this process, or was done
by the last build already. :data:`IN_PROCESS` does everything here and remembers nothing:
the preview server and the registration service use it (they run threads, and a process
with threads must never fork). ``storefront build`` and ``check`` give each site a
:class:`ForkingRunner`, which shares each list with forked children
(:mod:`storefront.speedups.fork_map`), starts converting the site's Markdown before the
pipeline is even imported (:mod:`storefront.speedups.prefetch`), and recalls what the
site's last build converted (:mod:`storefront.publish.build_cache`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self, TypeVar

from storefront.publish.build_cache import SiteCache
from storefront.render.markdown_html import MarkdownRefused, news_body_html
from storefront.speedups.fork_map import fork_map
from storefront.speedups.prefetch import MarkdownPrefetch

T = TypeVar("T")
R = TypeVar("R")


class Runner(Protocol):
    """Where a stage's independent tasks run, and what the site's last build left to reuse."""

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``[function(item) for item in items]``; an exception is raised as that loop would raise it."""
        ...

    def news_html(self, bodies: Sequence[str]) -> list[str | MarkdownRefused]:
        """Each news body as the HTML of its page (:func:`news_body_html`), or why it was refused."""
        ...

    def recall(self, kind: str, text: str) -> object:
        """What was remembered for ``text`` under ``kind`` by the last build (JSON data), or None."""
        ...

    def remember(self, kind: str, text: str, value: object) -> None:
        """Keep ``value`` (JSON data) for ``text`` under ``kind`` for the next build."""
        ...


def news_html_or_refusal(body: str) -> str | MarkdownRefused:
    """One news body's HTML, or its refusal, handed back as a value so that one refused body
    does not stop the others (the loader reports each with its line)."""
    try:
        return news_body_html(body)
    except MarkdownRefused as refused:
        return refused


class InProcessRunner:
    """Every task in this process, in order; ``memory`` is the site's cache, if it has one."""

    def __init__(self, memory: SiteCache | None = None):
        self.memory = memory

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return [function(item) for item in items]

    def news_html(self, bodies: Sequence[str]) -> list[str | MarkdownRefused]:
        found = [self._known_html(body) for body in bodies]
        missing = [body for body, html in zip(bodies, found, strict=True) if html is None]
        converted = self.map(news_html_or_refusal, missing)
        for body, html in zip(missing, converted, strict=True):
            if isinstance(html, str):
                self.remember("markdown", body, html)
        fresh = iter(converted)
        return [html if html is not None else next(fresh) for html in found]

    def _known_html(self, body: str) -> str | None:
        html = self.recall("markdown", body)
        return html if isinstance(html, str) else None

    def recall(self, kind: str, text: str) -> object:
        return self.memory.recall(kind, text) if self.memory is not None else None

    def remember(self, kind: str, text: str, value: object) -> None:
        if self.memory is not None:
            self.memory.remember(kind, text, value)

    def close(self) -> None:
        """Nothing to end here; a :class:`ForkingRunner` reaps its workers."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


#: The runner of everything that must not fork: the preview server, the registration service.
IN_PROCESS = InProcessRunner()


class ForkingRunner(InProcessRunner):
    """Tasks shared between this process and ``workers - 1`` forked children, for one site.

    Only a process without threads may use it. Use it as a context manager:
    :meth:`prefetch_news` leaves workers running, and leaving the block reaps them
    whatever happened.
    """

    def __init__(self, workers: int, memory: SiteCache | None = None):
        super().__init__(memory)
        self.workers = workers
        self._prefetch: MarkdownPrefetch | None = None

    def prefetch_news(self, news_folder: Path) -> None:
        """Start converting the news bodies under ``news_folder`` that the memory does not hold,
        now, in forked workers (when there are enough for forking to pay); :meth:`news_html`
        collects them."""
        self._prefetch = MarkdownPrefetch.start(
            news_folder, lambda body: self.recall("markdown", body) is not None, self.workers
        )

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return fork_map(function, items, self.workers)

    def _known_html(self, body: str) -> str | None:
        html = super()._known_html(body)
        if html is None and self._prefetch is not None:
            html = self._prefetch.html(body)
            if html is not None:
                self.remember("markdown", body, html)
        return html

    def close(self) -> None:
        """Reap the prefetching workers, even if nobody asked for their HTML (the site failed earlier)."""
        if self._prefetch is not None:
            self._prefetch.close()
