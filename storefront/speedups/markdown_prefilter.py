"""A python-markdown extension that skips the patterns a text cannot match: same HTML, faster.

Most of a news item is plain prose in which no inline pattern can match, yet python-markdown
tries each pattern's regex on each paragraph, at every position when a leading look-behind
defeats the regex engine's own literal scan: that was 40% of conversion. Every match of
each built-in pattern must contain some text (a backtick, a bracket, an ampersand...): a
substring test for it, which costs next to nothing, comes before the regex. The output is
exactly python-markdown's (``tests/storefront/render/test_markdown_html.py`` compares
the two on many samples).

Everything goes through python-markdown's public extension API (registries, a pattern's
``compiled_re``, a block processor's ``RE``) except one step, see :class:`_QuickInline`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

import markdown
from markdown.preprocessors import HtmlBlockPreprocessor
from markdown.treeprocessors import InlineProcessor

#: The text every match of python-markdown's inline pattern must contain, by pattern name.
INLINE_NEEDLES: Final[dict[str, tuple[str, ...]]] = {
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
#: The same for the block processors whose regex is tried on every block.
BLOCK_NEEDLES: Final[dict[str, tuple[str, ...]]] = {
    "quote": (">",),
    "hashheader": ("#",),
    "reference": ("]:",),
    "setextheader": ("\n=", "\n-"),
}
#: The private method :class:`_QuickInline` overrides (name-mangled by Python).
HANDLE_INLINE: Final = "_InlineProcessor__handleInline"


class PrefilterExtension(markdown.Extension):
    """Register last: it prefilters the patterns the other extensions left in place."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        for name, needles in INLINE_NEEDLES.items():
            if name in md.inlinePatterns and len(needles) == 1:
                _prefilter(md.inlinePatterns[name], "compiled_re", needles)
        for name, needles in BLOCK_NEEDLES.items():
            if name in md.parser.blockprocessors:
                _prefilter(md.parser.blockprocessors[name], "RE", needles)
        if inline_step_skippable(md):
            every = {needle for name in INLINE_NEEDLES if name in md.inlinePatterns for needle in INLINE_NEEDLES[name]}
            md.treeprocessors.register(_QuickInline(md, every), "inline", 20)
        md.preprocessors.register(_QuickHtmlBlocks(md), "html_block", 20)


def inline_step_skippable(md: markdown.Markdown) -> bool:
    """True when every registered inline pattern is one of :data:`INLINE_NEEDLES` (a text
    without their needles is then left as it is) and python-markdown still has the method
    :class:`_QuickInline` overrides."""
    known = sum(name in md.inlinePatterns for name in INLINE_NEEDLES)
    return known == len(md.inlinePatterns) and hasattr(InlineProcessor, HANDLE_INLINE)


class _Prefiltered:
    """A compiled regex that reports no match at once when none of ``needles`` is in the text."""

    def __init__(self, regex: re.Pattern[str], needles: tuple[str, ...]):
        self.regex, self.needles = regex, needles

    def _could_match(self, string: str) -> bool:
        return any(needle in string for needle in self.needles)

    def finditer(self, string: str, *args: int) -> Iterator[re.Match[str]]:
        return self.regex.finditer(string, *args) if self._could_match(string) else iter(())

    def search(self, string: str, *args: int) -> re.Match[str] | None:
        return self.regex.search(string, *args) if self._could_match(string) else None

    def match(self, string: str, *args: int) -> re.Match[str] | None:
        return self.regex.match(string, *args) if self._could_match(string) else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.regex, name)


def _prefilter(owner: object, attribute: str, needles: tuple[str, ...]) -> None:
    """Put a :class:`_Prefiltered` stand-in in place of ``owner``'s compiled regex (``re.Pattern``
    cannot be subclassed, so the stand-in offers the methods python-markdown calls)."""
    regex: re.Pattern[str] = getattr(owner, attribute)
    setattr(owner, attribute, _Prefiltered(regex, needles))


class _QuickInline(InlineProcessor):
    """python-markdown's inline step, handing back at once a text that holds none of the
    needles of the registered patterns (no pattern could change it).

    The one private access: the public ``run`` walks the whole tree and hands each text
    to the name-mangled ``__handleInline``, which is the only place a text can be skipped
    without copying ``run``. :func:`inline_step_skippable` checks that the method is still
    there (else the stock step is kept), and
    ``tests/storefront/speedups/test_markdown_prefilter.py`` fails if it is gone.
    """

    def __init__(self, md: markdown.Markdown, needles: set[str]):
        super().__init__(md)
        self._could_match = re.compile("|".join(map(re.escape, sorted(needles)))).search

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if not self._could_match(data):
            return data
        handled: str = getattr(super(), HANDLE_INLINE)(data, patternIndex)
        return handled


class _QuickHtmlBlocks(HtmlBlockPreprocessor):
    """python-markdown's raw-HTML step, which runs an HTML parser over the whole text,
    skipped for a text without a single ``<`` or ``&`` (the parser also completes
    character references such as ``&#8381`` written without their ``;``)."""

    def run(self, lines: list[str]) -> list[str]:
        if not any("<" in line or "&" in line for line in lines):
            return lines
        return super().run(lines)
