"""The service's log lines for an operator, in the operator's language (``--lang``/``LANG``),
with their ``key=value`` fields kept as they are for grep."""

from __future__ import annotations

import logging

import pytest

from registration_api import cli
from storefront import language
from tests.support import free_port, valid_form

SITE = "oblako-plus"


@pytest.fixture
def russian_operator():
    language.use("ru")
    yield
    language.use()


def sign_up(service, **form) -> int:
    answer = service.http.post(f"/r/{SITE}/trial", data=valid_form(**form), headers={"Accept": "application/json"})
    return answer.status_code


def test_sign_ups_are_logged_in_russian_with_their_keys(in_process_api, russian_operator, caplog):
    with caplog.at_level(logging.INFO, logger="registration_api"):
        assert sign_up(in_process_api) == 201
        assert sign_up(in_process_api) == 201
        assert sign_up(in_process_api, email="x@client.example", website="spam") == 201
        assert sign_up(in_process_api, phone="123") == 422
    said = [record.getMessage() for record in caplog.records]
    assert "заявка принята: site=oblako-plus page=trial subscriber=1000001, новый абонент" in said
    assert "повторная заявка: site=oblako-plus page=trial subscriber=1000001, абонент уже зарегистрирован" in said
    assert "заявка отброшена: site=oblako-plus page=trial, бот заполнил скрытое поле" in said
    assert "заявка возвращена посетителю: site=oblako-plus page=trial, нужно исправить поля fields=phone" in said


def test_sign_ups_are_logged_in_english_for_an_english_operator(in_process_api, caplog):
    with caplog.at_level(logging.INFO, logger="registration_api"):
        assert sign_up(in_process_api) == 201
    said = [record.getMessage() for record in caplog.records]
    assert "sign-up accepted: site=oblako-plus page=trial subscriber=1000001, a new subscriber" in said


def test_a_failed_delivery_is_logged_in_russian(in_process_api, caplog):
    in_process_api.env["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    try:
        assert sign_up(in_process_api) == 201
        with caplog.at_level(logging.INFO, logger="registration_api"):
            assert in_process_api.cli("--lang", "ru", "send-mail").code == 1
    finally:
        del in_process_api.env["SMTP_URL"]
        language.use()
    failures = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(failures) == 2
    assert all(" purpose=" in line and "attempt=1 не доставлено (" in line for line in failures), failures
    assert all(line.endswith("повтор через 0:00:30") for line in failures), failures


def test_the_log_lines_carry_their_zone(in_process_api):
    root = logging.getLogger()
    handlers = root.handlers[:]
    root.handlers = []  # as in a fresh process, where main() configures the log
    try:
        in_process_api.cli("send-mail")
        stamp = root.handlers[0].formatter.formatTime(logging.makeLogRecord({}), root.handlers[0].formatter.datefmt)
    finally:
        root.handlers = handlers
    assert stamp[-5] in "+-" and stamp[-4:].isdigit(), stamp


def test_the_sender_says_when_it_starts_and_stops(in_process_api, caplog, monkeypatch):
    monkeypatch.setattr(cli.asyncio, "run", lambda coroutine: coroutine.close())  # a sender stopped at once
    with caplog.at_level(logging.INFO, logger="registration_api"):
        assert in_process_api.cli("--lang", "ru", "send-mail", "--watch").code == 0
    said = [record.getMessage() for record in caplog.records]
    assert f"отправка писем запущена: доставка через Maildir {in_process_api.settings.maildir}" in said
    assert said[-1] == "отправка писем остановлена"


def test_the_sender_serve_starts_logs_in_the_services_language():
    args = cli.parser().parse_args(["--lang", "ru", "serve", "--sites", "sites"])
    language.use("ru")
    try:
        command = cli._sender_command(args)
    finally:
        language.use()
    assert command[-2:] == ["--lang", "ru"] and "send-mail" in command


def test_the_sender_is_left_to_choose_by_the_sites_when_the_operator_chose_no_language():
    args = cli.parser().parse_args(["serve", "--sites", "sites"])
    language.use(None, {"LANG": "C.UTF-8"})
    try:
        command = cli._sender_command(args)
    finally:
        language.use()
    assert "--lang" not in command and "send-mail" in command
