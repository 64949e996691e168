"""``registration-api`` command line: ``serve`` and ``send-mail``.

Settings come from the environment (see :mod:`registration_api.settings`); every verb
takes ``--sites DIR``. Exit codes: 0 success, 1 a setting or site is wrong, 2 wrong usage.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from . import db
from .outbox import OutboxSender, transport_for
from .settings import Settings, SettingsError


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="registration-api",
                                   description="The registration service behind storefront forms.")
    verbs = root.add_subparsers(dest="verb", metavar="VERB", required=True)
    serve = verbs.add_parser("serve", help="run the HTTP service (and send e-mail in the background)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    send = verbs.add_parser("send-mail", help="deliver every e-mail that is due, once (for cron)")
    for sub in (serve, send):
        sub.add_argument("--sites", type=Path, default=Path("sites"), metavar="DIR",
                         help="folder with the partners' sites (default: sites)")
        sub.add_argument("--themes", type=Path, default=Path("themes"), metavar="DIR",
                         help="folder with extra themes (default: themes, if it exists)")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env(sites_dir=args.sites,
                                     themes_dir=args.themes if args.themes.is_dir() else None)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not args.sites.is_dir():
        print(f"error: there is no sites folder {args.sites}/ (use --sites DIR)", file=sys.stderr)
        return 1
    if args.verb == "serve":
        return _serve(settings, args.host, args.port)
    return _send_mail(settings)


def _serve(settings: Settings, host: str, port: int) -> int:
    import dataclasses

    import uvicorn

    from .app import create_app

    if host in ("127.0.0.1", "localhost", "::1"):
        settings = dataclasses.replace(settings, allow_loopback_origins=True)

    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=settings.trust_proxy,
                forwarded_allow_ips="*" if settings.trust_proxy else None, log_level="info")
    return 0


def _send_mail(settings: Settings) -> int:
    engine = db.create_engine(settings.database_url)
    db.migrate(engine)
    sender = OutboxSender(engine, transport_for(settings.smtp_url, settings.maildir))
    report = asyncio.run(sender.deliver_due(limit=10_000))
    print(f"sent {report.sent}, failed {report.failed} (will be retried)")
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
