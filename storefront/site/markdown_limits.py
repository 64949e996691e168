"""Markdown that python-markdown would take minutes to convert, found by one linear scan.

python-markdown (3.11) looks for the end of every ``[`` (and of the ``(`` after ``](``),
of every run of backticks and, in its raw-HTML step, of every ``<tag``, starting where
it stands: when nothing closes it, the search runs to the end of the paragraph (of the
whole text, for ``<``), so a few thousand of them take minutes (measured, 20,000
characters: ``[`` × 20,000 did not finish in 20 s, ``<a `` × 6,700 3.4 s, runs of
backticks that never pair 4.8 s; emphasis runs of ``*`` and ``_`` stay linear, 0.09 s).
Nested lists are converted by recursion: 300 levels overflow Python's stack.
Two more costs grow with the square of a paragraph's length (a "paragraph" here is text
between blank lines): every header, rule or reference definition inside it makes the
block parser cut the paragraph there and test the rest again (``"a\\n=\\n"`` × 25,000,
100,000 characters, took 31 s), and every emphasis, link, tag, entity, escape or hard
break rebuilds the paragraph's text (``"*a* "`` × 25,000 2.5 s).

:func:`markdown_limits` adds up how far those searches would go, how much text those
cuts and rebuilds go over and how deep lists and quotes nest, before anything is
converted. Each limit is about half a second of conversion and all of them together
about one second; real texts stay far below them (a long paragraph with a hundred links
searches a few thousand characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from storefront.language import N_
from storefront.language import gettext as _
from storefront.site.diagnostics import number

MAX_CHARS = 100_000
MAX_NESTING = 32
#: Characters python-markdown may search for closing brackets, backticks and tag ends.
MAX_BRACKET_SEARCH = 1_500_000
MAX_BACKTICK_SEARCH = 6_000_000
MAX_TAG_SEARCH = 5_000_000
#: Characters the block parser goes over again after cutting a paragraph at a header or rule.
MAX_BLOCK_CUTS = 14_000_000
#: Inline marks times the length of their paragraph: the text rebuilt for each mark.
MAX_INLINE_REBUILDS = 600_000_000
#: The sum of each measure's share of its limit: all of them together, about a second.
MAX_SHARES = 2.0


@dataclass(frozen=True)
class Excess:
    """Why a text is refused, and the line (of the text, from 1) to look at."""

    line: int
    message: str


def markdown_limits(text: str) -> Excess | None:
    """``None`` when python-markdown converts ``text`` quickly; otherwise what to simplify."""
    if len(text) > MAX_CHARS:
        return Excess(
            1,
            _("this text has {n} characters; at most {most} are allowed: split it").format(
                n=number(len(text)), most=number(MAX_CHARS)
            ),
        )
    nesting = _nesting(text)
    if nesting is not None:
        return nesting
    costs = [*_searches(text), _tags(text), _block_cuts(text), _inline_rebuilds(text)]
    worst = max(costs, key=_Cost.share)
    if worst.share() > 1 or sum(cost.share() for cost in costs) > MAX_SHARES:
        return Excess(worst.line, _(worst.message))
    return None


@dataclass(frozen=True)
class _Cost:
    """How much work one slow construct makes python-markdown do, against its limit."""

    work: int
    limit: int
    line: int
    message: str

    def share(self) -> float:
        return self.work / self.limit


_CONTAINER = re.compile(r"[ \t]*(?:>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))")
_CONTAINER_LINE = re.compile(r"^(?=" + _CONTAINER.pattern + ").*", re.M)
_RULE = re.compile(r"[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$")


def _nesting(text: str) -> Excess | None:
    """Lists and quotes more than :data:`MAX_NESTING` deep (indentation counts 4 columns a level)."""
    for found in _CONTAINER_LINE.finditer(text):
        line = found.group()
        if _RULE.match(line):
            continue
        depth, position = 0, 0
        while depth <= MAX_NESTING and (marker := _CONTAINER.match(line, position)) is not None:
            indent = marker.group()[: len(marker.group()) - len(marker.group().lstrip(" \t"))]
            depth += 1 + len(indent.expandtabs(4)) // 4
            position = marker.end()
        if depth > MAX_NESTING:
            return Excess(
                _line(text, found.start()),
                _("lists or quotes are nested more than {n} levels deep here: flatten them").format(n=MAX_NESTING),
            )
    return None


_TOKENS = re.compile(r"\\[\\`\[\]()]|\n[ \t]*(?=\n)|\]\(|[\[\]()]|`+")


def _searches(text: str) -> tuple[_Cost, _Cost]:
    """Brackets and backticks, paragraph by paragraph: what an opener left open would search."""
    brackets = backticks = 0
    # (how far, minus where): the opener that searches furthest, the earliest of equals
    worst_bracket = (0, 0)
    first_run_of_worst_paragraph = (0, 0)
    opened: list[int] = []
    parens: list[tuple[int, bool]] = []  # position, and whether it opens a link's address
    runs: list[int] = []

    def paragraph_end(end: int) -> None:
        nonlocal brackets, backticks, worst_bracket, first_run_of_worst_paragraph
        for start in opened + [start for start, is_link in parens if is_link]:
            brackets += end - start
            worst_bracket = max(worst_bracket, (end - start, -start))
        searched = sum(end - start for start in runs)
        backticks += searched
        if runs:
            first_run_of_worst_paragraph = max(first_run_of_worst_paragraph, (searched, -runs[0]))
        opened.clear()
        parens.clear()
        runs.clear()

    for token in _TOKENS.finditer(text):
        kind, position = token.group(), token.start()
        if kind[0] == "\\":
            continue
        if kind[0] == "\n":
            paragraph_end(position)
        elif kind == "[":
            opened.append(position)
        elif kind[0] == "]":
            if opened:
                start = opened.pop()
                brackets += position - start
                worst_bracket = max(worst_bracket, (position - start, -start))
            if kind == "](":
                parens.append((position + 1, True))
        elif kind == "(":
            parens.append((position, False))
        elif kind == ")":
            if parens:
                start, is_link = parens.pop()
                if is_link:
                    brackets += position - start
        else:
            runs.append(position)
    paragraph_end(len(text))

    return (
        _Cost(
            brackets,
            MAX_BRACKET_SEARCH,
            _line(text, -worst_bracket[1]),
            N_(
                "too many '[' that are never closed, or brackets nested too deeply: the page would take "
                "minutes to make; close each '[' with ']', or write \\[ for a bracket that is just text"
            ),
        ),
        _Cost(
            backticks,
            MAX_BACKTICK_SEARCH,
            _line(text, -first_run_of_worst_paragraph[1]),
            N_(
                "too many backticks (`) in one long paragraph: the page would take minutes to make;"
                " pair them as `code`, split the paragraph with blank lines, or write \\` "
                "for a backtick that is just text"
            ),
        ),
    )


_TAG_START = re.compile(r"<[A-Za-z/!?]")
_TAG = re.compile(
    r"""
    </?[A-Za-z][\w:.-]*(?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"<]*"|'[^'<]*'|[^\s"'<>=`]+))?)*\s*/?>
  | <![A-Za-z][^<>]*>
  | <\?[^<>]*\?>
  | <[A-Za-z][A-Za-z0-9+.-]*:[^\s<>]*>
  | <[^\s<>@]+@[^\s<>]+>
""",
    re.X,
)


def _tags(text: str) -> _Cost:
    """Every ``<`` that starts no complete tag makes python's HTML parser search to the end of the text."""
    searched, first = 0, None
    last_comment_end = text.rfind("-->")
    skip_to = 0
    for start in _TAG_START.finditer(text):
        position = start.start()
        if position < skip_to:
            continue
        if text.startswith("<!--", position):
            end = text.find("-->", position + 4) if position + 4 <= last_comment_end else -1
            if end >= 0:
                skip_to = end + 3
                continue
        else:
            tag = _TAG.match(text, position)
            if tag is not None:
                skip_to = tag.end()
                continue
        searched += len(text) - position
        first = position if first is None else first
    return _Cost(
        searched,
        MAX_TAG_SEARCH,
        _line(text, first or 0),
        N_(
            "too many '<' that start no complete HTML tag: the page would take minutes to make; write "
            "&lt; for a '<' that is just text, or finish the tag with '>'"
        ),
    )


_PARAGRAPH = re.compile(r"\S(?:[^\n]|\n(?![ \t]*(?:\n|$)))*")
# A line at which python-markdown's block parser cuts a paragraph: an ATX header, a setext
# underline, a rule or a reference definition (up to three spaces in front).
_CUT = re.compile(r"^ {0,3}(?:#|=+[ \t]*$|-+[ \t]*$|([-*_])(?:[ \t]*\1){2,}[ \t]*$|\[[^\]\n]*\]:)", re.M)
_INLINE_MARK = re.compile(r"[*_`\\\[<&]")
_HARD_BREAK = re.compile(r" {2,}\n")


def _block_cuts(text: str) -> _Cost:
    """Each cut inside a paragraph makes the block parser go over the rest of it again."""
    work, worst = 0, (0, 0)
    for paragraph in _PARAGRAPH.finditer(text):
        end = paragraph.end()
        searched = sum(end - cut.end() for cut in _CUT.finditer(text, paragraph.start(), end))
        work += searched
        worst = max(worst, (searched, -paragraph.start()))
    return _Cost(
        work,
        MAX_BLOCK_CUTS,
        _line(text, -worst[1]),
        N_(
            "too many headers, rules (---) or reference definitions in one paragraph: the page would "
            "take minutes to make; put a blank line before and after each header and rule"
        ),
    )


def _inline_rebuilds(text: str) -> _Cost:
    """Each emphasis, link, tag, entity, escape or hard break rebuilds its paragraph's text."""
    work, worst = 0, (0, 0)
    for paragraph in _PARAGRAPH.finditer(text):
        start, end = paragraph.span()
        marks = len(_INLINE_MARK.findall(text, start, end)) + 3 * len(_HARD_BREAK.findall(text, start, end))
        rebuilt = marks * (end - start)
        work += rebuilt
        worst = max(worst, (rebuilt, -paragraph.start()))
    return _Cost(
        work,
        MAX_INLINE_REBUILDS,
        _line(text, -worst[1]),
        N_(
            "too much formatting (*, _, links, tags, &, \\, line breaks) in one long paragraph: the page "
            "would take minutes to make; split the paragraph with blank lines"
        ),
    )


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1
