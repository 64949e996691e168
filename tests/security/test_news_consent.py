"""Only the news checkbox's own value is consent to news and offers: a forged or mistyped value
registers the person (the box is optional) without it."""

from __future__ import annotations

import pytest

from tests.support import valid_form

SITE = "oblako-plus"


@pytest.mark.parametrize("forged", ["no", "on", "true", "YES", " yes", "1", ""])
def test_a_value_other_than_the_checkboxs_is_not_consent(in_process_api, forged):
    answer = in_process_api.http.post(
        f"/r/{SITE}/trial", data=valid_form(news=forged), headers={"Origin": "https://oblako-plus.example"}
    )
    assert answer.status_code == 303
    [row] = in_process_api.subscribers()
    assert row.news_consent_at is None and row.news_consent_text is None


@pytest.mark.parametrize("forged", [False, "false"])
def test_a_script_gets_consent_only_from_true_or_yes(in_process_api, forged):
    body = {**valid_form(), "news": forged}
    answer = in_process_api.http.post(f"/r/{SITE}/trial", json=body, headers={"Accept": "application/json"})
    assert answer.status_code == 201, answer.text
    [row] = in_process_api.subscribers()
    assert row.news_consent_at is None


def test_a_number_for_the_checkbox_is_refused_by_name(in_process_api):
    body = {**valid_form(), "news": 1}
    answer = in_process_api.http.post(f"/r/{SITE}/trial", json=body, headers={"Accept": "application/json"})
    assert answer.status_code == 422 and "field 'news' must be a string or true" in answer.text
    assert in_process_api.subscribers() == []
