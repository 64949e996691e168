"""Reading a partner's files as input from a stranger: inside its folder, regular, bounded.

Many partners share one host, so a file under ``sites/<id>/`` may be a symlink to another
partner's data or to ``/etc/passwd``, a FIFO that blocks whoever opens it, a link to
``/dev/zero``, or simply enormous. Every read of a partner file goes through here: the
path must resolve inside the folder it belongs to, be a regular file, and be no larger
than the limit for its kind. Anything else is an :class:`UnsafeFile` whose message is
written for the partner.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

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
        raise UnsafeFile("this file is a link that leads nowhere (a loop of links); "
                         "put the real file in the folder") from None
    if real != real_root and real_root not in real.parents:
        raise UnsafeFile("this file points outside the site folder (a link?); put the real file in the folder")
    return real


def read_bytes(path: Path, root: Path, limit: int) -> bytes:
    """The bytes of a regular file inside ``root``, at most ``limit`` of them.

    The file is opened without blocking and checked after opening, so a FIFO, a device or
    a file swapped for a link between the check and the read is refused too.
    """
    real = inside(path, root)
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UnsafeFile(f"this file cannot be read ({exc.strerror})") from None
    try:
        _regular(os.fstat(fd), limit)
    except UnsafeFile:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise UnsafeFile(f"this file is larger than {_size(limit)}, the largest allowed")
    return data


def check(path: Path, root: Path, limit: int) -> Path:
    """``path`` resolved, if :func:`read_bytes` would read it; never opens the file, so a
    FIFO cannot block. Raises :class:`UnsafeFile`, or FileNotFoundError."""
    real = inside(path, root)
    try:
        info = real.stat()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UnsafeFile(f"this file cannot be read ({exc.strerror})") from None
    _regular(info, limit)
    return real


def _regular(info: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFile("this is not a regular file (a device, a pipe or a folder); "
                         "replace it with an ordinary file")
    if info.st_size > limit:
        raise UnsafeFile(f"this file is {_size(info.st_size)}; the largest allowed is {_size(limit)}")


def read_text(path: Path, root: Path, limit: int) -> str:
    """UTF-8 text of a partner file (see :func:`read_bytes`)."""
    try:
        return read_bytes(path, root, limit).decode("utf-8")
    except UnicodeDecodeError:
        raise UnsafeFile("the file is not UTF-8 text; save it as UTF-8") from None


def _size(n: int) -> str:
    return f"{n / MIB:.1f} MB" if n >= MIB else f"{max(1, n // KIB)} KB"
