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
import marshal
import os
import sys
from functools import lru_cache
from pathlib import Path

from storefront import __version__

#: The cache files' format; another one is a cold build.
FORMAT = 4


@lru_cache(maxsize=1)
def _details_format() -> str:
    """The details file is in marshal's format (ten times faster than JSON for megabytes of
    HTML, and it cannot run code when read), which belongs to one Python version; the HTML
    it remembers belongs to one version of the generator, python-markdown and nh3."""
    # a rebuild with nothing to do never reads the details: it must not pay for importing these
    import markdown
    import nh3

    nh3_version: str = nh3.__version__  # type: ignore[attr-defined]  # the module has it, its stub does not
    return (
        f"{FORMAT}/{__version__}/python {sys.version_info[0]}.{sys.version_info[1]}"
        f"/markdown {markdown.__version__}/nh3 {nh3_version}"
    )


class SiteCache:
    """The cache entry of one site: its last fingerprint, the Markdown it converted and the
    news headers it validated (by the hash of their text), and its pages' digests."""

    def __init__(self, folder: Path | None, site_id: str):
        self.path = folder / f"{site_id}.json" if folder else None
        self.fingerprint: str | None = None
        self.files = 0
        self.pages = 0
        #: the site's language and public address at its last build, for the messages of a skipped build
        self.locale: str | None = None
        self.address: str | None = None
        self.remembered: dict[str, object] = {}
        self.pages_digests: dict[str, str] = {}
        self._used: set[str] = set()
        if self.path and self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return
            if data.get("format") == FORMAT:
                self.fingerprint, self.files, self.pages = data["fingerprint"], data["files"], data["pages"]
                self.locale, self.address = data["locale"], data["address"]

    def load_details(self) -> None:
        """The Markdown renderings and page digests: needed only when the site is rebuilt."""
        if self.path is None or not self.details_path.is_file():
            return
        try:
            data = marshal.loads(self.details_path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return
        if isinstance(data, dict) and data.get("format") == _details_format():
            self.remembered, self.pages_digests = data["markdown"], data["pages"]

    @property
    def details_path(self) -> Path:
        assert self.path is not None
        return self.path.with_suffix(".details")

    def recall(self, kind: str, text: str) -> object:
        """What was remembered for ``text`` under ``kind`` (JSON data), or None."""
        key = _key(kind, text)
        self._used.add(key)
        return self.remembered.get(key)

    def remember(self, kind: str, text: str, value: object) -> None:
        """Keep ``value`` (JSON data) for ``text`` under ``kind``, for the next build."""
        key = _key(kind, text)
        self._used.add(key)
        self.remembered[key] = value

    def save(
        self, fingerprint: str, files: int, pages: int, page_digests: dict[str, str], locale: str, address: str
    ) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        details = {
            "format": _details_format(),
            "pages": page_digests,
            "markdown": {k: v for k, v in self.remembered.items() if k in self._used},
        }
        _write_atomically(self.details_path, marshal.dumps(details))
        _write_atomically(
            self.path,
            json.dumps(
                {
                    "format": FORMAT,
                    "fingerprint": fingerprint,
                    "files": files,
                    "pages": pages,
                    "locale": locale,
                    "address": address,
                }
            ).encode(),
        )

    def forget(self) -> None:
        if self.path is not None:
            for path in (self.path, self.details_path):
                if path.exists():
                    path.unlink()


def _key(kind: str, text: str) -> str:
    return f"{kind}:{hashlib.sha256(text.encode()).hexdigest()}"


def _write_atomically(path: Path, data: bytes) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_bytes(data)
    os.replace(temp, path)
