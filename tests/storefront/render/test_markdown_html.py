import re
import signal
import threading

import pytest
from markupsafe import Markup

from storefront.render import markdown_html
from storefront.render.markdown_html import MarkdownRefused, plain_text, render_markdown, split_front_matter
from storefront.site import markdown_limits
from storefront.site.characters import FORBIDDEN
from tests.support import EXAMPLE_SITES


def test_markdown_is_rendered():
    html = render_markdown("**Важно**: [тарифы](https://example.ru/t)\n\n- один\n- два")
    assert "<strong>Важно</strong>" in html
    assert '<a href="https://example.ru/t" rel="noopener noreferrer">тарифы</a>' in html
    assert "<li>один</li>" in html


def test_scripts_handlers_and_javascript_links_do_not_survive():
    html = render_markdown(
        '<script>alert(1)</script>\n\n<img src="x.png" onerror="alert(2)">\n\n'
        '[клик](javascript:alert(3)) <a href="javascript:alert(4)" onclick="alert(5)">a</a>\n\n'
        '<iframe src="https://evil.example"></iframe><style>body{display:none}</style>'
    )
    lowered = html.lower()
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "<style", "alert(1)"):
        assert bad not in lowered, bad
    assert '<img src="x.png">' in html


def test_headings_are_demoted_below_the_page_title():
    assert "<h2>Итоги</h2>" in render_markdown("# Итоги", shift_headings=1)


def test_front_matter_is_split_with_body_line():
    split = split_front_matter("---\ntitle: a\ndate: 2026-01-01\n---\nТекст\n")
    assert split.header == "title: a\ndate: 2026-01-01\n" and split.body == "Текст\n"
    assert split_front_matter("no header") is None


def test_plain_text_unescapes():
    assert plain_text("<p>Tom &amp; Jerry</p>") == "Tom & Jerry"


MARKDOWN_SAMPLES = [
    "Просто текст без разметки.\n\nВторой абзац.",
    "`код` и ``двойной `обратный` апостроф`` и \\`экранированный\\` и \\\\`код после слэшей`",
    "\\*не курсив\\* \\[не ссылка\\] \\# \\> \\\\ конец",
    '[ссылка](https://example.ru "Заголовок") и ![картинка](a.png) и [по ссылке][ref] и [ref]\n\n'
    '[ref]: https://example.ru/ref "Ссылка"\n',
    "![по ссылке][img] и ![img]\n\n[img]: b.png\n",
    "<https://example.ru/auto> и <mail@example.ru> и <b>html</b> и &amp; &#169; &copy; & один",
    "строка с переносом  \nследующая строка",
    "# Заголовок\n\n## Второй ##\n\nтекст # не заголовок\n\n> цитата\n> вторая строка\n\n>> вложенная",
    "*курсив* **жирный** ***оба*** _подчёрк_ __двойной__ snake_case_name 2*3*4",
    "| A | B |\n|---|:-:|\n| `1` | [x](y) |\n\n```python\nprint('[not a link](x)')\n```\n",
    "1. один\n2. два\n\n- [ ] пункт\n- пункт со `кодом`\n\n---\n\nтекст после линии",
    "a > b и c < d, но <span>тег</span>; [скобки] без ссылки; ]: не определение",
    # one construct each: a text is skipped only when it holds none of the patterns' needles
    "только _подчёркивание_ и __двойное__",
    "только *звёздочки*",
    "только `код`",
    "только \\_экран",
    "только [ссылка](https://example.ru)",
    "только ![картинка](a.png)",
    "только <https://example.ru>",
    "только &copy;",
    "только <i>тег</i>",
    "только перенос  \nстроки",
    "Заголовок\n=========\n\nПодзаголовок\n------------\n\nтекст - не заголовок\n= и не это",
    "a &amp; b &#169; & c\n\n\tотступ табуляцией\n\nконец",
    "Цена 1490 &#8381 в месяц, &#x20BD без точки с запятой",
]


def test_fast_converter_gives_exactly_what_python_markdown_gives():
    import markdown

    from storefront.render.markdown_html import EXTENSIONS, new_converter

    fast = new_converter()
    for sample in MARKDOWN_SAMPLES:
        stock = markdown.Markdown(extensions=list(EXTENSIONS), output_format="html")
        assert fast.reset().convert(sample) == stock.convert(sample), sample


def test_control_characters_never_reach_the_html():
    html = render_markdown("a\x01b\x0bc\x1b[31m \ufffe &#1; &#x1b; &#xfffe; **d\x7f**")
    assert not FORBIDDEN.search(html), repr(html)
    assert "<strong>d</strong>" in html


REFUSED = {
    "brackets": ("intro\n\n" + "[" * 10_000, 3, "brackets nested too deeply"),
    "tags": ("<a " * 20_000, 1, "'<' that start no complete HTML tag"),
    "backticks": ("`` `" * 5_000, 1, "too many backticks"),
    "list": ("".join("    " * i + "- a\n" for i in range(100)), 33, "nested more than 32 levels"),
    "size": ("word " * 21_000, 1, "at most 100,000 are allowed"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_text_python_markdown_would_stall_on_is_refused_with_its_line(name):
    text, line, message = REFUSED[name]
    with pytest.raises(MarkdownRefused, match=re.escape(message)) as refused:
        render_markdown(text)
    assert refused.value.line == line


def test_conversion_that_runs_out_of_time_is_refused_and_the_alarm_restored(monkeypatch):
    monkeypatch.setattr(markdown_html, "TIME_BUDGET", 0.2)
    monkeypatch.setattr(markdown_limits, "MAX_BRACKET_SEARCH", 10**12)  # as if the scan had missed it
    with pytest.raises(MarkdownRefused, match="takes too long to convert"):
        render_markdown("[" * 20_000)
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert "<strong>" in render_markdown("**after**")


def test_recursion_in_python_markdown_is_refused(monkeypatch):
    monkeypatch.setattr(markdown_limits, "MAX_NESTING", 10**9)
    with pytest.raises(MarkdownRefused, match="nested too deeply"):
        render_markdown("- " * 2_000 + "a")
    assert "<li>a</li>" in render_markdown("- a")


def test_conversion_in_a_thread_works_without_the_alarm():
    results = []
    thread = threading.Thread(target=lambda: results.append(render_markdown("*ok*")))
    thread.start()
    thread.join()
    assert results == [Markup("<p><em>ok</em></p>")]


REAL_TEXT = (
    "## Тарифы\n\nМы **обновили** тарифы: [подробности](https://example.ru/t), `код`, _курсив_, "
    "<b>html</b> &amp; (скобки) [в квадратных] 2 < 3.\n\n- пункт [ссылка](http://a)\n  - вложенный\n\n"
    "> цитата\n\n| a | b |\n|---|---|\n| [x](y) | `z` |\n\n```\nif a[i] < b: print(`x`)\n```\n\n"
)


def test_real_texts_are_far_from_the_limits(monkeypatch):
    texts = [path.read_text(encoding="utf-8") for path in EXAMPLE_SITES.glob("*/news/*.md")]
    assert texts
    texts.append((REAL_TEXT * 1_000)[:99_000])
    for name in (
        "MAX_BRACKET_SEARCH",
        "MAX_BACKTICK_SEARCH",
        "MAX_TAG_SEARCH",
        "MAX_BLOCK_CUTS",
        "MAX_INLINE_REBUILDS",
    ):
        monkeypatch.setattr(markdown_limits, name, getattr(markdown_limits, name) / 10)
    for text in texts:
        assert markdown_limits.markdown_limits(text) is None, text[:80]


def test_conversions_of_one_stage_share_the_sites_budget_and_stages_do_not_leak_it(monkeypatch):
    """In a thread (the service's loader) nothing interrupts a conversion: the budget is
    checked before each one."""
    monkeypatch.setenv("STOREFRONT_MARKDOWN_SECONDS", "0.000001")
    converted, refusals = [], []

    @markdown_html.site_budget
    def stage():
        converted.append(render_markdown("*first*"))
        try:
            render_markdown("*second*")
        except MarkdownRefused as exc:
            refusals.append(str(exc))

    for _ in range(2):
        thread = threading.Thread(target=stage)
        thread.start()
        thread.join()
    assert converted == [Markup("<p><em>first</em></p>")] * 2
    assert len(refusals) == 2 and all("this site's texts take too long to convert in total" in r for r in refusals)
    assert render_markdown("*outside*") == Markup("<p><em>outside</em></p>")
