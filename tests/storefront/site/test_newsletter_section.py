"""The ``newsletter:`` section of site.yaml: the interval, day, hour and zone a partner writes
are read as it means them, and a wrong one is told at its line with what to write."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from storefront.errors import InvalidSite
from storefront.site.loader import load_site
from tests.support import scaffold_text


def with_newsletter(*lines: str) -> str:
    return scaffold_text() + "\nnewsletter:\n" + "".join(f"  {line}\n" for line in lines)


def line_in_section(number: int) -> int:
    """The line in site.yaml of the section's line ``number`` (from 1), as :func:`with_newsletter` writes it."""
    return len(scaffold_text().splitlines()) + 2 + number


def newsletter(sites, *lines: str):
    return load_site(sites.make(yaml_text=with_newsletter(*lines))).config.newsletter


def only_problem(sites, *lines: str):
    with pytest.raises(InvalidSite) as caught:
        load_site(sites.make(yaml_text=with_newsletter(*lines)))
    problems = caught.value.problems
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def test_a_site_without_the_section_has_no_newsletter(sites):
    assert load_site(sites.make()).config.newsletter is None


def test_only_the_interval_is_needed_and_the_rest_has_defaults(sites):
    section = newsletter(sites, "every: 2 weeks")
    assert (section.weeks, section.weekday, section.weekday_number, section.hour) == (2, "monday", 0, 10)
    assert section.zone == zoneinfo.ZoneInfo("Europe/Moscow")
    assert (section.sender, section.double_opt_in, section.starts) == (None, False, None)


@pytest.mark.parametrize(
    ("written", "weeks"),
    [
        ("1 week", 1),
        ("week", 1),
        ("2 weeks", 2),
        ("12 weeks", 12),
        ("3 Weeks", 3),
        ("неделя", 1),
        ("1 неделю", 1),
        ("2 недели", 2),
        ("5 недель", 5),
        ("'4 недели'", 4),
    ],
)
def test_the_interval_is_read_in_english_and_in_russian(sites, written, weeks):
    assert newsletter(sites, f"every: {written}").weeks == weeks


@pytest.mark.parametrize("written", ["3 days", "13 weeks", "0 weeks", "2", "month", "две недели"])
def test_an_interval_that_is_no_number_of_weeks_says_what_to_write(sites, written):
    problem = only_problem(sites, f"every: {written}")
    assert (problem.path, problem.line, problem.col) == ("sites/demo/site.yaml", line_in_section(1), 10)
    assert problem.field == "newsletter.every"
    assert problem.message == f"'{written}': write how many weeks pass between issues, e.g. 2 weeks (from 1 to 12)"


def test_a_section_without_the_interval_asks_for_it(sites):
    problem = only_problem(sites, "weekday: friday")
    assert problem.field == "newsletter.every" and "'every' is missing" in problem.message


@pytest.mark.parametrize(
    ("written", "day", "number"),
    [("tuesday", "tuesday", 1), ("Friday", "friday", 4), ("среда", "wednesday", 2), ("Пятницу", "friday", 4)],
)
def test_the_day_is_read_in_english_and_in_russian(sites, written, day, number):
    section = newsletter(sites, "every: 1 week", f"weekday: {written}")
    assert (section.weekday, section.weekday_number) == (day, number)


def test_a_day_that_is_no_day_lists_the_days(sites):
    problem = only_problem(sites, "every: 1 week", "weekday: weekend")
    assert problem.field == "newsletter.weekday" and problem.line == line_in_section(2)
    assert "'weekend' is not allowed here" in problem.message and "'sunday'" in problem.message


@pytest.mark.parametrize(("written", "message"), [("24", "must be at most 23 (now 24)"), ("-1", "at least 0")])
def test_the_hour_is_0_to_23(sites, written, message):
    problem = only_problem(sites, "every: 1 week", f"hour: {written}")
    assert problem.field == "newsletter.hour" and message in problem.message


def test_the_hour_is_a_whole_number(sites):
    assert "whole number" in only_problem(sites, "every: 1 week", "hour: '10:00'").message


def test_the_time_zone_is_the_partners_own(sites):
    section = newsletter(sites, "every: 2 weeks", "weekday: tuesday", "timezone: Asia/Yekaterinburg")
    assert section.zone == zoneinfo.ZoneInfo("Asia/Yekaterinburg")
    ten = dt.datetime(2027, 1, 12, section.hour, tzinfo=section.zone)
    assert ten.astimezone(dt.UTC).hour == 5  # Yekaterinburg is five hours ahead of UTC


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Екатеринбург", "Asia/Yekaterinburg"),
        ("Asia/Ekaterinburg", "Asia/Yekaterinburg"),
        ("europe/moscow", "Europe/Moscow"),
        ("MSK", "Europe/Moscow"),
        ("UTC+5", "Asia/Yekaterinburg"),
        ("Санкт-Петербург", "Europe/Moscow"),
    ],
)
def test_a_time_zone_that_is_not_one_suggests_the_zone_meant(sites, written, meant):
    problem = only_problem(sites, "every: 1 week", f"timezone: {written}")
    assert problem.field == "newsletter.timezone"
    assert problem.message.startswith(f"'{written}' is not a time zone; did you mean {meant}")


@pytest.mark.parametrize("written", ["localtime", "Factory", "../../etc/passwd", "Мурманск-на-Марсе", "Etc/GMT+5"])
def test_what_is_no_place_is_no_time_zone(sites, written):
    problem = only_problem(sites, "every: 1 week", f"timezone: {written}")
    assert f"'{written}' is not a time zone" in problem.message


def test_sender_opt_in_and_start(sites):
    section = newsletter(sites, "every: 1 week", "sender: «Облако Плюс»", "double_opt_in: true", "starts: 2027-01-05")
    assert (section.sender, section.double_opt_in, section.starts) == ("«Облако Плюс»", True, dt.date(2027, 1, 5))


def test_a_start_that_is_no_date_is_told_as_a_date(sites):
    problem = only_problem(sites, "every: 1 week", "starts: 2027-02-30")
    assert problem.field == "newsletter.starts" and "'2027-02-30' is not a real date" in problem.message


def test_a_misspelt_key_in_the_section_is_suggested(sites):
    problem = only_problem(sites, "every: 1 week", "double_optin: true")
    assert "did you mean 'double_opt_in'?" in problem.message
