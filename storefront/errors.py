"""The errors storefront raises about its input, as one family under :class:`StorefrontError`.

A :class:`StorefrontError` is about what a person wrote (a partner's site folder and
templates, a theme, the command line) and says what to change; it never needs a
traceback. Anything else that escapes the generator is a bug in the generator, and the
command line reports it as one, in the words of :func:`bug_message`::

    StorefrontError
    ├── InvalidSite    a site folder cannot be built: every problem found, each with its position
    ├── RenderError    a partner's template failed or was refused: one problem at the template line
    └── ThemeError     a theme is missing or broken
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from storefront.language import gettext as _
from storefront.site.characters import printable

if TYPE_CHECKING:
    from storefront.site.diagnostics import Problem


class StorefrontError(Exception):
    """A mistake in what a person gave storefront; the message is written for that person."""


class InvalidSite(StorefrontError):
    """A site cannot be built; carries every problem found, sorted by position."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[InvalidSite], tuple[list[Problem]]]:
        # raised in a forked worker or a build process, re-raised in the parent
        return (InvalidSite, (self.problems,))


class RenderError(StorefrontError):
    """A partner's template failed (or the sandbox refused what it does); carries a problem
    pointing at the template line."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))

    def __reduce__(self) -> tuple[type[RenderError], tuple[Problem]]:
        return (RenderError, (self.problem,))


class ThemeError(StorefrontError):
    """A theme is missing or broken; the message is meant for the person building."""


def bug_message(exc: BaseException) -> str:
    """The one line that reports an exception outside this family: a bug of storefront's."""
    lines = str(exc).splitlines()
    text = f"{type(exc).__name__}: {printable(lines[0])}" if lines else type(exc).__name__
    return _("storefront hit a bug: {error} — please report it with the command you ran").format(error=text)
