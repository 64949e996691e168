"""Hostile Markdown in a news body, a FAQ answer and the privacy page: texts python-markdown
would take minutes over (unclosed or deeply nested brackets, broken tags, unpaired
backticks, headers and rules packed into one paragraph, long paragraphs full of formatting)
or overflow its stack on (lists and quotes a thousand deep), and texts too big; many
texts each just under the limits, which the site's conversion budget stops. Each build
finishes, names the file and line (or the field) to simplify, publishes
nothing and never shows a traceback; long emphasis runs, which convert in linear time,
are simply built."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import threading
from pathlib import Path

import pytest

from storefront.render.markdown_html import MarkdownRefused, render_markdown
from storefront.site.markdown_limits import MAX_CHARS, markdown_limits
from tests.support import assert_refused, line_of, scaffold_text, storefront

HEADER = "---\ntitle: Новость\ndate: 2026-03-01\nsummary: Кратко\n---\n"
INTRO = "Вступление.\n\n"
BODY_LINE = HEADER.count("\n") + 1
ATTACK_LINE = BODY_LINE + INTRO.count("\n")  # the file line where each attack starts

BRACKETS = "'[' that are never closed, or brackets nested too deeply"
TAGS = "'<' that start no complete HTML tag"
NESTED = "nested more than 32 levels deep"
CUTS = "too many headers, rules (---) or reference definitions in one paragraph"
FORMATTING = "too much formatting"

#: name → (Markdown, its line (from 0) that is named, or None for the text's first line, what is said)
ATTACKS = {
    "brackets-10000-deep": ("[" * 10_000 + "a" + "]" * 10_000, 0, BRACKETS),
    "brackets-never-closed": ("[" * 10_000, 0, BRACKETS),
    "bracket-words-never-closed": ("[a " * 7_000, 0, BRACKETS),
    "links-never-closed": ("[a](" * 5_000, 0, BRACKETS),
    "images-never-closed": ("![a" * 5_000, 0, BRACKETS),
    "a-tags-20000": ("<a " * 20_000, 0, TAGS),
    "tags-on-lines": ("<a\n" * 10_000, 0, TAGS),
    "tags-in-quotes": ("<a b='>'" * 3_000, 0, TAGS),
    "list-200-deep": ("".join("    " * i + "- пункт\n" for i in range(200)), 32, NESTED),
    "list-2-space-280-deep": ("".join("  " * i + "- пункт\n" for i in range(280)), 64, NESTED),
    "list-on-one-line": ("- " * 1000 + "a", 0, NESTED),
    "numbered-on-one-line": ("1. " * 1000 + "a", 0, NESTED),
    "blockquote-1000-deep": (">" * 1000 + " цитата", 0, NESTED),
    "blockquote-lines": ("\n".join(">" * i + " a" for i in range(1, 400)), 32, NESTED),
    "quotes-in-lists": ("".join("    " * i + "> - a\n" for i in range(200)), 31, NESTED),
    "unpaired-backticks": ("`` `" * 5_000, 0, "too many backticks"),
    "huge": ("word " * 21_000, None, "at most 100,000 are allowed"),
    "setext-equals": ("a\n=\n" * 8_000, 0, CUTS),
    "setext-dashes": ("a\n-\n" * 8_000, 0, CUTS),
    "atx-headers": ("# a\n" * 8_000, 0, CUTS),
    "empty-headers": ("#\n" * 12_000, 0, CUTS),
    "dash-rules": ("---\n" * 8_000, 0, CUTS),
    "star-rules": ("***\n" * 8_000, 0, CUTS),
    "underscore-rules": ("___\n" * 8_000, 0, CUTS),
    "items-and-headers": ("- a\n# b\n" * 5_000, 0, CUTS),
    "text-and-reference-definitions": ("a\n[a]: b\n" * 5_000, 0, CUTS),
    "hard-breaks": ("a  \n" * 20_000, 0, FORMATTING),
    "emphasis-words": ("*a* " * 24_000, 0, FORMATTING),
    "images": ("![a](b) " * 12_000, 0, FORMATTING),
}
#: Units python-markdown once took super-linear time over when repeated in one paragraph.
FAMILIES = [
    "a\n=\n",
    "a\n-\n",
    "abc def\n===\n",
    "# a\n",
    "## a ##\n",
    "#\n",
    "---\n",
    "***\n",
    "___\n",
    "- - -\n",
    "- a\n# b\n",
    "- a\n---\n",
    "a\n# b\n",
    "a\n***\n",
    "a\n[a]: b\n",
    "[a]: b\n",
    "<hr>\n",
    "|a|b|\n|-|-|\n",
    "a|b\n-|-\n",
    "```\na\n",
    "~~~\na\n",
    "    a\nb\n",
    "a\n: b\n",
    "a\n> b\n",
    "<div>\n",
    "<div>a\n",
    "<!--\n",
    "<?\n",
    "<![CDATA[\n",
    "a\n\n",
    "a  \n",
    "*a* ",
    "_a_ ",
    "**a** ",
    "[a](b) ",
    "![a](b) ",
    "&amp; ",
    "<b>",
    "\\* ",
    "<http://a.example> ",
    "[a] ",
    "`a` ",
    "[",
    "<a ",
]
#: Runs that python-markdown converts in linear time: built, quickly.
ACCEPTED = {
    "stars": "*" * 20_000,
    "star-words": "*a" * 10_000,
    "underscore-words": "_a" * 10_000,
    "strong-runs": "**a" * 7_000,
    "mixed-emphasis": "*a_" * 7_000,
    "closed-tags": "<b>" * 7_000,
    "backslashes": "\\" * 20_000,
}


def build() -> subprocess.CompletedProcess:
    return storefront("build", "demo")


@pytest.mark.parametrize("name", ATTACKS)
def test_news_body_that_would_stall_the_build_is_refused_at_its_line(sites, name):
    markdown, line, message = ATTACKS[name]
    sites.make(news={"2026-03-01-attack.md": HEADER + INTRO + markdown + "\n"})
    expected = BODY_LINE if line is None else ATTACK_LINE + line
    assert_refused(
        build(),
        rf"sites/demo/news/2026-03-01-attack\.md:{expected}:1: [^\n]*{re.escape(message)}",
        unpublished=Path("public/demo"),
    )


@pytest.mark.parametrize("name", ATTACKS)
def test_faq_answer_that_would_stall_the_build_is_refused_at_the_field(sites, name):
    markdown, _, message = ATTACKS[name]
    text = scaffold_text()
    answer = "    answer: |\n" + "".join(f"      {line}\n" for line in (INTRO + markdown).splitlines())
    text = re.sub(r"    answer: .*\n", lambda _: answer, text, count=1)
    sites.make(yaml_text=text)
    assert_refused(
        build(),
        rf"sites/demo/site\.yaml:{line_of(text, 'answer:')}:\d+: faq\[1\]\.answer: "
        rf"[^\n]*{re.escape(message)}",
        unpublished=Path("public/demo"),
    )


@pytest.mark.parametrize("name", ["brackets-10000-deep", "list-200-deep", "a-tags-20000"])
def test_privacy_page_that_would_stall_the_build_is_refused_at_its_line(sites, name):
    markdown, line, message = ATTACKS[name]
    folder = sites.make(replace={'privacy_policy: "https://demo.example/privacy/"': "privacy_policy: privacy.md"})
    (folder / "privacy.md").write_text("# Политика\n\n" + markdown, encoding="utf-8")
    assert_refused(
        build(), rf"sites/demo/privacy\.md:{3 + line}:1: [^\n]*{re.escape(message)}", unpublished=Path("public/demo")
    )


def test_one_hostile_item_among_many_is_named_when_news_convert_in_parallel(sites):
    news = {
        f"2026-01-{i % 28 + 1:02d}-item-{i}.md": HEADER.replace("Новость", f"Новость {i}") + "Текст.\n"
        for i in range(80)
    }
    news["2026-03-01-attack.md"] = HEADER + INTRO + ATTACKS["brackets-10000-deep"][0] + "\n"
    sites.make(news=news)
    assert_refused(
        build(),
        rf"sites/demo/news/2026-03-01-attack\.md:{ATTACK_LINE}:1: [^\n]*{re.escape(BRACKETS)}",
        unpublished=Path("public/demo"),
    )


@pytest.mark.parametrize("name", ACCEPTED)
def test_long_emphasis_runs_are_built(sites, name):
    text = scaffold_text()
    answer = "    answer: |\n" + f"      {ACCEPTED[name]}\n"
    sites.make(
        yaml_text=re.sub(r"    answer: .*\n", lambda _: answer, text, count=1),
        news={"2026-03-01-runs.md": HEADER + INTRO + ACCEPTED[name] + "\n"},
    )
    result = build()
    assert result.returncode == 0, result.stdout + result.stderr
    assert (Path("public/demo/news/runs/index.html")).is_file()
    assert (Path("public/demo/faq/index.html")).is_file()


def longest_let_through(unit: str) -> str:
    """The longest repetition of ``unit`` (cut anywhere) that the pre-scan does not refuse."""
    low, high = 0, MAX_CHARS
    while low < high:
        middle = (low + high + 1) // 2
        if markdown_limits((unit * (middle // len(unit) + 1))[:middle]) is None:
            low = middle
        else:
            high = middle - 1
    return (unit * (low // len(unit) + 1))[:low]


@pytest.mark.parametrize("unit", FAMILIES)
def test_what_the_scan_lets_through_converts_in_a_thread_where_no_timer_runs(unit):
    """The preview's and the service's threads have no timer: the scan alone must keep
    every text it lets through short (a regression fails here instead of hanging)."""
    finished = []

    def convert():
        for text in (longest_let_through(unit), (unit * (MAX_CHARS // len(unit)))):
            with contextlib.suppress(MarkdownRefused):
                render_markdown(text)
        finished.append(True)

    worker = threading.Thread(target=convert, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert finished, f"{unit!r} repeated did not convert within a minute"


@pytest.mark.parametrize("name", ["setext-equals", "dash-rules", "items-and-headers", "hard-breaks"])
def test_registration_intros_that_would_stall_planning_are_refused_even_through_an_alias(sites, name):
    markdown, _, message = ATTACKS[name]
    pages = "".join(
        f'  - id: trial{i}\n    title: "Страница {i}"\n    intro: *slow\n    tariff: business\n' for i in range(6)
    )
    text = (
        scaffold_text().replace(
            '    intro: "Заполните форму — пробный доступ откроется сразу."\n',
            f"    intro: &slow {json.dumps(markdown)}\n",
        )
        + pages
    )
    sites.make(yaml_text=text)
    for command in ("check", "build"):
        assert_refused(
            storefront(command, "demo"),
            rf"sites/demo/site\.yaml:{line_of(text, '&slow')}:\d+: registration \"trial\"\.intro: "
            rf"[^\n]*{re.escape(message)}",
            unpublished=Path("public/demo"),
        )


def test_many_texts_just_under_the_limits_stop_at_the_sites_budget_naming_the_files(sites, monkeypatch):
    monkeypatch.setenv("STOREFRONT_MARKDOWN_SECONDS", "1")
    slow = longest_let_through("a\n-\n")
    sites.make(news={f"2026-02-{day:02d}-slow-{day}.md": HEADER + slow + "\n" for day in range(1, 21)})
    for command in ("check", "build"):
        result = storefront(command, "demo")
        assert_refused(
            result,
            r"sites/demo/news/2026-02-\d\d-slow-\d+\.md:\d+:1: this site's texts take too "
            r"long to convert in total",
            unpublished=Path("public/demo"),
        )
