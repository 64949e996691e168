from storefront.site.yaml_positions import parse


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


def test_aliases_within_bounds_are_written_out():
    doc = parse("base: &apps [bp, ip]\ntariffs:\n  - applications: *apps\n", "site.yaml")
    assert not doc.problems
    assert doc.data["tariffs"][0]["applications"] == ["bp", "ip"]


def test_an_alias_bomb_is_refused_at_the_alias_before_it_is_expanded():
    lines = ["l0: &l0 [a, a, a, a, a, a, a, a, a, a]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 12)]
    doc = parse("\n".join(lines) + "\n", "site.yaml")
    [problem] = doc.problems
    assert doc.data is None
    assert (problem.line, problem.col) == (5, 45) and "once the alias *l3 is written out" in problem.message


def test_an_alias_inside_its_own_value_is_a_problem_not_a_recursion():
    doc = parse("ok: 1\nloop: &a [1, [*a]]\n", "site.yaml", line_offset=1)
    [problem] = doc.problems
    assert (problem.line, problem.col) == (3, 15) and "inside the value &a" in problem.message


def test_nesting_is_bounded_in_flow_and_block_style():
    for text in ("x: " + "[" * 60 + "]" * 60, "".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "v: 1"):
        [problem] = parse(text, "site.yaml").problems
        assert "nested more than 50 levels" in problem.message


def test_a_control_character_is_located():
    [problem] = parse("a: 1\nb: x\x00y\n", "site.yaml").problems
    assert (problem.line, problem.col) == (2, 5) and "U+0000" in problem.message


def test_tab_indentation_gets_a_hint():
    [problem] = parse("a:\n\tb: 1\n", "site.yaml").problems
    assert problem.line == 2 and "not tabs" in problem.message


def test_huge_numbers_and_malformed_tags_stay_text():
    doc = parse("a: 0x" + "f" * 100 + "\nb: !!timestamp x\nc: !!bool maybe\nd: 40702810900000012345\n", "site.yaml")
    assert not doc.problems
    assert doc.data == {"a": "0x" + "f" * 100, "b": "x", "c": "maybe", "d": "40702810900000012345"}
