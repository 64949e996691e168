"""A company name is text wherever ``storefront new`` writes it: in the drawn logo it can
neither close the text nor add markup, and in site.yaml it stays one quoted value."""

from __future__ import annotations

import pytest
import yaml
from defusedxml import ElementTree

from storefront.site.images import image_problem
from storefront.site.loader import load_site
from storefront.text_logo import text_logo
from tests.support import output, storefront

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = {
    "closes the text": "</text><script>alert(1)</script>",
    "ampersand and angle brackets": "Рога & Копыта <b>",
    "quotes of every kind": "«Кавычки» \"двойные\" 'одинарные' „лапки“",
    "an entity": "&amp;&lt;&#x41;",
    "300 characters": "Бухгалтерия " * 25,
    "one long word": "Б" * 300,
    "a line break and a bidi override": "Имя\nBcc: x@evil.example \u202eгоды",
}


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_any_name_draws_a_valid_logo_with_the_name_as_text(name):
    drawing = text_logo(name, "#1f5fbf")
    root = ElementTree.fromstring(drawing)
    assert root.tag == f"{SVG}svg"
    assert {element.tag for element in root.iter()} <= {f"{SVG}{tag}" for tag in ("svg", "title", "rect", "text")}
    assert image_problem(drawing.encode(), ".svg") is None, "the storefront's own check accepts the logo"
    shown = " ".join(name.split())
    assert root.findtext(f"{SVG}title") == shown
    lines = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")][1:]
    assert 1 <= len(lines) <= 2 and all(len(line) <= 20 for line in lines)
    position = 0
    for line in lines:
        position = shown.find(line.removesuffix("…"), position)
        assert position >= 0, f"{line!r} is not the name's next part"
    assert int(root.get("width")) <= 360, "a long name is cut, not drawn ever wider"


def test_a_name_that_closes_the_text_is_escaped_in_the_file():
    drawing = text_logo("</text><script>alert(1)</script> & Co", "#1f5fbf")
    assert "<script" not in drawing and "&lt;/text&gt;&lt;script&gt;" in drawing and "&amp; Co" in drawing


def test_storefront_new_keeps_a_hostile_name_as_text_in_site_yaml_and_the_logo(tmp_path):
    name = '</text><script>alert(1)</script> & «Co» "#1"'
    result = storefront("new", "evil", "--name", name, cwd=tmp_path)
    assert result.returncode == 0, output(result)
    folder = tmp_path / "sites" / "evil"
    assert yaml.safe_load((folder / "site.yaml").read_text(encoding="utf-8"))["partner"]["name"] == name
    assert load_site(folder).config.partner.name == name
    logo = ElementTree.fromstring((folder / "assets" / "logo.svg").read_text(encoding="utf-8"))
    assert logo.findtext(f"{SVG}title") == name
    checked = storefront("check", "evil", cwd=tmp_path)
    assert checked.returncode == 0, output(checked)


def test_storefront_new_refuses_a_300_character_name_and_creates_nothing(tmp_path):
    result = storefront("--lang", "ru", "new", "long", "--name", "Б" * 300, cwd=tmp_path)
    assert result.returncode == 2
    assert "в названии компании 300 символов" in result.stderr and "не больше 70" in result.stderr
    assert "Traceback" not in output(result)
    assert not (tmp_path / "sites" / "long").exists()


def test_storefront_new_refuses_an_invisible_control_character(tmp_path):
    result = storefront("new", "ctl", "--name", "Счёт\x1bный", cwd=tmp_path)
    assert result.returncode == 2 and "invisible character U+001B" in result.stderr
    assert not (tmp_path / "sites" / "ctl").exists()
