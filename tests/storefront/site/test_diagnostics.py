"""A problem prints as ``path:line:col: field: message``, counting from 1, with the line quoted when it helps."""

from __future__ import annotations

from storefront import language
from storefront.site.diagnostics import Problem, dotted
from storefront.site.yaml_positions import parse


def test_list_items_count_from_one_when_they_have_no_name():
    assert dotted(("landing", "benefits", 0, "title")) == "landing.benefits[1].title"


def test_an_item_is_called_by_its_name_else_its_id():
    text = (
        "tariffs:\n  - {id: start, name: Старт}\n  - {id: business, name: Бизнес, price: x}\n"
        "registration:\n  - {id: trial, title: Попробовать}\n"
    )
    positions = parse(text, "site.yaml").positions
    assert positions.field(("tariffs", 1, "price")) == 'tariffs "Бизнес".price'
    assert positions.field(("registration", 0, "title")) == 'registration "trial".title'
    language.use("ru")
    try:
        assert positions.field(("tariffs", 1, "price")) == "tariffs «Бизнес».price"
    finally:
        language.use()


def test_a_named_item_at_the_top_of_a_file_starts_its_path_without_a_space():
    assert dotted((0, "title"), {(0,): "Новые цены"}) == '"Новые цены".title'
    assert dotted((1, "title")) == "[2].title"


def test_two_items_of_one_name_are_told_apart_by_id_or_number():
    text = "tariffs:\n  - {id: a, name: Т}\n  - {id: b, name: Т}\nfaq:\n  - {question: q}\n  - {question: q}\n"
    positions = parse(text, "site.yaml").positions
    assert positions.field(("tariffs", 1, "name")) == 'tariffs "b".name'
    assert positions.field(("faq", 1, "question")) == "faq[2].question"


def test_lines_and_columns_count_from_one():
    positions = parse("partner:\n  name: X\n", "site.yaml").positions
    assert positions.of(("partner", "name")) == (2, 9)


def test_a_problem_without_a_quoted_line_is_one_line():
    problem = Problem("site.yaml", 3, 5, "partner.name", "must not be empty")
    assert str(problem) == "site.yaml:3:5: partner.name: must not be empty"


def test_the_quoted_line_keeps_the_first_lines_format():
    problem = Problem("site.yaml", 12, 4, "", "YAML syntax: something", quoted="a:\tb")
    assert str(problem).split("\n") == ["site.yaml:12:4: YAML syntax: something", "  12 | a:→b", "     |    ^"]
