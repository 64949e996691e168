"""A YAML syntax error told in plain words, at the line the partner must fix.

The parser notices a mistake where it can no longer go on, which is often a line or two
after it: an unclosed quote on line 5 surfaces as «did not find expected key» on line 6.
So the text is read again, line by line, for the mistakes partners make (a tab, a quote
left open, a missing colon, a list item among keys, a wrong indent) up to where the
parser stopped; the first one found is told with the line to quote and what to write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from storefront.language import gettext as _
from storefront.language import ngettext

#: ``key: value``, ``- key: value`` or ``- value``: the indent, the list dash, the key, the value.
_LINE = re.compile(
    r"^(?P<indent> *)(?P<dash>- +)?"
    r"(?:(?P<key>[^\s#'\"\[{][^:#]*?|\"[^\"]*\"|'[^']*'):(?: +|$))?"
    r"(?P<value>.*)$"
)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Lines with a quote left open that are mended in turn to see which one the mistake is.
_MOST_TRIED = 5
#: Most characters of the partner's text an example in a message repeats.
_EXAMPLE_CHARS = 60


@dataclass(frozen=True)
class Mistake:
    """Where a syntax error is (line and column from 1), what to do, and the line to quote."""

    line: int
    col: int
    message: str
    quoted: str


def explain(text: str, exc: yaml.MarkedYAMLError) -> Mistake:
    """The mistake behind the parser's error ``exc`` in ``text``."""
    lines = text.splitlines() or [""]
    mark = exc.problem_mark or exc.context_mark
    stop = min(mark.line if mark else len(lines) - 1, len(lines) - 1)
    problem = exc.problem or ""
    found = (
        _tab(lines, stop)
        or _open_quote(lines, stop)
        or (_missing_colon(lines, exc.context_mark) if "could not find expected ':'" in problem else None)
        or _list_item(lines, stop)
        or _indent(lines, stop, mark.column if mark else 0)
        or _colon_missing_above(lines, stop, problem)
        or _colon_in_value(lines, stop, problem)
        or _bad_start(lines, stop, mark.column if mark else 0, problem)
        or _escape(lines, stop, mark.column if mark else 0, problem)
        or _open_bracket(lines, exc.context_mark, problem)
        or _other(lines, stop, mark.column if mark else 0, problem)
    )
    if found is not None:
        return found
    col = mark.column if mark else 0
    return Mistake(
        stop + 1,
        col + 1,
        _("this line is not valid YAML ({detail}); compare it with the lines around it").format(detail=problem or "?"),
        lines[stop],
    )


#: A key whose value is a block of text on the lines below (``|``, ``>-``, ``|2``...).
_BLOCK_START = re.compile(r"^( *)(?:- +)?[^#\s][^#]*:\s+[|>][+-]?\d?[+-]?\s*(?:#.*)?$")


def _tab(lines: list[str], stop: int) -> Mistake | None:
    """A tab in the indentation of a line up to ``stop`` (a tab inside a block of text is text)."""
    block_indent: int | None = None
    for i, line in enumerate(lines[: stop + 1]):
        if block_indent is not None:
            if not line.strip() or _indent_of(line) > block_indent:
                continue
            block_indent = None
        start = _BLOCK_START.match(line)
        if start:
            block_indent = len(start.group(1))
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            return Mistake(
                i + 1,
                indent.index("\t") + 1,
                _(
                    "a tab is used for indentation here (shown as →); indent with spaces, not tabs: "
                    "replace the tab with as many spaces as the lines around it use"
                ),
                line,
            )
    return None


def _open_quote(lines: list[str], stop: int) -> Mistake | None:
    """A value that opens a quote and does not close it on its line, or closes it too early,
    where mending it would mend the file (a quoted text may rightly go on over several lines)."""
    tried = 0
    for i, line in enumerate(lines[: stop + 1]):
        parsed = _LINE.match(line)
        value = parsed.group("value") if parsed else ""
        if not parsed or not value or value[0] not in "\"'":
            continue
        quote, start = value[0], parsed.start("value")
        end = _closing(value, quote)
        head = line[:start].strip()
        if end is None:
            tried += 1
            if tried > _MOST_TRIED or not _mends(lines, i, line.rstrip() + quote, stop):
                continue
            return Mistake(
                i + 1,
                start + 1,
                _(
                    "the quote {quote} that opens this value is never closed; put another {quote} "
                    "at the end of the value, on the same line, e.g. {example}"
                ).format(quote=quote, example=f"{head} {_clip(value.rstrip())}{quote}".strip()),
                line,
            )
        rest = value[end + 1 :].strip()
        if rest and not rest.startswith("#"):
            other = "'" if quote == '"' else '"'
            inner = value[1:].rstrip()
            inner = inner[:-1] if inner.endswith(quote) else inner
            tried += 1
            if tried > _MOST_TRIED or not _mends(lines, i, line[:start] + other + inner + other, stop):
                continue
            return Mistake(
                i + 1,
                start + end + 1,
                _(
                    "the quote {quote} that opens this value closes here, before the value ends "
                    "(a quote inside the text?); put the whole value in {other} quotes instead, "
                    "e.g. {example}, or use «ёлочки» inside"
                ).format(quote=quote, other=other, example=f"{head} {other}{_clip(inner)}{other}".strip()),
                line,
            )
    return None


def _mends(lines: list[str], index: int, mended: str, stop: int) -> bool:
    """Whether the text with line ``index`` written as ``mended`` parses, at least past line ``stop``."""
    text = "\n".join([*lines[:index], mended, *lines[index + 1 :]])
    try:
        for _event in yaml.parse(text, Loader=_LOADER):
            pass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return mark is not None and mark.line > stop
    except yaml.YAMLError:
        return False
    return True


def _closing(value: str, quote: str) -> int | None:
    """The index of the quote that closes ``value[0]`` (``\\"`` and ``''`` do not close)."""
    i = 1
    while i < len(value):
        char = value[i]
        if quote == '"' and char == "\\":
            i += 2
            continue
        if char == quote:
            if quote == "'" and value[i + 1 : i + 2] == "'":
                i += 2
                continue
            return i
        i += 1
    return None


def _missing_colon(lines: list[str], mark: yaml.Mark | None) -> Mistake | None:
    if mark is None or mark.line >= len(lines):
        return None
    line = lines[mark.line]
    words = line[mark.column :].split(maxsplit=1)
    if not words or ":" in words[0]:
        return None
    key_end = mark.column + len(words[0])
    example = f"{words[0]}: {_clip(words[1].strip())}" if len(words) > 1 else f"{words[0]}: …"
    return Mistake(
        mark.line + 1,
        key_end + 1,
        _(
            "there is no colon after the key {key}; write a colon and a space between "
            "the key and its value, e.g. {example}"
        ).format(key=_clip(words[0]), example=example),
        line,
    )


def _significant(lines: list[str], before: int) -> list[tuple[int, str]]:
    """The lines above ``before`` that hold something, nearest first (blank and comment lines skipped)."""
    above = range(min(before, len(lines)) - 1, -1, -1)
    return [(i, lines[i]) for i in above if lines[i].strip() and not lines[i].lstrip().startswith("#")]


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _list_item(lines: list[str], stop: int) -> Mistake | None:
    """A ``- item`` line where the lines around it are ``key: value``."""
    line = lines[stop]
    stripped = line.lstrip(" ")
    if not (stripped == "-" or stripped.startswith("- ")):
        return None
    indent = _indent_of(line)
    above = _significant(lines, stop)
    items = [_indent_of(text) for _i, text in above if text.lstrip(" ").startswith("- ") and _indent_of(text) > indent]
    if above and items and _indent_of(above[0][1]) > indent:
        return Mistake(
            stop + 1,
            indent + 1,
            ngettext(
                "this list item is indented by {n} space, the items above it by {m}; indent it like them",
                "this list item is indented by {n} spaces, the items above it by {m}; indent it like them",
                indent,
            ).format(n=indent, m=items[0]),
            line,
        )
    return Mistake(
        stop + 1,
        indent + 1,
        _(
            "a list item (a line starting with '- ') stands among 'key: value' lines, where a key is "
            "expected; write it as 'key: value', or put the items under a key of their own (a line "
            "like 'features:'), indented two spaces deeper than that key"
        ),
        line,
    )


def _indent(lines: list[str], stop: int, col: int) -> Mistake | None:
    """A ``key: value`` line indented deeper than the ``key: value`` above it, or to no level in use."""
    line = lines[stop]
    parsed = _LINE.match(line)
    if not parsed or not parsed.group("key") or parsed.group("dash"):
        return None
    indent = _indent_of(line)
    above = _significant(lines, stop)
    if not above:
        return None
    previous = _LINE.match(above[0][1])
    previous_indent = _indent_of(above[0][1])
    has_value = bool(previous and previous.group("key") and previous.group("value").strip())
    levels = _levels(above)
    too_deep = indent > previous_indent and has_value
    no_level = indent < previous_indent and indent not in levels
    if not (too_deep or no_level):
        return None
    expected = previous_indent if too_deep else min(levels, key=lambda level: (abs(level - indent), -level))
    return Mistake(
        stop + 1,
        indent + 1,
        ngettext(
            "this line is indented by {n} space, but the keys it stands among by {m}; "
            "indent it by {m}, like them (keys of one group start in the same column)",
            "this line is indented by {n} spaces, but the keys it stands among by {m}; "
            "indent it by {m}, like them (keys of one group start in the same column)",
            indent,
        ).format(n=indent, m=expected),
        line,
    )


def _levels(above: list[tuple[int, str]]) -> set[int]:
    """The indents of the groups still open at the line below ``above`` (nearest line first)."""
    levels: set[int] = set()
    lowest = None
    for _i, text in above:
        indent = _indent_of(text)
        if lowest is None or indent < lowest:
            levels.add(indent + (2 if text.lstrip(" ").startswith("- ") else 0))
            levels.add(indent)
            lowest = indent
    return levels


def _colon_missing_above(lines: list[str], stop: int, problem: str) -> Mistake | None:
    """``headline Текст`` above ``subheadline: …``: the parser read the key-less line and the
    next as one text and stumbled on the next line's colon; the colon is missing above."""
    if "mapping values are not allowed" not in problem:
        return None
    above = _significant(lines, stop)
    if not above:
        return None
    index, line = above[0]
    stripped = line.strip()
    if _indent_of(line) != _indent_of(lines[stop]) or stripped.startswith(("-", "'", '"')) or ":" in stripped:
        return None
    key, _space, value = stripped.partition(" ")
    example = f"{key}: {_clip(value.strip())}" if value.strip() else f"{key}: …"
    return Mistake(
        index + 1,
        _indent_of(line) + len(key) + 1,
        _(
            "there is no colon after the key {key}; write a colon and a space between "
            "the key and its value, e.g. {example}"
        ).format(key=_clip(key), example=example),
        line,
    )


def _colon_in_value(lines: list[str], stop: int, problem: str) -> Mistake | None:
    if "mapping values are not allowed" not in problem:
        return None
    line = lines[stop]
    parsed = _LINE.match(line)
    if not parsed or not parsed.group("key") or parsed.group("value").lstrip().startswith(("'", '"')):
        return None
    value = parsed.group("value").rstrip()
    head = line[: parsed.start("value")].strip()
    return Mistake(
        stop + 1,
        parsed.start("value") + 1,
        _("a value containing ': ' must be put in quotes, e.g. {example}").format(
            example=f"{head} {_in_quotes(_clip(value))}"
        ),
        line,
    )


def _bad_start(lines: list[str], stop: int, col: int, problem: str) -> Mistake | None:
    """A value starting with a character YAML keeps for itself (``@``, `` ` ``, ``%``...)."""
    if "cannot start any token" not in problem:
        return None
    line = lines[stop]
    parsed = _LINE.match(line)
    head = line[: parsed.start("value")].strip() if parsed else ""
    value = parsed.group("value").rstrip() if parsed else line.strip()
    return Mistake(
        stop + 1,
        col + 1,
        _("a value cannot start with {char} in YAML; put the value in quotes, e.g. {example}").format(
            char=line[col : col + 1], example=f"{head} {_in_quotes(_clip(value))}".strip()
        ),
        line,
    )


def _escape(lines: list[str], stop: int, col: int, problem: str) -> Mistake | None:
    """``"C:\\files"``: a backslash in double quotes starts an escape."""
    if "unknown escape character" not in problem:
        return None
    line = lines[stop]
    parsed = _LINE.match(line)
    head = line[: parsed.start("value")].strip() if parsed else ""
    value = parsed.group("value").rstrip() if parsed else ""
    inner = value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value
    return Mistake(
        stop + 1,
        col + 1,
        _(
            "in double quotes a backslash starts a special character (\\n, \\t...); write the backslash "
            "twice, or put the value in single quotes, e.g. {example}"
        ).format(example=f"{head} '{_clip(inner)}'".strip()),
        line,
    )


#: The brackets that open a list or a group on one line, and their closing ones.
_CLOSING = {"[": "]", "{": "}"}


def _open_bracket(lines: list[str], mark: yaml.Mark | None, problem: str) -> Mistake | None:
    """``applications: [bp, ip`` : a bracket opened and never closed (told where it opens)."""
    if not problem.startswith("did not find expected ','") or mark is None or mark.line >= len(lines):
        return None
    line = lines[mark.line]
    opening = line[mark.column : mark.column + 1]
    if opening not in _CLOSING:
        return None
    return Mistake(
        mark.line + 1,
        mark.column + 1,
        _(
            "the bracket {open} opened here is never closed; close it with {close} after the last item, "
            "on the same line, e.g. {example}"
        ).format(open=opening, close=_CLOSING[opening], example=_clip(line.strip()) + _CLOSING[opening]),
        line,
    )


def _other(lines: list[str], stop: int, col: int, problem: str) -> Mistake | None:
    """Mistakes the parser names well enough once put in words: an unknown alias, a second document."""
    line = lines[stop]
    if "found undefined alias" in problem:
        name = re.match(r"\*?([^\s,\]}]*)", line[col:])
        return Mistake(
            stop + 1,
            col + 1,
            _(
                "*{name} repeats a value marked &{name} above, and there is none; write the value itself "
                "(in quotes if the * belongs to the text)"
            ).format(name=_clip(name.group(1)) if name else ""),
            line,
        )
    if "but found another document" in problem:
        return Mistake(
            stop + 1,
            col + 1,
            _("the line '---' starts a second document, and the file holds one; delete this line"),
            line,
        )
    return None


def _in_quotes(value: str) -> str:
    """``value`` quoted so that YAML reads it back as written: in double quotes if it has none,
    else in single quotes (a single quote inside written twice)."""
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def _clip(text: str) -> str:
    """``text`` short enough for an example, its start and end kept (where a quote goes)."""
    if len(text) <= _EXAMPLE_CHARS:
        return text
    return text[: _EXAMPLE_CHARS - 10] + "…" + text[-9:]
