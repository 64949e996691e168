"""The cabinet's invitations page: an operator creates one invitation e-mailed to a person or a
batch of codes, sees them listed newest first, filters them by state and downloads the list."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from email import message_from_bytes
from email.policy import default

import pytest
import sqlalchemy as sa
from lxml import html
from openpyxl import load_workbook

from registration_api.web import cabinet_invitations
from tests.registration_api.web.test_cabinet_auth import OPERATOR, SITE, csrf_of, sign_in, text_of

PAGE = f"/cabinet/{SITE}/invitations"


@pytest.fixture
def cabinet(cabinet):
    """The cabinet of tests/conftest.py, its operator signed in."""
    sign_in(cabinet)
    return cabinet


def create(api, **fields: str):
    page = api.http.get(PAGE)
    data = {"email": "", "count": "1", "trial_days": "30", "expires_days": "", **fields}
    return api.http.post(PAGE, data={**data, "csrf": csrf_of(page.text)})


def create_and_follow(api, **fields: str):
    """Create, then follow the redirect to the page that shows the new codes (post, redirect, get)."""
    posted = create(api, **fields)
    assert posted.status_code == 303 and "?made=" in posted.headers["location"], posted.text
    return api.http.get(posted.headers["location"])


def listed(page: str) -> list[list[str]]:
    """The cells of the list's rows (the table under «Все приглашения»)."""
    tree = html.fromstring(page)
    rows = tree.xpath("//section[@aria-labelledby='list']//tbody/tr")
    return [[" ".join(td.text_content().split()) for td in row.xpath("td")] for row in rows]


def test_the_cabinet_menu_leads_to_the_invitations_page_and_marks_it_there(cabinet):
    overview = html.fromstring(cabinet.http.get(f"/cabinet/{SITE}/").text)
    assert overview.xpath(f"//nav//a[@href='{PAGE}']/text()") == ["Приглашения"]
    assert overview.xpath("//nav//a[@aria-current='page']/text()") == ["Обзор"]
    shown = html.fromstring(cabinet.http.get(PAGE).text)
    assert shown.xpath("//nav//a[@aria-current='page']/@href") == [PAGE]
    page = cabinet.http.get(PAGE)
    assert page.status_code == 200 and "Новое приглашение" in text_of(page.text)
    assert "Приглашений пока нет." in text_of(page.text)


def test_one_invitation_e_mailed_is_listed_and_its_mail_queued(cabinet):
    answer = create_and_follow(cabinet, email="ivan@client.example", trial_days="14")
    assert answer.status_code == 200
    shown = text_of(answer.text)
    assert "Создано 1 приглашение" in shown
    [code] = html.fromstring(answer.text).xpath("//section[@aria-labelledby='created']//code/text()")
    assert f"/invite/{code}" in shown
    [row] = listed(answer.text)
    assert row[0] == code and row[2] == "ivan@client.example" and row[3] == row[4] == ""
    [mail] = [m for m in cabinet.outbox() if json.loads(m.recipients) == ["ivan@client.example"]]
    assert code in message_from_bytes(mail.message, policy=default).get_body(("plain",)).get_content()
    [invitation] = cabinet.rows("invitations")
    assert invitation.trial_days == 14 and invitation.email == "ivan@client.example"
    again = cabinet.http.get(str(answer.url))  # the person reloads the page that shows the code
    assert code in text_of(again.text) and len(cabinet.rows("invitations")) == 1, "a reload creates nothing"


def test_a_batch_of_three_codes_is_made_without_mail(cabinet):
    before = len(cabinet.outbox())
    answer = create_and_follow(cabinet, count="3")
    assert "Создано 3 приглашения" in text_of(answer.text)
    codes = html.fromstring(answer.text).xpath("//section[@aria-labelledby='created']//code/text()")
    assert len(set(codes)) == 3
    assert len(cabinet.outbox()) == before
    assert {row[0] for row in listed(answer.text)} == set(codes)


def test_a_batch_downloads_as_its_own_file_of_just_its_codes(cabinet):
    create_and_follow(cabinet, count="2")  # an earlier batch, not in the file
    answer = create_and_follow(cabinet, count="3")
    shown = html.fromstring(answer.text)
    codes = shown.xpath("//section[@aria-labelledby='created']//code/text()")
    [csv_link] = shown.xpath("//section[@aria-labelledby='created']//a[text()='CSV']/@href")
    [xlsx_link] = shown.xpath("//section[@aria-labelledby='created']//a[text()='Excel (XLSX)']/@href")
    made = csv_link.rsplit("=", 1)[1]
    file = cabinet.http.get(csv_link)
    assert file.headers["content-disposition"] == f'attachment; filename="{SITE}-invitations-{made}.csv"'
    rows = list(csv.reader(io.StringIO(file.content.decode("utf-8-sig")), delimiter=";"))
    assert sorted(row[0] for row in rows[1:]) == sorted(codes)
    sheet = load_workbook(io.BytesIO(cabinet.http.get(xlsx_link).content)).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == sorted(codes)
    assert cabinet.http.get(f"{PAGE}.csv?made=999999").status_code == 404, "no such batch: no file"


def test_wrong_trial_days_are_shown_at_the_field_with_what_was_typed(cabinet):
    answer = create(cabinet, trial_days="45")
    assert answer.status_code == 400
    tree = html.fromstring(answer.text)
    assert tree.xpath("//input[@name='trial_days']/@value") == ["45"]
    assert tree.xpath("//*[@id='trial_days-error']/text()") == ["Пробный период длится от 1 до 30 дней."]
    typo = create(cabinet, trial_days="две недели")
    assert html.fromstring(typo.text).xpath("//input[@name='trial_days']/@value") == ["две недели"]
    assert "Напишите целое число." in text_of(typo.text)
    several = create(cabinet, email="ivan@client.example", count="2")
    assert several.status_code == 400 and "По почте отправляется один код." in text_of(several.text)
    assert cabinet.rows("invitations") == []


def test_the_list_is_newest_first_and_filtered_by_state(cabinet):
    create(cabinet, expires_days="1")
    cabinet.clock.advance(minutes=1)
    create(cabinet)
    with cabinet.database.begin() as conn:  # the first one's day has passed
        conn.execute(sa.text("UPDATE invitations SET expires_at = created_at WHERE id = 1"))
    [newer, older] = [row.code for row in reversed(cabinet.rows("invitations"))]
    assert [row[0] for row in listed(cabinet.http.get(PAGE).text)] == [newer, older]
    assert [row[0] for row in listed(cabinet.http.get(PAGE, params={"state": "expired"}).text)] == [older]
    assert [row[0] for row in listed(cabinet.http.get(PAGE, params={"state": "waiting"}).text)] == [newer]
    assert listed(cabinet.http.get(PAGE, params={"state": "used"}).text) == []
    selected = html.fromstring(cabinet.http.get(PAGE, params={"state": "expired"}).text)
    assert selected.xpath("//select[@name='state']/option[@selected]/text()") == ["Истёкшие"]


def test_the_csv_download_follows_the_filter(cabinet):
    create(cabinet, email="=cmd@client.example")
    create(cabinet, count="2")
    page = html.fromstring(cabinet.http.get(PAGE, params={"state": "waiting"}).text)
    [link] = page.xpath("//a[text()='Скачать CSV']/@href")
    assert link == f"{PAGE}.csv?state=waiting"
    answer = cabinet.http.get(link)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == f'attachment; filename="{SITE}-invitations-waiting.csv"'
    assert answer.content.startswith(b"\xef\xbb\xbf") and answer.content.endswith(b"\r\n")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3
    assert {row["Для кого"] for row in rows} == {"'=cmd@client.example", ""}, "a formula is neutralised"
    assert rows[0]["Код"] == cabinet.rows("invitations")[-1].code, "newest first"
    assert rows[0]["Тариф"] == "Бизнес" and rows[0]["Дней пробного периода"] == "30"
    assert rows[0]["Создано"] == "2026-03-10 12:30", "the moment in Moscow time"


def test_the_xlsx_download_is_a_workbook_of_the_same_list(cabinet):
    create(cabinet, email="=cmd@client.example", expires_days="7")
    create(cabinet, count="2")
    page = html.fromstring(cabinet.http.get(PAGE).text)
    [link] = page.xpath("//a[text()='Скачать Excel (XLSX)']/@href")
    answer = cabinet.http.get(link)
    assert answer.status_code == 200 and answer.headers["content-type"].endswith("spreadsheetml.sheet")
    assert answer.headers["content-disposition"] == f'attachment; filename="{SITE}-invitations.xlsx"'
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Код",
        "Создано",
        "Для кого",
        "Тариф",
        "Дней пробного периода",
        "Действует до",
        "Номер абонента",
        "Активировано",
    )
    codes = [row.code for row in reversed(cabinet.rows("invitations"))]
    assert [row[0] for row in rows[1:]] == codes
    oldest = rows[-1]
    assert oldest[1:6] == (
        dt.datetime(2026, 3, 10, 12, 30),
        "=cmd@client.example",
        "Бизнес",
        30,
        dt.datetime(2026, 3, 17, 12, 30),
    )
    assert sheet.cell(len(rows), 3).data_type == "s", "an address that looks like a formula is text"


def test_every_creation_is_in_the_audit_log(cabinet):
    create(cabinet, email="ivan@client.example")
    create(cabinet, count="2")
    entries = [row for row in cabinet.rows("audit_log") if row.action == "invitation_created"]
    assert [row.operator for row in entries] == [OPERATOR, OPERATOR]
    codes = [row.code for row in cabinet.rows("invitations")]
    assert codes[0] in entries[0].subject and "ivan@client.example" in entries[0].subject
    assert entries[1].details == ", ".join(codes[1:])
    overview = text_of(cabinet.http.get(f"/cabinet/{SITE}/").text)
    assert "создание приглашений" in overview


def test_an_english_partners_page_is_in_english(make_in_process_api, sites_dir):
    site_yaml = sites_dir / SITE / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("locale: ru", "locale: en"), encoding="utf-8")
    service = make_in_process_api()
    sign_in(service)
    answer = create(service, trial_days="0")
    assert "The trial lasts 1 to 30 days." in text_of(answer.text)
    assert "Download CSV" in text_of(answer.text)
    text = service.http.get(f"{PAGE}.csv").content.decode("utf-8-sig")
    assert text == "Code,Created,For whom,Tariff,Trial days,Expires on,Subscriber number,Activated\r\n"


def test_the_limit_of_invitations_to_one_address_is_explained(cabinet):
    for _n in range(3):
        assert create(cabinet, email="ivan@client.example").status_code == 303
    fourth = create(cabinet, email="ivan@client.example")
    assert fourth.status_code == 400
    [alert] = html.fromstring(fourth.text).xpath("//p[@role='alert']/text()")
    assert alert == (
        "На ivan@client.example за последние сутки уже отправлено 3 приглашения; "
        "передайте уже созданные коды или попробуйте завтра."
    )
    assert len(cabinet.rows("invitations")) == 3


def test_a_long_list_shows_the_newest_and_says_the_files_hold_them_all(cabinet, monkeypatch):
    monkeypatch.setattr(cabinet_invitations, "SHOWN", 2)
    create_and_follow(cabinet, count="3")
    page = cabinet.http.get(PAGE).text
    assert len(listed(page)) == 2
    assert "Показаны только 2 самых новых; в скачанных файлах есть все." in text_of(page)
    rows = list(csv.reader(io.StringIO(cabinet.http.get(f"{PAGE}.csv").content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 4
