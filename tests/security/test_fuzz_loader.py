"""Property-based fuzzing of the YAML parser and the site loader: whatever a partner writes in
site.yaml or a news file, the outcome is a site or InvalidSite whose every problem has a
path, a line and a column; never another exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storefront.errors import InvalidSite
from storefront.site.diagnostics import Problem
from storefront.site.loader import load_site
from storefront.site.yaml_positions import parse
from storefront.starter import Starter
from tests.support import scaffold_text

#: Pieces a hostile or clumsy partner types: keys, anchors and aliases, brackets, indentation,
#: tags, block scalars, document markers, odd numbers and dates, control characters.
FRAGMENTS = [
    "partner:",
    "site:",
    "tariffs:",
    "title:",
    "date:",
    "summary:",
    "  name:",
    "  - ",
    "- ",
    "? ",
    ": ",
    "key: value",
    "&a ",
    "&b ",
    "*a",
    "*b",
    "[*a, *a, *a]",
    "<<: *a",
    "&a [*a]",
    "{",
    "}",
    "[",
    "]",
    ",",
    "[[[[[[[[",
    "]]]]",
    "\n",
    "\n  ",
    "\n    ",
    "\t",
    "  ",
    "#",
    " # comment",
    '"',
    "'",
    '"\\x00"',
    "\\",
    "|",
    ">-",
    "---",
    "...",
    "%YAML 1.1",
    "%TAG ! tag:x,2000:",
    "!!python/object/apply:os.system ['true']",
    "!!binary AAAA",
    "!!set",
    "!!timestamp",
    "!foo",
    "~",
    "null",
    "yes",
    "0x" + "f" * 40,
    "9" * 5000,
    "1e400",
    ".inf",
    "-.nan",
    "2026-02-30",
    "2026-03-01",
    "\x00",
    "\x1b",
    "\x7f",
    "\x85",
    "\u2028",
    "\ufeff",
    "\ud800",
    "é",
    "ж",
    "🙂",
    "=HYPERLINK()",
]
fragments = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=40).map("".join)
yaml_texts = st.one_of(st.text(max_size=300), fragments)


def assert_positioned(problems: list[Problem]) -> None:
    for problem in problems:
        assert problem.path and problem.line >= 1 and problem.col >= 1, problem
        assert problem.message, problem


@settings(max_examples=400, deadline=None)
@given(text=yaml_texts, offset=st.integers(0, 3))
def test_parse_turns_any_text_into_data_or_positioned_problems(text, offset):
    doc = parse(text, "sites/x/site.yaml", line_offset=offset)
    assert_positioned(doc.problems)
    assert all(p.line > offset for p in doc.problems)


SCAFFOLD = scaffold_text()


@pytest.fixture(scope="module")
def site_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz") / "sites" / "demo"
    Starter("demo").write(folder)
    return folder


def load(folder: Path) -> None:
    try:
        load_site(folder)
    except InvalidSite as exc:
        assert exc.problems
        assert_positioned(exc.problems)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.integers(0, len(SCAFFOLD)), inserted=yaml_texts, whole=st.booleans())
def test_a_fuzzed_site_yaml_loads_or_is_invalid_with_positions(site_folder, where, inserted, whole):
    text = inserted if whole else SCAFFOLD[:where] + inserted + SCAFFOLD[where:]
    (site_folder / "site.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    load(site_folder)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=yaml_texts, body=st.text(max_size=200), fenced=st.booleans())
def test_a_fuzzed_news_file_loads_or_is_invalid_with_positions(site_folder, header, body, fenced):
    (site_folder / "site.yaml").write_text(SCAFFOLD, encoding="utf-8")
    text = f"---\ntitle: Новость\ndate: 2026-03-01\nsummary: s\n{header}\n---\n{body}" if fenced else header + body
    news = site_folder / "news" / "2026-03-01-fuzz.md"
    news.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load(site_folder)
    finally:
        news.unlink()
