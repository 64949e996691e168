"""Partner Markdown → safe HTML.

Partners write Markdown; what reaches a page is sanitised with nh3 so that no script,
event handler or ``javascript:`` link survives, whatever was pasted into a news item.
"""

from __future__ import annotations

import html as html_module
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import ParamSpec, TypeVar

import markdown
import nh3
from markupsafe import Markup

from storefront.language import N_
from storefront.language import gettext as _
from storefront.site.characters import strip_forbidden
from storefront.site.markdown_limits import markdown_limits
from storefront.speedups.markdown_prefilter import PrefilterExtension

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align"},
}
#: python-markdown's own extensions a partner's Markdown may use.
EXTENSIONS = ("tables", "sane_lists", "fenced_code")


def new_converter() -> markdown.Markdown:
    """A python-markdown converter with :data:`EXTENSIONS`, whose output is exactly stock
    python-markdown's, faster (:mod:`storefront.speedups.markdown_prefilter`)."""
    return markdown.Markdown(extensions=[*EXTENSIONS, PrefilterExtension()], output_format="html")


_local = threading.local()

#: Longest one conversion may take where it can be interrupted (a process's main thread).
TIME_BUDGET = 5.0
#: Seconds all conversions of one stage of a site's build may take together: loading (news
#: bodies, the privacy page), rendering its pages; a forked worker has what was left when
#: it was forked. ``STOREFRONT_MARKDOWN_SECONDS`` overrides it.
SITE_BUDGET = 10.0


class _SiteBudget:
    """The seconds left for converting one site's Markdown."""

    def __init__(self, seconds: float):
        self.left = seconds


_site_budget: ContextVar[_SiteBudget | None] = ContextVar("markdown_site_budget", default=None)
Params = ParamSpec("Params")
Result = TypeVar("Result")


def site_budget(work: Callable[Params, Result]) -> Callable[Params, Result]:
    """Decorate one stage of a site's build: the conversions it makes share one budget of
    seconds (the enclosing stage's, when there is one), and are refused once it is spent."""

    @wraps(work)
    def budgeted(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        if _site_budget.get() is not None:
            return work(*args, **kwargs)
        token = _site_budget.set(_SiteBudget(_site_seconds()))
        try:
            return work(*args, **kwargs)
        finally:
            _site_budget.reset(token)

    return budgeted


def _site_seconds() -> float:
    try:
        seconds = float(os.environ.get("STOREFRONT_MARKDOWN_SECONDS") or SITE_BUDGET)
    except ValueError:
        return SITE_BUDGET
    return seconds if seconds > 0 else SITE_BUDGET


class MarkdownRefused(ValueError):
    """Markdown refused instead of converted: too big, too deeply nested, or too slow.
    ``line`` counts from the first line of the text."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line

    def __reduce__(self) -> tuple[type[MarkdownRefused], tuple[int, str]]:  # raised in a forked worker
        return (MarkdownRefused, (self.line, str(self)))


_SITE_TOO_SLOW = N_(
    "this site's texts take too long to convert in total; simplify the longest ones (long "
    "paragraphs full of headers, links or formatting?) or split them with blank lines"
)


def render_markdown(text: str, *, shift_headings: int = 0, budgeted: bool = True) -> Markup:
    """Markdown → sanitised HTML, ready to drop into a template; raises
    :class:`MarkdownRefused` for a text python-markdown would take too long over, or once
    the site's budget (:func:`site_budget`) is spent, unless ``budgeted`` is false.

    ``shift_headings`` demotes headings so a partner's ``#`` never competes with the page's
    own ``<h1>``. Characters a page cannot hold (control codes) are dropped.
    """
    text = strip_forbidden(text)
    excess = markdown_limits(text)
    if excess is not None:
        raise MarkdownRefused(excess.line, excess.message)
    budget = _site_budget.get() if budgeted else None
    seconds = TIME_BUDGET if budget is None else min(TIME_BUDGET, budget.left)
    if seconds <= 0:
        raise MarkdownRefused(1, _(_SITE_TOO_SLOW))
    converter: markdown.Markdown | None = getattr(_local, "converter", None)
    if converter is None:  # python-markdown objects are not thread-safe: one per thread
        converter = _local.converter = new_converter()
    try:
        with _charged(budget), _time_budget(seconds):
            html = converter.reset().convert(text)
    except _TooSlow:
        _local.converter = None
        if seconds < TIME_BUDGET:
            raise MarkdownRefused(1, _(_SITE_TOO_SLOW)) from None
        raise MarkdownRefused(
            1, _("this text takes too long to convert; simplify it (deeply nested brackets or lists?)")
        ) from None
    except RecursionError:
        _local.converter = None
        raise MarkdownRefused(
            1, _("this text is nested too deeply to convert (lists or quotes inside each other?); flatten it")
        ) from None
    if shift_headings:
        html = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift_headings)}", html)
    return Markup(strip_forbidden(_cleaner().clean(html)))


def news_body_html(body: str) -> str:
    """What a news item's Markdown body becomes on its page, below the page's own ``<h1>``."""
    return str(render_markdown(body, shift_headings=1))


@contextmanager
def _charged(budget: _SiteBudget | None) -> Iterator[None]:
    """Take the time the block took from ``budget``."""
    started = time.monotonic()
    try:
        yield
    finally:
        if budget is not None:
            budget.left -= time.monotonic() - started


class _TooSlow(Exception):
    """Raised inside python-markdown when its time is up."""


def _out_of_time(signum: int, frame: object) -> None:
    raise _TooSlow


@contextmanager
def _time_budget(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` with :class:`_TooSlow`.

    Only a process's main thread receives signals: there (a build and its forked workers)
    the budget holds; elsewhere (the preview's and the service's threads), and under a
    timer someone else armed, :func:`markdown_limits` alone keeps conversions short.
    """
    if threading.current_thread() is not threading.main_thread() or signal.getitimer(signal.ITIMER_REAL)[0]:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _out_of_time)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)


_HEADING = re.compile(r"<(/?)h([1-6])\b")


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    """The sanitiser, configured once (nh3 would otherwise rebuild its rules on every call)."""
    return nh3.Cleaner(
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )


def render_inline(text: str) -> Markup:
    """One line of Markdown (bold, links) without the surrounding paragraph."""
    html = str(render_markdown(text))
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)


@dataclass(frozen=True)
class FrontMatterSplit:
    """A Markdown file cut into its YAML header and its body."""

    header: str
    body: str
    body_line: int


_FENCE = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?$\n?", re.S | re.M)


def split_front_matter(text: str) -> FrontMatterSplit | None:
    """``None`` when the file does not start with a ``---`` block."""
    match = _FENCE.match(text.lstrip("\ufeff"))
    if not match:
        return None
    header = match.group(1)
    return FrontMatterSplit(header, text.lstrip("\ufeff")[match.end() :], header.count("\n") + 3)


def plain_text(html: str) -> str:
    """Visible text of a fragment, for meta descriptions and feed summaries."""
    return html_module.unescape(re.sub(r"\s+", " ", nh3.clean(html, tags=set()))).strip()
