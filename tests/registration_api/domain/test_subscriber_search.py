"""The cabinet's query of a partner's subscribers, on SQLite and PostgreSQL (the ``engine`` of
conftest.py): what one box finds
(names in any case, «ё», phones however typed, e-mail, company, ИНН, number), the filters, the
orders, the pages, and the batches the exports read."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from registration_api.domain import news_audience, subscriptions
from registration_api.domain.cabinet_overview import INVITATIONS
from registration_api.domain.subscriber_search import Criteria, batches, needles, search
from registration_api.storage import tables
from registration_api.storage.search_text import search_text

SITE = "acme"
START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
_numbers = itertools.count(1_000_001)


def add(engine: sa.Engine, name: str = "Иван Петров", **values: object) -> str:
    """A subscriber row as a sign-up writes it (``search_text`` included); returns its number."""
    number = str(values.pop("number", None) or next(_numbers))
    created = values.pop("created_at", START)
    row = {
        "number": number,
        "site_id": SITE,
        "page_id": "trial",
        "tariff": "biznes",
        "name": name,
        "email": f"client{number}@example.ru",
        "phone": "+79120000000",
        "company": None,
        "inn": None,
        "status": "trial",
        "trial_ends": dt.date(2026, 3, 31),
        "consent_at": created,
        "created_at": created,
        **values,
    }
    row["email_key"] = f"{number}-{row['email']}"
    row["search_text"] = search_text(row["name"], row["email"], row["phone"], row["company"], row["inn"])
    with engine.begin() as conn:
        conn.execute(tables.subscribers.insert().values(**row))
    return number


def numbers(engine: sa.Engine, site: str = SITE, **criteria: object) -> list[str]:
    """The numbers of the first page the criteria find."""
    return [s.number for s in search(engine, site, Criteria(**criteria)).subscribers]  # type: ignore[arg-type]


def test_a_part_of_a_name_is_found_in_any_letter_case_and_with_either_e(engine):
    pyotr = add(engine, "Пётр Иванов")
    anna = add(engine, "АННА Смирнова")
    olga = add(engine, "Olga Brown")
    assert numbers(engine, text="пётр") == [pyotr]
    assert numbers(engine, text="ПЕТР") == [pyotr], "«е» finds «ё», capitals find small letters"
    assert numbers(engine, text="анна") == [anna]
    assert numbers(engine, text="  смирн  ") == [anna]
    assert numbers(engine, text="BROWN") == [olga] and numbers(engine, text="Браун") == []


def test_e_mail_company_inn_and_number_are_found_by_a_part(engine):
    first = add(engine, email="ivan.petrov@romashka.example", company="ООО «Ромашка»", inn="6671045280")
    second = add(engine, email="olga@vektor.example", company="АО Вектор")
    assert numbers(engine, text="petrov@roma") == [first]
    assert numbers(engine, text="ромашка") == [first]
    assert numbers(engine, text="6671045") == [first]
    assert numbers(engine, text=second) == [second], "the subscriber's number"
    assert numbers(engine, text=second[-3:]) == [second]


@pytest.mark.parametrize(
    "typed",
    ["8 916 123-45-67", "+7 (916) 123-45-67", "89161234567", "+79161234567", "916 123", "9161234567", "123-45-67"],
)
def test_a_phone_is_found_however_it_is_typed(engine, typed):
    found = add(engine, phone="+79161234567")
    add(engine, phone="+79031112233")
    assert numbers(engine, text=typed) == [found]


def test_a_number_typed_with_8_is_a_phone_not_those_digits():
    assert needles("8 (916) 123") == ["7916123"]
    assert needles("8-916") == ["7916"]
    assert needles("89161234567") == ["79161234567"]
    assert needles("8916") == ["8916"], "digits alone may be part of an ИНН or a number"


def test_every_word_typed_must_be_found(engine):
    anna_romashka = add(engine, "Анна Петрова", company="ООО «Ромашка»")
    add(engine, "Анна Сидорова", company="АО Вектор")
    add(engine, "Пётр Иванов", company="ООО «Ромашка»")
    assert numbers(engine, text="анна ромашка") == [anna_romashka]
    assert numbers(engine, text="Ромашка Анна") == [anna_romashka], "in any order"


def test_filters_by_status_page_invitation_and_period(engine):
    early = add(engine, created_at=START)
    paid = add(engine, created_at=START + dt.timedelta(days=1), status="paid", page_id="kassa")
    invited = add(engine, created_at=START + dt.timedelta(days=2), page_id="invitation", invitation_id=7)
    late = add(engine, created_at=START + dt.timedelta(days=3), status="gone")
    assert numbers(engine, status="paid") == [paid]
    assert numbers(engine, status="gone") == [late]
    assert numbers(engine, page="kassa") == [paid]
    assert numbers(engine, page=INVITATIONS) == [invited]
    assert numbers(engine, page="trial") == [late, early]
    since, before = START + dt.timedelta(days=1), START + dt.timedelta(days=3)
    assert numbers(engine, since=since, before=before) == [invited, paid], "from the first moment, before the last"
    assert numbers(engine, since=since, before=before, status="trial", text="иван") == [invited]


def test_orders_newest_oldest_by_name_and_by_trial_end(engine):
    boris = add(engine, "Борис", created_at=START, trial_ends=dt.date(2026, 4, 3))
    anna = add(engine, "анна", created_at=START + dt.timedelta(hours=1), trial_ends=dt.date(2026, 4, 1))
    yolka = add(engine, "Ёлкин", created_at=START + dt.timedelta(hours=2), trial_ends=dt.date(2026, 4, 2))
    alla = add(engine, "Алла", created_at=START + dt.timedelta(hours=3), trial_ends=dt.date(2026, 4, 4))
    assert numbers(engine) == [alla, yolka, anna, boris]
    assert numbers(engine, sort="newest") == [alla, yolka, anna, boris]
    assert numbers(engine, sort="oldest") == [boris, anna, yolka, alla]
    assert numbers(engine, sort="name") == [alla, anna, boris, yolka], "small letters among capitals, «Ё» as «Е»"
    assert numbers(engine, sort="trial_end") == [anna, yolka, boris, alla]
    assert numbers(engine, sort="nonsense") == [alla, yolka, anna, boris], "an unknown order is the newest first"


def test_pages_of_a_long_list_count_everything_found(engine):
    made = [add(engine, f"Клиент {n:03d}", created_at=START + dt.timedelta(minutes=n)) for n in range(23)]
    first = search(engine, SITE, Criteria(), page=1, size=10)
    last = search(engine, SITE, Criteria(), page=3, size=10)
    assert (first.total, first.pages, len(first.subscribers)) == (23, 3, 10)
    assert [s.number for s in last.subscribers] == list(reversed(made))[20:]
    beyond = search(engine, SITE, Criteria(), page=4, size=10)
    assert beyond.subscribers == [] and beyond.total == 23


def test_another_partners_subscribers_are_never_found(engine):
    mine = add(engine, "Иван Петров", phone="+79161234567")
    theirs = add(engine, "Иван Петров", phone="+79161234567", site_id="other")
    assert numbers(engine, text="иван") == [mine]
    assert numbers(engine, text=theirs) == []
    assert numbers(engine, text="916 123") == [mine]
    assert search(engine, SITE, Criteria()).total == 1


@pytest.mark.parametrize("sort", ["newest", "oldest", "name", "trial_end"])
def test_batches_give_every_row_once_in_the_lists_order(engine, sort):
    for n in range(17):  # ties in every key: the id decides
        add(
            engine,
            f"Клиент {n % 3}",
            created_at=START + dt.timedelta(hours=n % 4),
            trial_ends=dt.date(2026, 4, n % 5 + 1),
        )
    add(engine, "Клиент чужой", site_id="other")
    criteria = Criteria(sort=sort)
    listed = [s.number for s in search(engine, SITE, criteria, size=100).subscribers]
    read = list(batches(engine, SITE, criteria, size=4))
    assert [len(batch) for batch in read] == [4, 4, 4, 4, 1]
    assert [s.number for batch in read for s in batch] == listed
    assert len(set(listed)) == 17


def test_batches_of_what_a_search_finds(engine):
    wanted = [add(engine, "Анна", created_at=START + dt.timedelta(minutes=n)) for n in range(5)]
    add(engine, "Борис")
    read = [s.number for batch in batches(engine, SITE, Criteria(text="анна", sort="oldest"), size=2) for s in batch]
    assert read == wanted
    assert list(batches(engine, SITE, Criteria(text="никто"))) == []


def test_the_newsletter_filter_finds_just_those_news_state_names(engine):
    """Every mix of consent, confirmation, unsubscription and refusal: the filter, in SQL, finds each
    subscriber under the one state ``news_audience.news_state`` gives it (which the cards show)."""
    moments = ("news_consent_at", "news_confirmed_at", "news_unsubscribed_at", "undeliverable_at")
    made: dict[str, str] = {}
    for mix in itertools.product((None, START), repeat=len(moments)):
        number = add(engine, **dict(zip(moments, mix, strict=True)))
        made[number] = news_audience.news_state(subscriptions.find(engine, SITE, number))
    assert set(made.values()) == set(news_audience.NEWS_STATES), "every state is among them"
    for state in news_audience.NEWS_STATES:
        found = sorted(numbers(engine, newsletter=state))
        assert found == sorted(number for number, said in made.items() if said == state), state
    assert len(numbers(engine)) == len(made), "no filter: everyone"
