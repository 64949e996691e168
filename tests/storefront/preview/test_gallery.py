from pathlib import Path

from lxml import html

from storefront.cli import main
from storefront.site.theme_chain import available


def test_gallery_shows_the_site_in_every_theme(sites, capsys):
    sites.make(replace={'base_url: "https://demo.example/"': 'base_url: "https://demo.example/cloud/"'})
    assert main(["gallery", "demo", "--no-serve", "--out", "gallery"]) == 0
    assert "Wrote the gallery to gallery/index.html" in capsys.readouterr().out
    page = html.parse("gallery/index.html").getroot()
    frames = page.xpath("//iframe/@src")
    assert frames == [f"/{name}/demo/" for name in sorted(available(None))]
    for name in available(None):
        index = Path(f"gallery/{name}/demo/index.html").read_text()
        assert f'href="/{name}/demo/tariffs/"' in index, "links work under the gallery's path"
    assert page.xpath("//button[@data-path='register/trial/']")


def test_gallery_names_a_theme_the_site_does_not_build_in(sites, capsys, tmp_path):
    sites.make()
    broken = tmp_path / "themes" / "broken" / "templates"
    broken.mkdir(parents=True)
    (broken.parent / "theme.yaml").write_text("title: Broken\nparent: base\n")
    (broken / "index.html").write_text('{% extends "base/index.html" %}{% block hero %}{{ missing }}{% endblock %}')
    assert main(["gallery", "demo", "--no-serve", "--out", "gallery"]) == 0
    out = capsys.readouterr().out
    assert "broken: 1 problem: themes/broken/templates/index.html:1:1: " in out and "'missing' is undefined" in out
    assert "Does not build in this theme" in Path("gallery/index.html").read_text()
