"""The cabinet's session: a small signed cookie (HMAC-SHA256 with the service's ``cabinet``
secret) that holds who signed in, the token every form of the session carries against
cross-site request forgery, when the operator signed in and when the session was last used.

The cookie is ``HttpOnly``, ``SameSite=Lax``, limited to the cabinet's path, and ``Secure``
when the service's public address is https. A session unused for :data:`IDLE_MINUTES`, or
signed in more than :data:`MOST_HOURS` ago however busy, is over: the next request starts an
anonymous one. Nothing else is kept on the server, so signing out clears the cookie (and a
stolen cookie is good only until it is idle, and never past the day it was signed in).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

COOKIE = "cabinet_session"

#: Minutes without a request after which a session is over.
IDLE_MINUTES = 30
#: Hours after signing in after which a session is over, however busy (a working day).
MOST_HOURS = 12

#: Longest cookie read: anything longer is no cookie of ours.
MAX_COOKIE = 2000


@dataclass(frozen=True)
class Session:
    """Who is signed in (None before signing in) and the token the session's forms carry."""

    email: str | None
    csrf: str
    #: When the operator signed in (seconds since the epoch); None before signing in.
    since: int | None = None

    @classmethod
    def anonymous(cls) -> Session:
        return cls(None, secrets.token_urlsafe(24))

    @classmethod
    def signed_in(cls, email: str, now: dt.datetime) -> Session:
        """A new session for ``email``: a new form token too, so none known before signing in serves after."""
        return cls(email, secrets.token_urlsafe(24), int(now.timestamp()))

    def csrf_matches(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf.encode(), (sent or "").encode())


def _signature(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def read(request: Request, secret: str, now: dt.datetime) -> Session | None:
    """The request's session if its cookie is ours, intact, used within :data:`IDLE_MINUTES` and,
    once signed in, signed in within :data:`MOST_HOURS`."""
    found = _unsigned(request.cookies.get(COOKIE, ""), secret)
    if found is None:
        return None
    session, seen = found
    if now - seen > dt.timedelta(minutes=IDLE_MINUTES) or seen > now + dt.timedelta(minutes=1):
        return None
    if session.email is not None and (
        session.since is None or now.timestamp() - session.since > dt.timedelta(hours=MOST_HOURS).total_seconds()
    ):
        return None
    return session


def _unsigned(cookie: str, secret: str) -> tuple[Session, dt.datetime] | None:
    """The session a cookie of ours holds and when it was last used; None for anything else."""
    if not secret or not cookie or len(cookie) > MAX_COOKIE or "." not in cookie:
        return None
    encoded, _, signature = cookie.rpartition(".")
    if not hmac.compare_digest(signature.encode(), _signature(secret, encoded.encode()).encode()):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(encoded.encode()))
        seen = dt.datetime.fromtimestamp(int(data["t"]), dt.UTC)
        email, csrf, since = data["e"], data["c"], data.get("s")
        since = None if since is None else int(dt.datetime.fromtimestamp(int(since), dt.UTC).timestamp())
    except (ValueError, KeyError, TypeError, binascii.Error, OverflowError, AttributeError):
        return None
    if not isinstance(csrf, str) or not (email is None or isinstance(email, str)):
        return None
    return Session(email, csrf, since), seen


def cookie_value(session: Session, *, secret: str, now: dt.datetime) -> str:
    """The signed cookie of ``session``, used ``now``."""
    fields = {"e": session.email, "c": session.csrf, "t": int(now.timestamp()), "s": session.since}
    payload = json.dumps(fields, separators=(",", ":"))
    encoded = base64.urlsafe_b64encode(payload.encode()).decode()
    return f"{encoded}.{_signature(secret, encoded.encode())}"


def write(response: Response, session: Session, *, secret: str, now: dt.datetime, path: str, secure: bool) -> None:
    """Set the cookie of ``session``, used ``now`` (each answer moves the idle limit on)."""
    response.set_cookie(
        COOKIE,
        cookie_value(session, secret=secret, now=now),
        max_age=IDLE_MINUTES * 60,
        path=path,
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def clear(response: Response, *, path: str, secure: bool) -> None:
    """Forget the session in the browser."""
    response.delete_cookie(COOKIE, path=path, secure=secure, httponly=True, samesite="lax")
