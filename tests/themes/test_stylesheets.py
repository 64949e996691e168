"""The built-in themes keep the shape that lets a child theme restyle the base without copying
it: design tokens declared once in base.css and set again by the children, one breakpoint,
and the header and footer as partials the base layout includes and a partner may replace."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest
import tinycss2
from jinja2 import nodes
from lxml import html

from storefront.paths import BUILTIN_THEMES
from tests.support import build_in_process

THEMES = sorted(p.parent.name for p in BUILTIN_THEMES.glob("*/theme.yaml"))
CHILDREN = [name for name in THEMES if name != "base"]
BASE_CSS = BUILTIN_THEMES / "base" / "static" / "css" / "base.css"
#: The one breakpoint, as base.css documents it: everything wider than a phone.
WIDE = "(min-width: 44.01rem)"
#: Base selectors a child may style again. Before the tokens each child restyled 75 to 92 of them.
MOST_BASE_SELECTORS_RESTYLED = 66


def stylesheet(theme: str) -> Path:
    return BUILTIN_THEMES / theme / "static" / "css" / f"{theme}.css"


@dataclass(frozen=True)
class StyleRule:
    """A rule of a stylesheet with the at-rules around it, outermost first."""

    conditions: tuple[str, ...]
    selectors: tuple[str, ...]
    declarations: tuple[tinycss2.ast.Declaration, ...]


def text_of(tokens: list) -> str:
    return " ".join(tinycss2.serialize(tokens).split())


def parse(path: Path) -> list:
    return tinycss2.parse_stylesheet(path.read_text(encoding="utf-8"), skip_comments=True, skip_whitespace=True)


def walk(rules: list, conditions: tuple[str, ...] = ()) -> Iterator[StyleRule | tinycss2.ast.AtRule]:
    """Every style rule and at-rule, at any depth."""
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors, current = [], []
            for token in rule.prelude:
                if token.type == "literal" and token.value == ",":
                    selectors.append(text_of(current))
                    current = []
                else:
                    current.append(token)
            selectors.append(text_of(current))
            declarations = [
                d
                for d in tinycss2.parse_declaration_list(rule.content, skip_comments=True, skip_whitespace=True)
                if d.type == "declaration"
            ]
            yield StyleRule(conditions, tuple(selectors), tuple(declarations))
        elif rule.type == "at-rule":
            yield rule
            if rule.content is not None:
                inner = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
                yield from walk(inner, (*conditions, f"@{rule.lower_at_keyword} {text_of(rule.prelude)}"))


def style_rules(path: Path) -> list[StyleRule]:
    return [rule for rule in walk(parse(path)) if isinstance(rule, StyleRule)]


def widths(tokens: list) -> Iterator[float]:
    """The widths, in rem, that a media query's ``min-width``/``max-width`` features name."""
    for token in tokens:
        if token.type == "() block":
            parts = [t for t in token.content if t.type not in ("whitespace", "comment")]
            if (
                len(parts) == 3
                and parts[0].type == "ident"
                and parts[0].lower_value in ("min-width", "max-width")
                and parts[2].type == "dimension"
            ):
                per_rem = {"rem": 1, "em": 1, "px": 1 / 16}.get(parts[2].lower_unit)
                if per_rem is not None:
                    yield parts[2].value * per_rem
            yield from widths(token.content)


def breakpoint_queries(path: Path) -> list[tuple[int, str]]:
    """The media queries at or near the phone breakpoint, with how deep each is nested."""
    found = []

    def visit(rules: list, depth: int) -> None:
        for rule in rules:
            if rule.type == "at-rule" and rule.content is not None:
                if rule.lower_at_keyword == "media" and any(abs(w - 44) < 0.5 for w in widths(rule.prelude)):
                    found.append((depth, text_of(rule.prelude)))
                visit(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True), depth + 1)

    visit(parse(path), 0)
    return found


def custom_properties_read(tokens: list) -> Iterator[tuple[str, bool]]:
    """Each ``var(--name)`` in a value, with whether it carries a fallback."""
    for token in tokens:
        if token.type == "function":
            if token.lower_name == "var":
                arguments = [t for t in token.arguments if t.type not in ("whitespace", "comment")]
                if arguments and arguments[0].type == "ident":
                    yield arguments[0].value, any(t.type == "literal" and t.value == "," for t in arguments)
            yield from custom_properties_read(token.arguments)
        elif token.type in ("() block", "[] block", "{} block"):
            yield from custom_properties_read(token.content)


def declared(path: Path, *, on_root: bool = False) -> set[str]:
    return {
        d.name
        for rule in style_rules(path)
        if not on_root or rule.selectors == (":root",)
        for d in rule.declarations
        if d.name.startswith("--")
    }


def read(path: Path) -> set[str]:
    return {
        name for rule in style_rules(path) for d in rule.declarations for name, _ in custom_properties_read(d.value)
    }


def test_every_built_in_theme_is_checked():
    assert THEMES[0] == "base" and len(CHILDREN) >= 3


@pytest.mark.parametrize("theme", THEMES)
def test_a_stylesheet_has_one_block_for_wider_screens_at_the_one_breakpoint(theme):
    queries = breakpoint_queries(stylesheet(theme))
    allowed = [[(0, WIDE)]] if theme == "base" else [[(0, WIDE)], []]
    assert queries in allowed, (
        f"{theme}.css: rules for wider screens go in one block, @media {WIDE}, outside any other block; "
        f"phone rules go outside it (found {queries})"
    )


def documented(token: str, comment: str) -> bool:
    """Whether a comment names a token, or its family: ``--table-card-*`` covers ``--table-card-gap``."""
    names = [token] + [token[: i + 1] + "*" for i, char in enumerate(token) if char == "-" and i > 1]
    return any(re.search(re.escape(name) + r"(?![\w*-])", comment) for name in names)


def test_base_css_documents_the_breakpoint_and_every_token_at_its_top():
    source = BASE_CSS.read_text(encoding="utf-8")
    first = tinycss2.parse_stylesheet(source, skip_comments=False, skip_whitespace=True)[0]
    assert first.type == "comment", "base.css opens with the comment that documents its tokens"
    assert f"@media {WIDE}" in first.value
    tokens = declared(BASE_CSS, on_root=True)
    assert len(tokens) > 40
    undocumented = sorted(t for t in tokens if not documented(t, first.value))
    assert not undocumented, (
        f"base.css declares tokens its opening comment names neither alone nor by family: {undocumented}"
    )


def test_base_css_declares_custom_properties_on_root_only():
    elsewhere = declared(BASE_CSS) - declared(BASE_CSS, on_root=True)
    assert not elsewhere, f"base.css declares tokens outside :root: {sorted(elsewhere)}"


@pytest.mark.parametrize("theme", CHILDREN)
def test_a_child_sets_only_tokens_that_some_stylesheet_reads(theme):
    """A token set on :root that nothing reads is a misspelt base token."""
    unread = declared(stylesheet(theme), on_root=True) - read(BASE_CSS) - read(stylesheet(theme))
    assert not unread, f"{theme}.css sets tokens no stylesheet reads (a typo of a base token?): {sorted(unread)}"


@pytest.mark.parametrize("theme", CHILDREN)
def test_a_child_restyles_a_few_base_components_instead_of_repeating_the_base(theme):
    base = {s for rule in style_rules(BASE_CSS) for s in rule.selectors} - {":root"}
    restyled = {s for rule in style_rules(stylesheet(theme)) for s in rule.selectors} & base
    assert len(restyled) <= MOST_BASE_SELECTORS_RESTYLED, (
        f"{theme}.css styles {len(restyled)} of base.css's selectors again; set tokens instead: {sorted(restyled)}"
    )


@pytest.mark.parametrize("theme", THEMES)
def test_every_custom_property_a_page_uses_is_declared_by_its_stylesheets(sites, theme):
    """What a page links, in order: the theme chain's stylesheets, then the brand's generated one."""
    sites.make()
    public = build_in_process(sites.root, "--theme", theme) / "demo"
    links = html.parse(str(public / "index.html")).getroot().xpath("//link[@rel='stylesheet']/@href")
    paths = [public / link.removeprefix("/") for link in links]
    assert [p.name.split(".")[0] for p in paths][-1] == "brand" and len(paths) >= 2
    available = set().union(*(declared(p) for p in paths))
    missing = {
        name
        for p in paths
        for rule in style_rules(p)
        for d in rule.declarations
        for name, fallback in custom_properties_read(d.value)
        if not fallback
    } - available
    assert not missing, f"the {theme} theme uses custom properties no stylesheet declares: {sorted(missing)}"


def blocks_including(template: str) -> dict[str, list[str]]:
    """For each block of a template, the templates included inside it."""
    source = (BUILTIN_THEMES / "base" / "templates" / template).read_text(encoding="utf-8")
    tree = jinja2.Environment().parse(source)
    return {
        block.name: [
            include.template.value
            for include in block.find_all(nodes.Include)
            if isinstance(include.template, nodes.Const)
        ]
        for block in tree.find_all(nodes.Block)
    }


def test_the_base_layout_includes_the_header_and_footer_partials_inside_its_blocks():
    blocks = blocks_including("base.html")
    assert blocks["header_inner"] == ["_header.html"] and blocks["header"] == ["_header.html"]
    assert blocks["footer"] == ["_footer.html"]
    for partial in ("_header.html", "_footer.html"):
        assert (BUILTIN_THEMES / "base" / "templates" / partial).is_file()


@pytest.mark.parametrize("theme", THEMES)
def test_every_theme_shows_the_header_and_footer(sites, theme):
    sites.make()
    page = html.parse(str(build_in_process(sites.root, "--theme", theme) / "demo" / "index.html")).getroot()
    [header] = page.xpath("//body/header[@class='site-header']")
    assert header.xpath(".//nav[@class='site-nav']//a") and header.xpath(".//a[contains(@class, 'header-cta')]")
    [footer] = page.xpath("//body/footer[@class='site-footer']")
    assert footer.xpath(".//p[@class='footer-name']") and footer.xpath(".//nav[@class='footer-links']//a")
    if theme == "corporate":
        assert [child.get("class") for child in header] == ["topbar", "container header-inner"], (
            "the corporate theme puts its contact bar above the base header"
        )


def test_a_partner_replaces_the_footer_partial_alone(sites):
    folder = sites.make()
    (folder / "templates").mkdir()
    (folder / "templates" / "_footer.html").write_text(
        '<footer class="site-footer partner-footer">{{ partner.name }}</footer>\n', encoding="utf-8"
    )
    public = build_in_process(sites.root, "--theme", "corporate") / "demo"
    for page in ("index.html", "tariffs/index.html"):
        root = html.parse(str(public / page)).getroot()
        assert root.xpath("//footer/@class") == ["site-footer partner-footer"]
        assert root.xpath("//header//div[@class='topbar']"), "the theme's header is untouched"


def test_a_partner_layout_extending_the_theme_still_wraps_the_partials_in_their_blocks(sites):
    folder = sites.make()
    (folder / "templates").mkdir()
    (folder / "templates" / "base.html").write_text(
        '{% extends "theme/base.html" %}\n'
        '{% block header_inner %}<p class="promo">Promo</p>{{ super() }}{% endblock %}\n'
        '{% block footer %}{{ super() }}<p class="after-footer">Bye</p>{% endblock %}\n',
        encoding="utf-8",
    )
    root = html.parse(str(build_in_process(sites.root) / "demo" / "index.html")).getroot()
    header = root.xpath("//header[@class='site-header']")[0]
    assert [child.get("class") for child in header][:2] == ["promo", "container header-inner"]
    assert root.xpath("//footer[@class='site-footer']/following-sibling::p[@class='after-footer']")
