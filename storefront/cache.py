"""What the last build of a site left behind, so that the next one can do less.

Kept per site under the cache folder (``.storefront-cache/`` by default): a fingerprint
of every input file (names, sizes and modification times of the site's folder and of
every theme, plus the build options and the generator's version), which lets a rebuild
skip a site whose inputs did not change at all; and, in a second file read only when the
site is rebuilt, the HTML of each Markdown text by the hash of its source (converting
Markdown is most of the cost of a news-heavy site) and a digest of the inputs of each
page, so that only pages whose inputs changed are rendered again. A cache can always be
deleted; the next build is then a cold one.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from . import __version__

FORMAT = 2


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
        self.pages_digests: dict[str, str] = {}
        self._used: set[str] = set()
        if self.path and self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return
            if data.get("format") == FORMAT:
                self.fingerprint, self.files, self.pages = data["fingerprint"], data["files"], data["pages"]

    def load_details(self) -> None:
        """The Markdown renderings and page digests: needed only when the site is rebuilt."""
        if self.path is None or not self.details_path.is_file():
            return
        try:
            data = json.loads(self.details_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if data.get("format") == FORMAT:
            self.markdown, self.pages_digests = data["markdown"], data["pages"]

    @property
    def details_path(self) -> Path:
        assert self.path is not None
        return self.path.with_suffix(".details.json")

    def render(self, text: str, render) -> str:
        """``render(text)``, or what it gave last time for the same text."""
        known = self.recall("markdown", text)
        if known is None:
            known = str(render(text))
            self.remember("markdown", text, known)
        return known

    def recall(self, kind: str, text: str):
        """What was remembered for ``text`` under ``kind`` (JSON data), or None."""
        key = f"{kind}:{hashlib.sha256(text.encode()).hexdigest()}"
        self._used.add(key)
        return self.markdown.get(key)

    def remember(self, kind: str, text: str, value) -> None:
        key = f"{kind}:{hashlib.sha256(text.encode()).hexdigest()}"
        self._used.add(key)
        self.markdown[key] = value

    def save(self, fingerprint: str, files: int, pages: int, page_digests: dict[str, str]) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _write_json(self.details_path, {"format": FORMAT, "pages": page_digests,
                                        "markdown": {k: v for k, v in self.markdown.items() if k in self._used}})
        _write_json(self.path, {"format": FORMAT, "fingerprint": fingerprint, "files": files, "pages": pages})

    def forget(self) -> None:
        if self.path is not None:
            for path in (self.path, self.details_path):
                if path.exists():
                    path.unlink()


def _write_json(path: Path, data: dict) -> None:
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(temp, path)
