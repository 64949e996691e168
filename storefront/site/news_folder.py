"""Which files of a partner's ``news/`` folder are its news, as a stranger's folder.

The folder may not be a link (to another partner's news, or to ``/etc``: their file names
would end up in messages), the files are counted before any is read (each one becomes a
page: ten thousand tiny files would be ten thousand pages), and a name with a control
character (which could forge lines in a terminal or a log) is refused.
"""

from __future__ import annotations

from pathlib import Path

from storefront.site.characters import code_point
from storefront.site.partner_files import UnsafeFile, names

#: Most news files a site may have; a news-heavy site has about a thousand.
MAX_NEWS = 2000


class NewsRefused(Exception):
    """The ``news/`` folder may not be read; ``str()`` says why, for the partner."""


def news_files(root: Path) -> list[Path]:
    """The ``*.md`` files of ``root/news``, sorted (none if there is no such folder).

    Raises :class:`NewsRefused` for a folder that is a link or holds too many news files.
    """
    folder = root / "news"
    if not (folder.is_symlink() or folder.is_dir()):
        return []
    try:
        found = sorted(name for name in names(folder, root) if name.endswith(".md"))
    except FileNotFoundError:
        return []
    except UnsafeFile as exc:
        raise NewsRefused(str(exc)) from None
    if len(found) > MAX_NEWS:
        raise NewsRefused(
            f"{len(found):,} news files; a site may have at most {MAX_NEWS:,}: delete or merge the oldest ones"
        )
    return [folder / name for name in found]


def unprintable(name: str) -> str | None:
    """Why a file name may not be used (a control character in it), or None."""
    bad = next((char for char in name if not char.isprintable()), None)
    if bad is None:
        return None
    return (
        f"the file name contains the invisible character {code_point(bad)}; "
        "rename the file with letters, digits and hyphens"
    )
