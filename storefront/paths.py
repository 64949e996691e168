"""Where sites and themes live on disk: plain path logic, cheap to import.

A rebuild with nothing to do touches only this, the cache and the command line, so it
starts in a few tens of milliseconds instead of importing the whole pipeline.
"""

from __future__ import annotations

from pathlib import Path

SITE_FILE = "site.yaml"
BUILTIN_THEMES = Path(__file__).parent / "themes"


def is_url(link: str) -> bool:
    """A full web address, as opposed to a file of the site."""
    return link.startswith(("http://", "https://"))


def site_ids(sites_dir: Path) -> list[str]:
    """Every folder under ``sites_dir`` that holds a site.yaml, sorted."""
    return sorted(p.parent.name for p in sites_dir.glob(f"*/{SITE_FILE}"))


def search_path(themes_dir: Path | None) -> list[Path]:
    """Folders to look for themes in: the project's own first, then the built-in ones."""
    dirs = [themes_dir] if themes_dir is not None and themes_dir.is_dir() else []
    if BUILTIN_THEMES not in dirs:
        dirs.append(BUILTIN_THEMES)
    return dirs
