"""Reading a partner's files as input from a stranger: inside its folder, regular, bounded.

Many partners share one host, so a file under ``sites/<id>/`` may be a symlink to another
partner's data or to ``/etc/passwd``, a FIFO that blocks whoever opens it, a link to
``/dev/zero``, or simply enormous. Every read of a partner file goes through here: the
path must resolve inside the folder it belongs to, be a regular file, and be no larger
than the limit for its kind, and have no other name (a hard link). Anything else is an
:class:`UnsafeFile` whose message is written for the partner.

The check is made on what was actually opened: the path is resolved, then opened one
folder at a time from the root without following links (``openat`` with ``O_NOFOLLOW``),
so a folder on the way swapped for a link after the check is refused, not followed. Links
that stay inside the folder keep working: they were resolved before. On a system without
``openat`` (not Linux or BSD) only the check before opening is made.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from storefront import formatting, language
from storefront.language import gettext as _

KIB = 1024
MIB = 1024 * KIB

#: Largest file of each kind a partner may give; generous for real content.
LIMITS = {
    "site.yaml": 256 * KIB,
    "news": 256 * KIB,
    "markdown": 256 * KIB,
    "template": 256 * KIB,
    "image": 2 * MIB,
}


class UnsafeFile(Exception):
    """A partner file that must not be read; ``str()`` says why, for the partner."""


def inside(path: Path, root: Path) -> Path:
    """``path`` resolved, if it stays inside ``root`` (resolved too); raises otherwise."""
    try:
        real_root = root.resolve()
        real = path.resolve()
    except (OSError, RuntimeError):  # a loop of links (RuntimeError up to Python 3.12)
        raise UnsafeFile(
            _("this file is a link that leads nowhere (a loop of links); put the real file in the folder")
        ) from None
    if real != real_root and real_root not in real.parents:
        raise UnsafeFile(_("this file points outside the site folder (a link?); put the real file in the folder"))
    return real


def read_bytes(path: Path, root: Path, limit: int, *, site: Path | None = None) -> bytes:
    """The bytes of a regular file inside ``root``, at most ``limit`` of them.

    The file is opened without blocking and checked after opening, so a FIFO, a device or
    a file or folder swapped for a link between the check and the read is refused too.
    ``site`` is the partner's folder when ``root`` is a folder inside it (``templates/``):
    the file is then opened from ``site``, so ``root`` itself may not turn into a link.
    """
    real = inside(path, root)
    start = root.resolve()
    if site is not None:
        inside(path, site)
        start = site.resolve()
    fd = _open_beneath(start, real)
    try:
        _regular(os.fstat(fd), limit)
    except UnsafeFile:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise UnsafeFile(_("this file is larger than {size}, the largest allowed").format(size=_size(limit)))
    return data


def names(folder: Path, root: Path) -> list[str]:
    """The names in a partner's ``folder`` (inside ``root``), which may not be a link; the
    folder actually opened is listed, so one swapped for a link is refused too.
    Raises :class:`UnsafeFile`, or FileNotFoundError."""
    if folder.is_symlink():
        raise UnsafeFile(_("this folder is a link to another folder; put a real folder here"))
    fd = _open_beneath(root.resolve(), inside(folder, root), folder=True)
    try:
        return os.listdir(fd) if os.listdir in os.supports_fd else os.listdir(folder)
    finally:
        os.close(fd)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


def _swapped() -> UnsafeFile:
    return UnsafeFile(
        _(
            "this file, or a folder on its way, was replaced by a link while it was read; "
            "put the real file in the folder"
        )
    )


def _open_beneath(start: Path, real: Path, folder: bool = False) -> int:
    """An fd of ``real`` (resolved, inside ``start``), opened one name at a time from ``start``
    without following a link: what is opened is what was checked."""
    last = os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW | (_DIRECTORY if folder else 0)
    parts = real.relative_to(start).parts
    if os.open not in os.supports_dir_fd or not parts:
        return _open(str(real), last, None)
    fd = _open(str(start), os.O_RDONLY | _DIRECTORY, None)
    try:
        for name in parts[:-1]:
            parent, fd = fd, -1
            try:
                fd = _open(name, os.O_RDONLY | _NOFOLLOW | _DIRECTORY, parent)
            finally:
                os.close(parent)
        return _open(parts[-1], last, fd)
    finally:
        if fd >= 0:
            os.close(fd)


def _open(name: str, flags: int, dir_fd: int | None) -> int:
    try:
        return os.open(name, flags, dir_fd=dir_fd)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            raise _swapped() from None
        if exc.errno == errno.ENOTDIR and _is_link(name, dir_fd):
            raise _swapped() from None
        raise UnsafeFile(_("this file cannot be read ({reason})").format(reason=exc.strerror)) from None


def _is_link(name: str, dir_fd: int | None) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def check(path: Path, root: Path, limit: int) -> Path:
    """``path`` resolved, if :func:`read_bytes` would read it; never opens the file, so a
    FIFO cannot block. Raises :class:`UnsafeFile`, or FileNotFoundError."""
    real = inside(path, root)
    try:
        info = real.stat()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UnsafeFile(_("this file cannot be read ({reason})").format(reason=exc.strerror)) from None
    _regular(info, limit)
    return real


def _regular(info: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFile(
            _("this is not a regular file (a device, a pipe or a folder); replace it with an ordinary file")
        )
    if info.st_size > limit:
        raise UnsafeFile(
            _("this file is {size}; the largest allowed is {limit}").format(
                size=_size(info.st_size), limit=_size(limit)
            )
        )
    if info.st_nlink > 1:
        raise UnsafeFile(_("this file is a hard link to another file; copy it instead"))


def read_text(path: Path, root: Path, limit: int, *, site: Path | None = None) -> str:
    """UTF-8 text of a partner file (see :func:`read_bytes`)."""
    try:
        return read_bytes(path, root, limit, site=site).decode("utf-8")
    except UnicodeDecodeError:
        raise UnsafeFile(_("the file is not UTF-8 text; save it as UTF-8")) from None


def _size(n: int) -> str:
    if n >= MIB:
        return _("{n} MB").format(n=formatting.number(round(n / MIB, 1), language.current()))
    return _("{n} KB").format(n=max(1, n // KIB))
