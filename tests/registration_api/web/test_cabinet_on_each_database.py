"""The whole cabinet, page by page, on SQLite and on PostgreSQL: an operator signs in, finds a
client by a part of its name in another letter case, opens its page, records a payment and a
departure, downloads the list, makes a batch of invitations and its file, sees the subscriptions
ending and the newsletter, and creates a key; each change is in the overview's audit log."""

from __future__ import annotations

import csv
import io

import pytest
from lxml import html
from openpyxl import load_workbook

from registration_api.web.rate_limit import RateLimiter
from registration_api.web.service import SIGN_INS_PER_ADDRESS, SIGN_INS_PER_CLIENT
from tests.registration_api.web.test_cabinet_auth import SITE, csrf_of, sign_in, text_of
from tests.registration_api.web.test_cabinet_keys import new_key
from tests.support import valid_form

CABINET = f"/cabinet/{SITE}/"


@pytest.fixture
def cabinet(make_in_process_api, database_url):
    """The service on an empty database of each kind, its operator signed in."""
    service = make_in_process_api(database_url=database_url)
    state = service.app.state.service
    state.sign_ins_by_client = RateLimiter(SIGN_INS_PER_CLIENT)
    state.sign_ins_by_address = RateLimiter(SIGN_INS_PER_ADDRESS)
    assert sign_in(service).status_code == 303
    return service


def sign_up(api, **fields: str) -> str:
    answer = api.http.post(f"/r/{SITE}/trial", headers={"Accept": "application/json"}, data=valid_form(**fields))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["subscriber_number"])


def post(api, page: str, action: str, **fields: str):
    """Post ``fields`` with the form token of ``page`` to ``action``."""
    return api.http.post(action, data={**fields, "csrf": csrf_of(api.http.get(page).text)})


def test_an_operator_does_everything_the_cabinet_offers(cabinet):
    vera = sign_up(cabinet, name="Вера Ёлкина", email="vera@client.example", phone="+7 916 555-44-33")
    sign_up(cabinet, name="Борис Иванов", email="boris@client.example", phone="+7 903 111-22-33")

    found = cabinet.http.get(f"{CABINET}subscribers", params={"q": "ЕЛКИНА"})
    assert found.status_code == 200 and "Найден 1 абонент" in text_of(found.text)
    assert html.fromstring(found.text).xpath("//tbody//a/text()")[:1] == [vera]

    page = f"{CABINET}subscribers/{vera}"
    assert "Вера Ёлкина" in text_of(cabinet.http.get(page).text)
    paid = post(cabinet, page, f"{page}/convert", tariff="biznes", paid_until="31.03.2027")
    assert paid.status_code == 303
    gone = post(cabinet, page, f"{page}/departure", cause="price", reason="нашли дешевле")
    assert gone.status_code == 303
    shown = text_of(cabinet.http.get(page).text)
    assert "31.03.2027" in shown, "the paid period's end"
    assert "Дорого" in shown

    file = cabinet.http.get(f"{CABINET}subscribers.csv")
    rows = list(csv.reader(io.StringIO(file.content.decode("utf-8-sig")), delimiter=";"))
    by_number = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert vera in by_number and len(by_number) == 2
    assert (by_number[vera]["Причина ухода"], by_number[vera]["Оплачен до"]) == ("Дорого", "2027-03-31")
    sheet = load_workbook(io.BytesIO(cabinet.http.get(f"{CABINET}subscribers.xlsx").content)).active
    assert sheet.max_row == 3

    made = post(cabinet, f"{CABINET}invitations", f"{CABINET}invitations", count="3", trial_days="30")
    assert made.status_code == 303
    batch = html.fromstring(cabinet.http.get(made.headers["location"]).text)
    codes = batch.xpath("//section[@aria-labelledby='created']//code/text()")
    [batch_file] = batch.xpath("//section[@aria-labelledby='created']//a[text()='CSV']/@href")
    batch_rows = list(csv.reader(io.StringIO(cabinet.http.get(batch_file).content.decode("utf-8-sig")), delimiter=";"))
    assert sorted(row[0] for row in batch_rows[1:]) == sorted(codes) and len(codes) == 3

    cabinet.clock.advance(days=25)  # the other trial ends within 14 days; the session has ended
    assert sign_in(cabinet).status_code == 303
    ending = text_of(cabinet.http.get(f"{CABINET}ending").text)
    assert "Борис Иванов" in ending and "Вера Ёлкина" not in ending
    newsletter = text_of(cabinet.http.get(f"{CABINET}newsletter").text)
    assert "Каждые 2 недели, по вторникам в 10:00" in newsletter and "Выпусков ещё не было." in newsletter

    keys = f"{CABINET}settings/keys"
    created = post(cabinet, keys, keys, label="CRM")
    assert created.status_code == 200
    key = new_key(created)
    listing = cabinet.http.get(f"/api/v1/sites/{SITE}/subscribers", headers={"Authorization": f"Bearer {key}"})
    assert listing.status_code == 200 and len(listing.json()) == 2

    audit = text_of(cabinet.http.get(CABINET).text)
    for done in ("запись оплаты", "запись ухода клиента", "создание приглашений", "создание ключа API"):
        assert done in audit, done
