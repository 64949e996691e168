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
