"""Which files of a partner's ``news/`` folder are its news, as a stranger's folder.

The folder may not be a link (to another partner's news, or to ``/etc``: their file names
would end up in messages), the files are counted before any is read (each one becomes a
page: ten thousand tiny files would be ten thousand pages), and a name with a control
character (which could forge lines in a terminal or a log) is refused.
"""

from __future__ import annotations

from pathlib import Path

from storefront.language import gettext as _
from storefront.language import ngettext
from storefront.site.characters import code_point
from storefront.site.diagnostics import number
from storefront.site.partner_files import UnsafeFile, names

#: Most news files a site may have; a news-heavy site has about a thousand.
MAX_NEWS = 2000


class NewsRefused(Exception):
    """The ``news/`` folder may not be read; ``str()`` says why, for the partner."""


def markdown_names(root: Path, folder_name: str) -> list[str]:
    """The names of the ``*.md`` files of ``root/folder_name``, sorted; none if there is no such
    folder. Raises :class:`UnsafeFile` for a folder that is a link (the one listing every
    partner folder of Markdown goes through: news, newsletter issues, letters)."""
    folder = root / folder_name
    if not (folder.is_symlink() or folder.is_dir()):
        return []
    try:
        return sorted(name for name in names(folder, root) if name.endswith(".md"))
    except FileNotFoundError:
        return []


def news_files(root: Path) -> list[Path]:
    """The ``*.md`` files of ``root/news``, sorted (none if there is no such folder).

    Raises :class:`NewsRefused` for a folder that is a link or holds too many news files.
    """
    folder = root / "news"
    try:
        found = markdown_names(root, "news")
    except UnsafeFile as exc:
        raise NewsRefused(str(exc)) from None
    if len(found) > MAX_NEWS:
        raise NewsRefused(
            ngettext(
                "{n} news file; a site may have at most {most}: delete or merge the oldest ones",
                "{n} news files; a site may have at most {most}: delete or merge the oldest ones",
                len(found),
            ).format(n=number(len(found)), most=number(MAX_NEWS))
        )
    return [folder / name for name in found]


def unprintable(name: str) -> str | None:
    """Why a file name may not be used (a control character in it), or None."""
    bad = next((char for char in name if not char.isprintable()), None)
    if bad is None:
        return None
    return _(
        "the file name contains the invisible character {code}; rename the file with letters, digits and hyphens"
    ).format(code=code_point(bad))
