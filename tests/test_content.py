from storefront.content import plain_text, render_markdown, split_front_matter


def test_markdown_is_rendered():
    html = render_markdown("**Важно**: [тарифы](https://example.ru/t)\n\n- один\n- два")
    assert "<strong>Важно</strong>" in html
    assert '<a href="https://example.ru/t" rel="noopener noreferrer">тарифы</a>' in html
    assert "<li>один</li>" in html


def test_scripts_handlers_and_javascript_links_do_not_survive():
    html = render_markdown(
        '<script>alert(1)</script>\n\n<img src="x.png" onerror="alert(2)">\n\n'
        '[клик](javascript:alert(3)) <a href="javascript:alert(4)" onclick="alert(5)">a</a>\n\n'
        '<iframe src="https://evil.example"></iframe><style>body{display:none}</style>')
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
    "[ссылка](https://example.ru \"Заголовок\") и ![картинка](a.png) и [по ссылке][ref] и [ref]\n\n"
    "[ref]: https://example.ru/ref \"Ссылка\"\n",
    "![по ссылке][img] и ![img]\n\n[img]: b.png\n",
    "<https://example.ru/auto> и <mail@example.ru> и <b>html</b> и &amp; &#169; &copy; & один",
    "строка с переносом  \nследующая строка",
    "# Заголовок\n\n## Второй ##\n\nтекст # не заголовок\n\n> цитата\n> вторая строка\n\n>> вложенная",
    "*курсив* **жирный** ***оба*** _подчёрк_ __двойной__ snake_case_name 2*3*4",
    "| A | B |\n|---|:-:|\n| `1` | [x](y) |\n\n```python\nprint('[not a link](x)')\n```\n",
    "1. один\n2. два\n\n- [ ] пункт\n- пункт со `кодом`\n\n---\n\nтекст после линии",
    "a > b и c < d, но <span>тег</span>; [скобки] без ссылки; ]: не определение",
    # one construct each: a text is skipped only when it holds none of the patterns' needles
    "только _подчёркивание_ и __двойное__", "только *звёздочки*", "только `код`", "только \\_экран",
    "только [ссылка](https://example.ru)", "только ![картинка](a.png)", "только <https://example.ru>",
    "только &copy;", "только <i>тег</i>", "только перенос  \nстроки",
    "Заголовок\n=========\n\nПодзаголовок\n------------\n\nтекст - не заголовок\n= и не это",
    "a &amp; b &#169; & c\n\n\tотступ табуляцией\n\nконец",
    "Цена 1490 &#8381 в месяц, &#x20BD без точки с запятой",
]


def test_fast_converter_gives_exactly_what_python_markdown_gives():
    import markdown

    from storefront.content import _EXTENSIONS, _converter
    fast = _converter()
    for sample in MARKDOWN_SAMPLES:
        stock = markdown.Markdown(extensions=_EXTENSIONS, output_format="html")
        assert fast.reset().convert(sample) == stock.convert(sample), sample
