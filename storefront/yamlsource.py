"""YAML that remembers where every value came from.

PyYAML's safe loader forgets node positions once it builds Python objects. Here the node
tree is walked by hand so that each key path maps to its line and column, which is what
turns a schema error into ``site.yaml:12:5`` instead of a bare field name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .problems import Loc, Problem, dotted

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # libyaml missing: the pure-Python loader gives the same nodes
    _Loader = yaml.SafeLoader


@dataclass
class Positions:
    """Line and column (1-based) of each value and each mapping key, by key path."""

    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    line_offset: int = 0

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
            return [self.build(item, loc + (i,)) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, loc, "a key must be a plain word")
                continue
            key = str(key_node.value)
            if key == "<<":
                self._problem(key_node, loc, "merge keys (<<) are not supported; write the values out")
                continue
            if key in out:
                first = self.positions.of(loc + (key,), key=True)[0]
                self._problem(key_node, loc + (key,), f"this key is written twice (first on line {first}); keep one")
                continue
            self.positions.keys[loc + (key,)] = _mark(key_node)
            if self._empty_before_comment(key_node, value_node):
                self._problem(value_node, loc + (key,), "this value is empty because in YAML '#' starts a comment; "
                              "put the value in quotes, e.g. \"#1a73e8\"")
            out[key] = self.build(value_node, loc + (key,))
        return out

    def _empty_before_comment(self, key_node: yaml.Node, value_node: yaml.Node) -> bool:
        """``primary: #0b5fd6`` reads as an empty value: the most common YAML trap for colours."""
        if not (isinstance(value_node, yaml.ScalarNode) and value_node.value == "" and not value_node.style):
            return False
        line = key_node.end_mark.line
        rest = self.lines[line][key_node.end_mark.column:] if line < len(self.lines) else ""
        return bool(re.match(r"^\s*:\s+#", rest))

    def _problem(self, node: yaml.Node, loc: Loc, message: str) -> None:
        line, col = _mark(node)
        self.problems.append(Problem(self.path, line + self.line_offset, col, dotted(loc), message))

    def _scalar(self, node: yaml.Node) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, yaml.constructor.ConstructorError):
            # e.g. a date like 2026-02-30: keep the text so the schema reports it in place
            return node.value


def parse(text: str, path: str, *, line_offset: int = 0) -> Document:
    """Parse one YAML document; syntax errors become problems rather than exceptions."""
    builder = _Builder(path, line_offset, text)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        col = mark.column + 1 if mark else 1
        what = exc.problem or "this is not valid YAML"
        hint = _syntax_hint(what)
        return Document(None, builder.positions, [Problem(path, line, col, "", f"YAML syntax: {what}{hint}")])
    except yaml.YAMLError as exc:
        return Document(None, builder.positions, [Problem(path, 1 + line_offset, 1, "", f"YAML syntax: {exc}")])
    if node is None:
        return Document({}, builder.positions, [])
    data = builder.build(node, ())
    return Document(data, builder.positions, builder.problems)


def _syntax_hint(problem: str) -> str:
    if "mapping values are not allowed" in problem:
        return " (a value containing ': ' must be put in quotes)"
    if "found character '\\t'" in problem:
        return " (indent with spaces, not tabs)"
    if "could not find expected ':'" in problem:
        return " (each line needs 'key: value', or check the indentation above)"
    return ""
