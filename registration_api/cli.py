"""``registration-api`` command line: ``serve``, ``send-mail``, ``remind``, ``newsletter``, ``keys``,
``invitations``, ``screenshots``.

Settings come from the environment (see :mod:`registration_api.settings`); every verb
takes ``--sites DIR``. Exit codes: 0 success, 1 a setting or site is wrong, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import dataclasses
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy.engine import Engine

from registration_api import newsletter_command, screenshots
from registration_api.delivery.outbox import DeliveryReport, OutboxSender, Waiting, transport_for
from registration_api.domain import api_keys, invitations
from registration_api.domain.csv_export import write_csv
from registration_api.domain.partner_sites import PartnerSite, PartnerSites
from registration_api.domain.reminders import Reminder
from registration_api.domain.signups import utc_now
from registration_api.settings import Settings, SettingsError
from registration_api.storage import engines, migrations
from registration_api.storage.records import INVITATION_COLUMNS, Invitation
from storefront import language

_ = language.gettext
ngettext = language.ngettext
N_ = language.N_

log = logging.getLogger("registration_api")

PR_SET_PDEATHSIG = 1  # Linux prctl(2): the signal a child gets when its parent dies
SENDER_NICENESS = 10  # the sender's CPU priority below the service's: sign-ups come first


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="registration-api", description=_("The registration service behind storefront forms.")
    )
    language.add_option(root)
    verbs = root.add_subparsers(dest="verb", metavar="VERB", required=True)
    serve = verbs.add_parser("serve", help=_("run the HTTP service, and the e-mail sender in a process of its own"))
    serve.add_argument("--host", default="127.0.0.1", help=_("address to listen on (default: 127.0.0.1)"))
    serve.add_argument("--port", type=int, default=8000, help=_("port to listen on (default: 8000)"))
    serve.add_argument(
        "--access-log",
        action="store_true",
        help=_("log every HTTP request (the service logs each sign-up, refusal and error anyway)"),
    )
    serve.add_argument(
        "--no-sender",
        action="store_true",
        help=_("do not start the sender (run `send-mail --watch` or a cron of `send-mail` elsewhere)"),
    )
    send = verbs.add_parser("send-mail", help=_("deliver every e-mail and webhook that is due, once (for cron)"))
    send.add_argument(
        "--watch", action="store_true", help=_("keep running and deliver what becomes due (what `serve` starts)")
    )
    remind = verbs.add_parser(
        "remind",
        help=_("queue the day's subscription reminders and the Monday digest (daily cron), then deliver them"),
    )
    remind.add_argument(
        "--today", type=date_argument, metavar="YYYY-MM-DD", help=_("act as on this day (default: today in TIMEZONE)")
    )

    keys_parser = verbs.add_parser("keys", help=_("a partner's API keys"))
    key_verbs = keys_parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    key_create = key_verbs.add_parser("create", help=_("print a new key, once"))
    key_create.add_argument("--label", help=_("what the key is for, e.g. CRM"))
    key_verbs.add_parser("list", help=_("the keys of a site (prefixes only)"))
    key_revoke = key_verbs.add_parser("revoke", help=_("revoke a key by its prefix"))

    inv_parser = verbs.add_parser("invitations", help=_("a partner's invitation codes"))
    inv_verbs = inv_parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    inv_create = inv_verbs.add_parser("create", help=_("create codes; with --email, send the code to that person"))
    inv_create.add_argument("--email", help=_("send the invitation to this address"))
    inv_create.add_argument("--tariff", help=_("tariff id (default: the first registration page's)"))
    inv_create.add_argument("--trial-days", type=int, default=30, help=_("trial length, 1 to 30 (default: 30)"))
    inv_create.add_argument("--count", type=int, default=1, help=_("how many codes, without --email (default: 1)"))
    inv_create.add_argument("--expires-days", type=int, help=_("the codes expire after this many days"))
    inv_list = inv_verbs.add_parser("list", help=_("codes with their subscriber and activation date"))
    inv_list.add_argument(
        "--format", choices=("table", "csv"), default="table", help=_("a table to read, or CSV (default: table)")
    )

    news = verbs.add_parser("newsletter", help=_("the partners' newsletters and onboarding letters"))
    news_preview, news_send = newsletter_command.add_arguments(news)

    shots = verbs.add_parser(
        "screenshots",
        help=_("photograph every page of a partner's cabinet, filled with invented clients (desktop and phone)"),
    )
    screenshots.add_arguments(shots)

    per_site = (*key_verbs.choices.values(), *inv_verbs.choices.values())
    for sub in (serve, send, remind, shots, news_preview, news_send, *per_site):
        if sub in per_site:
            sub.add_argument("site_id", metavar="SITE_ID", help=_("the site's id: its folder under --sites"))
        sub.add_argument(
            "--sites",
            type=Path,
            default=Path("sites"),
            metavar="DIR",
            help=_("folder with the partners' sites (default: sites)"),
        )
        sub.add_argument(
            "--themes",
            type=Path,
            default=Path("themes"),
            metavar="DIR",
            help=_("folder with extra themes (default: themes, if it exists)"),
        )
        language.add_option(sub)
    key_revoke.add_argument(
        "prefix", metavar="PREFIX", help=_("the key's prefix exactly as `keys list` prints it, e.g. sfk_AbCdEfGh…")
    )
    return root


def date_argument(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("«{text}» is not a date as YYYY-MM-DD").format(text=text)) from None


def _error(message: str) -> None:
    print(_("error: {message}").format(message=message), file=sys.stderr)


def _note(message: str) -> None:
    """A word to the person beside the command's output (which scripts may read)."""
    print(message, file=sys.stderr)


#: Time zones' abbreviations a person reads differently in Russian.
_ZONE_NAMES = {"MSK": N_("MSK")}


def moment(value: dt.datetime, timezone: dt.tzinfo, *, today: dt.date | None = None) -> str:
    """``value`` as a person reads it, with its zone: ``2026-12-01 18:30 MSK`` (or ``+05:00`` where
    the zone has no name); only ``18:30 MSK`` when it is on ``today``."""
    local = value.astimezone(timezone)
    zone = local.tzname() or ""
    if not zone or zone[0] in "+-":
        zone = local.isoformat()[-6:]
    zone = _(_ZONE_NAMES[zone]) if zone in _ZONE_NAMES else zone
    shown = f"{local:%H:%M}" if local.date() == today else f"{local:%Y-%m-%d %H:%M}"
    return f"{shown} {zone}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    language.use(language.from_arguments(argv))
    language.translate_argparse()
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%Y-%m-%d %H:%M:%S %z"
    )
    try:
        settings = Settings.from_env(sites_dir=args.sites, themes_dir=args.themes if args.themes.is_dir() else None)
    except SettingsError as exc:
        _error(str(exc))
        return 1
    if not args.sites.is_dir():
        _error(_("there is no sites folder {path}/ (use --sites DIR)").format(path=args.sites))
        return 1
    if args.verb == "screenshots":  # on a throwaway database of its own
        return screenshots.run(args, settings)
    if args.verb == "serve":
        return _serve(
            settings, args.host, args.port, [] if args.no_sender else _sender_command(args), access_log=args.access_log
        )
    engine = engines.create_engine(settings.database_url)
    migrations.migrate(engine)
    try:
        return _run_verb(args, settings, engine)
    finally:
        engine.dispose()


def _run_verb(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    """Every verb but ``serve``, on a migrated database."""
    if args.verb == "send-mail" and args.watch:
        return _watch_outbox(settings, engine)
    if args.verb == "send-mail":
        return _send_mail(settings, engine, _registry(settings))
    if args.verb == "remind":
        return _remind(settings, engine, args.today)
    if args.verb == "keys":
        return _keys(engine, settings, args)
    if args.verb == "newsletter":
        return _newsletter(settings, engine, args)
    return _invitations(engine, settings, args)


def _newsletter(settings: Settings, engine: Engine, args: argparse.Namespace) -> int:
    if args.action == "preview":
        partner = _partner(settings, args.site_id)
        if partner is None:
            return 1
        return newsletter_command.run_preview(settings, engine, _registry(settings, quiet=True), partner, args.out)
    registry = _registry(settings)
    return newsletter_command.run_send(settings, engine, registry, _sender(settings, engine, registry), wait=args.wait)


def _registry(settings: Settings, *, quiet: bool = False) -> PartnerSites:
    registry = PartnerSites(settings.sites_dir, settings.themes_dir)
    failures = registry.reload()
    if not quiet:
        for failure in failures:
            print(_("warning: {problem}").format(problem=failure), file=sys.stderr)
    return registry


def _site_problem(registry: PartnerSites, settings: Settings, site_id: str) -> str | None:
    """Why ``site_id`` names no site in the sites folder, in words that say what to write; None if it does."""
    known = sorted({*registry.ids(), *registry.failed()})
    if site_id in known:
        return None
    if site_id.startswith("sfk_"):
        return _(
            "«{text}» is a key's prefix, not a site: write the site first, "
            "`registration-api keys revoke SITE_ID PREFIX`"
        ).format(text=site_id)
    if not known:
        return _("there is no site «{site}»: {folder}/ has no sites yet (`storefront new` makes one)").format(
            site=site_id, folder=settings.sites_dir
        )
    return _("there is no site «{site}» in {folder}/; the sites there: {sites}").format(
        site=site_id, folder=settings.sites_dir, sites=", ".join(known)
    )


def _partner(settings: Settings, site_id: str) -> PartnerSite | None:
    """The served site ``site_id``, or None after saying why it cannot be used."""
    registry = _registry(settings, quiet=True)
    partner = registry.get(site_id)
    if partner is None:
        problem = _site_problem(registry, settings, site_id)
        if problem is None:
            problems = registry.failed()[site_id]
            problem = _(
                "the site «{site}» has problems, so the service does not serve it; fix them first "
                "(`storefront check` lists them): {first}"
            ).format(site=site_id, first=problems[0] if problems else "")
        _error(problem)
    return partner


def _serve(settings: Settings, host: str, port: int, sender_command: list[str], *, access_log: bool = False) -> int:
    """The HTTP service in this process; the outbox sender (``sender_command``) in a child
    process, so that composing and sending e-mail never takes the CPU sign-ups need."""
    # imported here: the other verbs (and the sender started as a child) need no web server
    import uvicorn

    from registration_api.web.app import create_app

    local = host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")
    if not local and settings.public_base_url is None:
        _error(
            _(
                "PUBLIC_BASE_URL is not set: a service listening on {host} must be told its public "
                "address (e.g. PUBLIC_BASE_URL=https://api.example.ru/) for the links it e-mails and renders; "
                "links are never taken from a request's Host header"
            ).format(host=host)
        )
        return 1
    settings = dataclasses.replace(settings, listen_url=f"http://{f'[{host}]' if ':' in host else host}:{port}/")
    if settings.allow_loopback_origins is None:  # a local trial run accepts pages on this machine
        settings = dataclasses.replace(settings, allow_loopback_origins=local and settings.public_base_url is None)
    if settings.public_base_url is None:
        log.warning(
            _(
                "PUBLIC_BASE_URL is not set: links in e-mails and pages start with {base}, "
                "which only this machine can open"
            ).format(base=settings.public_base)
        )
    sender = _Supervised(sender_command) if sender_command else None
    try:
        uvicorn.run(
            create_app(settings, send_in_background=False),
            host=host,
            port=port,
            proxy_headers=settings.trust_proxy,
            forwarded_allow_ips="*" if settings.trust_proxy else None,
            log_level="info",
            access_log=access_log,
        )
    finally:
        if sender is not None:
            sender.stop()
    return 0


class _Supervised:
    """A child process kept running: started again (after a pause) whenever it exits, until
    :meth:`stop`. The sender must outlive a database that was down at its start."""

    def __init__(self, command: list[str], pause: float = 2.0):
        self.command, self.pause = command, pause
        self.stopping = threading.Event()
        self.process = _start_child(command)
        threading.Thread(target=self._watch, name="sender-supervisor", daemon=True).start()

    def _watch(self) -> None:
        while True:
            code = self.process.wait()
            if self.stopping.wait(self.pause):
                return
            log.error(_("the e-mail sender stopped (exit code {code}); starting it again").format(code=code))
            self.process = _start_child(self.command)

    def stop(self, timeout: float = 30) -> None:
        self.stopping.set()
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:  # stuck in a slow SMTP exchange: what it claimed is retried later
            self.process.kill()
            self.process.wait()


def _sender_command(args: argparse.Namespace) -> list[str]:
    return [
        sys.executable,
        "-m",
        "registration_api",
        "send-mail",
        "--watch",
        "--sites",
        str(args.sites),
        "--themes",
        str(args.themes),
        # the sender's log speaks as the service's does: the same choice, or none
        *(["--lang", language.current()] if language.chosen() else []),
    ]


def _start_child(command: list[str]) -> subprocess.Popen[bytes]:
    """Start ``command`` as background work: at a lower CPU priority (when the cores are
    busy, sign-ups come first and e-mail catches up after), and, on Linux, stopped by the
    kernel if this process dies, even by SIGKILL."""

    def background() -> None:
        os.nice(SENDER_NICENESS)
        if sys.platform != "linux":
            return
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)

    # preexec_fn: only the child itself can ask to be stopped with its parent; it runs nothing
    # but these two system calls, which take no lock a thread of this process could hold
    return subprocess.Popen(command, preexec_fn=background if hasattr(os, "nice") else None)  # noqa: PLW1509


def _watch_outbox(settings: Settings, engine: Engine, interval: float = 0.5, reload_every: float = 2.0) -> int:
    """Deliver forever: whatever is due, every ``interval`` seconds; site edits are picked up."""
    registry = _registry(settings)
    sender = _sender(settings, engine, registry)

    async def loop() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)  # finish the round, then stop
        reloading = asyncio.create_task(reload_sites(stop))  # a slow partner's site never holds up delivery
        while not stop.is_set():
            try:
                await sender.deliver_due(stop=stop)
            except Exception:
                log.exception(_("outbox: delivery round failed; trying again"))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
        reloading.cancel()

    async def reload_sites(stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=reload_every)
            try:
                await asyncio.to_thread(registry.reload)
            except Exception:
                log.exception(_("reloading the sites failed; the loaded versions keep serving"))

    log.info(_("e-mail sender started: delivering through {transport}").format(transport=sender.transport))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(loop())
    log.info(_("e-mail sender stopped"))
    return 0


def _send_mail(settings: Settings, engine: Engine, registry: PartnerSites) -> int:
    sender = _sender(settings, engine, registry)
    report = asyncio.run(sender.deliver_due(limit=10_000))
    for line in delivery_summary(report, sender.waiting(), settings.timezone, utc_now()):
        print(line)
    return 0 if report.failed == 0 else 1


def delivery_summary(report: DeliveryReport, waiting: Waiting, timezone: dt.tzinfo, now: dt.datetime) -> list[str]:
    """What a delivery round did, in sentences: what was sent, what failed and when it is tried
    again, or that nothing was due (and what waits for a later try)."""
    today = now.astimezone(timezone).date()
    emails, webhooks = report.sent_by["email"], report.sent_by["webhook"]
    lines = []
    if not report.sent and not report.failed:
        lines.append(_("No e-mails were due to be sent."))
    if emails:
        lines.append(ngettext("{n} e-mail sent.", "{n} e-mails sent.", emails).format(n=emails))
    if webhooks:
        lines.append(
            ngettext("{n} webhook event delivered.", "{n} webhook events delivered.", webhooks).format(n=webhooks)
        )
    if report.failed and report.next_retry is not None:
        when = moment(report.next_retry, timezone, today=today)
        emails, webhooks = report.failed_by["email"], report.failed_by["webhook"]
        if emails:
            lines.append(
                ngettext(
                    "{n} e-mail not sent; next try at {time}.", "{n} e-mails not sent; next try at {time}.", emails
                ).format(n=emails, time=when)
            )
        if webhooks:
            lines.append(
                ngettext(
                    "{n} webhook event not delivered; next try at {time}.",
                    "{n} webhook events not delivered; next try at {time}.",
                    webhooks,
                ).format(n=webhooks, time=when)
            )
        lines.append(_("The first failure: {error}").format(error=report.first_error))
    elif waiting.count and waiting.next_try is not None:
        lines.append(
            ngettext(
                "{n} message waits for its next try at {time}.",
                "{n} messages wait for their next try at {time}.",
                waiting.count,
            ).format(n=waiting.count, time=moment(waiting.next_try, timezone, today=today))
        )
    return lines


def _sender(settings: Settings, engine: Engine, registry: PartnerSites) -> OutboxSender:
    return OutboxSender(
        engine,
        transport_for(settings.smtp_url, settings.maildir),
        site=registry.site,
        webhook_allow=settings.webhook_allow_hosts,
        dkim=settings.dkim_keys,
        claim_seconds=settings.claim_seconds,
    )


def _remind(settings: Settings, engine: Engine, today: dt.date | None) -> int:
    now = utc_now()
    today = today or now.astimezone(settings.timezone).date()
    registry = _registry(settings)
    report = Reminder(
        engine,
        registry,
        mail_from=settings.mail_from,
        public_base=settings.public_base,
        secret=engines.secret(engine, "links"),
    ).run(today, now)
    day = today.isoformat()
    if report.reminders:
        print(
            ngettext(
                "{day}: {n} subscription reminder queued.",
                "{day}: {n} subscription reminders queued.",
                report.reminders,
            ).format(day=day, n=report.reminders)
        )
    else:
        print(_("{day}: no subscription reminders were due.").format(day=day))
    if report.digests:
        print(
            ngettext(
                "{n} weekly digest queued for the partners.",
                "{n} weekly digests queued for the partners.",
                report.digests,
            ).format(n=report.digests)
        )
    return _send_mail(settings, engine, registry)


def _keys(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    site_id = args.site_id
    registry = _registry(settings, quiet=True)
    problem = _site_problem(registry, settings, site_id)  # a site that fails to load keeps its keys: revoke works
    if problem is not None:
        _error(problem)
        return 1
    if args.action == "create":
        key = api_keys.create(engine, site_id, args.label, utc_now())
        print(key)
        _note(
            _(
                "This is the only time the key is shown: put it into the system that will use it now. "
                "It opens {site}'s data only; `registration-api keys revoke {site} {prefix}` turns it off."
            ).format(site=site_id, prefix=key[: api_keys.PREFIX_LENGTH])
        )
        return 0
    if args.action == "list":
        return _list_keys(engine, settings, site_id)
    return _revoke_key(engine, settings, site_id, args.prefix)


#: What ``keys list`` prints after a prefix: the key goes on.
ELLIPSIS = "…"


def _list_keys(engine: Engine, settings: Settings, site_id: str) -> int:
    listed = api_keys.list_keys(engine, site_id)
    if not listed:
        _note(_("{site} has no API keys yet; `registration-api keys create {site}` makes one").format(site=site_id))
    for info in listed:
        created = info.created_at.astimezone(settings.timezone)
        if info.revoked_at:
            state = _("revoked {day}").format(day=f"{info.revoked_at.astimezone(settings.timezone):%Y-%m-%d}")
        else:
            state = _("active")
        print(f"{info.prefix}{ELLIPSIS}  {created:%Y-%m-%d}  {state:<18}  {info.label or ''}".rstrip())
    return 0


def key_prefix(text: str) -> str | None:
    """The prefix a person means: as ``keys list`` prints it (with its ellipsis, or three dots
    where a terminal changed it), bare, or the whole key; None when ``text`` is none of these."""
    text = text.strip().removesuffix(ELLIPSIS).removesuffix("...").strip()
    if api_keys.PREFIX.fullmatch(text):
        return text
    if api_keys.KEY.fullmatch(text):
        return text[: api_keys.PREFIX_LENGTH]
    return None


def _revoke_key(engine: Engine, settings: Settings, site_id: str, text: str) -> int:
    prefix = key_prefix(text)
    if prefix is None:
        _error(
            _(
                "PREFIX: «{text}» is not a key's prefix; write it as `registration-api keys list {site}` "
                "prints it, e.g. sfk_AbCdEfGh…"
            ).format(text=text, site=site_id)
        )
        return 2
    found = api_keys.with_prefix(engine, prefix)
    own = [key for key in found if key.site_id == site_id]
    if not own:
        said = (
            _(
                "{site} has no key {prefix}: that key belongs to another site; "
                "`registration-api keys list {site}` shows {site}'s keys"
            )
            if found
            else _("{site} has no key {prefix}; `registration-api keys list {site}` shows its keys")
        )
        _error(said.format(site=site_id, prefix=prefix + ELLIPSIS))
        return 1
    if all(key.revoked_at for key in own):
        revoked = min(key.revoked_at for key in own if key.revoked_at)
        print(
            _("The key {prefix} of {site} was already revoked at {time}; nothing to do.").format(
                prefix=prefix + ELLIPSIS, site=site_id, time=moment(revoked, settings.timezone)
            )
        )
        return 0
    api_keys.revoke(engine, site_id, prefix, utc_now())
    print(
        _("The key {prefix} of {site} is revoked: it no longer opens the partner API.").format(
            prefix=prefix + ELLIPSIS, site=site_id
        )
    )
    return 0


def _invitations(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    partner = _partner(settings, args.site_id)
    if partner is None:
        return 1
    if args.action == "create":
        return _create_invitations(engine, settings, partner, args)
    listed = invitations.list_for(engine, args.site_id)
    if not listed and args.format != "csv":
        _note(
            _("{site} has no invitations yet; `registration-api invitations create {site}` makes some").format(
                site=args.site_id
            )
        )
        return 0
    _print_invitations(listed, args.format, settings.timezone)
    return 0


def _create_invitations(engine: Engine, settings: Settings, partner: PartnerSite, args: argparse.Namespace) -> int:
    if args.email and args.count != 1:
        _error(_("--count: with --email, one code is created and e-mailed; leave --count out"))
        return 2
    base = settings.public_base
    try:
        order = invitations.Order(args.email, args.tariff, args.trial_days, args.count, args.expires_days)
        codes = invitations.create(
            engine,
            partner,
            order,
            now=utc_now(),
            mail_from=settings.mail_from,
            activation_base=base,
            mails_per_day=settings.invitation_mails_per_day,
        )
    except (ValueError, invitations.MailQuota) as exc:
        _error(str(exc))
        return 1
    if args.email:
        _note(_("The invitation to {email} is queued and sent now:").format(email=args.email))
    else:
        _note(
            ngettext(
                "{n} invitation code created; give each person the link beside their code:",
                "{n} invitation codes created; give each person the link beside their code:",
                len(codes),
            ).format(n=len(codes))
        )
    for code in codes:
        print(f"{code}  {invitations.activation_link(base, code)}")
    if settings.public_base_url is None:
        _note(
            _(
                "PUBLIC_BASE_URL is not set, so the links start with {base} and open only on this machine "
                "while `registration-api serve` runs; set PUBLIC_BASE_URL to the service's public address "
                "for links others can open."
            ).format(base=base)
        )
    if args.email:
        return _send_mail(settings, engine, _registry(settings))
    return 0


def _print_invitations(listed: list[Invitation], output_format: str, timezone: dt.tzinfo) -> None:
    """The invitations as a table for a person (times in ``timezone``, with it), or as CSV."""
    if output_format == "csv":
        write_csv(sys.stdout, INVITATION_COLUMNS, [i.listed() for i in listed], lineterminator="\n")
        return
    header = (_("code"), _("created"), _("for"), _("subscriber"), _("activated"))
    table = [
        (
            i.code,
            f"{i.created_at.astimezone(timezone):%Y-%m-%d}",
            i.email or "—",
            i.subscriber_number or "",
            moment(i.activated_at, timezone) if i.activated_at else "",
        )
        for i in listed
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *table, strict=True)]
    for line in (header, *table):
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)).rstrip())


if __name__ == "__main__":
    sys.exit(main())
