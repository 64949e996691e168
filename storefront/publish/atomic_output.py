"""Publishing a site's files: nothing before the whole site has rendered, and only what changed.

Publishing starts only after every page rendered, so a failed build never touches the
previous output. A large change is staged next to the old output (unchanged files
hard-linked from it, so they keep their inode and mtime) and swapped in with a single
rename exchange: a crash leaves either the old site or the new one. A small change (an
edited news item: its page and the feed) replaces those few files in place, each
atomically, which spares re-staging a thousand-page site for one edit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from storefront.speedups.runner import IN_PROCESS, Runner

_RENAME_EXCHANGE = 2
IN_PLACE_LIMIT = 32  # up to this many changed files are replaced one by one instead of re-staging the site


@dataclass(frozen=True)
class PublishResult:
    written: int
    unchanged: int
    removed: int
    changed: tuple[str, ...] = ()


def publish(target: Path, files: dict[str, bytes | None], runner: Runner = IN_PROCESS) -> PublishResult:
    """Make ``target`` hold exactly ``files`` (relative path → content).

    ``None`` as content means "the file already published there is right": it is kept
    without being read (the caller knows its inputs did not change). ``runner`` shares out
    the writing of a staged site (creating a thousand files is mostly kernel time, which
    two cores do faster than one).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    existing = _existing_files(target)
    missing = [rel for rel, content in files.items() if content is None and rel not in existing]
    if missing:
        raise FileNotFoundError(f"cannot keep {missing[0]}: it is not in {target}")
    unchanged = {
        rel for rel, content in files.items() if rel in existing and (content is None or _same(target / rel, content))
    }
    removed = set(existing) - set(files)
    if target.is_dir() and len(unchanged) == len(files) and not removed:
        return PublishResult(0, len(unchanged), 0)
    changed = tuple(sorted((set(files) - unchanged) | removed))
    if target.is_dir() and len(changed) <= IN_PLACE_LIMIT:
        _update_in_place(target, files, changed, removed)
        return PublishResult(len(files) - len(unchanged), len(unchanged), len(removed), changed)

    staging = target.parent / f".{target.name}.staging-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    try:
        made: set[str] = set()

        def stage(rel: str) -> None:
            folder = os.path.dirname(rel)
            if folder not in made:
                os.makedirs(staging / folder, exist_ok=True)
                made.add(folder)
            content = files[rel]
            if content is None or rel in unchanged:
                _link_or_copy(target / rel, staging / rel)
            else:
                (staging / rel).write_bytes(content)

        runner.map(stage, sorted(files))
        _swap_in(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return PublishResult(len(files) - len(unchanged), len(unchanged), len(removed), changed)


def _update_in_place(target: Path, files: dict[str, bytes | None], changed: tuple[str, ...], removed: set[str]) -> None:
    """A handful of changed files: each replaced atomically where it is, no copy of the rest."""
    for rel in changed:
        content = files.get(rel)
        if content is None:  # removed, or kept as published
            continue
        destination = target / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        temp = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
        temp.write_bytes(content)
        os.replace(temp, destination)
    for rel in sorted(removed):
        (target / rel).unlink()
        _prune_empty_parents(target, (target / rel).parent)


def _prune_empty_parents(root: Path, folder: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _existing_files(target: Path) -> set[str]:
    """Every file under ``target``, as paths relative to it."""
    found: set[str] = set()
    if not target.is_dir():
        return found
    for root, _dirs, files in os.walk(target):
        relative = os.path.relpath(root, target)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        found.update(prefix + name for name in files)
    return found


def _same(path: Path, content: bytes) -> bool:
    try:
        return path.stat().st_size == len(content) and path.read_bytes() == content
    except OSError:
        return False


def _link_or_copy(source: Path, destination: Path) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _swap_in(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target``; afterwards ``staging`` holds the old output, if any."""
    if not target.exists():
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    os.rename(target, old)
    os.rename(staging, target)
    os.rename(old, staging)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with Linux renameat2(RENAME_EXCHANGE); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result: int = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0
