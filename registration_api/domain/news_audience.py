"""Who may receive a partner's newsletter and onboarding letters, and the links that change it.

Advertising by e-mail needs the recipient's prior consent (38-FZ art. 18), given apart from the
personal-data consent: a subscriber receives news only when they ticked the box
(``news_consent_at``), confirmed it by the e-mailed link where the partner asks for double
opt-in (``news_confirmed_at``; set at sign-up itself where it does not), have not unsubscribed
(``news_unsubscribed_at``) and their mail server has not refused the address for good
(``undeliverable_at``). :func:`news_state` names the one state the partner's API, cabinet and
files show; :data:`RECEIVES_NEWS` is the same rule as SQL.

The links in the e-mails (unsubscribe, confirm) are signed with the service's link secret, for
one subscriber of one partner and one purpose each: a link can neither be guessed nor reused
for another subscriber, partner or purpose.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from registration_api.storage.records import Subscriber
from registration_api.storage.tables import subscribers

NewsState = Literal["none", "awaiting_confirmation", "subscribed", "unsubscribed", "undeliverable"]
NEWS_STATES: tuple[NewsState, ...] = ("none", "awaiting_confirmation", "subscribed", "unsubscribed", "undeliverable")


def receives_news(table: sa.FromClause) -> sa.ColumnElement[bool]:
    """The rule of :func:`news_state` = ``subscribed`` as SQL, over ``table`` (``subscribers`` or an
    alias of it)."""
    return sa.and_(
        table.c.news_consent_at.is_not(None),
        table.c.news_confirmed_at.is_not(None),
        table.c.news_unsubscribed_at.is_(None),
        table.c.undeliverable_at.is_(None),
    )


#: The subscribers the newsletter goes to (of any status; onboarding letters add ``status = 'trial'``).
RECEIVES_NEWS = receives_news(subscribers)

#: :func:`news_state` as SQL: the state's name, for counting or filtering by it in the database.
NEWS_STATE: sa.ColumnElement[str] = sa.case(
    (subscribers.c.news_consent_at.is_(None), sa.literal_column("'none'")),
    (subscribers.c.news_unsubscribed_at.is_not(None), sa.literal_column("'unsubscribed'")),
    (subscribers.c.undeliverable_at.is_not(None), sa.literal_column("'undeliverable'")),
    (subscribers.c.news_confirmed_at.is_(None), sa.literal_column("'awaiting_confirmation'")),
    else_=sa.literal_column("'subscribed'"),
)

LinkPurpose = Literal["unsubscribe", "confirm"]
_LONGEST_TOKEN = 60


def news_state(subscriber: Subscriber) -> NewsState:
    """Whether the newsletter reaches ``subscriber``, and if not, why."""
    if subscriber.news_consent_at is None:
        return "none"
    if subscriber.news_unsubscribed_at is not None:
        return "unsubscribed"
    if subscriber.undeliverable_at is not None:
        return "undeliverable"
    if subscriber.news_confirmed_at is None:
        return "awaiting_confirmation"
    return "subscribed"


def link_token(secret: str, purpose: LinkPurpose, site_id: str, number: str) -> str:
    """``<number>.<signature>``: the token of a subscriber's unsubscribe or confirmation link."""
    message = f"news:{purpose}:{site_id}:{number}".encode()
    signature = hmac.new(secret.encode(), message, hashlib.sha256).digest()[:18]
    return f"{number}.{base64.urlsafe_b64encode(signature).decode()}"


def read_link_token(secret: str, purpose: LinkPurpose, site_id: str, token: str) -> str | None:
    """The subscriber number a genuine token of ``purpose`` for ``site_id`` names, else None."""
    if not token.isascii() or len(token) > _LONGEST_TOKEN or token.count(".") != 1:
        return None
    number = token.partition(".")[0]
    return number if hmac.compare_digest(link_token(secret, purpose, site_id, number), token) else None


def link(public_base: str, secret: str, purpose: LinkPurpose, site_id: str, number: str) -> str:
    """The whole address of a subscriber's link: ``<base>/news/<site>/<purpose>/<token>``."""
    return f"{public_base.rstrip('/')}/news/{site_id}/{purpose}/{link_token(secret, purpose, site_id, number)}"


def unsubscribe(engine: Engine, site_id: str, number: str, now: dt.datetime) -> bool:
    """Withdraw the subscriber's consent to news at once, on every row the person has with the
    partner (a trial ended, then another); False when there is no such subscriber (unsubscribing
    twice is not an error: the first time is kept)."""
    return _mark_once(engine, site_id, number, subscribers.c.news_unsubscribed_at, now, whole_address=True)


def confirm(engine: Engine, site_id: str, number: str, now: dt.datetime) -> bool:
    """Record the double opt-in confirmation; False when there is no such subscriber or they gave no
    consent to confirm (confirming twice keeps the first time)."""
    return _mark_once(
        engine, site_id, number, subscribers.c.news_confirmed_at, now, subscribers.c.news_consent_at.is_not(None)
    )


def _mark_once(
    engine: Engine,
    site_id: str,
    number: str,
    column: sa.Column[dt.datetime],
    now: dt.datetime,
    *only: sa.ColumnElement[bool],
    whole_address: bool = False,
) -> bool:
    """Set ``column`` of the partner's subscriber ``number`` (with ``whole_address``, of every row of
    its address) to ``now`` unless it is set already; False when no such subscriber (meeting
    ``only``) exists."""
    with engine.begin() as conn:
        found = conn.execute(
            sa.select(subscribers.c.id, subscribers.c.email_key).where(
                subscribers.c.site_id == site_id, subscribers.c.number == number, *only
            )
        ).first()
        if found is None:
            return False
        which = (
            sa.and_(subscribers.c.site_id == site_id, subscribers.c.email_key == found.email_key)
            if whole_address
            else subscribers.c.id == found.id
        )
        conn.execute(subscribers.update().where(which, column.is_(None)).values({column: now}))
    return True
