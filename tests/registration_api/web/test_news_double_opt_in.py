"""A consent to news made to count at sign-up: confirmed at once, or, where the partner's
newsletter asks for double opt-in, e-mailed a confirmation link in the sign-up's own transaction;
and given anew by a person who signs up again while their trial runs (in-process, SQLite).

The e-mails' content and the real SMTP server are in tests/integration/test_news_confirmation.py."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from registration_api.domain import news_audience
from registration_api.domain.signups import SignUp, _Request
from registration_api.storage.records import Subscriber
from registration_api.storage.tables import outbox, subscribers
from tests.registration_api.web.test_cabinet_auth import sign_in
from tests.registration_api.web.test_cabinet_subscriber import card, history
from tests.support import CLOCK_START, REPO, SERVICE_URL, Clock, InProcessApi, in_process_env, valid_form

SITE = "oblako-plus"
FROM_STOREFRONT = {"Origin": "https://oblako-plus.example"}
AS_JSON = {"Accept": "application/json"}
WORDING = "Я хочу получать от «Облако Плюс» новости и предложения по электронной почте."


def ask_double_opt_in(sites_dir: Path, wanted: bool = True) -> None:
    """Make the example partner's newsletter ask (or not) for double opt-in, whatever its site.yaml says now."""
    path = sites_dir / SITE / "site.yaml"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if "double_opt_in:" not in line]
    setting = f"  double_opt_in: {'true' if wanted else 'false'}"
    if "newsletter:" in lines:
        lines.insert(lines.index("newsletter:") + 1, setting)
    else:
        lines += ["newsletter:", "  every: 2 weeks", setting]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _service(root: Path, double_opt_in: bool) -> InProcessApi:
    shutil.copytree(REPO / "sites", root / "sites")
    ask_double_opt_in(root / "sites", double_opt_in)
    return InProcessApi(in_process_env(root), root / "sites", Clock(CLOCK_START)).start()


@pytest.fixture(scope="module")
def asking_service(tmp_path_factory):
    service = _service(tmp_path_factory.mktemp("double-opt-in"), double_opt_in=True)
    yield service
    service.stop()


@pytest.fixture(scope="module")
def trusting_service(tmp_path_factory):
    service = _service(tmp_path_factory.mktemp("single-opt-in"), double_opt_in=False)
    yield service
    service.stop()


@pytest.fixture
def asking(asking_service: InProcessApi) -> InProcessApi:
    """The service of a partner whose newsletter asks for double opt-in, as if just started."""
    asking_service.reset()
    return asking_service


@pytest.fixture
def trusting(trusting_service: InProcessApi) -> InProcessApi:
    """The service of a partner whose newsletter takes a ticked box as consent, as if just started."""
    trusting_service.reset()
    return trusting_service


def sign_up(service: InProcessApi, **form: str):
    return service.http.post(f"/r/{SITE}/trial", data=valid_form(**form), headers=FROM_STOREFRONT)


def stored(service: InProcessApi, email: str = "anna@client.example") -> Subscriber:
    with service.database.connect() as conn:
        [row] = conn.execute(sa.select(subscribers).where(subscribers.c.email_key == email))
    return Subscriber.from_row(row)


def queued(service: InProcessApi) -> list[sa.Row]:
    """The outbox's rows, oldest first, their JSON read."""
    with service.database.connect() as conn:
        return list(conn.execute(sa.select(outbox).order_by(outbox.c.id)))


def confirmations(service: InProcessApi) -> list[sa.Row]:
    return [row for row in queued(service) if row.purpose == "news_confirm"]


def confirmation_link(service: InProcessApi) -> str:
    """The link of the one confirmation e-mail the outbox delivered to the Maildir."""
    sent = service.cli("send-mail")
    assert sent.code == 0, sent.err
    [mail] = [m for m in service.mail() if "подтвердите подписку" in m["Subject"]]
    found = re.search(rf"{re.escape(SERVICE_URL)}/news/{SITE}/confirm/\S+", mail.get_body("plain").get_content())
    assert found, "the confirmation link written out in the text"
    return found.group(0)


# --- at sign-up ---------------------------------------------------------------------------------------


def test_without_double_opt_in_the_ticked_box_is_confirmed_by_the_sign_up_itself(trusting):
    assert sign_up(trusting, news="yes").status_code == 303
    subscriber = stored(trusting)
    assert subscriber.news_confirmed_at == subscriber.news_consent_at == CLOCK_START
    assert news_audience.news_state(subscriber) == "subscribed"
    assert confirmations(trusting) == [], "no confirmation e-mail"
    assert [row.purpose for row in trusting.outbox()] == ["partner_notice", "welcome"]


def test_with_double_opt_in_the_consent_waits_and_its_confirmation_is_queued_with_the_sign_up(asking):
    assert sign_up(asking, news="yes").status_code == 303
    subscriber = stored(asking)
    assert subscriber.news_consent_at == CLOCK_START and subscriber.news_confirmed_at is None
    assert news_audience.news_state(subscriber) == "awaiting_confirmation"
    [confirmation] = confirmations(asking)
    assert confirmation.recipients == ["anna@client.example"] and confirmation.subscriber_id == subscriber.id
    assert confirmation.message == b"", "composed by the sender, not by the sign-up"
    assert [row.purpose for row in asking.outbox()] == ["partner_notice", "welcome", "news_confirm"]


def test_the_e_mailed_link_confirms_that_subscriber_of_that_partner(asking):
    sign_up(asking, news="yes")
    link = confirmation_link(asking)
    token = link.rsplit("/", 1)[1]
    secret = asking.app.state.service.link_secret
    assert news_audience.read_link_token(secret, "confirm", SITE, token) == stored(asking).number
    assert news_audience.read_link_token(secret, "confirm", "buhcentr", token) is None
    assert news_audience.read_link_token(secret, "unsubscribe", SITE, token) is None


def test_with_double_opt_in_an_unticked_box_sends_no_confirmation(asking):
    sign_up(asking)
    subscriber = stored(asking)
    assert subscriber.news_consent_at is None and subscriber.news_confirmed_at is None
    assert confirmations(asking) == []


def test_an_invitation_activated_with_the_tick_is_confirmed_by_e_mail_too(asking):
    answer = asking.http.post(f"/api/v1/sites/{SITE}/invitations", json={}, headers=asking.bearer(SITE))
    [code] = answer.json()["codes"]
    assert asking.http.post(f"/invite/{code}", data=valid_form(news="yes")).status_code == 200
    subscriber = stored(asking)
    assert subscriber.page_id == "invitation" and subscriber.news_consent_text == WORDING
    assert subscriber.news_confirmed_at is None
    [confirmation] = confirmations(asking)
    assert confirmation.recipients == ["anna@client.example"]
    assert confirmation_link(asking).endswith(
        f"/confirm/{news_audience.link_token(asking.app.state.service.link_secret, 'confirm', SITE, subscriber.number)}"
    )


def test_an_invitation_activated_without_double_opt_in_is_confirmed_at_once(trusting):
    answer = trusting.http.post(f"/api/v1/sites/{SITE}/invitations", json={}, headers=trusting.bearer(SITE))
    [code] = answer.json()["codes"]
    trusting.http.post(f"/invite/{code}", data=valid_form(news="yes"))
    assert news_audience.news_state(stored(trusting)) == "subscribed" and confirmations(trusting) == []


# --- signing up again while the trial runs -----------------------------------------------------------


def test_signing_up_again_with_the_tick_gives_the_consent_the_first_time_lacked(trusting):
    first = trusting.http.post(f"/r/{SITE}/trial", data=valid_form(), headers=AS_JSON)
    trusting.clock.advance(days=2)
    again = trusting.http.post(f"/r/{SITE}/trial", data=valid_form(news="yes"), headers=AS_JSON)
    subscriber = stored(trusting)
    assert subscriber.news_consent_at == subscriber.news_confirmed_at == CLOCK_START + dt.timedelta(days=2)
    assert subscriber.news_consent_text == WORDING and news_audience.news_state(subscriber) == "subscribed"
    assert len(trusting.subscribers()) == 1 and confirmations(trusting) == []
    # the visitor is answered as before: a repeat found by e-mail, its number kept private
    assert first.status_code == again.status_code == 201
    assert again.json() == {"status": "registered", "thanks_url": first.json()["thanks_url"]}


def test_the_answer_to_a_browser_is_the_same_redirect_whether_or_not_it_ticked(asking):
    first = sign_up(asking)
    again = sign_up(asking, news="yes")
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]


def test_with_double_opt_in_signing_up_again_with_the_tick_e_mails_the_confirmation(asking):
    sign_up(asking)
    sign_up(asking, news="yes", name="Анна Петрова-Сидорова", email="ANNA@client.example")
    subscriber = stored(asking)
    assert news_audience.news_state(subscriber) == "awaiting_confirmation"
    [confirmation] = confirmations(asking)
    assert confirmation.recipients == ["anna@client.example"], "to the address stored, as the person first wrote it"
    assert confirmation.subscriber_id == subscriber.id
    assert [row.purpose for row in asking.outbox()] == ["partner_notice", "welcome", "news_confirm"]


def test_signing_up_again_without_the_tick_is_not_unsubscribing(trusting):
    sign_up(trusting, news="yes")
    trusting.clock.advance(days=1)
    sign_up(trusting)
    subscriber = stored(trusting)
    assert subscriber.news_consent_at == subscriber.news_confirmed_at == CLOCK_START
    assert subscriber.news_consent_text == WORDING and subscriber.news_unsubscribed_at is None


def test_signing_up_again_with_the_tick_keeps_a_consent_already_given(asking):
    sign_up(asking, news="yes")
    asking.clock.advance(hours=1)
    sign_up(asking, news="yes")
    assert stored(asking).news_consent_at == CLOCK_START
    assert len(confirmations(asking)) == 1, "no second confirmation while the first waits"


def test_signing_up_again_with_the_tick_after_unsubscribing_subscribes_anew(trusting):
    sign_up(trusting, news="yes")
    number = stored(trusting).number
    assert news_audience.unsubscribe(trusting.database, SITE, number, CLOCK_START + dt.timedelta(days=1))
    assert news_audience.news_state(stored(trusting)) == "unsubscribed"
    trusting.clock.advance(days=3)
    sign_up(trusting, news="yes")
    subscriber = stored(trusting)
    assert subscriber.news_unsubscribed_at is None
    assert subscriber.news_consent_at == subscriber.news_confirmed_at == CLOCK_START + dt.timedelta(days=3)
    assert news_audience.news_state(subscriber) == "subscribed"


def test_with_double_opt_in_coming_back_after_unsubscribing_needs_a_new_confirmation(asking):
    sign_up(asking, news="yes")
    number = stored(asking).number
    assert news_audience.confirm(asking.database, SITE, number, CLOCK_START)
    assert news_audience.unsubscribe(asking.database, SITE, number, CLOCK_START)
    asking.clock.advance(days=1)
    sign_up(asking, news="yes")
    subscriber = stored(asking)
    assert subscriber.news_confirmed_at is None and subscriber.news_unsubscribed_at is None
    assert news_audience.news_state(subscriber) == "awaiting_confirmation"
    assert len(confirmations(asking)) == 2


def test_a_repeat_by_form_token_with_another_address_changes_nobodys_consent(asking):
    sign_up(asking, token="form-token-1")
    sign_up(asking, token="form-token-1", email="boris@client.example", news="yes")
    assert len(asking.subscribers()) == 1
    assert stored(asking).news_consent_at is None and confirmations(asking) == []


def test_an_invitation_joining_the_running_trial_with_the_tick_gives_the_consent(asking):
    sign_up(asking)
    answer = asking.http.post(f"/api/v1/sites/{SITE}/invitations", json={}, headers=asking.bearer(SITE))
    [code] = answer.json()["codes"]
    assert asking.http.post(f"/invite/{code}", data=valid_form(news="yes")).status_code == 200
    assert len(asking.subscribers()) == 1
    assert news_audience.news_state(stored(asking)) == "awaiting_confirmation"
    assert len(confirmations(asking)) == 1


def test_a_twin_in_the_same_batch_that_ticked_gives_the_consent_the_first_lacked(asking):
    service = asking.app.state.service
    partner = service.sites.get(SITE)
    page = partner.page("trial")

    def request(news: str | None) -> _Request:
        return _Request(
            partner, page, SignUp("Анна Петрова", "anna@client.example", "+79123456789", None, None, None, news)
        )

    with service.engine.begin() as conn:
        outcomes = service.signups._register_batch(conn, [request(None), request(WORDING)])
    assert [o.created for o in outcomes] == [True, False] and outcomes[0].number == outcomes[1].number
    subscriber = stored(asking)
    assert subscriber.news_consent_text == WORDING and news_audience.news_state(subscriber) == "awaiting_confirmation"
    assert [row.purpose for row in queued(asking)] == ["partner_notice", "welcome", "news_confirm"]


def test_the_cabinet_shows_the_consent_waiting_and_the_e_mail_that_asks_for_it(asking):
    sign_in(asking)
    sign_up(asking, news="yes")
    page = asking.http.get(f"/cabinet/{SITE}/subscribers/{stored(asking).number}").text
    assert card(page)["Рассылка"] == "Ждёт подтверждения"
    assert "Письмо клиенту с просьбой подтвердить подписку на новости" in [row[1] for row in history(page)]
