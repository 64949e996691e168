"""Fixtures shared by the generator tests: throwaway sites built from the scaffold."""
from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_SITES = REPO / "sites"


def scaffold_text() -> str:
    """The site.yaml that ``storefront new`` writes, with a fixed id."""
    text = resources.files("storefront").joinpath("scaffold/site.yaml").read_text(encoding="utf-8")
    return text.replace("__SITE_ID__", "demo").replace("__THEME__", "minimal")


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


class SiteFactory:
    """Writes sites under a temporary ``sites/`` folder, each starting from the scaffold."""

    def __init__(self, root: Path):
        self.root = root
        self.sites = root / "sites"
        self.sites.mkdir()

    def make(self, site_id: str = "demo", yaml_text: str | None = None, news: dict[str, str] | None = None,
             replace: dict[str, str] | None = None) -> Path:
        folder = self.sites / site_id
        scaffold = Path(str(resources.files("storefront").joinpath("scaffold")))
        shutil.copytree(scaffold, folder)
        text = yaml_text if yaml_text is not None else scaffold_text()
        for old, new in (replace or {}).items():
            assert old in text, f"{old!r} is not in the scaffold"
            text = text.replace(old, new)
        (folder / "site.yaml").write_text(text, encoding="utf-8")
        for name, body in (news or {}).items():
            (folder / "news" / name).write_text(body, encoding="utf-8")
        return folder


@pytest.fixture
def sites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SiteFactory:
    monkeypatch.chdir(tmp_path)
    return SiteFactory(tmp_path)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Browser tests run in their own pytest process (Playwright keeps an event loop in the
    main thread); they are collected only when tests/e2e is named on the command line."""
    if collection_path.name == "e2e" and not any("e2e" in str(arg) for arg in config.args):
        return True
    return None
