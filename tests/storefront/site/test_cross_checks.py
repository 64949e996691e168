"""Mistakes only visible across sections of site.yaml, the disk and the theme: each is reported
at the line and column of the value to change, with the field and a message saying what to do,
and all of them at once."""

from __future__ import annotations

import pytest

from storefront import InvalidSite, load_site
from tests.support import line_of

TWO_RECOMMENDED = {"    price: 1190\n": "    price: 1190\n    recommended: true\n"}
CTA_TYPO = {"    registration: trial\n": "    registration: trail\n"}


def problems_of(sites, **changes):
    folder = sites.make(**changes)
    with pytest.raises(InvalidSite) as caught:
        load_site(folder)
    text = (folder / "site.yaml").read_text(encoding="utf-8")
    return caught.value.problems, text


def at(text: str, needle: str) -> tuple[int, int]:
    """(line, column) of ``needle``'s first character, both counted from 1."""
    line = line_of(text, needle)
    return line, text.splitlines()[line - 1].index(needle) + 1


def test_a_second_recommended_tariff_points_at_its_own_flag(sites):
    [problem], text = problems_of(sites, replace=TWO_RECOMMENDED)
    assert problem.field == 'tariffs "Бизнес".recommended'
    assert problem.message == "only one tariff can be recommended; 'start' already is"
    second = [n for n, line in enumerate(text.splitlines(), 1) if "recommended: true" in line][1]
    assert (problem.path, problem.line) == ("sites/demo/site.yaml", second)


def test_the_landing_button_must_open_a_registration_page_of_the_site(sites):
    [problem], text = problems_of(sites, replace=CTA_TYPO)
    assert problem.field == "landing.cta.registration"
    assert problem.message == "there is no registration page 'trail'; did you mean 'trial' («Попробовать бесплатно»)?"
    assert (problem.line, problem.col) == at(text, "trail")


def test_an_application_listed_twice_points_at_the_repeat(sites):
    [problem], text = problems_of(sites, replace={"  - ip\n": "  - ip\n  - bp\n"})
    assert problem.field == "applications[3]" and problem.message == "the application 'bp' is listed twice"
    assert problem.line == line_of(text, "  - ip") + 1


def test_a_tariff_with_every_application_offers_the_ones_a_page_names(sites):
    site = load_site(
        sites.make(
            replace={
                "    applications: [bp]\n": "    applications: all\n",
                "    tariff: business\n": "    tariff: start\n    application: ip\n",
            }
        )
    )
    assert [page.application for page in site.config.registration] == ["ip"]


def test_a_logo_that_is_not_an_image_is_named(sites):
    folder = sites.make(replace={"logo: assets/logo.svg": "logo: assets/logo.txt"})
    (folder / "assets" / "logo.txt").write_text("ЛОГО", encoding="utf-8")
    with pytest.raises(InvalidSite) as caught:
        load_site(folder)
    [problem] = caught.value.problems
    text = (folder / "site.yaml").read_text(encoding="utf-8")
    assert problem.field == "site.brand.logo" and (problem.line, problem.col) == at(text, "assets/logo.txt")
    assert problem.message.startswith("'assets/logo.txt' is not an image; use one of .gif, .ico, .jpeg")


@pytest.mark.parametrize("name", ["../../elsewhere/logo.svg", "/etc/hostname"])
def test_a_logo_outside_the_site_folder_is_refused(sites, name):
    [problem], text = problems_of(sites, replace={"logo: assets/logo.svg": f"logo: {name}"})
    assert problem.field == "site.brand.logo" and problem.line == line_of(text, f"logo: {name}")
    assert name in problem.message


def test_a_missing_policy_file_says_where_to_put_it(sites):
    [problem], text = problems_of(
        sites, replace={'privacy_policy: "https://demo.example/privacy/"': "privacy_policy: privacy.md"}
    )
    assert problem.field == "partner.privacy_policy" and problem.line == line_of(text, "privacy_policy:")
    assert (
        problem.message == "there is no file 'privacy.md' in demo/; write the policy there or give its https:// address"
    )


def test_an_accent_too_pale_for_highlights_names_the_ratio_it_needs(sites):
    [problem], text = problems_of(sites, replace={'accent: "#c2410c"': 'accent: "#fde68a"'})
    assert problem.field == "site.brand.accent" and problem.line == line_of(text, "accent:")
    assert "highlights and borders" in problem.message and "WCAG AA needs 3:1" in problem.message
    assert "a nearby colour that passes: #" in problem.message


def test_every_cross_section_mistake_is_reported_in_one_run(sites):
    problems, _ = problems_of(
        sites,
        replace={
            **TWO_RECOMMENDED,
            **CTA_TYPO,
            "  - ip\n": "  - ip\n  - ipp\n",
            "    tariff: business": "    tariff: x",
        },
    )
    assert sorted(p.field for p in problems) == [
        "applications[3]",
        "landing.cta.registration",
        'registration "trial".tariff',
        'tariffs "Бизнес".recommended',
    ]
    assert all(p.path == "sites/demo/site.yaml" and p.line > 0 and p.col > 0 for p in problems)
    printed = str(next(p for p in problems if p.field == 'registration "trial".tariff'))
    assert printed.startswith("sites/demo/site.yaml:")
    assert ": registration \"trial\".tariff: there is no tariff 'x'" in printed


ISSUE = "---\nsubject: Новости\n---\nТекст\n"


def test_issues_written_for_a_newsletter_the_site_does_not_have_are_never_sent(sites):
    folder = sites.make()
    (folder / "newsletter").mkdir()
    for name in ("2027-02-09.md", "2027-01-12.md"):
        (folder / "newsletter" / name).write_text(ISSUE, encoding="utf-8")
    with pytest.raises(InvalidSite) as caught:
        load_site(folder)
    [problem] = caught.value.problems
    assert (problem.path, problem.line, problem.col) == ("sites/demo/newsletter/2027-01-12.md", 1, 1)
    assert problem.message.startswith("this issue is never sent: site.yaml has no newsletter: section")
    advice = problem.message.split("e.g. ", 1)[1]
    (folder / "site.yaml").write_text((folder / "site.yaml").read_text() + "\n" + advice + "\n", encoding="utf-8")
    site = load_site(folder)
    assert (site.config.newsletter.weeks, site.config.newsletter.weekday) == (2, "tuesday"), "the advice works"
    assert len(site.newsletter_issues) == 2
