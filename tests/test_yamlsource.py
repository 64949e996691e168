from storefront.yamlsource import parse


def test_positions_point_at_values_and_keys():
    doc = parse("partner:\n  name: Облако\n  notify:\n    - a@b.example\n", "site.yaml")
    assert doc.positions.of(("partner", "name")) == (2, 9)
    assert doc.positions.of(("partner", "name"), key=True) == (2, 3)
    assert doc.positions.of(("partner", "notify", 0)) == (4, 7)


def test_missing_key_is_located_at_its_parent():
    doc = parse("partner:\n  name: x\n", "site.yaml")
    assert doc.positions.of(("partner", "email")) == (2, 3)


def test_syntax_error_names_the_line_and_gives_a_hint():
    doc = parse("landing:\n  headline: Вебинар: учёт\n", "site.yaml")
    assert doc.data is None
    [problem] = doc.problems
    assert (problem.path, problem.line) == ("site.yaml", 2)
    assert "YAML syntax" in problem.message and "quotes" in problem.message


def test_duplicate_key_is_reported_with_the_first_line():
    doc = parse("site:\n  theme: a\n  theme: b\n", "site.yaml")
    [problem] = doc.problems
    assert problem.line == 3 and problem.field == "site.theme"
    assert "first on line 2" in problem.message


def test_unquoted_colour_is_explained():
    doc = parse("brand:\n  primary: #0b5fd6\n", "site.yaml")
    [problem] = doc.problems
    assert problem.line == 2 and problem.field == "brand.primary"
    assert "comment" in problem.message and "quotes" in problem.message


def test_invalid_date_is_kept_as_text_for_the_schema_to_report():
    doc = parse("date: 2026-02-30\n", "news.md")
    assert doc.data == {"date": "2026-02-30"} and not doc.problems


def test_line_offset_applies_to_front_matter():
    doc = parse("title: x\ndate: [\n", "news.md", line_offset=1)
    assert doc.problems[0].line >= 3
