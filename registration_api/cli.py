"""``registration-api`` command line: ``serve``, ``send-mail``, ``remind``, ``keys``, ``invitations``.

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

from registration_api.delivery.outbox import OutboxSender, transport_for
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

PR_SET_PDEATHSIG = 1  # Linux prctl(2): the signal a child gets when its parent dies
SENDER_NICENESS = 10  # the sender's CPU priority below the service's: sign-ups come first


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="registration-api", description=_("The registration service behind storefront forms.")
    )
    language.add_option(root)
    verbs = root.add_subparsers(dest="verb", metavar="VERB", required=True)
    serve = verbs.add_parser("serve", help="run the HTTP service, and the e-mail sender in a process of its own")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="log every HTTP request (the service logs each sign-up, refusal and error anyway)",
    )
    serve.add_argument(
        "--no-sender",
        action="store_true",
        help="do not start the sender (run `send-mail --watch` or a cron of `send-mail` elsewhere)",
    )
    send = verbs.add_parser("send-mail", help="deliver every e-mail and webhook that is due, once (for cron)")
    send.add_argument(
        "--watch", action="store_true", help="keep running and deliver what becomes due (what `serve` starts)"
    )
    remind = verbs.add_parser(
        "remind", help="queue the day's subscription reminders and the Monday digest (daily cron), then deliver them"
    )
    remind.add_argument(
        "--today", type=date_argument, metavar="YYYY-MM-DD", help="act as on this day (default: today in TIMEZONE)"
    )

    keys_parser = verbs.add_parser("keys", help="a partner's API keys")
    key_verbs = keys_parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    key_create = key_verbs.add_parser("create", help="print a new key, once")
    key_create.add_argument("--label", help="what the key is for, e.g. CRM")
    key_verbs.add_parser("list", help="the keys of a site (prefixes only)")
    key_revoke = key_verbs.add_parser("revoke", help="revoke a key by its prefix")

    inv_parser = verbs.add_parser("invitations", help="a partner's invitation codes")
    inv_verbs = inv_parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    inv_create = inv_verbs.add_parser("create", help="create codes; with --email, send the code to that person")
    inv_create.add_argument("--email", help="send the invitation to this address")
    inv_create.add_argument("--tariff", help="tariff id (default: the first registration page's)")
    inv_create.add_argument("--trial-days", type=int, default=30, help="trial length, 1 to 30 (default: 30)")
    inv_create.add_argument("--count", type=int, default=1, help="how many codes, without --email (default: 1)")
    inv_create.add_argument("--expires-days", type=int, help="the codes expire after this many days")
    inv_list = inv_verbs.add_parser("list", help="codes with their subscriber and activation date")
    inv_list.add_argument("--format", choices=("table", "csv"), default="table")

    for sub in (*[serve, send, remind], *key_verbs.choices.values(), *inv_verbs.choices.values()):
        if sub in key_verbs.choices.values() or sub in inv_verbs.choices.values():
            sub.add_argument("site_id", metavar="SITE_ID")
        sub.add_argument(
            "--sites",
            type=Path,
            default=Path("sites"),
            metavar="DIR",
            help="folder with the partners' sites (default: sites)",
        )
        sub.add_argument(
            "--themes",
            type=Path,
            default=Path("themes"),
            metavar="DIR",
            help="folder with extra themes (default: themes, if it exists)",
        )
        language.add_option(sub)
    key_revoke.add_argument(
        "prefix", metavar="PREFIX", help="the key's prefix exactly as `keys list` prints it, e.g. sfk_AbCdEfGh"
    )
    return root


def date_argument(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    language.use(language.from_arguments(argv))
    language.translate_argparse()
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env(sites_dir=args.sites, themes_dir=args.themes if args.themes.is_dir() else None)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not args.sites.is_dir():
        print(f"error: there is no sites folder {args.sites}/ (use --sites DIR)", file=sys.stderr)
        return 1
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
    return _invitations(engine, settings, args)


def _registry(settings: Settings) -> PartnerSites:
    registry = PartnerSites(settings.sites_dir, settings.themes_dir)
    for failure in registry.reload():
        print(f"warning: {failure}", file=sys.stderr)
    return registry


def _partner(settings: Settings, site_id: str) -> PartnerSite | None:
    partner = _registry(settings).get(site_id)
    if partner is None:
        print(f"error: there is no valid site '{site_id}' in {settings.sites_dir}/", file=sys.stderr)
    return partner


def _serve(settings: Settings, host: str, port: int, sender_command: list[str], *, access_log: bool = False) -> int:
    """The HTTP service in this process; the outbox sender (``sender_command``) in a child
    process, so that composing and sending e-mail never takes the CPU sign-ups need."""
    # imported here: the other verbs (and the sender started as a child) need no web server
    import uvicorn

    from registration_api.web.app import create_app

    local = host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")
    if not local and settings.public_base_url is None:
        print(
            f"error: PUBLIC_BASE_URL is not set: a service listening on {host} must be told its public "
            f"address (e.g. PUBLIC_BASE_URL=https://api.example.ru/) for the links it e-mails and renders; "
            f"links are never taken from a request's Host header",
            file=sys.stderr,
        )
        return 1
    settings = dataclasses.replace(settings, listen_url=f"http://{f'[{host}]' if ':' in host else host}:{port}/")
    if settings.allow_loopback_origins is None:  # a local trial run accepts pages on this machine
        settings = dataclasses.replace(settings, allow_loopback_origins=local and settings.public_base_url is None)
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
            logging.getLogger("registration_api").error(
                "the e-mail sender stopped (exit code %s); starting it again", code
            )
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
                logging.getLogger("registration_api").exception("outbox: delivery round failed; trying again")
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
                logging.getLogger("registration_api").exception("reloading the sites failed")

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(loop())
    return 0


def _send_mail(settings: Settings, engine: Engine, registry: PartnerSites) -> int:
    report = asyncio.run(_sender(settings, engine, registry).deliver_due(limit=10_000))
    print(f"sent {report.sent}, failed {report.failed} (will be retried)")
    return 0 if report.failed == 0 else 1


def _sender(settings: Settings, engine: Engine, registry: PartnerSites) -> OutboxSender:
    return OutboxSender(
        engine,
        transport_for(settings.smtp_url, settings.maildir),
        site=registry.site,
        webhook_allow=settings.webhook_allow_hosts,
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
    print(f"{today.isoformat()}: queued {report.reminders} reminder(s) and {report.digests} digest(s)")
    return _send_mail(settings, engine, registry)


def _keys(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    if _partner(settings, args.site_id) is None:
        return 1
    if args.action == "create":
        key = api_keys.create(engine, args.site_id, args.label, utc_now())
        print(key)
        print(
            f"This is the only time the key is shown. It gives access to {args.site_id}'s data only.", file=sys.stderr
        )
    elif args.action == "list":
        for info in api_keys.list_keys(engine, args.site_id):
            state = f"revoked {info.revoked_at:%Y-%m-%d}" if info.revoked_at else "active"
            print(f"{info.prefix}…  {info.created_at:%Y-%m-%d}  {state:<18}  {info.label or ''}")
    else:
        prefix = args.prefix.removesuffix("…")
        try:
            count = api_keys.revoke(engine, args.site_id, prefix, utc_now())
        except ValueError as exc:
            print(f"error: PREFIX: {exc}", file=sys.stderr)
            return 2
        if not count:
            print(f"error: {args.site_id} has no active key {prefix}", file=sys.stderr)
            return 1
        print(f"revoked {count} key(s)")
    return 0


def _invitations(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    partner = _partner(settings, args.site_id)
    if partner is None:
        return 1
    if args.action == "create":
        return _create_invitations(engine, settings, partner, args)
    _print_invitations(invitations.list_for(engine, args.site_id), args.format)
    return 0


def _create_invitations(engine: Engine, settings: Settings, partner: PartnerSite, args: argparse.Namespace) -> int:
    if args.email and args.count != 1:
        print("error: --count: with --email, one code is created and e-mailed; leave --count out", file=sys.stderr)
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
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for code in codes:
        print(f"{code}  {invitations.activation_link(base, code)}")
    if args.email:
        return _send_mail(settings, engine, _registry(settings))
    return 0


def _print_invitations(listed: list[Invitation], output_format: str) -> None:
    """The invitations as a table for a person, or as CSV."""
    if output_format == "csv":
        write_csv(sys.stdout, INVITATION_COLUMNS, [i.listed() for i in listed], lineterminator="\n")
        return
    header = ("code", "created", "for", "subscriber", "activated")
    table = [
        (
            i.code,
            f"{i.created_at:%Y-%m-%d}",
            i.email or "—",
            i.subscriber_number or "",
            f"{i.activated_at:%Y-%m-%d %H:%M}" if i.activated_at else "",
        )
        for i in listed
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *table, strict=True)]
    for line in (header, *table):
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)).rstrip())


if __name__ == "__main__":
    sys.exit(main())
