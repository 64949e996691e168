"""``registration-api`` as an operator or a partner runs it, in this process, in English and in
Russian: keys in the order the README gives, what ``send-mail`` and ``remind`` say, the links
and the times the verbs print."""

from __future__ import annotations

import datetime as dt
import re
import shlex
from zoneinfo import ZoneInfo

import pytest

from registration_api import cli
from registration_api.storage import tables
from storefront import language
from tests.support import REPO, SERVICE_URL, free_port, valid_form

SITE = "oblako-plus"
OTHER = "buhcentr"
MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture(autouse=True)
def english_again():
    """``--lang ru`` sets this process's language, as it does a command's: back to the tests' English."""
    yield
    language.use()


def listed_prefixes(service, site: str = SITE) -> list[str]:
    """The first column of ``keys list``, as a person would copy it."""
    listed = service.cli("keys", "list", site)
    assert listed.code == 0, listed.err
    return [line.split()[0] for line in listed.out.splitlines()]


# --- keys ------------------------------------------------------------------------------------


def test_the_readme_key_commands_name_the_site_first():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^registration-api (keys \w+ .*?)(?:\s+#.*)?$", readme, re.MULTILINE)
    assert {c.split()[1] for c in commands} == {"create", "list", "revoke"}
    for command in commands:
        args = cli.parser().parse_args(shlex.split(command))
        assert args.site_id == "oblako-plus", command
    revoke = cli.parser().parse_args(["keys", "revoke", SITE, "sfk_AbCdEfGh…"])
    assert (revoke.site_id, revoke.prefix) == (SITE, "sfk_AbCdEfGh…")


@pytest.mark.parametrize("shown", ["as listed", "three dots", "bare", "whole key", "spaces"])
def test_keys_revoke_takes_the_prefix_as_keys_list_prints_it(in_process_api, shown):
    key = in_process_api.cli("keys", "create", SITE, "--label", "CRM").out.strip()
    [printed] = listed_prefixes(in_process_api)
    assert printed == key[:12] + "…"
    text = {
        "as listed": printed,
        "three dots": key[:12] + "...",
        "bare": key[:12],
        "whole key": key,
        "spaces": f"  {printed} ",
    }[shown]
    revoked = in_process_api.cli("keys", "revoke", SITE, text)
    assert (revoked.code, revoked.out) == (
        0,
        f"The key {printed} of {SITE} is revoked: it no longer opens the partner API.\n",
    ), revoked.err
    answer = in_process_api.http.get(f"/api/v1/sites/{SITE}/subscribers", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 401
    [state] = in_process_api.cli("keys", "list", SITE).out.splitlines()
    assert re.fullmatch(rf"{re.escape(printed)}  \d{{4}}-\d\d-\d\d  revoked \d{{4}}-\d\d-\d\d  CRM", state)
    again = in_process_api.cli("keys", "revoke", SITE, printed)
    assert again.code == 0 and re.fullmatch(
        rf"The key {re.escape(printed)} of {SITE} was already revoked at \d{{4}}-\d\d-\d\d \d\d:\d\d MSK; "
        r"nothing to do\.\n",
        again.out,
    )


def test_keys_revoke_in_russian(in_process_api):
    in_process_api.cli("keys", "create", SITE)
    [printed] = listed_prefixes(in_process_api)
    listed = in_process_api.cli("--lang", "ru", "keys", "list", SITE)
    assert re.fullmatch(rf"{re.escape(printed)}  \d{{4}}-\d\d-\d\d  действует\n", listed.out)
    revoked = in_process_api.cli("--lang", "ru", "keys", "revoke", SITE, printed)
    assert revoked.out == f"Ключ {printed} сайта {SITE} отозван: доступа к API партнёра по нему больше нет.\n"
    assert "отозван " in in_process_api.cli("--lang", "ru", "keys", "list", SITE).out


def test_an_unknown_site_is_named_with_the_sites_there(in_process_api):
    wrong = in_process_api.cli("keys", "revoke", "oblako", "sfk_AbCdEfGh")
    assert wrong.code == 1
    assert wrong.err.endswith(
        f"error: there is no site «oblako» in {in_process_api.sites_dir}/; the sites there: buhcentr, oblako-plus\n"
    )
    russian = in_process_api.cli("--lang", "ru", "keys", "list", "oblako")
    assert russian.code == 1 and russian.err.endswith(
        f"ошибка: в {in_process_api.sites_dir}/ нет сайта «oblako»; есть сайты: buhcentr, oblako-plus\n"
    )


def test_an_unknown_prefix_points_at_keys_list(in_process_api):
    in_process_api.cli("keys", "create", SITE)
    missing = in_process_api.cli("keys", "revoke", SITE, "sfk_AbCdEfGh…")
    assert missing.code == 1 and missing.err == (
        f"error: {SITE} has no key sfk_AbCdEfGh…; `registration-api keys list {SITE}` shows its keys\n"
    )
    russian = in_process_api.cli("--lang", "ru", "keys", "revoke", SITE, "sfk_AbCdEfGh")
    assert russian.err == (
        f"ошибка: у {SITE} нет ключа sfk_AbCdEfGh…; его ключи покажет `registration-api keys list {SITE}`\n"
    )


def test_another_sites_key_is_not_found_for_this_site_and_stays_active(in_process_api):
    in_process_api.cli("keys", "create", OTHER)
    [printed] = listed_prefixes(in_process_api, OTHER)
    refused = in_process_api.cli("keys", "revoke", SITE, printed)
    assert refused.code == 1 and refused.err == (
        f"error: {SITE} has no key {printed}: that key belongs to another site; "
        f"`registration-api keys list {SITE}` shows {SITE}'s keys\n"
    )
    assert "active" in in_process_api.cli("keys", "list", OTHER).out


def test_a_site_with_problems_keeps_its_keys_revocable_and_makes_no_invitations(make_in_process_api, sites_dir):
    service = make_in_process_api()
    service.cli("keys", "create", SITE)
    (sites_dir / SITE / "site.yaml").write_text("site: [\n", encoding="utf-8")
    [printed] = listed_prefixes(service)
    assert service.cli("keys", "revoke", SITE, printed).code == 0, "a key is never stuck on a broken site"
    refused = service.cli("invitations", "create", SITE)
    assert refused.code == 1
    assert refused.err.startswith(f"error: the site «{SITE}» has problems, so the service does not serve it;")


@pytest.mark.parametrize("text", ["%", "sfk_________x", "sfk_AbCd", "AbCdEfGh", "sfk_AbCdEf%h"])
def test_a_prefix_of_the_wrong_shape_is_refused_as_usage(in_process_api, text):
    refused = in_process_api.cli("keys", "revoke", SITE, text)
    assert refused.code == 2
    assert refused.err.startswith(f"error: PREFIX: «{text}» is not a key's prefix; write it as `registration-api keys")


def test_swapped_arguments_are_explained(in_process_api):
    swapped = in_process_api.cli("keys", "revoke", "sfk_AbCdEfGh…", SITE)
    assert swapped.code == 1 and "«sfk_AbCdEfGh…» is a key's prefix, not a site: write the site first" in swapped.err
    russian = in_process_api.cli("--lang", "ru", "keys", "revoke", "sfk_AbCdEfGh…", SITE)
    assert "«sfk_AbCdEfGh…» — это начало ключа, а не сайт: сначала укажите сайт" in russian.err


def test_a_new_key_says_it_is_shown_once_and_how_to_revoke_it(in_process_api):
    made = in_process_api.cli("--lang", "ru", "keys", "create", SITE)
    key = made.out.strip()
    assert made.code == 0 and re.fullmatch(r"sfk_[\w-]{40}", key)
    assert made.err.startswith("Ключ показывается только сейчас")
    assert f"`registration-api keys revoke {SITE} {key[:12]}`" in made.err
    assert "has no API keys yet" in in_process_api.cli("keys", "list", OTHER).err


def test_the_help_of_every_verb_is_in_russian(capsys):
    for verb in (["serve"], ["send-mail"], ["remind"], ["keys", "revoke"], ["invitations", "create"]):
        with pytest.raises(SystemExit):
            cli.main(["--lang", "ru", *verb, "--help"])
        shown = capsys.readouterr().out
        assert shown.startswith("использование: registration-api"), verb
        assert "папка с сайтами партнёров (по умолчанию sites)" in shown, verb
    with pytest.raises(SystemExit):
        cli.main(["--lang", "ru", "invitations", "create", "--help"])
    assert "длительность пробного периода, от 1 до 30 дней" in capsys.readouterr().out


# --- send-mail ---------------------------------------------------------------------------------


def queue_emails(service, count: int) -> None:
    """``count`` e-mails due now in the outbox, as a sign-up leaves them."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    with service.database.begin() as conn:
        for i in range(count):
            conn.execute(
                tables.outbox.insert().values(
                    purpose="welcome",
                    channel="email",
                    site_id=SITE,
                    envelope_from="robot@storefront.example",
                    recipients=[f"client{i}@client.example"],
                    message=f"Subject: test {i}\r\n\r\nhello\r\n".encode(),
                    created_at=now,
                    next_attempt_at=now,
                )
            )


@pytest.mark.parametrize(
    ("count", "english", "russian"),
    [
        (0, "No e-mails were due to be sent.", "Писем к отправке нет."),
        (1, "1 e-mail sent.", "Отправлено 1 письмо."),
        (3, "3 e-mails sent.", "Отправлено 3 письма."),
        (5, "5 e-mails sent.", "Отправлено 5 писем."),
    ],
)
def test_send_mail_says_what_it_sent_in_words(in_process_api, count, english, russian):
    queue_emails(in_process_api, count)
    sent = in_process_api.cli("send-mail")
    assert (sent.code, sent.out) == (0, english + "\n")
    assert len(in_process_api.mail()) == count
    queue_emails(in_process_api, count)
    sent = in_process_api.cli("--lang", "ru", "send-mail")
    assert (sent.code, sent.out) == (0, russian + "\n"), "nothing about retries when nothing failed"


def test_a_failed_delivery_says_when_it_is_tried_again_with_the_zone(in_process_api, monkeypatch):
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{free_port()}")  # nothing listens there
    queue_emails(in_process_api, 1)
    before = dt.datetime.now(dt.UTC)
    failed = in_process_api.cli("--lang", "ru", "send-mail")
    assert failed.code == 1
    first, reason = failed.out.splitlines()
    match = re.fullmatch(r"1 письмо не отправлено, повтор в (\d\d:\d\d) МСК\.", first)
    assert match, first
    retry = (before + dt.timedelta(seconds=30)).astimezone(MOSCOW)
    assert match.group(1) in {f"{retry:%H:%M}", f"{retry + dt.timedelta(minutes=1):%H:%M}"}
    assert reason.startswith("Причина первой неудачи: ")
    queue_emails(in_process_api, 2)
    failed = in_process_api.cli("send-mail")
    assert re.match(r"2 e-mails not sent; next try at \d\d:\d\d MSK\.\n", failed.out), failed.out
    monkeypatch.delenv("SMTP_URL")
    waiting = in_process_api.cli("--lang", "ru", "send-mail")
    assert re.fullmatch(r"Писем к отправке нет\.\n3 сообщения ждут повтора в \d\d:\d\d МСК\.\n", waiting.out)


def test_times_carry_their_zone():
    moment = dt.datetime(2026, 12, 1, 15, 30, tzinfo=dt.UTC)
    assert cli.moment(moment, MOSCOW) == "2026-12-01 18:30 MSK"
    assert cli.moment(moment, MOSCOW, today=dt.date(2026, 12, 1)) == "18:30 MSK"
    assert cli.moment(moment, ZoneInfo("Asia/Yekaterinburg")) == "2026-12-01 20:30 +05:00"
    with language.speaking("ru"):
        assert cli.moment(moment, MOSCOW) == "2026-12-01 18:30 МСК"


# --- remind ----------------------------------------------------------------------------------


def test_remind_says_what_it_queued_in_words(in_process_api):
    for i in range(2):  # trials that end on 9 April: a week before, each gets a reminder
        answer = in_process_api.http.post(
            f"/r/{SITE}/trial",
            data=valid_form(email=f"c{i}@client.example"),
            headers={"Accept": "application/json"},
        )
        assert answer.status_code == 201
    none = in_process_api.cli("remind", "--today", "2026-03-11")
    assert none.out.splitlines()[0] == "2026-03-11: no subscription reminders were due."
    reminded = in_process_api.cli("--lang", "ru", "remind", "--today", "2026-04-02")
    assert reminded.code == 0, reminded.err
    assert reminded.out.splitlines()[0] == "2026-04-02: подготовлено 2 напоминания о подписке."


# --- invitations -------------------------------------------------------------------------------


def test_invitation_links_use_the_public_address(in_process_api):
    made = in_process_api.cli("invitations", "create", SITE, "--count", "2")
    assert made.code == 0, made.err
    links = [line.split()[1] for line in made.out.splitlines()]
    assert len(links) == 2 and all(link.startswith(f"{SERVICE_URL}/invite/") for link in links)
    assert made.err.startswith("2 invitation codes created; give each person the link beside their code:")
    assert "PUBLIC_BASE_URL" not in made.err
    russian = in_process_api.cli("--lang", "ru", "invitations", "create", SITE, "--count", "5")
    assert russian.err.startswith("Создано 5 кодов приглашения")
    assert in_process_api.http.get(links[0].removeprefix(SERVICE_URL)).status_code == 200


def test_invitation_links_without_a_public_address_say_where_they_open(make_in_process_api):
    service = make_in_process_api(public_base_url="")
    made = service.cli("invitations", "create", SITE)
    assert made.out.split()[1].startswith("http://127.0.0.1:8000/invite/")
    assert "PUBLIC_BASE_URL is not set, so the links start with http://127.0.0.1:8000/" in made.err


def test_the_invitation_table_speaks_russian_with_times_in_their_zone(in_process_api):
    code = in_process_api.cli("invitations", "create", SITE).out.split()[0]
    activated = in_process_api.http.post(f"/invite/{code}", data=valid_form())
    assert activated.status_code == 200
    table = in_process_api.cli("--lang", "ru", "invitations", "list", SITE).out.splitlines()
    assert table[0].split() == ["код", "создан", "кому", "абонент", "активирован"]
    assert table[1].split()[0] == code
    assert table[1].endswith("2026-03-10 12:30 МСК"), "the test clock's 09:30 UTC, in Moscow"
    empty = in_process_api.cli("invitations", "list", OTHER)
    assert empty.out == "" and "has no invitations yet" in empty.err


def test_a_wrong_invitation_argument_is_said_in_russian(in_process_api):
    wrong = in_process_api.cli("--lang", "ru", "invitations", "create", SITE, "--tariff", "gold")
    assert wrong.code == 1 and wrong.err.startswith(f"ошибка: в {SITE} нет тарифа «gold» (тарифы: ")
    wrong = in_process_api.cli("--lang", "ru", "invitations", "create", SITE, "--trial-days", "45")
    assert wrong.err == "ошибка: пробный период длится от 1 до 30 дней\n"


def test_a_setting_problem_is_said_in_russian(in_process_api):
    in_process_api.env["RATE_LIMIT_PER_MINUTE"] = "много"
    try:
        wrong = in_process_api.cli("--lang", "ru", "send-mail")
    finally:
        in_process_api.env["RATE_LIMIT_PER_MINUTE"] = "10000"
    assert wrong.code == 1 and wrong.err == "ошибка: RATE_LIMIT_PER_MINUTE должен быть целым числом, а не «много»\n"
