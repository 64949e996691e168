"""The sandbox a partner's templates run in: no Python internals, no files, bounded work.

A template under ``sites/<id>/templates/`` is code written by a stranger, run by the build
and by the registration service. It runs in Jinja's immutable sandbox (no attribute that
starts with ``_``, no changing the site's data that every page and request shares), may
not reach paths or modules, and is bounded: every loop round and call spends from one
budget per page, ranges and repeated texts are capped, and so are widths and big numbers
that would build huge texts in one step. Breaking a rule raises :class:`Refused` with a
message for the partner; :mod:`storefront.render` adds the template line.
"""
from __future__ import annotations

import contextlib
import hashlib
import re
import string
import types
from contextvars import ContextVar
from pathlib import Path, PurePath
from typing import Any, Callable, Iterable, Iterator

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import (ImmutableSandboxedEnvironment, SandboxedEnvironment, SecurityError, _mutable_spec,
                            modifies_known_mutable)
from jinja2.utils import Namespace
from jinja2.visitor import NodeTransformer

#: Loop rounds and calls one page may spend; a real page spends a few thousand.
MAX_STEPS = 1_000_000
#: What a call costs in steps, and what loading an included or extended template costs.
CALL_STEPS, LOAD_STEPS = 10, 100
#: Characters of one rendered page.
MAX_PAGE = 5 * 1024 * 1024
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
_PADDING = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_WIDTH_FILTERS = ("center", "indent", "slice", "batch", "tojson")
#: Every method name :func:`modifies_known_mutable` refuses on some type: only these need its slower look.
_MUTATORS = frozenset().union(*(names for _, names in _mutable_spec))
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


class Refused(SecurityError):
    """Something a partner's template may not do; the message says what, for the partner."""


class _Budget:
    __slots__ = ("left",)

    def __init__(self, steps: int):
        self.left = steps

    def spend(self, steps: int) -> None:
        self.left -= steps
        if self.left < 0:
            raise Refused(f"this template does too much work for one page (more than {MAX_STEPS:,} loop "
                          "rounds and calls); make its loops smaller")

    def counted(self, iterable: Iterable) -> Iterator:
        for item in iterable:
            self.left -= 1
            if self.left < 0:
                self.spend(0)
            yield item


_budget: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)


@contextlib.contextmanager
def budget(steps: int = MAX_STEPS) -> Iterator[None]:
    """Rendering inside this block spends from a fresh budget of ``steps``."""
    token = _budget.set(_Budget(steps))
    try:
        yield
    finally:
        _budget.reset(token)


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
            chunks.throw(Refused(f"this page would be larger than {limit // (1024 * 1024)} MB; "
                                 "make the template's loops smaller"))
    return "".join(out)


@jinja2.pass_context
def _counted(context: jinja2.runtime.Context, iterable: Iterable) -> Iterable:
    current = _budget.get()
    return iterable if current is None else current.counted(iterable)


def _sized(value: Any) -> Any:
    _check_size(value)
    return value


def _check_size(value: Any) -> None:
    if isinstance(value, (str, list, tuple)):
        _check_size_of(len(value))


def _check_width(*numbers: Any) -> None:
    if any(isinstance(n, int) and abs(n) > MAX_WIDTH for n in numbers):
        raise Refused(f"a width or count larger than {MAX_WIDTH:,} is not allowed here")


def _check_percent(text: str, values: Any) -> None:
    """``text % values`` builds no more than its widths say: refuse huge ones."""
    for spec in _PERCENT_SPEC.finditer(text):
        for width in spec.groups():
            if width == "*":
                _check_width(*(values if isinstance(values, tuple) else (values,)))
            elif width:
                _check_width(int(width))


def _check_format(text: str) -> None:
    """``text.format(...)`` with no huge width and no width taken from an argument."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return
    for _, _, spec, _ in fields:
        if spec and "{" in spec:
            raise Refused("a format width taken from an argument is not allowed")
        _check_width(*(int(n) for n in re.findall(r"\d+", spec or "")))


def _check_replace(text: str, old: str, new: str, count: int | None = None) -> None:
    times = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        times = min(times, count)
    _check_size_of(len(text) + times * (len(new) - len(old)))


def _check_size_of(length: int) -> None:
    if length > MAX_VALUE:
        raise Refused(f"this template builds a text or list longer than {MAX_VALUE:,}")


def _range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise Refused(f"range() may count at most {MAX_RANGE:,} numbers")
    return numbers


class _Namespace(Namespace):
    """``namespace()`` whose values stay within :data:`MAX_VALUE`, so a loop cannot double a text forever."""

    def __setitem__(self, name: str, value: Any) -> None:
        _check_size(value)
        super().__setitem__(name, value)


def _width_checked(filter_: Callable) -> Callable:
    skip = 2 if getattr(filter_, "jinja_pass_arg", None) else 1

    def checked(*args: Any, **kwargs: Any) -> Any:
        _check_width(*args[skip:], *kwargs.values())
        return filter_(*args, **kwargs)
    checked.__dict__.update(filter_.__dict__)
    return checked


@jinja2.pass_eval_context
def _replace(eval_ctx: jinja2.nodes.EvalContext, text: str, old: str, new: str, count: int | None = None) -> str:
    _check_replace(str(text), str(old), str(new), count)
    return _builtin_replace(eval_ctx, text, old, new, count)


def _format(text: str, *args: Any, **kwargs: Any) -> str:
    _check_percent(str(text), kwargs or args)
    return _builtin_format(text, *args, **kwargs)


@jinja2.pass_environment
def _attr(environment: jinja2.Environment, obj: Any, name: str) -> Any:
    """``|attr``, passing a refused value on, so that its use says why it was refused."""
    return obj if isinstance(obj, jinja2.Undefined) else _builtin_attr(environment, obj, name)


_builtin_attr = jinja2.filters.FILTERS["attr"]
_builtin_replace = jinja2.filters.FILTERS["replace"]
_builtin_format = jinja2.filters.FILTERS["format"]


def _forbidden(value: Any) -> bool:
    """Values that lead out of the template's data: files, folders and modules of the server."""
    return isinstance(value, (PurePath, types.ModuleType))


def code_version() -> str:
    """Changes whenever this module does: templates compiled by another version must not be reused."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


class _Bounds(NodeTransformer):
    """Wraps every loop's items in the step counter, and every text built with ``~`` or
    ``{% set %}`` in the size check."""

    def __init__(self, environment: jinja2.Environment):
        self.environment = environment

    def visit_For(self, node: nodes.For) -> nodes.Node:
        node = self.generic_visit(node)
        node.iter = self._wrap(node.iter, _STEP_FILTER)
        return node

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        if isinstance(node.node, nodes.Name) and node.node.name == "loop" and node.args:
            node.args[0] = self._wrap(node.args[0], _STEP_FILTER)  # a recursive loop's next level
        return node

    def visit_Assign(self, node: nodes.Assign) -> nodes.Node:
        node = self.generic_visit(node)
        node.node = self._wrap(node.node, _SIZE_FILTER)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        return self._wrap(self.generic_visit(node), _SIZE_FILTER)

    def _wrap(self, expression: nodes.Expr, name: str) -> nodes.Filter:
        wrapped = nodes.Filter(expression, name, [], [], None, None, lineno=expression.lineno)
        wrapped.set_environment(self.environment)
        return wrapped


class _BoundedCode(CodeGenerator):
    """Compiles templates with :class:`_Bounds` applied."""

    def visit_Template(self, node: nodes.Template, frame: Any = None) -> None:
        super().visit_Template(_Bounds(self.environment).visit(node), frame)


class PartnerSandbox(ImmutableSandboxedEnvironment):
    """A Jinja environment for templates written by a partner (see the module's docstring)."""

    code_generator_class = _BoundedCode
    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self, **options: Any):
        super().__init__(**options)
        self.globals.pop("lipsum", None)
        self.globals.update(range=_range, namespace=_Namespace)
        self.filters.update({name: _width_checked(self.filters[name]) for name in _WIDTH_FILTERS})
        self.filters.update({_STEP_FILTER: _counted, _SIZE_FILTER: _sized, "replace": _replace, "format": _format,
                             "attr": _attr})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # the immutable sandbox's rule, with a quick test of the name first (every page reads thousands)
        return SandboxedEnvironment.is_safe_attribute(self, obj, attr, value) \
            and not (attr in _MUTATORS and modifies_known_mutable(obj, attr)) and not _forbidden(value)

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        if attribute.startswith("_"):
            reason = f"templates may not reach Python internals ({attribute})"
        elif modifies_known_mutable(obj, attribute):
            reason = f"templates may not change the site's data ({attribute})"
        elif _forbidden(obj) or _forbidden(getattr(obj, attribute, None)):
            reason = f"templates may not reach files or modules of the server ({attribute})"
        else:
            reason = f"templates may not use {attribute!r} of {type(obj).__name__}"
        return self.undefined(reason, name=attribute, obj=obj, exc=Refused)

    def getattr(self, obj: Any, attribute: str) -> Any:
        value = super().getattr(obj, attribute)  # an item reached with a dot is not seen by is_safe_attribute
        return self.unsafe_undefined(obj, attribute) if _forbidden(value) else value

    def getitem(self, obj: Any, argument: Any) -> Any:
        value = super().getitem(obj, argument)
        return self.unsafe_undefined(obj, str(argument)) if _forbidden(value) else value

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _spend(CALL_STEPS)
        target = getattr(__obj, "__wrapped__", __obj)  # str.format comes wrapped by the sandbox
        owner = getattr(target, "__self__", None)
        if isinstance(owner, str):
            name = getattr(target, "__name__", "")
            if name in _PADDING:
                _check_width(*args, *kwargs.values())
            elif name in ("format", "format_map"):
                _check_format(owner)
            elif name == "replace" and len(args) >= 2:
                _check_replace(owner, str(args[0]), str(args[1]), *args[2:3])
        result = super().call(__context, __obj, *args, **kwargs)
        _check_size(result)
        if _forbidden(result):
            raise Refused("templates may not reach files or modules of the server")
        return result

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "+":
            if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
                _check_size_of(len(left) + len(right))
        elif operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(times, int):
                    _check_size_of(len(sequence) * times)
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 \
                    and left.bit_length() * right > MAX_BITS:
                raise Refused(f"this number would have more than {MAX_BITS * 3 // 10:,} digits")
        elif operator == "%" and isinstance(left, str):
            _check_percent(left, right)
        return super().call_binop(context, operator, left, right)

    def get_template(self, *args: Any, **kwargs: Any) -> jinja2.Template:
        _spend(LOAD_STEPS)
        return super().get_template(*args, **kwargs)

    def select_template(self, *args: Any, **kwargs: Any) -> jinja2.Template:
        _spend(LOAD_STEPS)
        return super().select_template(*args, **kwargs)
