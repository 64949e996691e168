"""The registration form in every theme: the personal-data consent, and apart from it an optional
checkbox for news and offers by e-mail (38-FZ art. 18) that no page ticks in advance."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html

from storefront import Translator, load_site
from storefront.cli import main
from storefront.paths import BUILTIN_THEMES

THEMES = sorted(path.name for path in BUILTIN_THEMES.iterdir() if path.is_dir())


@pytest.mark.parametrize("theme", THEMES)
def test_news_and_offers_are_an_unticked_checkbox_of_their_own(sites, theme, capsys):
    folder = sites.make(replace={"theme: minimal": f"theme: {theme}"})
    assert main(["build"]) == 0, capsys.readouterr().err
    site = load_site(folder)
    t = Translator(site.locale)
    wording = t.text("news_consent", partner=t.quoted(site.config.partner.name))
    for name in ("index.html", "snippet.html"):
        page = (Path("public/demo/register/trial") / name).read_text(encoding="utf-8")
        [form] = html.fromstring(page).xpath("//form")
        [news] = form.xpath(".//input[@name='news']")
        assert (news.get("type"), news.get("value")) == ("checkbox", "yes"), name
        assert news.get("checked") is None and news.get("required") is None, f"{name}: never ticked, never required"
        [label] = form.xpath(f".//label[@for='{news.get('id')}']")
        assert " ".join(label.text_content().split()) == wording, name
        [consent] = form.xpath(".//input[@name='consent']")
        assert consent.get("required") is not None and consent.getparent() is not news.getparent(), name
        assert form.xpath(f".//label[@for='{consent.get('id')}']")[0] is not label, name
