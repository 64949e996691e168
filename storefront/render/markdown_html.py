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
from typing import TypeVar

import markdown
import nh3
from markupsafe import Markup

from storefront.site.characters import strip_forbidden
from storefront.site.markdown_limits import markdown_limits

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
_EXTENSIONS = ["tables", "sane_lists", "fenced_code"]

# The text every match of a python-markdown pattern must contain, by pattern name. Most
# of a news item is plain prose in which no inline pattern can match, yet python-markdown
# tries each pattern's regex on each paragraph, at every position when a leading
# look-behind defeats the regex engine's own literal scan: that was 40% of conversion.
_INLINE_NEEDLES = {
    "backtick": ("`",),
    "escape": ("\\",),
    "reference": ("[",),
    "link": ("[",),
    "short_reference": ("[",),
    "image_link": ("![",),
    "image_reference": ("![",),
    "short_image_ref": ("![",),
    "autolink": ("<",),
    "automail": ("<",),
    "html": ("<",),
    "entity": ("&",),
    "linebreak": ("  \n",),
    "em_strong": ("*", "_"),
}
_BLOCK_NEEDLES = {"quote": (">",), "hashheader": ("#",), "reference": ("]:",), "setextheader": ("\n=", "\n-")}


class _Prefiltered:
    """A compiled regex that reports no match at once when none of ``needles`` is in the text."""

    def __init__(self, regex: re.Pattern, needles: tuple[str, ...]):
        self.regex, self.needles = regex, needles

    def _could_match(self, string: str) -> bool:
        return any(needle in string for needle in self.needles)

    def finditer(self, string: str, *args):
        return self.regex.finditer(string, *args) if self._could_match(string) else iter(())

    def search(self, string: str, *args):
        return self.regex.search(string, *args) if self._could_match(string) else None

    def match(self, string: str, *args):
        return self.regex.match(string, *args) if self._could_match(string) else None

    def __getattr__(self, name: str):
        return getattr(self.regex, name)


class _QuickInline(markdown.treeprocessors.InlineProcessor):
    """python-markdown's inline step, handing back at once a text that holds none of the
    needles of the registered patterns (no pattern could change it)."""

    def __init__(self, md: markdown.Markdown, needles: set[str]):
        super().__init__(md)
        self._could_match = re.compile("|".join(map(re.escape, sorted(needles)))).search

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if not self._could_match(data):
            return data
        return super()._InlineProcessor__handleInline(data, patternIndex)


class _QuickHtmlBlocks(markdown.preprocessors.HtmlBlockPreprocessor):
    """python-markdown's raw-HTML step, which runs an HTML parser over the whole text,
    skipped for a text without a single ``<`` or ``&`` (the parser also completes
    character references such as ``&#8381`` written without their ``;``)."""

    def run(self, lines: list[str]) -> list[str]:
        if not any("<" in line or "&" in line for line in lines):
            return lines
        return super().run(lines)


def _converter() -> markdown.Markdown:
    """A python-markdown converter that gives exactly python-markdown's output, faster
    (``tests/test_content.py`` compares the two)."""
    converter = markdown.Markdown(extensions=_EXTENSIONS, output_format="html")
    names = [item.name for item in converter.inlinePatterns._priority]
    for name in names:
        needles = _INLINE_NEEDLES.get(name, ())
        if len(needles) == 1:
            pattern = converter.inlinePatterns[name]
            pattern.compiled_re = _Prefiltered(pattern.compiled_re, needles)
    if all(name in _INLINE_NEEDLES for name in names) and hasattr(
        markdown.treeprocessors.InlineProcessor, "_InlineProcessor__handleInline"
    ):
        needles = {needle for name in names for needle in _INLINE_NEEDLES[name]}
        converter.treeprocessors.register(_QuickInline(converter, needles), "inline", 20)
    for name, needles in _BLOCK_NEEDLES.items():
        processor = converter.parser.blockprocessors[name]
        processor.RE = _Prefiltered(processor.RE, needles)
    converter.preprocessors.register(_QuickHtmlBlocks(converter), "html_block", 20)
    return converter


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
Call = TypeVar("Call", bound=Callable)


def site_budget(work: Call) -> Call:
    """Decorate one stage of a site's build: the conversions it makes share one budget of
    seconds (the enclosing stage's, when there is one), and are refused once it is spent."""

    @wraps(work)
    def budgeted(*args, **kwargs):
        if _site_budget.get() is not None:
            return work(*args, **kwargs)
        token = _site_budget.set(_SiteBudget(_site_seconds()))
        try:
            return work(*args, **kwargs)
        finally:
            _site_budget.reset(token)

    return budgeted  # type: ignore[return-value]


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

    def __reduce__(self):  # raised in a forked worker, re-raised in the parent
        return (MarkdownRefused, (self.line, str(self)))


_SITE_TOO_SLOW = (
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
        raise MarkdownRefused(1, _SITE_TOO_SLOW)
    converter = getattr(_local, "converter", None)
    if converter is None:  # python-markdown objects are not thread-safe: one per thread
        converter = _local.converter = _converter()
    try:
        with _charged(budget), _time_budget(seconds):
            html = converter.reset().convert(text)
    except _TooSlow:
        _local.converter = None
        if seconds < TIME_BUDGET:
            raise MarkdownRefused(1, _SITE_TOO_SLOW) from None
        raise MarkdownRefused(
            1, "this text takes too long to convert; simplify it (deeply nested brackets or lists?)"
        ) from None
    except RecursionError:
        _local.converter = None
        raise MarkdownRefused(
            1, "this text is nested too deeply to convert (lists or quotes inside each other?); flatten it"
        ) from None
    if shift_headings:
        html = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift_headings)}", html)
    return Markup(strip_forbidden(_cleaner().clean(html)))


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
