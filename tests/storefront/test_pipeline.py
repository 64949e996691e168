"""The build as a partner runs it: exit codes, atomic publishing, reproducible output."""

from __future__ import annotations

import os
from pathlib import Path

from storefront.cli import main


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file's content, inode and mtime, to tell unchanged from rewritten."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            st = path.stat()
            out[path.relative_to(folder).as_posix()] = (path.read_bytes(), st.st_ino, st.st_mtime_ns)
    return out


def test_build_writes_every_page_and_reports(sites, capsys):
    sites.make()
    assert main(["build"]) == 0
    out = capsys.readouterr().out
    assert "demo: " in out and "Built 1 site of 1 into public/" in out
    site = Path("public/demo")
    for page in (
        "index.html",
        "tariffs/index.html",
        "apps/index.html",
        "apps/bp/index.html",
        "faq/index.html",
        "news/index.html",
        "news/welcome/index.html",
        "register/trial/index.html",
        "register/trial/thanks/index.html",
        "register/trial/embed/index.html",
        "register/trial/snippet.html",
        "contacts/index.html",
        "404.html",
        "sitemap.xml",
        "feed.xml",
        "robots.txt",
    ):
        assert (site / page).is_file(), page
    assert any(p.name.startswith("minimal.") and p.suffix == ".css" for p in (site / "assets/css").iterdir())


def test_failed_build_keeps_the_previous_output_untouched(sites, capsys):
    folder = sites.make()
    assert main(["build"]) == 0
    before = snapshot(Path("public/demo"))
    yaml_file = folder / "site.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("price: 2790", "price: дорого"), encoding="utf-8")
    assert main(["build"]) == 1
    err = capsys.readouterr().err
    assert "sites/demo/site.yaml:" in err and ".price: " in err
    assert snapshot(Path("public/demo")) == before
    assert [p.name for p in Path("public").iterdir()] == ["demo"], "no staging folders are left behind"


def test_template_error_in_a_partner_override_keeps_old_output(sites, capsys):
    folder = sites.make()
    assert main(["build"]) == 0
    before = snapshot(Path("public/demo"))
    (folder / "templates").mkdir()
    (folder / "templates" / "faq.html").write_text(
        '{% extends "theme/faq.html" %}\n{% block main %}{{ nope }}{% endblock %}\n'
    )
    assert main(["build"]) == 1
    err = capsys.readouterr().err
    assert "sites/demo/templates/faq.html:2:" in err and "'nope' is undefined" in err
    assert snapshot(Path("public/demo")) == before


def test_partner_template_override_replaces_one_block(sites):
    folder = sites.make()
    (folder / "templates").mkdir()
    (folder / "templates" / "faq.html").write_text(
        '{% extends "theme/faq.html" %}\n{% block main %}<p class="promo">Акция!</p>{{ super() }}{% endblock %}\n'
    )
    assert main(["build"]) == 0
    faq = Path("public/demo/faq/index.html").read_text()
    assert '<p class="promo">Акция!</p>' in faq and "Сколько длится пробный период?" in faq
    assert "promo" not in Path("public/demo/tariffs/index.html").read_text()


def test_unchanged_pages_are_not_rewritten(sites, capsys):
    folder = sites.make()
    assert main(["build"]) == 0
    before = snapshot(Path("public/demo"))
    capsys.readouterr()
    assert main(["build"]) == 0
    assert "0 files written" in capsys.readouterr().out
    assert snapshot(Path("public/demo")) == before

    news = folder / "news" / "2026-01-15-welcome.md"
    news.write_text(news.read_text().replace("Мы открыли облачную витрину", "Витрина открыта"), encoding="utf-8")
    assert main(["build"]) == 0
    after = snapshot(Path("public/demo"))
    changed = {name for name in after if after[name] != before.get(name)}
    assert "news/welcome/index.html" in changed and "feed.xml" in changed
    assert "tariffs/index.html" not in changed and "faq/index.html" not in changed
    assert after["tariffs/index.html"][1] == before["tariffs/index.html"][1], "same inode: not rewritten"


def test_builds_are_byte_identical(sites):
    sites.make()
    sites.make("second", replace={"theme: minimal": "theme: corporate"})
    assert main(["build", "--out", "one"]) == 0
    assert main(["build", "--out", "two"]) == 0
    one = {k: v[0] for k, v in snapshot(Path("one")).items()}
    two = {k: v[0] for k, v in snapshot(Path("two")).items()}
    assert one == two and len(one) > 40


def test_one_broken_site_does_not_stop_the_others(sites, capsys):
    sites.make("good")
    sites.make("broken", replace={"  - ip\n": "  - nonexistent\n"})
    assert main(["build"]) == 1
    captured = capsys.readouterr()
    assert (Path("public/good/index.html")).is_file() and not Path("public/broken").exists()
    assert "broken: 1 problem" in captured.err and "there is no application 'nonexistent'" in captured.err
    assert "Built 1 site of 2 into public/" in captured.out


def test_build_selected_sites_only_and_unknown_ids(sites, capsys):
    sites.make("one")
    sites.make("two")
    assert main(["build", "two"]) == 0
    assert Path("public/two").is_dir() and not Path("public/one").exists()
    assert main(["build", "three"]) == 1
    assert "there is no site 'three' in sites/ (sites there: one, two)" in capsys.readouterr().err


def test_removed_pages_disappear(sites):
    folder = sites.make()
    assert main(["build"]) == 0
    assert Path("public/demo/apps/ip/index.html").is_file()
    yaml_file = folder / "site.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("  - ip\n", ""), encoding="utf-8")
    assert main(["build"]) == 0
    assert not Path("public/demo/apps/ip").exists()


def test_check_validates_without_writing(sites, capsys):
    sites.make()
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "demo: no problems, " in out and out.endswith(" pages\nChecked 1 site: no problems.\n")
    assert not Path("public").exists()


def test_api_url_reaches_the_form(sites):
    sites.make()
    assert main(["build", "--api-url", "https://api.partner.example/v1"]) == 0
    page = Path("public/demo/register/trial/index.html").read_text()
    assert 'action="https://api.partner.example/v1/r/demo/trial"' in page


def test_wrong_usage_exits_2(sites, capsys):
    try:
        main(["build", "--no-such-flag"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("argparse should exit")
    assert "unrecognized arguments" in capsys.readouterr().err


def test_no_sites(sites, capsys):
    assert main(["build"]) == 1
    assert "no sites found in sites/" in capsys.readouterr().err


def test_site_under_a_sub_path(sites):
    sites.make(replace={'base_url: "https://demo.example/"': 'base_url: "https://demo.example/cloud"'})
    assert main(["build"]) == 0
    page = Path("public/demo/index.html").read_text()
    assert 'href="/cloud/tariffs/"' in page and '<link rel="canonical" href="https://demo.example/cloud/">' in page
    assert "<loc>https://demo.example/cloud/faq/</loc>" in Path("public/demo/sitemap.xml").read_text()


def test_output_files_are_plain_files(sites):
    sites.make()
    main(["build"])
    assert all(not p.is_symlink() for p in Path("public").rglob("*"))
    assert os.access("public/demo/index.html", os.R_OK)


def test_a_small_change_is_published_in_place_and_a_removed_page_goes(sites):
    folder = sites.make()
    assert main(["build"]) == 0
    before = snapshot(Path("public/demo"))
    news = folder / "news" / "2026-01-15-welcome.md"
    news.write_text(news.read_text() + "\nЕщё абзац.\n", encoding="utf-8")
    assert main(["build"]) == 0
    after = snapshot(Path("public/demo"))
    assert after["news/welcome/index.html"][0] != before["news/welcome/index.html"][0]
    assert after["tariffs/index.html"][1:] == before["tariffs/index.html"][1:]
    news.unlink()
    assert main(["build"]) == 0
    assert not Path("public/demo/news/welcome").exists()
    assert not [p for p in Path("public/demo").rglob("*.tmp")]


def test_a_rebuild_with_nothing_else_changed_notices_an_edited_letter(sites, capsys):
    folder = sites.make()
    (folder / "letters").mkdir()
    letter = folder / "letters" / "day-1.md"
    letter.write_text("---\nsubject: Привет\nafter_days: 1\n---\nТекст\n", encoding="utf-8")
    assert main(["build"]) == 0
    before = snapshot(Path("public/demo"))
    letter.write_text("---\nsubject: Привет\nafter_days: 0\n---\nТекст\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["build"]) == 1
    assert "sites/demo/letters/day-1.md:3:13: after_days: must be at least 1" in capsys.readouterr().err
    assert snapshot(Path("public/demo")) == before, "a letter is never a page: nothing of it is published"
