"""Each kind of partner mistake gives the right file, line, field and an actionable message."""

from __future__ import annotations

import os

import pytest

from storefront import language
from storefront.errors import InvalidSite
from storefront.site.loader import load_site
from tests.support import line_of, scaffold_text


def problems_of(folder):
    with pytest.raises(InvalidSite) as caught:
        load_site(folder)
    return caught.value.problems


def only(problems):
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def test_scaffold_is_valid(sites):
    site = load_site(sites.make())
    assert site.id == "demo" and site.base_path == "/"
    assert [a.id for a in site.applications] == ["bp", "ip"]


def test_unknown_key_suggests_the_close_one(sites):
    folder = sites.make(replace={"  legal_name:": "  legal_nme:"})
    problems = problems_of(folder)
    unknown = next(p for p in problems if "unknown key" in p.message)
    assert unknown.path == "sites/demo/site.yaml"
    assert unknown.line == line_of(scaffold_text(), "legal_name:") and unknown.col == 3
    assert unknown.field == "partner.legal_nme"
    assert "did you mean 'legal_name'?" in unknown.message
    assert len(problems) == 1, "the typo is not reported a second time as a missing key"


def test_unknown_key_without_a_close_match_lists_allowed_keys(sites):
    problem = only(problems_of(sites.make(replace={"  cta:\n": "  colour: red\n  cta:\n"})))
    assert "unknown key 'colour'" in problem.message and "headline" in problem.message


def test_wrong_type_names_the_field(sites):
    problem = only(problems_of(sites.make(replace={"    sessions: 5": "    sessions: пять"})))
    assert problem.field == 'tariffs "Бизнес".sessions'
    assert problem.line == line_of(scaffold_text(), "sessions: 5")
    assert "whole number" in problem.message


def test_trial_days_must_be_1_to_30(sites):
    problem = only(
        problems_of(sites.make(replace={"    tariff: business": "    tariff: business\n    trial_days: 45"}))
    )
    assert problem.field == 'registration "trial".trial_days'
    assert "at most 30" in problem.message and "45" in problem.message


def test_invalid_colour(sites):
    problem = only(problems_of(sites.make(replace={'primary: "#1f5fbf"': 'primary: "синий"'})))
    assert problem.field == "site.brand.primary"
    assert problem.line == line_of(scaffold_text(), "primary:")
    assert "#RRGGBB" in problem.message


def test_brand_colour_with_poor_contrast_names_ratio_and_a_passing_colour(sites):
    from storefront.site import contrast

    problem = only(problems_of(sites.make(replace={'primary: "#1f5fbf"': 'primary: "#7fb2ff"'})))
    assert problem.field == "site.brand.primary"
    assert "the page background #ffffff" in problem.message and "WCAG AA needs 4.5:1" in problem.message
    assert f"{contrast.ratio('#7fb2ff', '#ffffff'):.2f}:1" in problem.message
    suggestion = problem.message.rsplit("passes: ", 1)[1]
    assert contrast.ratio(suggestion, "#ffffff") >= 4.5 and contrast.ratio(suggestion, "#ffffff") < 6


def test_contrast_ratios_are_written_as_russian_writes_numbers(sites):
    site = sites.make(replace={'primary: "#1f5fbf"': 'primary: "#7fb2ff"'})
    language.use("ru")
    try:
        problem = only(problems_of(site))
    finally:
        language.use()
    assert "контраст с фоном страницы #ffffff — 2,16:1, а WCAG AA требует 4,5:1" in problem.message


def test_missing_logo_file(sites):
    folder = sites.make()
    (folder / "assets" / "logo.svg").unlink()
    problem = only(problems_of(folder))
    assert problem.field == "site.brand.logo" and "there is no file 'assets/logo.svg'" in problem.message


def test_unknown_application_suggests_catalogue_id(sites):
    problem = only(problems_of(sites.make(replace={"  - ip\n": "  - ipp\n"})))
    assert problem.field == "applications[2]"
    assert "did you mean 'ip' («1С:Предприниматель»)?" in problem.message


def test_certified_only_application_needs_a_certified_partner(sites):
    problem = only(problems_of(sites.make(replace={"  - ip\n": "  - erp\n"})))
    assert "certified partners only" in problem.message
    load_site(sites.make("certified", replace={"  - ip\n": "  - erp\n", "  hours:": "  certified: true\n  hours:"}))


def test_tariff_application_must_be_offered_by_the_partner(sites):
    problem = only(problems_of(sites.make(replace={"applications: [bp]": "applications: [bp, unf]"})))
    assert problem.field == 'tariffs "Старт".applications[2]'
    assert "'unf' is not among this site's applications" in problem.message


def test_registration_page_tariff_and_application_must_exist(sites):
    problems = problems_of(sites.make(replace={"    tariff: business": "    tariff: busines\n    application: kassa"}))
    fields = {p.field: p.message for p in problems}
    assert "did you mean 'business' («Бизнес»)?" in fields['registration "trial".tariff']
    assert "'kassa' is not among this site's applications" in fields['registration "trial".application']


def test_registration_application_must_be_in_its_tariff(sites):
    problem = only(problems_of(sites.make(replace={"    tariff: business": "    tariff: start\n    application: ip"})))
    assert "the tariff 'start' does not include 'ip'" in problem.message


def test_ids_must_be_unique(sites):
    problem = only(
        problems_of(
            sites.make(replace={"  - id: business": "  - id: start", "    tariff: business": "    tariff: start"})
        )
    )
    assert problem.field == 'tariffs "Бизнес".id' and "used twice" in problem.message


def test_bad_id_characters(sites):
    problem = only(problems_of(sites.make(replace={"  - id: trial": "  - id: Пробный период"})))
    assert problem.field == 'registration "Пробный период".id' and "lower-case Latin" in problem.message


def test_unknown_theme_lists_available_ones(sites):
    problem = only(problems_of(sites.make(replace={"theme: minimal": "theme: neon"})))
    assert problem.field == "site.theme" and "there is no theme 'neon'" in problem.message
    assert "bright" in problem.message


@pytest.mark.parametrize(
    ("written", "number"),
    [('"2 790,50"', "2790.50"), ('"990 руб"', "990"), ("990 ₽", "990"), ("2 790", "2790"), ('"1 490 руб."', "1490")],
)
def test_a_price_written_as_text_is_refused_with_the_number_to_write(sites, written, number):
    problem = only(problems_of(sites.make(replace={"price: 2790": f"price: {written}"})))
    assert problem.field == 'tariffs "Бизнес".price' and problem.line == line_of(scaffold_text(), "price: 2790")
    assert problem.message.endswith(
        f"is written as text; write the price in roubles as a number only, "
        f"without spaces or a currency, with a point before kopecks: price: {number}"
    )


def test_a_price_that_is_no_number_at_all_shows_one(sites):
    problem = only(problems_of(sites.make(replace={"price: 2790": 'price: "договорная"'})))
    assert (
        problem.message == "'договорная' is not a price; write the price in roubles as a number only, e.g. price: 990"
    )


def test_a_price_written_as_text_is_explained_in_russian(sites):
    language.use("ru")
    try:
        problem = only(problems_of(sites.make(replace={"price: 2790": 'price: "990 руб"'})))
    finally:
        language.use()
    assert problem.field == "tariffs «Бизнес».price"
    assert problem.message == (
        "«990 руб» записано текстом; напишите цену в рублях одним числом, без пробелов и валюты, "
        "копейки — через точку: price: 990"
    )


def test_news_date_must_be_real(sites):
    body = "---\ntitle: Новость\ndate: 2026-02-30\nsummary: Кратко\n---\nТекст\n"
    problem = only(problems_of(sites.make(news={"2026-02-28-bad.md": body})))
    assert problem.path == "sites/demo/news/2026-02-28-bad.md"
    assert problem.line == 3 and problem.field == "date"
    assert "'2026-02-30' is not a real date" in problem.message


def test_news_without_front_matter(sites):
    problem = only(problems_of(sites.make(news={"oops.md": "Просто текст\n"})))
    assert problem.path.endswith("news/oops.md") and "---" in problem.message


def test_news_missing_summary_points_into_the_header(sites):
    problem = only(problems_of(sites.make(news={"x.md": "---\ntitle: Новость\ndate: 2026-02-01\n---\nТекст\n"})))
    assert problem.field == "summary" and "missing" in problem.message and problem.line == 2


def test_two_news_items_at_one_address(sites):
    body = "---\ntitle: Т\ndate: 2026-02-01\nsummary: С\n---\n"
    problem = only(problems_of(sites.make(news={"2026-01-01-same.md": body, "2026-02-01-same.md": body})))
    assert "/news/same/" in problem.message


def test_drafts_are_not_published(sites):
    body = "---\ntitle: Черновик\ndate: 2026-02-01\nsummary: С\ndraft: true\n---\n"
    site = load_site(sites.make(news={"draft.md": body}))
    assert [n.title for n in site.news] == ["Мы открыли облачную витрину"]


def test_every_mistake_is_reported_at_once(sites):
    bad_news = "---\ntitle: Новость\ndate: 2026-13-01\nsummary: Кратко\n---\n"
    problems = problems_of(
        sites.make(
            replace={"  legal_name:": "  legal_nme:", "    sessions: 5": "    sessions: -1"}, news={"bad.md": bad_news}
        )
    )
    assert {(p.path.rsplit("/", 1)[1], p.field) for p in problems} == {
        ("site.yaml", "partner.legal_nme"),
        ("site.yaml", 'tariffs "Бизнес".sessions'),
        ("bad.md", "date"),
    }


def test_yaml_syntax_error(sites):
    problem = only(
        problems_of(
            sites.make(replace={'  headline: "1С в облаке для вашего бизнеса"': "  headline: 1С в облаке: для бизнеса"})
        )
    )
    assert problem.line == line_of(scaffold_text(), "headline:") and "YAML syntax" in problem.message


def test_privacy_policy_may_be_published_from_markdown(sites):
    folder = sites.make(replace={'privacy_policy: "https://demo.example/privacy/"': "privacy_policy: privacy.md"})
    problem = only(problems_of(folder))
    assert problem.field == "partner.privacy_policy" and "there is no file 'privacy.md'" in problem.message
    (folder / "privacy.md").write_text("# Политика\n\nМы бережём данные.\n<script>x()</script>\n")
    site = load_site(folder)
    assert "<h2>Политика</h2>" in site.privacy_page and "<script" not in site.privacy_page


def test_privacy_policy_must_be_a_link_or_a_markdown_file(sites):
    problem = only(
        problems_of(sites.make(replace={'privacy_policy: "https://demo.example/privacy/"': "privacy_policy: политика"}))
    )
    assert "privacy.md" in problem.message and "https://" in problem.message


def test_a_webhook_secret_must_be_real_base64(sites):
    folder = sites.make()
    yaml_file = folder / "site.yaml"
    yaml_file.write_text(
        yaml_file.read_text() + '\nwebhook:\n  url: https://crm.example/hook\n  secret: "whsec_' + "A" * 33 + '"\n'
    )
    problem = only(problems_of(folder))
    assert problem.field == "webhook.secret" and "base64" in problem.message


def test_a_document_that_is_only_null_is_a_problem(sites):
    problem = only(problems_of(sites.make(yaml_text="~\n")))
    assert (problem.path, problem.line) == ("sites/demo/site.yaml", 1) and "'key: value' lines" in problem.message


def test_files_named_in_site_yaml_must_be_ordinary_files_inside_the_folder(sites, tmp_path):
    outside = tmp_path / "policy.md"
    outside.write_text("# Чужая политика\n")
    folder = sites.make(
        replace={
            'privacy_policy: "https://demo.example/privacy/"': "privacy_policy: privacy.md",
            "    logo: assets/logo.svg": "    logo: ../demo/assets/../../logo.svg",
        }
    )
    (folder / "privacy.md").symlink_to(outside)
    problems = problems_of(folder)
    assert [(p.field, p.line) for p in problems] == [
        ("partner.privacy_policy", line_of(scaffold_text(), "privacy_policy:")),
        ("site.brand.logo", line_of(scaffold_text(), "logo:")),
    ]
    assert all("points outside the site folder" in p.message for p in problems)


def test_news_files_are_read_only_if_ordinary(sites):
    folder = sites.make()
    os.mkfifo(folder / "news" / "pipe.md")
    (folder / "news" / "big.md").write_text("---\ntitle: x\n---\n" + "x" * 300_000)
    messages = {p.path: p.message for p in problems_of(folder)}
    assert "not a regular file" in messages["sites/demo/news/pipe.md"]
    assert "the largest allowed is 256 KB" in messages["sites/demo/news/big.md"]


# --- the language of a site's problems -------------------------------------------------------

SESSIONS_TYPO = {"    sessions: 5": "    sessions: пять"}


@pytest.fixture
def nobody_chose():
    """The person chose no language (no --lang, nothing in the environment)."""
    language.use(None, {})
    yield
    language.use()


def test_a_ru_sites_problems_are_in_russian_when_nobody_chose(sites, nobody_chose):
    problem = only(problems_of(sites.make(replace=SESSIONS_TYPO)))
    assert problem.field == "tariffs «Бизнес».sessions"
    assert problem.message == "напишите целое число, например 5"


def test_an_en_sites_problems_are_in_english_when_nobody_chose(sites, nobody_chose):
    problem = only(problems_of(sites.make(replace={**SESSIONS_TYPO, "  locale: ru": "  locale: en"})))
    assert problem.field == 'tariffs "Бизнес".sessions'
    assert problem.message == "write a whole number, e.g. 5"


def test_an_en_site_that_does_not_parse_is_still_told_in_english(sites, nobody_chose):
    broken = {"  locale: ru": "  locale: en", '  headline: "1С в облаке для вашего бизнеса"': '  headline: "1С'}
    problem = only(problems_of(sites.make(replace=broken)))
    assert problem.message.startswith('YAML syntax: the quote " that opens this value is never closed')


def test_the_chosen_language_wins_over_the_sites(sites):
    language.use("ru")
    try:
        problem = only(problems_of(sites.make(replace={**SESSIONS_TYPO, "  locale: ru": "  locale: en"})))
    finally:
        language.use()
    assert problem.message == "напишите целое число, например 5"


def test_a_duplicate_key_is_told_in_the_sites_language(sites, nobody_chose):
    problem = only(problems_of(sites.make(replace={"    sessions: 5": "    sessions: 5\n    sessions: 6"})))
    assert (
        problem.message
        == f"этот ключ написан дважды (первый раз — в строке {line_of(scaffold_text(), 'sessions: 5')}); оставьте один"
    )


def test_an_address_that_is_no_e_mail_is_told_in_the_sites_language(sites, nobody_chose):
    problem = only(problems_of(sites.make(replace={"    - sales@demo.example": "    - sales.demo.example"})))
    assert problem.field == "partner.notify[1]"
    assert problem.message == "«sales.demo.example» — не адрес электронной почты; напишите его в виде sales@company.ru"
