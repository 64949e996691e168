"""A partner's Markdown file with a YAML header between ``---`` lines (a news item, a
newsletter issue, an onboarding letter): read as a stranger's file, cut in two, and its
header validated against a model with each mistake at its line."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from storefront.language import gettext as _
from storefront.render.markdown_html import FrontMatterSplit, split_front_matter
from storefront.site.diagnostics import Problem, display_path
from storefront.site.partner_files import LIMITS, UnsafeFile, read_text
from storefront.site.schema_messages import problems_from
from storefront.site.yaml_positions import Positions, parse

M = TypeVar("M", bound=BaseModel)


def read_split(path: Path, root: Path, problems: list[Problem], no_header: str) -> FrontMatterSplit | None:
    """The file at ``path`` (inside ``root``) cut into header and body; None, with the
    problem added, when it may not be read or has no header (``no_header`` says what to write)."""
    try:
        text = read_text(path, root, LIMITS["news"])
    except (OSError, UnsafeFile) as exc:
        problems.append(Problem(display_path(path), 1, 1, "", why_unread(exc)))
        return None
    split = split_front_matter(text)
    if split is None:
        problems.append(Problem(display_path(path), 1, 1, "", no_header))
    return split


def validated(
    header: str, shown: str, problems: list[Problem], model: type[M], not_keys: str
) -> tuple[M, Positions] | None:
    """The header of the file shown as ``shown``, valid as ``model``, with where its keys are
    written; None, with the problems added, when it is not (``not_keys`` says what a header holds)."""
    doc = parse(header, shown, line_offset=1)
    problems.extend(doc.problems)
    if doc.data is None or doc.problems:
        return None
    if not isinstance(doc.data, dict):
        problems.append(Problem(shown, 2, 1, "", not_keys))
        return None
    try:
        return model.model_validate(doc.data), doc.positions
    except ValidationError as exc:
        problems.extend(problems_from(exc, doc.data, doc.positions, shown, model))
        return None


def why_unread(exc: OSError | UnsafeFile) -> str:
    """Why a partner's file was not read, for the partner."""
    if isinstance(exc, FileNotFoundError):
        return _("there is no such file (a link to a file that is gone?); put the real file in the folder")
    if isinstance(exc, OSError):
        return _("this file cannot be read ({reason})").format(reason=exc.strerror)
    return str(exc)
