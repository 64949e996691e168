"""A partner's hand-written issues (``newsletter/<date>.md``) and onboarding letters
(``letters/<name>.md``): read with their dates, subjects and sanitised bodies, and each
mistake told at its file and line with what to write."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from storefront import Letter, WrittenIssue, load_site
from tests.storefront.site.test_loader import only, problems_of
from tests.support import scaffold_text

NEWSLETTER = "\nnewsletter:\n  every: 2 weeks\n"
ISSUE = "---\nsubject: Новости января\npreheader: Коротко о главном\n---\n# Главное\n\nСдаём **отчёты** вовремя.\n"


def letter(days: object, subject: str = "Как начать") -> str:
    return f"---\nsubject: {subject}\nafter_days: {days}\n---\nЗдравствуйте!\n"


def site_with(sites, issues=None, letters=None, newsletter=True):
    folder = sites.make(yaml_text=scaffold_text() + (NEWSLETTER if newsletter else ""))
    for sub, files in (("newsletter", issues), ("letters", letters)):
        if files is not None:
            (folder / sub).mkdir()
            for name, text in files.items():
                (folder / sub / name).write_text(text, encoding="utf-8")
    return folder


def test_a_site_without_the_folders_has_no_issues_and_no_letters(sites):
    site = load_site(sites.make())
    assert site.newsletter_issues == () and site.letters == ()


def test_an_issue_goes_no_earlier_than_the_day_of_its_name(sites):
    site = load_site(
        site_with(sites, issues={"2027-02-09.md": ISSUE, "2027-01-12.md": ISSUE.replace("января", "зимы")})
    )
    assert [(i.date, i.subject) for i in site.newsletter_issues] == [
        (dt.date(2027, 1, 12), "Новости зимы"),
        (dt.date(2027, 2, 9), "Новости января"),
    ]
    issue = site.newsletter_issues[1]
    assert isinstance(issue, WrittenIssue) and issue.preheader == "Коротко о главном"
    assert issue.body == "<h2>Главное</h2>\n<p>Сдаём <strong>отчёты</strong> вовремя.</p>"
    assert issue.text == "# Главное\n\nСдаём **отчёты** вовремя."
    assert issue.source.name == "2027-02-09.md"


def test_files_that_are_not_markdown_are_left_alone(sites):
    site = load_site(site_with(sites, issues={"2027-01-12.md": ISSUE, "notes.txt": "черновик"}))
    assert len(site.newsletter_issues) == 1


@pytest.mark.parametrize("name", ["2027-02-30.md", "january.md", "20270112.md", "2027-01-12-new-year.md"])
def test_an_issue_not_named_by_a_real_date_says_how_to_name_it(sites, name):
    problem = only(problems_of(site_with(sites, issues={name: ISSUE})))
    assert (problem.path, problem.line, problem.col) == (f"sites/demo/newsletter/{name}", 1, 1)
    assert problem.message == (
        f"'{name}' is not named by a real date: name an issue after the first day it may go out, "
        "as YYYY-MM-DD.md, e.g. 2027-01-12.md"
    )


def test_an_issue_without_a_subject_asks_for_one_in_its_header(sites):
    problem = only(problems_of(site_with(sites, issues={"2027-01-12.md": "---\npreheader: Кратко\n---\nТекст\n"})))
    assert (problem.path, problem.line, problem.field) == ("sites/demo/newsletter/2027-01-12.md", 2, "subject")
    assert "the required key 'subject' is missing" in problem.message


def test_an_issue_without_a_header_says_what_it_starts_with(sites):
    problem = only(problems_of(site_with(sites, issues={"2027-01-12.md": "Просто текст\n"})))
    assert "an issue starts with a '---' line, then subject:" in problem.message


def test_a_header_that_is_no_keys_shows_one(sites):
    problem = only(problems_of(site_with(sites, issues={"2027-01-12.md": "---\n- Новости\n---\nТекст\n"})))
    assert (problem.line, problem.message) == (2, "the header must be 'key: value' lines, e.g. subject: Новые тарифы")


def test_a_subject_longer_than_a_mail_client_shows_is_refused(sites):
    issue = ISSUE.replace("Новости января", "Очень " * 30)
    problem = only(problems_of(site_with(sites, issues={"2027-01-12.md": issue})))
    assert (problem.line, problem.field) == (2, "subject") and "at most 150 characters" in problem.message


def test_a_subject_on_two_lines_is_refused(sites):
    issue = "---\nsubject: |\n  Первая строка\n  Вторая строка\n---\nТекст\n"
    problem = only(problems_of(site_with(sites, issues={"2027-01-12.md": issue})))
    assert problem.field == "subject" and "write this on one line" in problem.message


def test_a_misspelt_header_key_is_suggested(sites):
    issue = ISSUE.replace("preheader:", "prehaeder:")
    problem = only(problems_of(site_with(sites, issues={"2027-01-12.md": issue})))
    assert (problem.line, problem.field) == (3, "prehaeder") and "did you mean 'preheader'?" in problem.message


def test_letters_go_in_the_order_of_their_days(sites):
    letters = {"welcome.md": letter(1, "Добро пожаловать"), "a-week-on.md": letter(7), "day-3.md": letter(3)}
    site = load_site(site_with(sites, letters=letters))
    assert [(one.key, one.after_days) for one in site.letters] == [("welcome", 1), ("day-3", 3), ("a-week-on", 7)]
    first = site.letters[0]
    assert isinstance(first, Letter) and first.subject == "Добро пожаловать" and first.preheader is None
    assert (first.body, first.text) == ("<p>Здравствуйте!</p>", "Здравствуйте!")


def test_letters_need_no_newsletter_section(sites):
    site = load_site(site_with(sites, letters={"day-1.md": letter(1)}, newsletter=False))
    assert site.config.newsletter is None and [one.key for one in site.letters] == ["day-1"]


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("0", "must be at least 1 (now 0)"),
        ("38", "must be at most 37 (now 38)"),
        ("три", "write a whole number, e.g. 5"),
        ("1.5", "write a whole number, e.g. 5"),
    ],
)
def test_a_letters_day_is_within_the_longest_trial(sites, days, message):
    problem = only(problems_of(site_with(sites, letters={"day-x.md": letter(days)})))
    assert (problem.path, problem.line, problem.col) == ("sites/demo/letters/day-x.md", 3, 13)
    assert problem.field == "after_days" and message in problem.message


def test_a_letter_without_its_day_asks_for_it(sites):
    problem = only(problems_of(site_with(sites, letters={"day-1.md": "---\nsubject: Привет\n---\nТекст\n"})))
    assert problem.field == "after_days" and "the required key 'after_days' is missing" in problem.message


def test_two_letters_on_one_day_name_both_files(sites):
    problem = only(problems_of(site_with(sites, letters={"day-3.md": letter(3), "welcome.md": letter(3)})))
    assert (problem.path, problem.line, problem.field) == ("sites/demo/letters/welcome.md", 3, "after_days")
    assert problem.message == (
        "day-3.md already goes 3 days after registration; give one of the two another after_days:"
    )


@pytest.mark.parametrize("name", ["Day 3.md", "день-3.md", "day_3.md", "-day.md"])
def test_a_letters_name_is_an_id(sites, name):
    problem = only(problems_of(site_with(sites, letters={name: letter(3)})))
    assert problem.path == f"sites/demo/letters/{name}"
    assert f"'{name}' cannot name a letter: rename the file with lower-case Latin letters" in problem.message


def test_what_a_letter_could_run_is_gone(sites):
    body = (
        "---\nsubject: Привет\nafter_days: 1\n---\n"
        "Текст <script>alert(1)</script> и [ссылка](javascript:alert(2)) "
        '<img src="x" onerror="alert(3)"> <iframe src="https://evil.example/"></iframe>\n'
    )
    [one] = load_site(site_with(sites, letters={"day-1.md": body})).letters
    for hostile in ("<script", "javascript:", "onerror", "<iframe"):
        assert hostile not in one.body
    assert "Текст" in one.body


def test_a_body_that_would_take_minutes_to_convert_is_refused_at_its_line(sites):
    body = letter(1) + "\n" + "[" * 20_000 + "\n"  # on line 7
    problem = only(problems_of(site_with(sites, letters={"day-1.md": body})))
    assert problem.path == "sites/demo/letters/day-1.md" and problem.line == 7
    assert "too many '['" in problem.message


def test_invisible_characters_are_dropped_from_the_plain_text(sites):
    [one] = load_site(site_with(sites, letters={"day-1.md": letter(1) + "Ещё\x07 текст\n"})).letters
    assert one.text == "Здравствуйте!\nЕщё текст"


def test_a_link_out_of_the_site_or_an_oversized_file_is_refused(sites, tmp_path):
    outside = tmp_path / "theirs.md"
    outside.write_text(ISSUE, encoding="utf-8")
    folder = site_with(sites, issues={}, letters={"day-2.md": letter(2) + "Слово. " * 40_000})
    (folder / "newsletter" / "2027-01-12.md").symlink_to(outside)
    messages = {p.path: p.message for p in problems_of(folder)}
    assert "points outside the site folder" in messages["sites/demo/newsletter/2027-01-12.md"]
    assert "the largest allowed is 256 KB" in messages["sites/demo/letters/day-2.md"]


def test_a_fifo_is_refused_without_hanging(sites):
    folder = site_with(sites, letters={})
    os.mkfifo(folder / "letters" / "day-1.md")
    problem = only(problems_of(folder))
    assert problem.path == "sites/demo/letters/day-1.md" and "not a regular file" in problem.message


def test_every_mistake_in_issues_and_letters_is_told_at_once(sites):
    folder = site_with(
        sites,
        issues={"2027-13-01.md": ISSUE, "2027-01-12.md": "---\n---\nТекст\n"},
        letters={"Day.md": letter(1), "day-2.md": letter(0)},
    )
    assert sorted((p.path.rsplit("/", 1)[1], p.field) for p in problems_of(folder)) == [
        ("2027-01-12.md", "subject"),
        ("2027-13-01.md", ""),
        ("Day.md", ""),
        ("day-2.md", "after_days"),
    ]
