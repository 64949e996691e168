"""What the last build of a site left behind, so that the next one can do less.

Two things are kept per site under the cache folder (``.storefront-cache/`` by default):
a fingerprint of every input file (names, sizes and modification times of the site's
folder and of every theme, plus the build options and the generator's version), which
lets a rebuild skip a site whose inputs did not change at all; and the HTML of each
Markdown text by the hash of its source, because converting Markdown is most of the cost
of a news-heavy site. A cache can always be deleted; the next build is then a cold one.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from . import __version__

FORMAT = 1


def fingerprint(folders: list[Path], options: tuple) -> str:
    """A hash that changes whenever a file under ``folders`` or an option changes."""
    digest = hashlib.sha256(repr((FORMAT, __version__, options)).encode())
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                stat = os.stat(os.path.join(root, name))
                digest.update(f"{root}/{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class SiteCache:
    """The cache entry of one site: its last fingerprint and its Markdown renderings."""

    def __init__(self, folder: Path | None, site_id: str):
        self.path = folder / f"{site_id}.json" if folder else None
        self.fingerprint: str | None = None
        self.files = 0
        self.pages = 0
        self.markdown: dict[str, str] = {}
        self._used: set[str] = set()
        if self.path and self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return
            if data.get("format") == FORMAT:
                self.fingerprint, self.files, self.pages = data["fingerprint"], data["files"], data["pages"]
                self.markdown = data["markdown"]

    def render(self, text: str, render) -> str:
        """``render(text)``, or what it gave last time for the same text."""
        key = hashlib.sha256(text.encode()).hexdigest()
        self._used.add(key)
        if key not in self.markdown:
            self.markdown[key] = str(render(text))
        return self.markdown[key]

    def save(self, fingerprint: str, files: int, pages: int) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"format": FORMAT, "fingerprint": fingerprint, "files": files, "pages": pages,
                "markdown": {k: v for k, v in self.markdown.items() if k in self._used}}
        temp = self.path.with_suffix(".tmp")
        temp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(temp, self.path)

    def forget(self) -> None:
        if self.path is not None and self.path.exists():
            self.path.unlink()
