"""Hostile and unlucky visits to the cabinet's invitations page: no session, a post without the
form token, another partner's invitations and their files, and hostile text shown as text."""

from __future__ import annotations

from lxml import html

from registration_api.domain import operators
from tests.registration_api.web.test_cabinet_auth import SITE, csrf_of, sign_in, text_of

PAGE = f"/cabinet/{SITE}/invitations"
HOSTILE = '"><script>alert(1)</script>'


def test_without_a_session_the_page_and_the_csv_send_to_the_sign_in(cabinet):
    for path in (PAGE, f"{PAGE}.csv", f"{PAGE}.xlsx"):
        answer = cabinet.http.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/cabinet/", path
    anonymous = csrf_of(cabinet.http.get("/cabinet/").text)  # the sign-in form's token, before signing in
    posted = cabinet.http.post(PAGE, data={"count": "5", "trial_days": "30", "csrf": anonymous})
    assert posted.status_code == 303 and posted.headers["location"] == "/cabinet/"
    assert cabinet.rows("invitations") == []


def test_a_post_without_the_form_token_is_refused(cabinet):
    sign_in(cabinet)
    for token in ({}, {"csrf": "forged"}):
        answer = cabinet.http.post(PAGE, data={"count": "3", "trial_days": "30", **token})
        assert answer.status_code == 403 and "Форма устарела" in text_of(answer.text)
    assert cabinet.rows("invitations") == []
    assert [row.action for row in cabinet.rows("audit_log")] == ["sign_in"]


def test_another_partners_invitations_and_csv_are_not_found(cabinet):
    assert cabinet.cli("invitations", "create", "buhcentr", "--count", "2").code == 0
    sign_in(cabinet)
    for site in ("buhcentr", "no-such-site", "OBLAKO-PLUS"):
        for path in (
            f"/cabinet/{site}/invitations",
            f"/cabinet/{site}/invitations.csv",
            f"/cabinet/{site}/invitations.xlsx",
        ):
            answer = cabinet.http.get(path)
            assert answer.status_code == 404, path
            assert "Такой страницы нет" in text_of(answer.text)
    page = cabinet.http.get(f"/cabinet/{SITE}/invitations")
    token = csrf_of(page.text)
    posted = cabinet.http.post("/cabinet/buhcentr/invitations", data={"count": "1", "trial_days": "30", "csrf": token})
    assert posted.status_code == 404
    assert [row.site_id for row in cabinet.rows("invitations")] == ["buhcentr", "buhcentr"]


def test_hostile_text_is_shown_as_text(make_in_process_api, sites_dir):
    site_yaml = sites_dir / SITE / "site.yaml"
    text = site_yaml.read_text(encoding="utf-8")
    site_yaml.write_text(text.replace("  name: Облако Плюс", "  name: 'Облако <b>Плюс</b>'", 1), encoding="utf-8")
    service = make_in_process_api()
    sign_in(service)
    page = service.http.get(PAGE)
    answer = service.http.post(
        PAGE, data={"email": HOSTILE, "count": "1", "trial_days": "30", "csrf": csrf_of(page.text)}
    )
    assert answer.status_code == 400
    tree = html.fromstring(answer.text)
    assert not tree.xpath("//script") and not tree.xpath("//b")
    assert tree.xpath("//input[@name='email']/@value") == [HOSTILE], "what was typed is shown back, as text"
    assert tree.xpath("//nav/@aria-label") == ["Кабинет «Облако <b>Плюс</b>»"]


def test_the_page_of_new_codes_shows_only_this_partners_codes(cabinet):
    """``?made=`` names an audit entry: another partner's entry, or none, shows no codes."""
    sign_in(cabinet)
    page = cabinet.http.get(f"/cabinet/{SITE}/invitations")
    posted = cabinet.http.post(
        f"/cabinet/{SITE}/invitations",
        data={"email": "", "count": "2", "trial_days": "30", "expires_days": "", "csrf": csrf_of(page.text)},
    )
    made = int(posted.headers["location"].rsplit("=", 1)[1])
    engine = cabinet.app.state.service.engine
    assert operators.entry(engine, SITE, made) is not None
    assert operators.entry(engine, "buhcentr", made) is None
    for query in (f"?made={made + 1}", "?made=-1", "?made=²", "?made=" + "9" * 40):
        shown = cabinet.http.get(f"/cabinet/{SITE}/invitations{query}")
        assert shown.status_code == 200
        assert not html.fromstring(shown.text).xpath("//section[@aria-labelledby='created']")
        for kind in ("csv", "xlsx"):  # nor a file of anybody's codes
            assert cabinet.http.get(f"/cabinet/{SITE}/invitations.{kind}{query}").status_code == 404
