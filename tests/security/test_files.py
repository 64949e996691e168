"""A partner's files are read only inside its folder, only if regular, only up to a size:
links out, FIFOs, devices, folders and huge files are refused with a positioned message,
never published, and never hang the build."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import line_of, scaffold_text
from tests.security.support import published, storefront

MARKER = "SECRET-OF-ANOTHER-PARTNER-7f3a"
LOGO_LINE = "    logo: assets/logo.svg"


def build(*args: str) -> subprocess.CompletedProcess:
    return storefront("build", *args)


def secret(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "elsewhere" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


NEWS = f"---\ntitle: Утечка\ndate: 2026-03-01\nsummary: {MARKER}\n---\n\n{MARKER}\n"
SVG = f'<svg xmlns="http://www.w3.org/2000/svg"><title>{MARKER}</title></svg>'


def _news_link(sites, tmp_path):
    (sites.make() / "news" / "leak.md").symlink_to(secret(tmp_path, "leak.md", NEWS))
    return "sites/demo/news/leak.md:1:1: this file points outside the site folder"


def _news_folder_link(sites, tmp_path):
    folder = sites.make()
    for path in (folder / "news").iterdir():
        path.unlink()
    (folder / "news").rmdir()
    secret(tmp_path, "leak.md", NEWS)
    (folder / "news").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    return "sites/demo/news:1:1: this folder is a link to another folder"


def _logo_link(sites, tmp_path):
    logo = sites.make() / "assets" / "logo.svg"
    logo.unlink()
    logo.symlink_to(secret(tmp_path, "logo.svg", SVG))
    return (f"sites/demo/site.yaml:{line_of(scaffold_text(), LOGO_LINE)}:11: site.brand.logo: "
            "'assets/logo.svg': this file points outside the site folder")


def _favicon_link(sites, tmp_path):
    folder = sites.make(replace={LOGO_LINE: LOGO_LINE + "\n    favicon: favicon.svg"})
    (folder / "favicon.svg").symlink_to(secret(tmp_path, "favicon.svg", SVG))
    line = line_of(scaffold_text(), LOGO_LINE) + 1
    return f"sites/demo/site.yaml:{line}:14: site.brand.favicon: 'favicon.svg': this file points outside"


def _privacy_link(sites, tmp_path):
    policy = '  privacy_policy: "https://demo.example/privacy/"'
    folder = sites.make(replace={policy: "  privacy_policy: privacy.md"})
    (folder / "privacy.md").symlink_to(secret(tmp_path, "privacy.md", f"# Политика\n\n{MARKER}\n"))
    line = line_of(scaffold_text(), policy)
    return f"sites/demo/site.yaml:{line}:19: partner.privacy_policy: 'privacy.md': this file points outside"


def _site_yaml_link(sites, tmp_path):
    folder = sites.make()
    other = secret(tmp_path, "site.yaml", scaffold_text().replace("1С в облаке для вашего бизнеса", MARKER))
    (folder / "site.yaml").unlink()
    (folder / "site.yaml").symlink_to(other)
    return "sites/demo/site.yaml:1:1: this file points outside the site folder"


def _link_into_another_site(sites, tmp_path):
    other = sites.make("other", replace={"1С в облаке для вашего бизнеса": MARKER})
    folder = sites.make()
    (folder / "news" / "theirs.md").symlink_to(Path("../../other/site.yaml"))
    assert MARKER in (folder / "news" / "theirs.md").read_text() and other.is_dir()
    return "sites/demo/news/theirs.md:1:1: this file points outside the site folder"


@pytest.mark.parametrize("attack", [_news_link, _news_folder_link, _logo_link, _favicon_link, _privacy_link,
                                    _site_yaml_link, _link_into_another_site])
def test_a_link_to_a_file_outside_the_site_is_never_published(sites, tmp_path, attack):
    expected = attack(sites, tmp_path)
    result = build("demo")
    assert result.returncode == 1, result.stdout + result.stderr
    assert expected in result.stderr
    assert MARKER not in published(tmp_path) + result.stdout + result.stderr


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _dev_urandom(path: Path) -> None:
    path.symlink_to("/dev/urandom")


def _folder(path: Path) -> None:
    path.mkdir()


def _huge(path: Path) -> None:
    path.write_text(NEWS.replace(MARKER, "Новость") + "Очень длинная новость. " * 20_000, encoding="utf-8")


def _link_loop(path: Path) -> None:
    path.symlink_to(path.name)


def _dangling(path: Path) -> None:
    path.symlink_to("gone.md")


def _not_utf8(path: Path) -> None:
    path.write_bytes(b"---\ntitle: \xff\xfe\x00\x81\n---\n")


@pytest.mark.parametrize(("make", "message"), [
    (_fifo, "not a regular file"),
    (_dev_zero, "points outside the site folder"),
    (_dev_urandom, "points outside the site folder"),
    (_folder, "not a regular file"),
    (_huge, "the largest allowed is 256 KB"),
    (_link_loop, "a loop of links"),
    (_dangling, "there is no such file"),
    (_not_utf8, "not UTF-8"),
])
@pytest.mark.parametrize("news_items", [0, 80], ids=["small-site", "prefetched-site"])
def test_a_news_file_that_is_not_an_ordinary_file_is_refused_without_hanging(sites, make, message, news_items):
    news = {f"2026-01-{i % 28 + 1:02d}-item-{i}.md":
            f"---\ntitle: Новость {i}\ndate: 2026-01-{i % 28 + 1:02d}\nsummary: Кратко\n---\n\nТекст {i}.\n"
            for i in range(news_items)}
    folder = sites.make(news=news)
    make(folder / "news" / "bad.md")
    result = build("demo")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(rf"sites/demo/news/bad\.md:1:1: [^\n]*{re.escape(message)}", result.stderr), result.stderr
    assert not (Path("public") / "demo").exists()


@pytest.mark.parametrize(("logo", "message"), [
    ("../other/assets/logo.svg", "points outside the site folder"),
    ("../../elsewhere/logo.svg", "points outside the site folder"),
    ("assets/../../other/assets/logo.svg", "points outside the site folder"),
    ("{elsewhere}/logo.svg", "points outside the site folder"),
    ("/dev/zero.svg", "points outside the site folder"),
    ("/proc/self/environ", "points outside the site folder"),
    ("assets", "not a regular file"),
    ("assets/logo.svg/x.svg", "cannot be read"),
])
def test_a_logo_path_may_not_leave_the_site_folder(sites, tmp_path, logo, message):
    sites.make("other", replace={"1С в облаке для вашего бизнеса": MARKER})
    secret(tmp_path, "logo.svg", SVG)
    logo = logo.format(elsewhere=tmp_path / "elsewhere")
    sites.make(replace={LOGO_LINE: f'    logo: "{logo}"'})
    result = build("demo")
    assert result.returncode == 1, result.stdout + result.stderr
    line = line_of(scaffold_text(), LOGO_LINE)
    assert re.search(rf"sites/demo/site\.yaml:{line}:11: site\.brand\.logo: [^\n]*{re.escape(message)}",
                     result.stderr), result.stderr
    assert not (Path("public") / "demo").exists()
