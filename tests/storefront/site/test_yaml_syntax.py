"""A YAML syntax mistake is told at the line the partner must fix, quoted, with a caret and what to write."""

from __future__ import annotations

import pytest

from storefront import language
from storefront.errors import InvalidSite
from storefront.site.loader import load_site
from storefront.site.yaml_positions import parse
from tests.support import line_of, scaffold_text

#: name → (YAML, line, column, the quoted line, words of the English message, words of the Russian one)
CASES = {
    "unclosed double quote": (
        'landing:\n  cta: x\n  benefits: []\n  note: x\n  headline: "Учёт без забот\n  subheadline: "Просто"\n',
        5,
        13,
        '  headline: "Учёт без забот',
        'never closed; put another " at the end of the value, on the same line, e.g. headline: "Учёт без забот"',
        'кавычка " в начале значения нигде не закрыта; поставьте такую же " в конце значения, на той же строке, '
        'например: headline: "Учёт без забот"',
    ),
    "unclosed single quote at the end": (
        "landing:\n  headline: 'Учёт без забот\n",
        2,
        13,
        "  headline: 'Учёт без забот",
        "e.g. headline: 'Учёт без забот'",
        "например: headline: 'Учёт без забот'",
    ),
    "a quote inside a quoted value": (
        'partner:\n  legal_name: "ООО "Ромашка""\n  phone: 1\n',
        2,
        20,
        '  legal_name: "ООО "Ромашка""',
        "put the whole value in ' quotes instead, e.g. legal_name: 'ООО \"Ромашка\"', or use «ёлочки» inside",
        "возьмите всё значение в кавычки ', например: legal_name: 'ООО \"Ромашка\"', или используйте внутри «ёлочки»",
    ),
    "a tab for indentation": (
        "partner:\n  name: X\n\tphone: 1\n",
        3,
        1,
        "\tphone: 1",
        "a tab is used for indentation here (shown as →); indent with spaces, not tabs",
        "здесь для отступа стоит табуляция (показана как →); отступы делаются пробелами, а не табуляцией",
    ),
    "a key indented too deep": (
        "partner:\n  name: X\n    legal_name: Y\n  phone: 1\n",
        3,
        5,
        "    legal_name: Y",
        "this line is indented by 4 spaces, but the keys it stands among by 2; indent it by 2, like them",
        "эта строка сдвинута на 4 пробела, а ключи рядом с ней — на 2; сдвиньте её на 2, как у них",
    ),
    "a key indented to no level": (
        "partner:\n  name: X\n legal_name: Y\n  phone: 1\n",
        3,
        2,
        " legal_name: Y",
        "this line is indented by 1 space, but the keys it stands among by 2; indent it by 2",
        "эта строка сдвинута на 1 пробел, а ключи рядом с ней — на 2; сдвиньте её на 2",
    ),
    "a missing colon": (
        "partner:\n  name: X\n  legal_name ООО «Ромашка»\n  phone: 1\n",
        3,
        13,
        "  legal_name ООО «Ромашка»",
        "there is no colon after the key legal_name; write a colon and a space between the key and its value, "
        "e.g. legal_name: ООО «Ромашка»",
        "после ключа legal_name нет двоеточия; поставьте двоеточие и пробел между ключом и значением, "
        "например: legal_name: ООО «Ромашка»",
    ),
    "a missing colon before a key with a quoted value": (
        'landing:\n  headline 1С в облаке\n  subheadline: "Учёт: просто"\n',
        2,
        11,
        "  headline 1С в облаке",
        "there is no colon after the key headline; write a colon and a space between the key and its value, "
        "e.g. headline: 1С в облаке",
        "после ключа headline нет двоеточия; поставьте двоеточие и пробел между ключом и значением, "
        "например: headline: 1С в облаке",
    ),
    "a list item among keys": (
        "partner:\n  name: X\n  - sales@demo.example\n  phone: 1\n",
        3,
        3,
        "  - sales@demo.example",
        "a list item (a line starting with '- ') stands among 'key: value' lines, where a key is expected",
        "элемент списка (строка, которая начинается с «- ») стоит среди строк «ключ: значение», где должен быть ключ",
    ),
    "a list item indented unlike the others": (
        "tariffs:\n  - id: a\n    features:\n      - Один\n    - Два\n",
        5,
        5,
        "    - Два",
        "this list item is indented by 4 spaces, the items above it by 6; indent it like them",
        "этот элемент списка сдвинут на 4 пробела, а элементы над ним — на 6; выровняйте его по ним",
    ),
    "a colon inside a value": (
        "landing:\n  headline: Учёт: просто\n",
        2,
        13,
        "  headline: Учёт: просто",
        "a value containing ': ' must be put in quotes, e.g. headline: \"Учёт: просто\"",
        'значение, в котором есть «: », нужно взять в кавычки, например: headline: "Учёт: просто"',
    ),
    "a tab inside a block of text is text, not the mistake": (
        'faq:\n  answer: |\n    Шаги:\n    \tоткройте меню\n  question: "Как войти\n',
        5,
        13,
        '  question: "Как войти',
        'never closed; put another " at the end of the value, on the same line, e.g. question: "Как войти"',
        'нигде не закрыта; поставьте такую же " в конце значения, на той же строке, например: question: "Как войти"',
    ),
    "a colon inside a value that has double quotes": (
        'landing:\n  headline: Он сказал "да": ок\n',
        2,
        13,
        '  headline: Он сказал "да": ок',
        "must be put in quotes, e.g. headline: 'Он сказал \"да\": ок'",
        "нужно взять в кавычки, например: headline: 'Он сказал \"да\": ок'",
    ),
    "a list in brackets left open": (
        "tariffs:\n  - id: a\n    applications: [bp, ip\n    sessions: 1\n",
        3,
        19,
        "    applications: [bp, ip",
        "the bracket [ opened here is never closed; close it with ] after the last item, on the same line, "
        "e.g. applications: [bp, ip]",
        "скобка [, открытая здесь, нигде не закрыта; закройте её скобкой ] после последнего элемента, "
        "на той же строке, например: applications: [bp, ip]",
    ),
    "a backslash in double quotes": (
        'partner:\n  address: "г. Москва\\Тверская"\n',
        2,
        22,
        '  address: "г. Москва\\Тверская"',
        "write the backslash twice, or put the value in single quotes, e.g. address: 'г. Москва\\Тверская'",
        "напишите её дважды или возьмите значение в одинарные кавычки, например: address: 'г. Москва\\Тверская'",
    ),
    "a second document": (
        "partner:\n  name: X\n---\nsite:\n  locale: ru\n",
        3,
        1,
        "---",
        "the line '---' starts a second document, and the file holds one; delete this line",
        "строка «---» начинает второй документ, а в файле он может быть только один; удалите эту строку",
    ),
}


@pytest.fixture(params=["en", "ru"])
def speaking(request):
    language.use(request.param)
    yield request.param
    language.use()


@pytest.mark.parametrize("case", CASES)
def test_a_syntax_mistake_is_quoted_at_its_line_with_a_caret_under_it(case, speaking):
    text, line, col, quoted, english, russian = CASES[case]
    [problem] = parse(text, "site.yaml").problems
    assert (problem.line, problem.col, problem.quoted) == (line, col, quoted)
    assert (english if speaking == "en" else russian) in problem.message
    head, shown, caret = str(problem).split("\n")
    assert head.startswith(f"site.yaml:{line}:{col}: ")
    assert shown == f"{line:>4} | {quoted.replace(chr(9), '→')}"
    assert caret == "     | " + " " * (col - 1) + "^"


def test_the_printed_mistake_reads_as_a_partner_sees_it():
    text = 'landing:\n  headline: "Учёт без забот\n  subheadline: "Просто"\n'
    [problem] = parse(text, "sites/demo/site.yaml").problems
    assert str(problem) == (
        'sites/demo/site.yaml:2:13: YAML syntax: the quote " that opens this value is never closed; '
        'put another " at the end of the value, on the same line, e.g. headline: "Учёт без забот"\n'
        '   2 |   headline: "Учёт без забот\n'
        "     |             ^"
    )


def test_an_unclosed_quote_in_site_yaml_is_reported_at_its_own_line_not_the_next(sites):
    broken = '  headline: "1С в облаке для вашего бизнеса'
    folder = sites.make(replace={'  headline: "1С в облаке для вашего бизнеса"': broken})
    with pytest.raises(InvalidSite) as caught:
        load_site(folder)
    [problem] = caught.value.problems
    assert (problem.line, problem.col) == (line_of(scaffold_text(), "headline:"), 13)
    assert problem.quoted == broken


def test_a_news_header_mistake_is_reported_at_the_files_own_line(sites):
    news = '---\ntitle: "Новые цены\ndate: 2026-03-01\nsummary: "Кратко"\n---\nТекст.\n'
    with pytest.raises(InvalidSite) as caught:
        load_site(sites.make(news={"2026-03-01-prices.md": news}))
    [problem] = caught.value.problems
    assert problem.path.endswith("news/2026-03-01-prices.md")
    assert (problem.line, problem.col, problem.quoted) == (2, 8, 'title: "Новые цены')
    assert str(problem).splitlines()[1:] == ['   2 | title: "Новые цены', "     |        ^"]


def test_a_long_line_is_cut_around_the_caret():
    text = "a:\n  b: " + "x" * 200 + ": y\n"
    [problem] = parse(text, "site.yaml").problems
    _, shown, caret = str(problem).split("\n")
    assert len(shown) < 160 and shown.endswith("…")
    assert shown[caret.index("^")] == "x"


def test_a_quoted_text_that_rightly_goes_on_over_two_lines_is_not_blamed():
    text = 'landing:\n  headline: "Учёт\n    без забот"\n  subheadline: "Просто\n  cta: x\n'
    [problem] = parse(text, "site.yaml").problems
    assert (problem.line, problem.col, problem.quoted) == (4, 16, '  subheadline: "Просто')
