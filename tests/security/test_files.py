"""A partner's files are read only inside its folder, only if regular, only up to a size:
links out, FIFOs, devices, folders and huge files are refused with a positioned message,
never published, and never hang the build."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from tests.support import assert_refused, line_of, output, published, scaffold_text, storefront

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
    return (
        f"sites/demo/site.yaml:{line_of(scaffold_text(), LOGO_LINE)}:11: site.brand.logo: "
        "'assets/logo.svg': this file points outside the site folder"
    )


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


@pytest.mark.parametrize(
    "attack",
    [_news_link, _news_folder_link, _logo_link, _favicon_link, _privacy_link, _site_yaml_link, _link_into_another_site],
)
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


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_fifo, "not a regular file"),
        (_dev_zero, "points outside the site folder"),
        (_dev_urandom, "points outside the site folder"),
        (_folder, "not a regular file"),
        (_huge, "the largest allowed is 256 KB"),
        (_link_loop, "a loop of links"),
        (_dangling, "there is no such file"),
        (_not_utf8, "not UTF-8"),
    ],
)
@pytest.mark.parametrize("news_items", [0, 80], ids=["small-site", "prefetched-site"])
def test_a_news_file_that_is_not_an_ordinary_file_is_refused_without_hanging(sites, make, message, news_items):
    news = {
        f"2026-01-{i % 28 + 1:02d}-item-{i}.md": (
            f"---\ntitle: Новость {i}\ndate: 2026-01-{i % 28 + 1:02d}\nsummary: Кратко\n---\n\nТекст {i}.\n"
        )
        for i in range(news_items)
    }
    folder = sites.make(news=news)
    make(folder / "news" / "bad.md")
    result = build("demo")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(rf"sites/demo/news/bad\.md:1:1: [^\n]*{re.escape(message)}", result.stderr), result.stderr
    assert not (Path("public") / "demo").exists()


@pytest.mark.parametrize(
    ("logo", "message"),
    [
        ("../other/assets/logo.svg", "points outside the site folder"),
        ("../../elsewhere/logo.svg", "points outside the site folder"),
        ("assets/../../other/assets/logo.svg", "points outside the site folder"),
        ("{elsewhere}/logo.svg", "points outside the site folder"),
        ("/dev/zero.svg", "points outside the site folder"),
        ("/proc/self/environ", "points outside the site folder"),
        ("assets", "not a regular file"),
        ("assets/logo.svg/x.svg", "cannot be read"),
    ],
)
def test_a_logo_path_may_not_leave_the_site_folder(sites, tmp_path, logo, message):
    sites.make("other", replace={"1С в облаке для вашего бизнеса": MARKER})
    secret(tmp_path, "logo.svg", SVG)
    logo = logo.format(elsewhere=tmp_path / "elsewhere")
    sites.make(replace={LOGO_LINE: f'    logo: "{logo}"'})
    result = build("demo")
    assert result.returncode == 1, result.stdout + result.stderr
    line = line_of(scaffold_text(), LOGO_LINE)
    assert re.search(
        rf"sites/demo/site\.yaml:{line}:11: site\.brand\.logo: [^\n]*{re.escape(message)}", result.stderr
    ), result.stderr
    assert not (Path("public") / "demo").exists()


def _victim_and_attacker(sites) -> tuple[Path, Path]:
    """Two partners whose news files have the same names; only the victim's hold the marker."""
    sites.make("acme", news={"2026-01-15-welcome.md": NEWS, f"{MARKER}.md": NEWS})
    attacker = sites.make("h1")
    return sites.sites / "acme", attacker


def _swap_for_link(folder: Path, target: Path) -> None:
    """``folder`` becomes a link to ``target`` (its real content kept aside as ``folder.real``)."""
    folder.rename(folder.with_name(folder.name + ".real"))
    folder.symlink_to(target, target_is_directory=True)


def test_a_news_folder_swapped_for_a_link_while_loading_never_leaks(sites):
    from storefront.errors import InvalidSite
    from storefront.site.loader import load_site

    victim, attacker = _victim_and_attacker(sites)
    news, aside, link = attacker / "news", attacker / "news.real", attacker / "news.link"
    link.symlink_to(victim / "news", target_is_directory=True)
    stop = threading.Event()

    def swap() -> None:
        while not stop.is_set():
            news.rename(aside)
            link.rename(news)
            news.rename(link)
            aside.rename(news)

    swapper = threading.Thread(target=swap)
    swapper.start()
    seen = []
    try:
        for _ in range(300):
            try:
                site = load_site(Path("sites/h1"))
            except InvalidSite as exc:
                seen.append(str(exc))
            else:
                seen.extend(f"{item.title} {item.summary} {item.body} {item.source}" for item in site.news)
    finally:
        stop.set()
        swapper.join()
    assert not [text for text in seen if MARKER in text]
    assert any("replaced by a link" in text or "is a link" in text for text in seen), "the race was never met"


def _swap_right_after_the_check(monkeypatch, folder: Path, target: Path) -> None:
    """The worst moment for a swap: ``folder`` becomes a link to ``target`` just after
    ``partner_files.inside`` has approved the path, before the file is opened."""
    from storefront.site import partner_files

    checked = partner_files.inside

    def inside_then_swap(path: Path, root: Path) -> Path:
        real = checked(path, root)
        if not folder.is_symlink():
            _swap_for_link(folder, target)
        return real

    monkeypatch.setattr(partner_files, "inside", inside_then_swap)


@pytest.mark.parametrize("swapped", ["news", "news-folder"])
def test_a_folder_swapped_for_a_link_after_the_check_is_refused_when_opened(sites, monkeypatch, swapped):
    from storefront.site import partner_files

    victim, attacker = _victim_and_attacker(sites)
    _swap_right_after_the_check(monkeypatch, attacker / "news", victim / "news")
    with pytest.raises(partner_files.UnsafeFile, match="replaced by a link"):
        if swapped == "news":
            partner_files.read_text(attacker / "news" / "2026-01-15-welcome.md", attacker, partner_files.LIMITS["news"])
        else:
            partner_files.names(attacker / "news", attacker)


def test_a_template_folder_swapped_for_a_link_after_the_check_is_refused_when_opened(sites, monkeypatch):
    from storefront.site import partner_files

    victim, attacker = sites.make("acme"), sites.make("h1")
    for site, text in ((victim, MARKER), (attacker, "свой шаблон")):
        (site / "templates").mkdir()
        (site / "templates" / "404.html").write_text(text, encoding="utf-8")
    _swap_right_after_the_check(monkeypatch, attacker / "templates", victim / "templates")
    with pytest.raises(partner_files.UnsafeFile):
        partner_files.read_text(
            attacker / "templates" / "404.html", attacker / "templates", partner_files.LIMITS["template"], site=attacker
        )


PRIVATE = f"# Заметки\n\n{MARKER}\n"
POLICY_LINE = '  privacy_policy: "https://demo.example/privacy/"'


def _hard_linked_policy(sites):
    other = sites.make("acme")
    (other / "private-notes.md").write_text(PRIVATE, encoding="utf-8")
    folder = sites.make(replace={POLICY_LINE: "  privacy_policy: privacy.md"})
    os.link(other / "private-notes.md", folder / "privacy.md")
    return (
        rf"sites/demo/site\.yaml:{line_of(scaffold_text(), POLICY_LINE)}:19: partner\.privacy_policy: "
        r"'privacy\.md': this file is a hard link to another file; copy it instead"
    )


def _hard_linked_news(sites):
    other = sites.make("acme", news={"secret.md": NEWS})
    folder = sites.make()
    os.link(other / "news" / "secret.md", folder / "news" / "leak.md")
    return r"sites/demo/news/leak\.md:1:1: this file is a hard link to another file; copy it instead"


def _hard_linked_logo(sites):
    other = sites.make("acme")
    (other / "assets" / "logo.svg").write_text(SVG, encoding="utf-8")
    folder = sites.make()
    (folder / "assets" / "logo.svg").unlink()
    os.link(other / "assets" / "logo.svg", folder / "assets" / "logo.svg")
    return (
        rf"sites/demo/site\.yaml:{line_of(scaffold_text(), LOGO_LINE)}:11: site\.brand\.logo: "
        r"'assets/logo\.svg': this file is a hard link to another file"
    )


def _hard_linked_template(sites):
    other = sites.make("acme")
    (other / "notes.html").write_text(MARKER, encoding="utf-8")
    folder = sites.make()
    (folder / "templates").mkdir()
    os.link(other / "notes.html", folder / "templates" / "404.html")
    return r"sites/demo/templates/404\.html:1:1: this file is a hard link to another file"


@pytest.mark.parametrize("attack", [_hard_linked_policy, _hard_linked_news, _hard_linked_logo, _hard_linked_template])
def test_a_hard_link_to_another_partners_file_is_never_published(sites, tmp_path, attack):
    expected = attack(sites)
    result = build("demo")
    assert_refused(result, expected, unpublished=Path("public/demo"))
    assert MARKER not in published(tmp_path) + output(result)


def _news_to_another_site(sites, tmp_path):
    folder = sites.make()
    shutil.rmtree(folder / "news")
    (folder / "news").symlink_to(Path("../acme/news"), target_is_directory=True)
    return r"sites/demo/news:1:1: this folder is a link to another folder; put a real folder here"


def _news_to_etc(sites, tmp_path):
    folder = sites.make()
    shutil.rmtree(folder / "news")
    (folder / "news").symlink_to("/etc", target_is_directory=True)
    return r"sites/demo/news:1:1: this folder is a link to another folder"


def _news_to_nowhere(sites, tmp_path):
    folder = sites.make()
    shutil.rmtree(folder / "news")
    (folder / "news").symlink_to("gone", target_is_directory=True)
    return r"sites/demo/news:1:1: this folder is a link to another folder"


def _templates_to_another_site(sites, tmp_path):
    (sites.sites / "acme" / "templates").mkdir()
    (sites.sites / "acme" / "templates" / "404.html").write_text(MARKER, encoding="utf-8")
    (sites.make() / "templates").symlink_to(Path("../acme/templates"), target_is_directory=True)
    return r"sites/demo/templates:1:1: this folder is a link to another folder"


def _templates_to_etc(sites, tmp_path):
    (sites.make() / "templates").symlink_to("/etc", target_is_directory=True)
    return r"sites/demo/templates:1:1: this folder is a link to another folder"


def _assets_to_another_site(sites, tmp_path):
    (sites.sites / "acme" / "assets" / "logo.svg").write_text(SVG, encoding="utf-8")
    folder = sites.make()
    shutil.rmtree(folder / "assets")
    (folder / "assets").symlink_to(Path("../acme/assets"), target_is_directory=True)
    return (
        rf"sites/demo/site\.yaml:{line_of(scaffold_text(), LOGO_LINE)}:11: site\.brand\.logo: "
        r"'assets/logo\.svg': this file points outside the site folder"
    )


@pytest.mark.parametrize(
    "attack",
    [
        _news_to_another_site,
        _news_to_etc,
        _news_to_nowhere,
        _templates_to_another_site,
        _templates_to_etc,
        _assets_to_another_site,
    ],
)
def test_a_folder_that_is_a_link_is_refused_before_it_is_listed(sites, tmp_path, attack):
    sites.make("acme", news={f"{MARKER}.md": NEWS})
    expected = attack(sites, tmp_path)
    result = build("demo")
    assert_refused(result, expected, unpublished=Path("public/demo"))
    assert MARKER not in published(tmp_path) + output(result)
    assert "passwd" not in output(result)


FORGED = "\x1b[32mf3: OK (17 pages)\x1b[0m"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        (f"x\n{FORGED}\nq.md", r"x\nU+001B[32mf3: OK (17 pages)U+001B[0m\nq.md"),
        (f"x\r{FORGED}.md", r"x\rU+001B[32mf3"),
        ("fake\u202egnp.md", "fakeU+202Egnp.md"),
        ("bell\x07.md", "bellU+0007.md"),
        ("line\u2028break.md", "lineU+2028break.md"),
    ],
)
def test_a_news_file_name_with_control_characters_cannot_forge_output(sites, name, shown):
    folder = sites.make()
    (folder / "news" / name).write_text(NEWS.replace(MARKER, "Новость"), encoding="utf-8")
    for command in ("check", "build"):
        result = storefront(command, "demo")
        printed = output(result)
        assert_refused(
            result,
            re.escape(f"sites/demo/news/{shown}") + r"[^\n]*:1:1: the file name contains "
            r"the invisible character U\+[0-9A-F]{4}; rename the file",
        )
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u2028\u202e]", printed), printed
        assert "\nf3: OK" not in printed
    assert not Path("public/demo").exists()


@pytest.mark.parametrize("key", [r"bad\e[31mkey", r"x\nf3: OK (17 pages)", r"\u202ekey"])
def test_an_unknown_key_with_control_characters_is_shown_escaped(sites, key):
    sites.make(replace={"  notify:": f'  "{key}": 1\n  notify:'})
    result = storefront("check", "demo")
    assert_refused(result, r"sites/demo/site\.yaml:\d+:\d+: ")
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u2028\u202e]", output(result)), output(result)
    assert "\nf3: OK" not in output(result)
