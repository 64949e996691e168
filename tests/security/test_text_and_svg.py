"""Text that reaches XML and HTML, and images published on the storefront's domain.

A control character in any text a partner writes is a positioned problem naming it (a
feed with one is not XML); in a Markdown body it is dropped, so feed.xml, sitemap.xml and
every page stay well-formed. A logo or icon that could run code, embed HTML or fetch
from elsewhere is refused at its line and never published; a raster image must be what
its extension says."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import html5lib
import pytest
import yaml
from lxml import etree

from storefront.errors import InvalidSite
from storefront.render import feeds
from storefront.site import images
from storefront.site.loader import load_site
from storefront.site.yaml_positions import parse
from tests.support import EXAMPLE_SITES, assert_refused, line_of, scaffold_text, storefront


def build() -> subprocess.CompletedProcess:
    return storefront("build", "demo")


# --- control characters in what a partner writes --------------------------------------------

#: YAML escapes → the code point named (the YAML reader itself refuses raw control characters, and
#: the escape of half a surrogate pair).
CHARACTERS = {
    r"\x01": "U+0001",
    r"\v": "U+000B",
    r"\e": "U+001B",
    r"\0": "U+0000",
    r"\x7f": "U+007F",
    r"\N": "U+0085",
    r"\x85": "U+0085",
    r"\x9b": "U+009B",
    r"\uFFFE": "U+FFFE",
    r"\uFFFF": "U+FFFF",
    r"\uFDD0": "U+FDD0",
    r"\U0001FFFE": "U+1FFFE",
}
#: The scaffold's line to change → the field the problem names.
FIELDS = {
    '  name: "Мой облачный партнёр"': "partner.name",
    '    title: "1С в облаке — Мой облачный партнёр"': "site.seo.title",
    '  headline: "1С в облаке для вашего бизнеса"': "landing.headline",
    # a list item is named by its name, else its id (a name with the character in it names nothing), else its number
    '    name: "Старт"': 'tariffs "start".name',
    '      - "Обновления программ без доплаты"': 'tariffs "Старт".features',
    '      - name: "Дополнительный сеанс"': 'tariffs "Бизнес".extras[1].name',
    '  - question: "Сколько длится пробный период?"': "faq[1].question",
    '    answer: "30 дней. Оплата не нужна, доступ открывается сразу после регистрации."': "faq[1].answer",
    '    title: "Попробовать бесплатно"': 'registration "trial".title',
}
CASES = [(line, list(CHARACTERS)[(3 * i + k) % len(CHARACTERS)]) for i, line in enumerate(FIELDS) for k in range(3)]


@pytest.mark.parametrize(("line", "char"), CASES, ids=[f"{FIELDS[line]}-{CHARACTERS[c]}" for line, c in CASES])
def test_control_character_in_site_yaml_is_a_positioned_problem_naming_it(sites, line, char):
    changed = re.sub(r'"([^"]*)"$', lambda m: f'"{m.group(1)[:3]}{char}{m.group(1)[3:]}"', line)
    text = scaffold_text().replace(line, changed)
    sites.make(yaml_text=text)
    assert_refused(
        build(),
        rf"sites/demo/site\.yaml:{line_of(text, changed)}:\d+: {re.escape(FIELDS[line])}: "
        rf"[^\n]*{re.escape(CHARACTERS[char])}",
    )
    assert not Path("public/demo").exists()


HEADER = '---\ntitle: "Новость"\ndate: 2026-03-01\nsummary: "Кратко"\n---\nТекст.\n'


@pytest.mark.parametrize("field", ["title", "summary"])
@pytest.mark.parametrize("char", [r"\x01", r"\e", r"\uFFFE", r"\x85"])
def test_control_character_in_a_news_header_is_a_positioned_problem_naming_it(sites, field, char):
    text = re.sub(rf'{field}: "(.*)"', lambda m: f'{field}: "{m.group(1)}{char}"', HEADER)
    sites.make(news={"2026-03-01-item.md": text})
    assert_refused(
        build(),
        rf"sites/demo/news/2026-03-01-item\.md:{line_of(text, field)}:\d+: {field}: "
        rf"[^\n]*{re.escape(CHARACTERS[char])}",
    )


def _strings(data, path=()):
    if isinstance(data, str):
        yield path
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*path, index))


def _with(data, path, change):
    if not path:
        return change(data)
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = _with(data[path[0]], path[1:], change)
    return copy


def _field(text: str, path) -> str:
    """The field a problem at ``path`` of the YAML ``text`` names (list items by name, id or number)."""
    return parse(text, "site.yaml").positions.field(path)


@pytest.mark.parametrize("example", ["oblako-plus", "buhcentr"])
def test_every_text_of_a_real_site_refuses_a_control_character(sites, example):
    folder = sites.sites / example
    shutil.copytree(EXAMPLE_SITES / example, folder)
    data = yaml.safe_load((EXAMPLE_SITES / example / "site.yaml").read_text(encoding="utf-8"))
    paths = list(_strings(data))
    assert len(paths) > 40
    for path in paths:
        changed = _with(data, path, lambda text: text[:2] + "\x07" + text[2:])
        text = yaml.safe_dump(changed, allow_unicode=True)
        (folder / "site.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(InvalidSite) as invalid:
            load_site(folder)
        list_parent = _field(text, path[:-1]) if isinstance(path[-1], int) else None
        assert any(
            "U+0007" in p.message and p.field in (_field(text, path), list_parent) for p in invalid.value.problems
        ), (
            path,
            invalid.value.problems,
        )


# --- what is published stays well-formed ----------------------------------------------------

BODIES = {
    "raw-controls": "Текст\x01 с \x0b управляющими \x1b[31mсимволами\x7f и \x85 \x9b.",
    "non-characters": "Не\ufffeсимволы\uffff и \ufdd0 и \U0001fffe.",
    "character-references": "Ссылки &#1; &#x1b; &#xfffe; &#xFFFF; &#0; &#xd800; &#x85; &#127;.",
    "in-markup": '**жир\x02ный** [ссыл\x03ка](https://example.ru/\x04) `ко\x05д` <b title="\x06">x</b>',
    "placeholders": "\x02wzxhzdk:0\x03 и \x02klzzwxh:0\x03",
}


def _publishable_html_errors(path: Path) -> list:
    parser = html5lib.HTMLParser()
    parser.parse(path.read_bytes())
    return [error for error in parser.errors if "codepoint" in error[1] or "character" in error[1]]


@pytest.mark.parametrize("name", BODIES)
def test_feed_sitemap_and_pages_stay_well_formed_whatever_a_news_body_holds(sites, name):
    sites.make(news={"2026-03-01-item.md": HEADER.replace("Текст.", BODIES[name])})
    result = build()
    assert result.returncode == 0, result.stdout + result.stderr
    out = Path("public/demo")
    feed = etree.fromstring((out / "feed.xml").read_bytes())
    assert "Новость" in [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    etree.fromstring((out / "sitemap.xml").read_bytes())
    pages = list(out.rglob("*.html"))
    assert out / "news" / "item" / "index.html" in pages
    for page in pages:
        assert _publishable_html_errors(page) == [], page


def test_feed_drops_what_xml_cannot_hold_even_if_it_slipped_past_validation(sites):
    sites.make()
    site = load_site(Path("sites/demo"))
    xml = feeds.atom(site, "Новости\x01\x1b\ud800\ufffe Партнёра")
    title = etree.fromstring(xml).find("{http://www.w3.org/2005/Atom}title")
    assert title.text == "Новости Партнёра"


# --- logos and icons --------------------------------------------------------------------------

SVG_HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">\n'
DOCTYPE = '<?xml version="1.0"?>\n<!DOCTYPE svg [\n'
#: name → (the SVG, the line named, what is said, what must never be published)
SVGS = {
    "script": (
        SVG_HEAD + "<rect/>\n<script>alert(document.cookie)</script>\n</svg>",
        3,
        "<script> runs code",
        "alert(",
    ),
    "script-cdata": (
        SVG_HEAD + '<script type="text/ecmascript"><![CDATA[ fetch("//evil") ]]></script></svg>',
        2,
        "<script> runs code",
        "fetch(",
    ),
    "onload": (
        SVG_HEAD.replace("viewBox", 'onload="alert(1)" viewBox') + "</svg>",
        1,
        "onload on <svg> runs code",
        "onload",
    ),
    "onclick-deep": (
        SVG_HEAD + '<g>\n<g>\n<rect onclick="alert(1)"/>\n</g>\n</g>\n</svg>',
        4,
        "onclick on <rect> runs code",
        "onclick",
    ),
    "xlink-href-http": (
        SVG_HEAD + '<image xlink:href="http://evil.example/track.png"/>\n</svg>',
        2,
        "refers to 'http://evil.example/track.png'",
        "evil.example",
    ),
    "xlink-href-javascript": (
        SVG_HEAD + '<a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
        2,
        "refers to 'javascript:alert(1)'",
        "javascript:",
    ),
    "href-data-html": (
        SVG_HEAD + '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"><rect/></a></svg>',
        2,
        "refers to 'data:text/html",
        "data:text/html",
    ),
    "use-other-file": (
        SVG_HEAD + '<use href="https://evil.example/sprite.svg#x"/></svg>',
        2,
        "refers to 'https://evil.example/sprite.svg#x'",
        "evil.example",
    ),
    "foreign-object": (
        SVG_HEAD + '<foreignObject>\n<body xmlns="http://www.w3.org/1999/xhtml">'
        '<iframe src="https://evil.example"/></body>\n</foreignObject></svg>',
        2,
        "<foreignObject> embeds HTML",
        "foreignObject",
    ),
    "html-script": (
        SVG_HEAD + '<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script></svg>',
        2,
        "<script> is HTML",
        "alert(",
    ),
    "set-href": (
        SVG_HEAD + '<a href="#r"><set attributeName="href" to="javascript:alert(1)"/></a></svg>',
        2,
        "<set> changes a link",
        "javascript:",
    ),
    "style-import": (
        SVG_HEAD + '<style>@import url("https://evil.example/x.css");</style></svg>',
        2,
        "a <style> block has @import",
        "@import",
    ),
    "red-team-escapes": (
        SVG_HEAD + '<style>@\\69mport "https://evil.example/x.css"; svg{background:image-set('
        '"https://evil.example/t.png" 1x)} rect{fill:\\75rl(https://evil.example/p.svg#g)}</style>'
        "</svg>",
        2,
        "a <style> block has @import",
        "evil.example",
    ),
    "style-attribute-image-set": (
        SVG_HEAD + "<rect style='background: image-set(\"//evil.example/t.png\" 1x)'/></svg>",
        2,
        "the style of <rect> uses image-set()",
        "evil.example",
    ),
    "font-face": (
        SVG_HEAD + "<style>@font-face{font-family:x;src:url(https://evil.example/f.woff)}</style></svg>",
        2,
        "a <style> block has @font-face",
        "evil.example",
    ),
    "fill-attribute-escaped-url": (
        SVG_HEAD + '<rect fill="\\75 rl(https://evil.example/p.svg#g)"/></svg>',
        2,
        "the fill of <rect> loads 'https://evil.example/p.svg#g'",
        "evil.example",
    ),
    "style-url": (
        SVG_HEAD + "<style>rect { fill: url(https://evil.example/p) }</style></svg>",
        2,
        "a <style> block loads 'https://evil.example/p'",
        "evil.example",
    ),
    "style-attribute": (
        SVG_HEAD + '<rect style="fill:url(//evil.example/p)"/></svg>',
        2,
        "the style of <rect> loads '//evil.example/p'",
        "evil.example",
    ),
    "stylesheet-instruction": (
        '<?xml version="1.0"?>\n<?xml-stylesheet href="https://evil.example/x.css"?>\n' + SVG_HEAD + "</svg>",
        2,
        "<?xml-stylesheet ...?>",
        "xml-stylesheet",
    ),
    "external-entity": (
        DOCTYPE + '<!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n' + SVG_HEAD + "<text>&x;</text></svg>",
        2,
        "<!DOCTYPE>",
        "/etc/passwd",
    ),
    "billion-laughs": (
        DOCTYPE
        + '<!ENTITY a "ha">\n'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9))
        + "]>\n"
        + SVG_HEAD
        + "<text>&j;</text></svg>",
        2,
        "<!DOCTYPE>",
        "ENTITY",
    ),
    "xinclude": (
        SVG_HEAD + '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd"/></svg>',
        2,
        "<include> reads another file",
        "XInclude",
    ),
    "html-document": ("<html><body><script>alert(1)</script></body></html>", 1, "this is not an SVG drawing", "alert("),
    "not-xml": (SVG_HEAD + "<rect <script>", 2, "not a well-formed SVG drawing", "<script"),
}


def _published(out: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted((out / "assets" / "site").glob("*")))


SVG_CASES = [("logo", name) for name in SVGS] + [
    ("favicon", name) for name in ("script", "onload", "xlink-href-javascript", "external-entity")
]


@pytest.mark.parametrize(("key", "name"), SVG_CASES, ids=[f"{key}-{name}" for key, name in SVG_CASES])
def test_svg_that_could_run_code_or_fetch_is_refused_at_its_line_and_never_published(sites, key, name):
    folder = sites.make(
        replace={"    logo: assets/logo.svg": "    logo: assets/logo.svg\n    favicon: assets/favicon.svg"}
    )
    shutil.copy(folder / "assets" / "logo.svg", folder / "assets" / "favicon.svg")
    first = build()
    assert first.returncode == 0, first.stdout + first.stderr
    svg, line, message, marker = SVGS[name]
    (folder / "assets" / f"{key}.svg").write_text(svg, encoding="utf-8")
    assert_refused(build(), rf"sites/demo/assets/{key}\.svg:{line}:1: site\.brand\.{key}: [^\n]*{re.escape(message)}")
    assert marker.encode() not in _published(Path("public/demo"))


def test_clean_svg_is_published_byte_for_byte(sites):
    svg = (
        SVG_HEAD + '<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>\n'
        '<rect width="10" height="10" fill="url(#g)" style="stroke: url(#g)"/><use href="#g"/>'
        '<image xlink:href="data:image/png;base64,iVBORw0KGgo="/><title>Логотип</title></svg>'
    ).encode()
    folder = sites.make()
    (folder / "assets" / "logo.svg").write_bytes(svg)
    result = build()
    assert result.returncode == 0, result.stdout + result.stderr
    assert [p.read_bytes() for p in Path("public/demo/assets/site").glob("logo.*.svg")] == [svg]


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


RASTERS = {
    "svg-named-png": ("logo.png", (SVG_HEAD + "<script>alert(1)</script></svg>").encode(), "not a PNG image"),
    "html-named-png": ("logo.png", b"<!doctype html><script>alert(1)</script>", "not a PNG image"),
    "gif-named-jpg": ("logo.jpg", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "not a JPG image (it looks like a GIF"),
    "png-named-webp": ("logo.webp", _png(), "not a WEBP image (it looks like a PNG"),
    "text-named-ico": ("logo.ico", b"hello", "not a ICO image"),
}


@pytest.mark.parametrize("name", RASTERS)
def test_raster_image_must_be_what_its_name_says(sites, name):
    file_name, data, message = RASTERS[name]
    folder = sites.make(replace={"logo: assets/logo.svg": f"logo: assets/{file_name}"})
    (folder / "assets" / file_name).write_bytes(data)
    assert_refused(
        build(),
        rf"sites/demo/assets/{re.escape(file_name)}:1:1: site\.brand\.logo: "
        rf"[^\n]*{re.escape(message)}",
    )
    assert not Path("public/demo").exists()


@pytest.mark.parametrize("file_name", ["logo.png", "logo.ico"])
def test_real_png_is_published(sites, file_name):
    folder = sites.make(replace={"logo: assets/logo.svg": f"logo: assets/{file_name}"})
    (folder / "assets" / file_name).write_bytes(_png())
    result = build()
    assert result.returncode == 0, result.stdout + result.stderr


def test_hostile_logo_is_reported_by_check_with_the_other_mistakes(sites):
    folder = sites.make(news={"2026-03-01-item.md": HEADER + "[" * 10_000 + "\n"})
    (folder / "assets" / "logo.svg").write_text(SVGS["onclick-deep"][0], encoding="utf-8")
    result = storefront("check", "demo")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "sites/demo/assets/logo.svg:4:1: site.brand.logo: the attribute onclick on <rect> runs code" in output
    assert re.search(r"sites/demo/news/2026-03-01-item\.md:7:1: too many '\['", output), output


#: CSS in a <style> block (and, where it fits, a style attribute) that fetches or runs code,
#: however it is spelt: escapes, comments, upper case, strings, nested rules.
HOSTILE_CSS = {
    "import-escaped": '@\\69mport "https://evil.example/x.css";',
    "import-escaped-six-digits": "@\\000069mport url(//evil.example/x.css);",
    "import-after-comment": '/* a comment */@import "https://evil.example/x.css";',
    "import-upper": '@IMPORT "https://evil.example/x.css";',
    "import-in-media": '@media screen { @import "https://evil.example/x.css"; }',
    "url-escaped": "rect{fill:\\75rl(https://evil.example/p.svg#g)}",
    "url-escaped-in-name-middle": "rect{fill:u\\rl(https://evil.example/p)}",
    "url-string": 'rect{fill:url( "https://evil.example/p" )}',
    "url-comment-inside": 'rect{fill:url(/**/"https://evil.example/p")}',
    "url-upper": "rect{fill:URL(https://evil.example/p)}",
    "url-in-media": "@media (min-width: 1px) { rect { fill: url(//evil.example/p) } }",
    "url-in-keyframes": "@keyframes k { from { fill: url(https://evil.example/p) } }",
    "url-in-selector-block": "rect:not([x]){cursor:url(https://evil.example/c.cur),auto}",
    "url-data-svg": 'rect{fill:url("data:image/svg+xml;base64,PHN2Zy8+")}',
    "src-function": 'rect{background:src("https://evil.example/p.png")}',
    "image-set": 'svg{background:image-set("https://evil.example/t.png" 1x)}',
    "webkit-image-set": 'svg{background:-webkit-image-set(url(#a) 1x, "https://evil.example/t.png" 2x)}',
    "image-function": 'svg{background:image("https://evil.example/t.png")}',
    "cross-fade": "svg{background:cross-fade(url(https://evil.example/a.png), url(#b), 50%)}",
    "font-face": "@font-face{font-family:x;src:url(https://evil.example/f.woff)}",
    "font-face-escaped": "@font-f\\61 ce{font-family:x;src:local(x)}",
    "expression": "rect{width:expression(alert(1))}",
    "behavior": "rect{behavior:url(#x)}",
    "moz-binding": "rect{-moz-binding:url(#x)}",
    "javascript-url": "rect{fill:url(javascript:alert(1))}",
    "bad-url": "rect{fill:url(https://evil.example/a b)}",
}


@pytest.mark.parametrize("name", HOSTILE_CSS)
def test_css_that_fetches_or_runs_code_is_refused_however_it_is_spelt(name):
    css = HOSTILE_CSS[name]
    in_block = images.svg_problem((SVG_HEAD + f"<style>{css}</style></svg>").encode())
    assert in_block is not None and in_block.line == 2 and "a <style> block" in in_block.message
    if "{" not in css:
        return
    declarations = css[css.index("{") + 1 : css.rindex("}")]
    if "{" in declarations or "@" in css:
        return
    attribute = images.svg_problem((SVG_HEAD + f"<rect style='{declarations}'/></svg>").encode())
    assert attribute is not None and "the style of <rect>" in attribute.message


def test_ordinary_css_from_drawing_programs_is_accepted():
    svg = (
        SVG_HEAD + '<style>/* Inkscape */ .cls-1{fill:#0b5fd6;stroke:url(#g);font-family:"PT Sans",sans-serif}'
        "@media (prefers-color-scheme: dark){.cls-1{fill:#fff}} @keyframes spin{to{transform:rotate(1turn)}}"
        '.bg{background:url("data:image/png;base64,iVBORw0KGgo=")}</style>'
        '<rect class="cls-1" transform="rotate(45 5 5)" style="fill:rgb(1,2,3);clip-path:url(#c)"/></svg>'
    )
    assert images.svg_problem(svg.encode()) is None
