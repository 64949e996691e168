"""Noticing that files changed without reading them: names, sizes and modification times.

The one way the generator and the service tell whether a folder changed: a rebuild with
nothing to do (:mod:`storefront.publish.build_cache`), a page's inputs (its templates), a
Jinja environment that must see an added template, a theme manifest parsed once per
version, and the service's poll of each partner's folder all look at files through here.
Links are never followed and nothing is opened: a partner's link to a FIFO, a device or a
file elsewhere is stamped as the link it is (the loader refuses to read it). Plain path
logic, cheap to import.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Hashable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from storefront import __version__
from storefront.errors import StorefrontError

#: Changes every fingerprint when the way files are stamped changes.
FORMAT = 3


class FileStamp(NamedTuple):
    """What is known of a file without opening it."""

    path: str
    size: int
    mtime_ns: int


class TooManyFiles(StorefrontError):
    """A folder holds more files than may be fingerprinted; ``str()`` says so, for the partner."""


def stamp(path: Path) -> FileStamp:
    """One file's stamp (the link itself when ``path`` is a link); raises :class:`OSError`
    when there is no such file."""
    stat = path.lstat()
    return FileStamp(str(path), stat.st_size, stat.st_mtime_ns)


def listing(folders: Sequence[Path], limit: int | None = None) -> Iterator[FileStamp]:
    """Every file under ``folders`` with its stamp, each folder's files sorted by path.

    A folder that cannot be listed (or does not exist) gives nothing, as :func:`os.walk`
    does. A folder with more than ``limit`` files and folders raises
    :class:`TooManyFiles` before more are looked at."""
    for folder in folders:
        yield from _files(str(folder), _Budget(limit))


def fingerprint(folders: Sequence[Path], options: tuple[Hashable, ...], limit: int | None = None) -> str:
    """A hash that changes whenever a file under ``folders`` or one of ``options`` changes."""
    digest = hashlib.sha256(repr((FORMAT, __version__, options)).encode())
    for found in listing(folders, limit):
        digest.update(f"{found.path}\0{found.size}\0{found.mtime_ns}\n".encode())
    return digest.hexdigest()


class _Budget:
    """How many entries of one folder may be looked at."""

    def __init__(self, limit: int | None):
        self.limit, self.seen = limit, 0

    def spend(self) -> None:
        self.seen += 1
        if self.limit is not None and self.seen > self.limit:
            raise TooManyFiles(
                f"more than {self.limit:,} files and folders in this folder; keep only the "
                "site's own files (site.yaml, news, images, templates) in it"
            )


def _files(folder: str, budget: _Budget) -> Iterator[FileStamp]:
    """Every file under ``folder``, sorted, links not followed."""
    entries = []
    try:
        with os.scandir(folder) as found:
            for entry in found:
                budget.spend()
                entries.append(entry)
    except OSError:
        return
    for entry in sorted(entries, key=lambda e: e.name):
        if entry.is_dir(follow_symlinks=False):
            yield from _files(entry.path, budget)
        else:
            stat = entry.stat(follow_symlinks=False)
            yield FileStamp(entry.path, stat.st_size, stat.st_mtime_ns)
