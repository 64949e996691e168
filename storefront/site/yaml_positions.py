"""YAML that remembers where every value came from, and cannot be made to blow up.

PyYAML's safe loader forgets node positions once it builds Python objects. Here the node
tree is walked by hand so that each key path maps to its line and column, which is what
turns a schema error into ``site.yaml:12:5`` instead of a bare field name.

A partner's YAML is input from a stranger: before anything is built, the parser's events
are counted as if every alias (``*name``) were written out, so a 450-byte alias bomb, an
alias inside the value it names, or ``[[[[...`` ten thousand deep is refused at the line
that does it, within the bounds below, instead of taking the memory or the stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from storefront.language import N_
from storefront.language import gettext as _
from storefront.site.characters import code_point
from storefront.site.diagnostics import Loc, Problem, dotted, number
from storefront.site.yaml_syntax import explain

_Loader: type[yaml.CSafeLoader] | type[yaml.SafeLoader]
try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # libyaml missing: the pure-Python loader gives the same nodes
    _Loader = yaml.SafeLoader

#: Most characters, nesting levels and values (aliases counted as the copies they make)
#: one document may have; far beyond any real site.yaml or news header.
MAX_CHARS = 256 * 1024
MAX_DEPTH = 50
MAX_VALUES = 100_000
#: Integers of more bits are kept as the text they were written as.
_INT_BITS = 64

_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class Positions:
    """Line and column (1-based) of each value and each mapping key, by key path, and
    what each list item is called (its name or id)."""

    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    line_offset: int = 0
    labels: dict[Loc, str] = field(default_factory=dict)

    def field(self, loc: Loc) -> str:
        """The key path of ``loc`` as a partner reads it: ``tariffs «Бизнес».price``, ``benefits[1]``."""
        return dotted(loc, self.labels)

    def of(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Where ``loc`` is written; for a missing key, where its parent is."""
        loc = tuple(loc)
        if key and loc in self.keys:
            return self._shift(self.keys[loc])
        while loc:
            if loc in self.values:
                return self._shift(self.values[loc])
            if loc in self.keys:
                return self._shift(self.keys[loc])
            loc = loc[:-1]
        return self._shift(self.values.get((), (1, 1)))

    def _shift(self, pos: tuple[int, int]) -> tuple[int, int]:
        return pos[0] + self.line_offset, pos[1]


@dataclass
class Document:
    """A parsed YAML document: plain Python data plus the positions of its parts."""

    data: Any
    positions: Positions
    problems: list[Problem]


#: The keys whose value names a list item in a field path, the first one found.
_LABEL_KEYS = ("name", "id")
#: Longest name a field path quotes; a longer one is left for the item's number.
_LABEL_CHARS = 40


def _scalar_of(item: yaml.Node, key: str) -> str | None:
    """The text of ``key`` in the mapping ``item``, if it is short, one line and printable."""
    if not isinstance(item, yaml.MappingNode):
        return None
    for key_node, value_node in item.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key and isinstance(value_node, yaml.ScalarNode):
            text = str(value_node.value)
            if 0 < len(text) <= _LABEL_CHARS and text.isprintable() and text == text.strip():
                return text
    return None


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    def __init__(self, path: str, line_offset: int, text: str):
        self.path = path
        self.lines = text.splitlines()
        self.line_offset = line_offset
        self.positions = Positions(line_offset=line_offset)
        self.problems: list[Problem] = []
        self.constructor = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.positions.values[loc] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            self._label(node, loc)
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, loc, _("a key must be a plain word"))
                continue
            key = str(key_node.value)
            if key == "<<":
                self._problem(key_node, loc, _("merge keys (<<) are not supported; write the values out"))
                continue
            if key in out:
                first = self.positions.of((*loc, key), key=True)[0]
                self._problem(
                    key_node,
                    (*loc, key),
                    _("this key is written twice (first on line {line}); keep one").format(line=first),
                )
                continue
            self.positions.keys[(*loc, key)] = _mark(key_node)
            if self._empty_before_comment(key_node, value_node):
                self._problem(
                    value_node,
                    (*loc, key),
                    _(
                        "this value is empty because in YAML '#' starts a comment; "
                        'put the value in quotes, e.g. "#1a73e8"'
                    ),
                )
            out[key] = self.build(value_node, (*loc, key))
        return out

    def _label(self, node: yaml.SequenceNode, loc: Loc) -> None:
        """Name each item of a list by its ``name``, else its ``id``, when that tells it from the others."""
        for key in _LABEL_KEYS:
            values = [_scalar_of(item, key) for item in node.value]
            for i, value in enumerate(values):
                if value is not None and values.count(value) == 1:
                    self.positions.labels.setdefault((*loc, i), value)

    def _empty_before_comment(self, key_node: yaml.Node, value_node: yaml.Node) -> bool:
        """``primary: #0b5fd6`` reads as an empty value: the most common YAML trap for colours."""
        if not (isinstance(value_node, yaml.ScalarNode) and value_node.value == "" and not value_node.style):
            return False
        line = key_node.end_mark.line
        rest = self.lines[line][key_node.end_mark.column :] if line < len(self.lines) else ""
        return bool(re.match(r"^\s*:\s+#", rest))

    def _problem(self, node: yaml.Node, loc: Loc, message: str) -> None:
        line, col = _mark(node)
        self.problems.append(Problem(self.path, line + self.line_offset, col, self.positions.field(loc), message))

    def _scalar(self, node: yaml.Node) -> Any:
        try:
            value = self.constructor.construct_object(node, deep=True)
        except Exception:
            # e.g. a date like 2026-02-30: keep the text so the schema reports it in place
            return node.value
        if isinstance(value, int) and value.bit_length() > _INT_BITS:
            return node.value  # digits like an account number are text; a huge int cannot even be printed
        return value


def parse(text: str, path: str, *, line_offset: int = 0) -> Document:
    """Parse one YAML document; syntax errors and documents too big or too deep become
    problems rather than exceptions (a syntax error quotes its line, with a caret)."""
    builder = _Builder(path, line_offset, text)

    def failed(line: int, col: int, message: str, quoted: str | None = None) -> Document:
        return Document(None, builder.positions, [Problem(path, line + line_offset, col, "", message, quoted)])

    try:
        refused = _refusal(text) or _shape(text)
        if refused is not None:
            return failed(*refused)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        if exc.problem and "maximum nesting depth" in exc.problem and exc.problem_mark:
            mark = exc.problem_mark
            return failed(mark.line + 1, mark.column + 1, _(_TOO_DEEP).format(n=MAX_DEPTH, through=""))
        mistake = explain(text, exc)
        return failed(
            mistake.line,
            mistake.col,
            _("YAML syntax: {explanation}").format(explanation=mistake.message),
            mistake.quoted,
        )
    except yaml.YAMLError as exc:
        return failed(1, 1, _("YAML syntax: {explanation}").format(explanation=exc))
    if node is None:
        return Document({}, builder.positions, [])
    data = builder.build(node, ())
    return Document(data, builder.positions, builder.problems)


def _refusal(text: str) -> tuple[int, int, str] | None:
    """Text that is not worth parsing: too long, or with characters YAML does not allow."""
    if len(text) > MAX_CHARS:
        return (
            1,
            1,
            _("this YAML is longer than {size} KB, the most allowed; shorten it").format(size=MAX_CHARS // 1024),
        )
    bad = _NOT_YAML.search(text)
    if bad is None:
        return None
    before = (text[: bad.start()] + "x").splitlines()
    return (
        len(before),
        len(before[-1]),
        _(
            "the invisible control character {code} is not allowed in YAML; delete it "
            "(it often comes with text pasted from another program)"
        ).format(code=code_point(bad.group())),
    )


@dataclass
class _Collection:
    """A mapping or sequence being parsed: its anchor, the values before it, its height so far."""

    anchor: str | None
    before: int
    height: int = 0


def _shape(text: str) -> tuple[int, int, str] | None:
    """Where the document, with every alias written out, becomes too deep or too big, or an
    alias names a value that contains it: found from the parser's events, before building."""
    values = 0
    open_: list[_Collection] = []
    sizes: dict[str | None, tuple[int, int]] = {}  # anchor → values and height of what it names
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            open_.append(_Collection(event.anchor, values))
            size, height = 1, 0
        elif isinstance(event, yaml.CollectionEndEvent):
            _close(open_, sizes, values)
            continue
        elif isinstance(event, yaml.ScalarEvent):
            size, height = 1, 0
            if event.anchor is not None:
                sizes[event.anchor] = (1, 0)
        elif isinstance(event, yaml.AliasEvent):
            if any(collection.anchor == event.anchor for collection in open_):
                return _at(
                    event,
                    _(
                        "the alias *{name} is inside the value &{name} it repeats, so it would never end; "
                        "write the values out"
                    ).format(name=event.anchor),
                )
            size, height = sizes.get(event.anchor, (1, 0))
        else:
            continue
        values += size
        if open_ and not isinstance(event, yaml.CollectionStartEvent):
            open_[-1].height = max(open_[-1].height, height)
        if len(open_) + height > MAX_DEPTH:
            return _at(
                event,
                _(_TOO_DEEP).format(n=MAX_DEPTH, through=_through(event)),
            )
        if values > MAX_VALUES:
            fix = _(_REPEAT_LESS) if isinstance(event, yaml.AliasEvent) else _(_SHORTEN)
            return _at(
                event,
                _("the document has more than {n} values{through}; {fix}").format(
                    n=number(MAX_VALUES), through=_through(event), fix=fix
                ),
            )
    return None


_TOO_DEEP = N_("values are nested more than {n} levels deep{through}; flatten the structure")
_REPEAT_LESS = N_("repeat only small parts through aliases")
_SHORTEN = N_("shorten it")


def _close(open_: list[_Collection], sizes: dict[str | None, tuple[int, int]], values: int) -> None:
    """The innermost open collection ends: remember what its anchor names, and how high it made its parent."""
    closed = open_.pop()
    if closed.anchor is not None:
        sizes[closed.anchor] = (values - closed.before, closed.height + 1)
    if open_:
        open_[-1].height = max(open_[-1].height, closed.height + 1)


def _at(event: yaml.Event, message: str) -> tuple[int, int, str]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1, message) if mark is not None else (1, 1, message)


def _through(event: yaml.Event) -> str:
    if isinstance(event, yaml.AliasEvent):
        return _(" once the alias *{name} is written out").format(name=event.anchor)
    return ""
