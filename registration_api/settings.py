"""Settings of the registration service, read once from the environment.

Every verb of ``registration-api`` shares them: ``DATABASE_URL`` (default an SQLite file
under ``var/``), ``SMTP_URL`` (unset: a Maildir under ``var/mail/``), ``PUBLIC_BASE_URL``
and the few knobs below. Errors name the variable and say what to write.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from registration_api.delivery.dkim import DkimKey, DkimKeys, UnusableKey, load_key
from registration_api.web.origins import is_loopback, origin_of
from storefront import ALLOW_HOSTS_VARIABLE, AllowList, language

_ = language.gettext


DKIM_KEYS_VARIABLE = "DKIM_KEYS"


class SettingsError(ValueError):
    """A setting has a value the service cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    sites_dir: Path = Path("sites")
    themes_dir: Path | None = None
    var_dir: Path = Path("var")
    database_url: str = ""
    smtp_url: str | None = None
    public_base_url: str | None = None
    listen_url: str = "http://127.0.0.1:8000/"  # the address `serve` was started on, when PUBLIC_BASE_URL is unset
    mail_from: str = "noreply@localhost"
    extra_origins: frozenset[str] = field(default_factory=frozenset)
    rate_limit_per_minute: int = 20
    max_body_bytes: int = 16 * 1024
    read_timeout_seconds: int = 10
    api_rate_limit_per_minute: int = 120
    auth_failures_per_minute: int = 10
    invitation_mails_per_day: int = 200
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Moscow"))
    trust_proxy: bool = False
    allow_loopback_origins: bool | None = None  # unset: `serve` decides (on for a local trial run)
    webhook_allow_hosts: AllowList = field(default_factory=AllowList)
    dkim_keys: DkimKeys = field(default_factory=DkimKeys)  # keys per sending domain; never shown
    newsletter_per_minute: int = 60  # a partner's newsletter and onboarding letters, at most, per minute
    claim_seconds: int = 120  # how long e-mails taken by a sender that stopped wait for another

    def is_local_origin(self, origin: str | None) -> bool:
        """A page served from this machine (``EXTRA_ORIGINS``, or a real loopback host when the
        service itself only listens locally); ``origin`` is compared in its canonical form."""
        canonical = origin_of(origin) if origin else None
        if canonical is None:
            return False
        return canonical in self.extra_origins or (self.allow_loopback_origins is True and is_loopback(canonical))

    @property
    def public_base(self) -> str:
        """This service's address in links that leave a request (e-mails, API answers, forms):
        never taken from a request's Host header, which the client writes."""
        return self.public_base_url or self.listen_url

    @property
    def maildir(self) -> Path:
        return self.var_dir / "mail"

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, sites_dir: Path = Path("sites"), themes_dir: Path | None = None
    ) -> Settings:
        env = os.environ if env is None else env
        var_dir = Path(env.get("VAR_DIR", "var"))
        database_url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'registrations.sqlite3'}"
        if not database_url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise SettingsError(_("DATABASE_URL must start with sqlite:/// or postgresql://"))
        if database_url.startswith("postgres:"):
            database_url = "postgresql:" + database_url[len("postgres:") :]
        if database_url.startswith("postgresql://"):
            database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
        smtp_url = env.get("SMTP_URL") or None
        if smtp_url and urlsplit(smtp_url).scheme not in ("smtp", "smtps", "smtp+starttls"):
            raise SettingsError(
                _("SMTP_URL must look like smtp://user:password@host:587 (or smtps://, smtp+starttls://)")
            )
        try:
            timezone = ZoneInfo(env.get("TIMEZONE", "Europe/Moscow"))
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(_("TIMEZONE must be a zone name such as Europe/Moscow")) from None
        return cls(
            sites_dir=sites_dir,
            themes_dir=themes_dir,
            var_dir=var_dir,
            database_url=database_url,
            smtp_url=smtp_url,
            public_base_url=_public_base(env.get("PUBLIC_BASE_URL") or None),
            mail_from=env.get("MAIL_FROM", "noreply@localhost"),
            extra_origins=frozenset(_origin(o) for o in env.get("EXTRA_ORIGINS", "").split(",") if o.strip()),
            rate_limit_per_minute=_int(env, "RATE_LIMIT_PER_MINUTE", 20),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", 16 * 1024),
            read_timeout_seconds=_int(env, "READ_TIMEOUT_SECONDS", 10),
            api_rate_limit_per_minute=_int(env, "API_RATE_LIMIT_PER_MINUTE", 120),
            auth_failures_per_minute=_int(env, "AUTH_FAILURES_PER_MINUTE", 10),
            invitation_mails_per_day=_int(env, "INVITATION_MAILS_PER_DAY", 200),
            timezone=timezone,
            trust_proxy=_flag(env, "TRUST_PROXY"),
            allow_loopback_origins=_optional_flag(env, "ALLOW_LOOPBACK_ORIGINS"),
            webhook_allow_hosts=_allow_list(env),
            dkim_keys=_dkim_keys(env.get(DKIM_KEYS_VARIABLE, "")),
            newsletter_per_minute=_int(env, "NEWSLETTER_PER_MINUTE", 60),
            claim_seconds=_int(env, "OUTBOX_CLAIM_SECONDS", 120),
        )


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").lower() in ("1", "true", "yes")


def _optional_flag(env: Mapping[str, str], name: str) -> bool | None:
    value = env.get(name, "").strip().lower()
    if not value:
        return None
    if value in ("1", "true", "yes", "0", "false", "no"):
        return value in ("1", "true", "yes")
    raise SettingsError(_("{name} must be 1 or 0, not «{value}»").format(name=name, value=value))


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(_("{name} must be a whole number, not «{value}»").format(name=name, value=value)) from None
    if number <= 0:
        raise SettingsError(_("{name} must be greater than 0").format(name=name))
    return number


def _public_base(url: str | None) -> str | None:
    if url is not None and origin_of(url) is None:
        raise SettingsError(
            _("PUBLIC_BASE_URL: «{url}» is not an address like https://api.example.ru/").format(url=url)
        )
    return url


def _origin(url: str) -> str:
    origin = origin_of(url)
    if origin is None:
        raise SettingsError(_("EXTRA_ORIGINS: «{url}» is not an origin like http://localhost:8000").format(url=url))
    return origin


def _allow_list(env: Mapping[str, str]) -> AllowList:
    try:
        return AllowList.parse(env.get(ALLOW_HOSTS_VARIABLE, ""))
    except ValueError as exc:
        raise SettingsError(
            _(
                "{variable}: {problem}; write host names or addresses separated by commas, "
                "e.g. crm.internal,10.0.0.5,192.168.10.0/24"
            ).format(variable=ALLOW_HOSTS_VARIABLE, problem=exc)
        ) from None


def _dkim_keys(value: str) -> DkimKeys:
    """``DKIM_KEYS``: ``domain:selector:/path/to/key.pem`` entries separated by commas, each key
    read and checked now, so a wrong one stops the service from starting."""
    keys: dict[str, DkimKey] = {}
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        domain, selector, path = (item.strip() for item in [*entry.split(":", 2), "", ""][:3])
        if not (domain and selector and path):
            raise SettingsError(
                _(
                    "{variable}: «{entry}» is not domain:selector:/path/to/key.pem (separate several with commas)"
                ).format(variable=DKIM_KEYS_VARIABLE, entry=entry)
            )
        try:
            key = load_key(domain, selector, Path(path))
        except UnusableKey as exc:
            raise SettingsError(f"{DKIM_KEYS_VARIABLE}: {exc}") from None
        if key.domain in keys:
            raise SettingsError(
                _("{variable}: {domain} has two keys; give one per domain").format(
                    variable=DKIM_KEYS_VARIABLE, domain=key.domain
                )
            )
        keys[key.domain] = key
    return DkimKeys(tuple(keys.values()))
