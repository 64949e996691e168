"""What a syntax error quotes and what a field path names come from a stranger's file: they
cannot forge lines in a terminal or a log, and explaining a mistake stays quick on hostile text."""

from __future__ import annotations

import time

import pytest

from storefront.errors import InvalidSite
from storefront.site.loader import load_site
from storefront.site.yaml_positions import parse

FORGERIES = {
    "line break": "\r\nsites/other/site.yaml:1:1: everything is fine",
    "escape sequence": "\x1b[2K\x1b[1Aok",
    "bidirectional override": "\u202eevil",
    "line separator": "\u2028fake line",
}


@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES)
def test_a_quoted_line_cannot_forge_lines_or_control_the_terminal(forgery):
    text = f'landing:\n  headline: "Учёт {forgery}\n  other: "x"\n'.replace("\r\n", "\\r\\n")
    text = text if "\x1b" not in forgery else text.replace("\x1b", "\t")  # YAML itself refuses ESC
    [problem] = parse(text, "site.yaml").problems
    printed = str(problem)
    assert printed.count("\n") == 2
    assert not any(char in printed for char in "\x1b\u202e\u2028\r")


def test_a_field_path_never_names_an_item_by_a_name_with_control_characters():
    text = 'tariffs:\n  - {id: start, name: "Старт\\u202e\\u2066"}\n  - {id: pro, name: "\\n\\nforged: line"}\n'
    positions = parse(text, "site.yaml").positions
    assert positions.field(("tariffs", 0, "price")) == 'tariffs "start".price'
    assert positions.field(("tariffs", 1, "price")) == 'tariffs "pro".price'


def test_a_very_long_name_is_not_quoted_in_a_field_path():
    text = f"tariffs:\n  - name: {'Б' * 5000}\n"
    assert parse(text, "site.yaml").positions.field(("tariffs", 0, "price")) == "tariffs[1].price"


@pytest.mark.parametrize(
    "text",
    [
        "a:\n" + '  b: "' + '\\"' * 100_000 + "\n  c: 1\n",
        "a:\n" + "".join(f"  k{i}: v\n" for i in range(20_000)) + "  - x\n",
        "a:\n" + "  b: x\n" * 20_000 + " c: 1\n",
        "a: " + "'" * 200_000 + "\n b\n",
        "a: *" + "n" * 200_000 + "\n",
        "a: [" + "b, " * 60_000 + "\nc: 1\n",
        'a: "' + "\\q" * 60_000 + '"\n',
    ],
    ids=[
        "escaped-quotes",
        "list-item-after-many-keys",
        "indent-after-many-keys",
        "quote-run",
        "huge-unknown-alias",
        "huge-open-bracket",
        "many-bad-escapes",
    ],
)
def test_explaining_a_mistake_in_a_big_hostile_file_is_quick(text):
    started = time.perf_counter()
    [problem] = parse(text, "site.yaml").problems
    assert time.perf_counter() - started < 3
    assert len(str(problem)) < 2000


@pytest.mark.parametrize(
    "text",
    [
        "site:\n" + "   \n" * 5000 + "x",  # blank lines of spaces under a site that is not a mapping
        "site:\n" + "  \t\n" * 5000 + "  locale: [",
        "site:\n" + "  # note\n" * 5000 + "  locale: en\n  theme: 'x\n",
    ],
)
def test_finding_a_broken_sites_language_takes_one_pass_over_the_file(tmp_path, text):
    """The site's language is looked for before the YAML parses, by a scan that cannot backtrack:
    a pattern that did stalled on a dozen blank lines (and with it the service, which reloads sites)."""
    site = tmp_path / "demo"
    site.mkdir()
    (site / "site.yaml").write_text(text, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(InvalidSite):
        load_site(site)
    assert time.perf_counter() - started < 3
