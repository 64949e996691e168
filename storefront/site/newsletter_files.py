"""A partner's hand-written newsletter issues and onboarding letters, read as a stranger's files.

``newsletter/<YYYY-MM-DD>.md`` is an issue the partner wrote: it goes out on the first
scheduled day on or after the date of its name, instead of the digest of news.
``letters/<name>.md`` is an onboarding letter, sent ``after_days:`` after registration to
subscribers on trial who agreed to receive news. As with news (:mod:`storefront.site.news_folder`),
neither folder may be a link, the files are counted before any is read and read only inside
the site's folder, and the bodies are converted and sanitised as news bodies are. Neither is
ever published as a page: only the registration service sends them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from markupsafe import Markup

from storefront.language import gettext as _
from storefront.language import ngettext
from storefront.render.markdown_html import MarkdownRefused
from storefront.site import front_matter
from storefront.site.characters import strip_forbidden
from storefront.site.diagnostics import Problem, display_path, number
from storefront.site.news_folder import markdown_names, unprintable
from storefront.site.partner_files import UnsafeFile
from storefront.site.schema import SLUG_PATTERN, IssueFrontMatter, LetterFrontMatter
from storefront.site.yaml_positions import Positions
from storefront.speedups.runner import Runner

ISSUES_FOLDER = "newsletter"
LETTERS_FOLDER = "letters"
#: Most issue files a site may keep: one a week for twenty years.
MAX_ISSUES = 1000
#: Most onboarding letters a site may have; a real series has three to ten.
MAX_LETTERS = 100
_DATE_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")
_SLUG_LENGTH = 60


@dataclass(frozen=True)
class WrittenIssue:
    """An issue of the newsletter the partner wrote itself."""

    date: dt.date  # from the file name; the earliest day it may go
    subject: str
    preheader: str | None
    body: str  # sanitised HTML
    text: str  # the Markdown source: the plain-text part of the e-mail
    source: Path


@dataclass(frozen=True)
class Letter:
    """An onboarding letter, sent ``after_days`` after a subscriber registered."""

    key: str  # the file name without .md
    after_days: int
    subject: str
    preheader: str | None
    body: str  # sanitised HTML
    text: str  # the Markdown source: the plain-text part of the e-mail
    source: Path


def issue_files(root: Path, problems: list[Problem]) -> list[Path]:
    """The ``*.md`` files of ``root/newsletter`` (see :func:`_markdown_files`)."""
    return _markdown_files(root, ISSUES_FOLDER, MAX_ISSUES, problems)


def letter_files(root: Path, problems: list[Problem]) -> list[Path]:
    """The ``*.md`` files of ``root/letters`` (see :func:`_markdown_files`)."""
    return _markdown_files(root, LETTERS_FOLDER, MAX_LETTERS, problems)


def _markdown_files(root: Path, folder_name: str, most: int, problems: list[Problem]) -> list[Path]:
    """The ``*.md`` files of ``root/folder_name``, sorted; none, with the problem added, for a
    folder that is a link or holds more than ``most`` of them."""
    folder = root / folder_name
    try:
        found = markdown_names(root, folder_name)
    except UnsafeFile as exc:
        problems.append(Problem(display_path(folder), 1, 1, "", str(exc)))
        return []
    if len(found) > most:
        message = ngettext(
            "{n} file in this folder; a site may have at most {most}: delete the ones no longer needed",
            "{n} files in this folder; a site may have at most {most}: delete the ones no longer needed",
            len(found),
        )
        problems.append(
            Problem(display_path(folder), 1, 1, "", message.format(n=number(len(found)), most=number(most)))
        )
        return []
    refused = {name: why for name in found if (why := unprintable(name))}
    problems.extend(Problem(display_path(folder / name), 1, 1, "", why) for name, why in refused.items())
    return [folder / name for name in found if name not in refused]


def read_issues(files: Sequence[Path], root: Path, problems: list[Problem], runner: Runner) -> tuple[WrittenIssue, ...]:
    """The issues in ``files`` (of :func:`issue_files`), by date."""
    dated = {path: day for path in files if (day := _issue_date(path, problems)) is not None}
    read = _read(
        list(dated),
        root,
        problems,
        runner,
        IssueFrontMatter,
        _("an issue starts with a '---' line, then subject: (and preheader: if you like), then another '---' line"),
    )
    issues = (
        WrittenIssue(
            date=dated[one.path],
            subject=one.front.subject,
            preheader=one.front.preheader,
            body=one.html,
            text=one.text,
            source=one.path,
        )
        for one in read
    )
    return tuple(sorted(issues, key=lambda issue: issue.date))


def read_letters(files: Sequence[Path], root: Path, problems: list[Problem], runner: Runner) -> tuple[Letter, ...]:
    """The onboarding letters in ``files`` (of :func:`letter_files`), by the day they go out."""
    named = [path for path in files if _letter_name(path, problems)]
    read = _read(
        named,
        root,
        problems,
        runner,
        LetterFrontMatter,
        _("a letter starts with a '---' line, then subject: and after_days:, then another '---' line"),
    )
    letters: dict[int, Letter] = {}
    for one in read:
        days = one.front.after_days
        if days in letters:
            line, col = one.positions.of(("after_days",))
            message = ngettext(
                "{other} already goes {n} day after registration; give one of the two another after_days:",
                "{other} already goes {n} days after registration; give one of the two another after_days:",
                days,
            )
            problems.append(
                Problem(
                    display_path(one.path),
                    line,
                    col,
                    "after_days",
                    message.format(other=letters[days].source.name, n=days),
                )
            )
            continue
        letters[days] = Letter(
            key=one.path.stem,
            after_days=days,
            subject=one.front.subject,
            preheader=one.front.preheader,
            body=one.html,
            text=one.text,
            source=one.path,
        )
    return tuple(letters[days] for days in sorted(letters))


def _issue_date(path: Path, problems: list[Problem]) -> dt.date | None:
    """The day in an issue's file name (``2027-01-12.md``); None, with the problem added, if it names none."""
    if _DATE_NAME.fullmatch(path.stem):
        try:
            return dt.date.fromisoformat(path.stem)
        except ValueError:
            pass
    problems.append(
        Problem(
            display_path(path),
            1,
            1,
            "",
            _(
                "'{name}' is not named by a real date: name an issue after the first day it may go out, "
                "as YYYY-MM-DD.md, e.g. 2027-01-12.md"
            ).format(name=path.name),
        )
    )
    return None


def _letter_name(path: Path, problems: list[Problem]) -> bool:
    """Whether a letter's file name is an id (it names the letter in what the service stores)."""
    if re.fullmatch(SLUG_PATTERN, path.stem) and len(path.stem) <= _SLUG_LENGTH:
        return True
    problems.append(
        Problem(
            display_path(path),
            1,
            1,
            "",
            _(
                "'{name}' cannot name a letter: rename the file with lower-case Latin letters, digits and hyphens, "
                "e.g. day-3.md"
            ).format(name=path.name),
        )
    )
    return False


Front = TypeVar("Front", IssueFrontMatter, LetterFrontMatter)


@dataclass(frozen=True)
class _Read(Generic[Front]):
    """A file whose header is valid and whose body converted."""

    path: Path
    front: Front
    positions: Positions
    html: str
    text: str


def _read(
    paths: Sequence[Path],
    root: Path,
    problems: list[Problem],
    runner: Runner,
    model: type[Front],
    no_header: str,
) -> list[_Read[Front]]:
    """Each file of ``paths`` whose header is valid as ``model`` and whose body converts, as a
    news body converts (``runner`` may remember it from the last build); the problems of the others."""
    splits = [(path, split) for path in paths if (split := front_matter.read_split(path, root, problems, no_header))]
    bodies = runner.news_html([split.body for _, split in splits])
    not_keys = _("the header must be 'key: value' lines, e.g. subject: Новые тарифы")
    read = []
    for (path, split), html in zip(splits, bodies, strict=True):
        shown = display_path(path)
        header = front_matter.validated(split.header, shown, problems, model, not_keys)
        if isinstance(html, MarkdownRefused):
            problems.append(Problem(shown, split.body_line + html.line - 1, 1, "", str(html)))
        elif header is not None:
            front, positions = header
            read.append(_Read(path, front, positions, Markup(html), strip_forbidden(split.body).strip()))
    return read
