"""The sandbox a partner's templates run in: no Python internals, no files, bounded work.

A template under ``sites/<id>/templates/`` is code written by a stranger, run by the build
and by the registration service. It runs in Jinja's immutable sandbox (no attribute that
starts with ``_``, no changing the site's data that every page and request shares), may
not reach paths or modules, and is bounded in work, time and memory: every loop round,
call and filter spends from one budget per page (a filter in proportion to the size of
what it is given) under a wall-clock deadline; ranges, repeated texts, widths and big
numbers are capped, slow filters refuse huge inputs, what one step would build is
estimated before it is built, and every character a page writes (also into
``{% set %}`` blocks and macros) is counted. Breaking a rule raises :class:`Refused` with
a message for the partner; :mod:`storefront.render.environment` adds the template line.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import string
import sys
import time
import types
from collections.abc import Callable, Generator, Iterable, Iterator
from contextvars import ContextVar
from itertools import islice
from pathlib import Path, PurePath
from typing import Any, TypeVar

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.filters import do_attr, do_format, do_replace
from jinja2.sandbox import (
    ImmutableSandboxedEnvironment,
    SandboxedEnvironment,
    _mutable_spec,
    modifies_known_mutable,
)
from jinja2.utils import Namespace
from jinja2.visitor import NodeTransformer

from storefront import formatting, language
from storefront.language import gettext as _

#: Loop rounds and calls one page may spend; a real page spends a few thousand.
MAX_STEPS = 1_000_000
#: What a call costs in steps, and what loading an included or extended template costs.
CALL_STEPS, LOAD_STEPS = 10, 100
#: Seconds one page may take to render (the registration service sets a shorter deadline).
MAX_SECONDS = 5.0
#: Characters of one rendered page.
MAX_PAGE = 5 * 1024 * 1024
#: Characters a page may write in all, counting what ``{% set %}`` blocks, macros and ``caller()`` capture.
MAX_WRITTEN = 2 * MAX_PAGE
#: What a filter or call costs in steps per this many characters or items of its inputs.
SIZE_PER_STEP = 100
#: What building texts and lists costs in steps: a step per this many bytes (a list item
#: counted as ``ITEM_BYTES``), so that one page builds at most about 256 MB in all.
BYTES_PER_STEP, ITEM_BYTES = 256, 96
#: Characters or items the slow text and list filters take; a real page stays far below.
SLOW_INPUT = 300_000
#: Filters that are slower still on long texts, with their own limit.
SLOWER_INPUT = {"wordwrap": 20_000, "urlize": 50_000}
#: Length of one text or list a template builds.
MAX_VALUE = 1_000_000
#: Numbers a template passes as a width or count to text methods and filters.
MAX_WIDTH = 10_000
#: Length of ``range(...)``.
MAX_RANGE = 100_000
#: Bits of an integer computed with ``**``.
MAX_BITS = 64 * 1024

_STEP_FILTER = "sandbox_counted"
_SIZE_FILTER = "sandbox_sized"
_WRITE_FILTER = "sandbox_written"
_TEXT_FILTER = "sandbox_printable"
_SIZED = (str, list, tuple, dict, set, frozenset)
_SLOW_FILTERS = frozenset(
    {
        "wordwrap",
        "urlize",
        "title",
        "capitalize",
        "indent",
        "center",
        "truncate",
        "striptags",
        "wordcount",
        "format",
        "tojson",
        "join",
        "replace",
        "sort",
        "unique",
        "dictsort",
        "groupby",
        "xmlattr",
        "urlencode",
        "pprint",
        "min",
        "max",
        "sum",
        "map",
        "select",
        "reject",
        "selectattr",
        "rejectattr",
    }
)
#: Filters that consume their whole input: an iterator given to them is read into a bounded list first.
_CONSUMING = frozenset({"join", "sort", "unique", "groupby", "tojson", "min", "max", "sum"})
#: Filters that do not turn their input into text (every other one may, so a huge list is refused).
_STRUCTURAL = frozenset(
    {
        "length",
        "count",
        "first",
        "last",
        "list",
        "batch",
        "slice",
        "sort",
        "map",
        "select",
        "reject",
        "selectattr",
        "rejectattr",
        "attr",
        "default",
        "d",
        "dictsort",
        "groupby",
        "items",
        "random",
        "sum",
        "min",
        "max",
        "unique",
        "reverse",
        "abs",
        "int",
        "float",
        "round",
        "bool",
        _STEP_FILTER,
        _SIZE_FILTER,
        _WRITE_FILTER,
        _TEXT_FILTER,
    }
)
_PADDING = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_WIDTH_FILTERS = ("center", "indent", "slice", "batch", "tojson")
#: Every method name :func:`modifies_known_mutable` refuses on some type: only these need its slower look.
_MUTATORS = frozenset().union(*(names for _, names in _mutable_spec))
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_Item = TypeVar("_Item")
#: Integers of fewer bits print in at most 20 characters.
_WORD_BITS = 64


class Refused(SecurityError):
    """Something a partner's template may not do; the message says what, for the partner."""


def _count(n: int | float) -> str:
    """A limit as the partner's language writes a number: 10,000,000 or 10 000 000, 0.5 or 0,5."""
    return formatting.number(n, language.current())


class _Budget:
    __slots__ = ("deadline", "left", "seconds", "written")

    def __init__(self, steps: int, seconds: float):
        self.left = steps
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.written = 0

    def spend(self, steps: int) -> None:
        self.left -= steps
        if self.left < 0:
            raise Refused(
                _(
                    "this template does too much work for one page (more than {steps} loop "
                    "rounds and calls); make its loops smaller"
                ).format(steps=_count(MAX_STEPS))
            )
        if time.monotonic() > self.deadline:
            raise Refused(
                _(
                    "this template takes too long to render (more than {seconds} seconds for one "
                    "page); make its loops and the texts it works on smaller"
                ).format(seconds=_count(self.seconds))
            )

    def counted(self, iterable: Iterable[_Item]) -> Iterator[_Item]:
        for item in iterable:
            self.left -= 1
            if self.left < 0 or not self.left & 0xFF:
                self.spend(0)
            yield item

    def refuse_written(self) -> None:
        raise Refused(
            _(
                "this page writes more than {megabytes} MB of text, counting what "
                "its {{% set %}} blocks and macros capture; make the template's loops smaller"
            ).format(megabytes=MAX_WRITTEN // (1024 * 1024))
        )


_budget: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)


@contextlib.contextmanager
def budget(steps: int = MAX_STEPS, seconds: float = MAX_SECONDS) -> Iterator[None]:
    """Rendering inside this block spends from a fresh budget of ``steps``, and stops ``seconds`` from now."""
    token = _budget.set(_Budget(steps, seconds))
    try:
        yield
    finally:
        _budget.reset(token)


def _sized_steps(steps: int, *values: Any) -> int:
    """``steps`` and a step for every :data:`SIZE_PER_STEP` characters or items of ``values``."""
    for value in values:
        if isinstance(value, _SIZED):
            steps += len(value) // SIZE_PER_STEP
    return steps


def _spend(steps: int) -> None:
    current = _budget.get()
    if current is not None:
        current.spend(steps)


def bounded_output(chunks: Iterator[str], limit: int = MAX_PAGE) -> str:
    """The text of a template's output stream, refused (at the template line) past ``limit`` characters."""
    out: list[str] = []
    append, size = out.append, 0
    for chunk in chunks:
        append(chunk)
        size += len(chunk)
        if size > limit:
            refused = Refused(
                _("this page would be larger than {megabytes} MB; make the template's loops smaller").format(
                    megabytes=limit // (1024 * 1024)
                )
            )
            if isinstance(chunks, Generator):
                chunks.throw(refused)  # raised where the template is writing: the partner sees the line
            raise refused
    return "".join(out)


@jinja2.pass_context
def _counted(context: jinja2.runtime.Context, iterable: Iterable[_Item]) -> Iterable[_Item]:
    current = _budget.get()
    return iterable if current is None else current.counted(iterable)


def _sized(value: Any) -> Any:
    _check_size(value)
    _spend_built(value)
    return value


def _spend_built(value: Any) -> None:
    """Spend for the memory a new text or list takes: what a page builds in all stays bounded."""
    if isinstance(value, str):
        _spend(sys.getsizeof(value) // BYTES_PER_STEP)
    elif isinstance(value, (list, tuple)):
        _spend(len(value) * ITEM_BYTES // BYTES_PER_STEP)


@jinja2.pass_context
def _written(context: jinja2.runtime.Context, value: Any, constant: int = 0) -> Any:
    """What an output tag writes, counted (with ``constant``, the literal text beside it) before it is joined."""
    current = _budget.get()
    if current is not None:
        current.written += constant + (len(value) if isinstance(value, str) else _printable_size(value))
        if current.written > MAX_WRITTEN:
            current.refuse_written()
    return value


def _printable(value: Any) -> Any:
    _printable_size(value)
    return value


def _printable_size(value: Any) -> int:
    """About how long ``value`` is as text; refused past :data:`MAX_VALUE` before that text is made."""
    if isinstance(value, str):
        return len(value)
    if not isinstance(value, (*_SIZED, Namespace)):
        return 0
    size = _estimate(value, MAX_VALUE)
    _check_size_of(size)
    return size


def _estimate(value: Any, limit: int, indent: int = 0) -> int:
    """About how many characters ``value`` makes as text or JSON (``indent`` spaces a level),
    looking no further than needed to pass ``limit``."""
    size, todo = 0, [(value, 0)]
    while todo and size <= limit:
        item, depth = todo.pop()
        size += 4 + indent * depth
        if isinstance(item, str):
            size += len(item)
        elif isinstance(item, Namespace):
            todo.append((item._Namespace__attrs, depth))
        elif isinstance(item, _SIZED):
            members = item.items() if isinstance(item, dict) else item
            for member in members:
                todo.append((member, depth + 1))
                if len(todo) > limit:
                    return limit + 1
        elif isinstance(item, int):
            size += 20 if item.bit_length() < _WORD_BITS else item.bit_length() * 3 // 10
    return size


def _check_size(value: Any) -> None:
    if isinstance(value, (str, list, tuple)):
        _check_size_of(len(value))


def _check_width(*numbers: Any) -> None:
    if any(isinstance(n, int) and abs(n) > MAX_WIDTH for n in numbers):
        raise Refused(_("a width or count larger than {limit} is not allowed here").format(limit=_count(MAX_WIDTH)))


def _check_percent(text: str, values: Any) -> None:
    """``text % values`` builds no more than its widths and values say: refuse huge ones."""
    fields = 0
    for spec in _PERCENT_SPEC.finditer(text):
        fields += 1
        for width in spec.groups():
            if width == "*":
                _check_width(*(values if isinstance(values, tuple) else (values,)))
            elif width:
                _check_width(int(width))
    _check_filled(text, fields, values)


def _check_format(text: str, *values: Any) -> None:
    """``text.format(...)`` with no huge width, no width taken from an argument, and no huge result."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return
    for _literal, _field, spec, _conversion in fields:
        if spec and "{" in spec:
            raise Refused(_("a format width taken from an argument is not allowed"))
        _check_width(*(int(n) for n in re.findall(r"\d+", spec or "")))
    _check_filled(text, len(fields), values)


def _check_filled(text: str, fields: int, values: Any) -> None:
    """A text with ``fields`` places filled from ``values``: no longer than :data:`MAX_VALUE`."""
    if fields:
        values = values.values() if isinstance(values, dict) else values if isinstance(values, tuple) else (values,)
        largest = max((_estimate(v, MAX_VALUE) for v in values), default=0)
        _check_size_of(len(text) + fields * largest)


def _check_replace(text: str, old: str, new: str, count: int | None = None) -> None:
    times = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        times = min(times, count)
    _check_size_of(len(text) + times * (len(new) - len(old)))


def _check_size_of(length: int) -> None:
    if length > MAX_VALUE:
        raise Refused(_("this template builds a text or list longer than {limit}").format(limit=_count(MAX_VALUE)))


def _range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise Refused(_("range() may count at most {limit} numbers").format(limit=_count(MAX_RANGE)))
    return numbers


class _Namespace(Namespace):
    """``namespace()`` whose values stay within :data:`MAX_VALUE`, so a loop cannot double a text forever."""

    def __setitem__(self, name: str, value: Any) -> None:
        _check_size(value)
        super().__setitem__(name, value)


def _bounded(name: str, filter_: Callable[..., Any]) -> Callable[..., Any]:
    """``filter_`` spending from the budget in proportion to its inputs, refusing inputs too
    long for it and results (estimated first where one call can explode) too long to keep."""
    passed = 1 if getattr(filter_, "jinja_pass_arg", None) else 0
    slow = SLOWER_INPUT.get(name, SLOW_INPUT) if name in _SLOW_FILTERS else None
    consuming, widths, structural = name in _CONSUMING, name in _WIDTH_FILTERS, name in _STRUCTURAL
    estimate = _ESTIMATES.get(name)

    def bounded(*args: Any, **kwargs: Any) -> Any:
        if consuming and len(args) > passed and isinstance(args[passed], Iterator):
            args = (*args[:passed], list(islice(args[passed], (slow or MAX_VALUE) + 1)), *args[passed + 1 :])
        if slow is not None and any(isinstance(v, _SIZED) and len(v) > slow for v in (*args, *kwargs.values())):
            raise Refused(
                _("the filter '{name}' takes texts and lists of at most {limit} characters or items").format(
                    name=name, limit=_count(slow)
                )
            )
        _spend(_sized_steps(CALL_STEPS, *args[passed:], *kwargs.values()))
        if widths:
            _check_width(*args[passed + 1 :], *kwargs.values())
        if not structural and len(args) > passed:
            _printable(args[passed])
        if estimate is not None:
            estimate(*args[passed:], **kwargs)
        result = filter_(*args, **kwargs)
        _check_size(result)
        _spend_built(result)
        return result

    bounded.__dict__.update(getattr(filter_, "__dict__", {}))
    return bounded


def _tested(test: Callable[..., Any]) -> Callable[..., Any]:
    """``test`` spending from the budget in proportion to its inputs."""

    def tested(*args: Any, **kwargs: Any) -> Any:
        _spend(_sized_steps(CALL_STEPS, *args, *kwargs.values()))
        return test(*args, **kwargs)

    tested.__dict__.update(getattr(test, "__dict__", {}))
    return tested


def _estimate_join(items: Any, separator: str = "", attribute: Any = None) -> None:
    if isinstance(items, _SIZED) and not isinstance(items, str):
        sizes = (_estimate(item, MAX_VALUE) - 4 for item in (items.keys() if isinstance(items, dict) else items))
        _check_size_of(sum(sizes) + len(str(separator)) * len(items))


def _estimate_indent(text: Any, width: Any = 4, first: bool = False, blank: bool = False) -> None:
    if isinstance(text, str):
        step = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        _check_size_of(len(text) + step * (text.count("\n") + 1))


def _estimate_tojson(value: Any, indent: Any = None) -> None:
    _check_size_of(_estimate(value, MAX_VALUE, indent if isinstance(indent, int) else 0))


_ESTIMATES: dict[str, Callable[..., None]] = {
    "join": _estimate_join,
    "indent": _estimate_indent,
    "tojson": _estimate_tojson,
}


@jinja2.pass_eval_context
def _replace(eval_ctx: jinja2.nodes.EvalContext, text: str, old: str, new: str, count: int | None = None) -> str:
    _check_replace(str(text), str(old), str(new), count)
    return do_replace(eval_ctx, text, old, new, count)


def _format(text: str, *args: Any, **kwargs: Any) -> str:
    _check_percent(str(text), kwargs or args)
    return do_format(text, *args, **kwargs)


@jinja2.pass_environment
def _attr(environment: jinja2.Environment, obj: Any, name: str) -> Any:
    """``|attr``, passing a refused value on, so that its use says why it was refused."""
    return obj if isinstance(obj, jinja2.Undefined) else do_attr(environment, obj, name)


def _forbidden(value: Any) -> bool:
    """Values that lead out of the template's data: files, folders and modules of the server."""
    return isinstance(value, (PurePath, types.ModuleType))


def code_version() -> str:
    """Changes whenever this module does: templates compiled by another version must not be reused."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


class _Bounds(NodeTransformer):
    """Wraps every loop's items in the step counter, every text built with ``~`` or
    ``{% set %}`` in the size check, and what every output tag writes in the counter of
    written characters."""

    def __init__(self, environment: jinja2.Environment):
        self.environment = environment

    # Each visitor changes its node in place (``generic_visit`` visits the children first).

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = self._wrap(node.iter, _STEP_FILTER)
        return node

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        self.generic_visit(node)
        if isinstance(node.node, nodes.Name) and node.node.name == "loop" and node.args:
            node.args[0] = self._wrap(node.args[0], _STEP_FILTER)  # a recursive loop's next level
        return node

    def visit_Assign(self, node: nodes.Assign) -> nodes.Node:
        self.generic_visit(node)
        node.node = self._wrap(node.node, _SIZE_FILTER)
        return node

    def visit_AssignBlock(self, node: nodes.AssignBlock) -> nodes.Node:
        self.generic_visit(node)
        node.filter = self._wrap(node.filter, _SIZE_FILTER, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        node.nodes = [self._wrap(part, _TEXT_FILTER) for part in node.nodes]
        return self._wrap(node, _SIZE_FILTER)

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        parts = node.nodes
        texts = [part for part in parts if isinstance(part, nodes.TemplateData)]
        literal = sum(len(text.data) for text in texts)
        counted = {
            i: self._wrap(part, _WRITE_FILTER)
            for i, part in enumerate(parts)
            if not isinstance(part, nodes.TemplateData)
        }
        for i, wrapped in counted.items():
            parts[i] = wrapped
        if literal and counted:
            next(iter(counted.values())).args.append(nodes.Const(literal))
        elif literal:  # only literal text: the first part counts all of it
            parts[0] = self._wrap(parts[0], _WRITE_FILTER, [nodes.Const(literal - len(texts[0].data))])
        return node

    def _wrap(
        self, expression: nodes.Node | None, name: str, args: list[nodes.Expr] | None = None, lineno: int | None = None
    ) -> nodes.Filter:
        wrapped = nodes.Filter(
            expression, name, args or [], [], None, None, lineno=lineno if expression is None else expression.lineno
        )
        wrapped.set_environment(self.environment)
        return wrapped


class _BoundedCode(CodeGenerator):
    """Compiles templates with :class:`_Bounds` applied."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        super().visit_Template(_Bounds(self.environment).visit(node), frame)


class PartnerSandbox(ImmutableSandboxedEnvironment):
    """A Jinja environment for templates written by a partner (see the module's docstring)."""

    code_generator_class = _BoundedCode
    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self, **options: Any):
        super().__init__(**options)
        self.globals.pop("lipsum", None)
        self.globals.update(range=_range, namespace=_Namespace)
        self.filters.update(replace=_replace, format=_format, attr=_attr)
        self.add_filters(self.filters)
        self.filters.update(
            {_STEP_FILTER: _counted, _SIZE_FILTER: _sized, _WRITE_FILTER: _written, _TEXT_FILTER: _printable}
        )
        self.tests.update({name: _tested(test) for name, test in self.tests.items() if callable(test)})

    def add_filters(self, filters: dict[str, Callable[..., Any]]) -> None:
        """Make ``filters`` available to templates, each bounded like Jinja's own."""
        self.filters.update({name: _bounded(name, filter_) for name, filter_ in filters.items()})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # the immutable sandbox's rule, with a quick test of the name first (every page reads thousands)
        return (
            SandboxedEnvironment.is_safe_attribute(self, obj, attr, value)
            and not (attr in _MUTATORS and modifies_known_mutable(obj, attr))
            and not _forbidden(value)
        )

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        if attribute.startswith("_"):
            reason = _("templates may not reach Python internals ({attribute})").format(attribute=attribute)
        elif modifies_known_mutable(obj, attribute):
            reason = _("templates may not change the site's data ({attribute})").format(attribute=attribute)
        elif _forbidden(obj) or _forbidden(getattr(obj, attribute, None)):
            reason = _("templates may not reach files or modules of the server ({attribute})").format(
                attribute=attribute
            )
        else:
            reason = _("templates may not use '{attribute}' of {type}").format(
                attribute=attribute, type=type(obj).__name__
            )
        return self.undefined(reason, name=attribute, obj=obj, exc=Refused)

    def getattr(self, obj: Any, attribute: str) -> Any:
        value = super().getattr(obj, attribute)  # an item reached with a dot is not seen by is_safe_attribute
        return self.unsafe_undefined(obj, attribute) if _forbidden(value) else value

    def getitem(self, obj: Any, argument: Any) -> Any:
        value = super().getitem(obj, argument)
        return self.unsafe_undefined(obj, str(argument)) if _forbidden(value) else value

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        target = getattr(__obj, "__wrapped__", __obj)  # str.format comes wrapped by the sandbox
        owner = getattr(target, "__self__", None)
        _spend(_sized_steps(CALL_STEPS, owner, *args, *kwargs.values()) if args or kwargs or owner else CALL_STEPS)
        if isinstance(owner, str):
            name = getattr(target, "__name__", "")
            if name in _PADDING:
                _check_width(*args, *kwargs.values())
            elif name in ("format", "format_map"):
                _check_format(
                    owner, *args, *kwargs.values(), *(v for a in args if isinstance(a, dict) for v in a.values())
                )
            elif name == "replace" and len(args) > 1:  # old and new given
                _check_replace(owner, str(args[0]), str(args[1]), *args[2:3])
        result = super().call(__context, __obj, *args, **kwargs)
        _check_size(result)
        _spend_built(result)
        if _forbidden(result):
            raise Refused(_("templates may not reach files or modules of the server"))
        return result

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        _spend(_sized_steps(0, left, right))
        if operator == "+":
            if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
                _check_size_of(len(left) + len(right))
        elif operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(times, int):
                    _check_size_of(len(sequence) * times)
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 and left.bit_length() * right > MAX_BITS:
                raise Refused(
                    _("this number would have more than {limit} digits").format(limit=_count(MAX_BITS * 3 // 10))
                )
        elif operator == "%" and isinstance(left, str):
            _check_percent(left, right)
        result = super().call_binop(context, operator, left, right)
        _spend_built(result)
        return result

    def get_template(self, *args: Any, **kwargs: Any) -> jinja2.Template:
        _spend(LOAD_STEPS)
        return super().get_template(*args, **kwargs)

    def select_template(self, *args: Any, **kwargs: Any) -> jinja2.Template:
        _spend(LOAD_STEPS)
        return super().select_template(*args, **kwargs)
