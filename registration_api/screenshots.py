"""``registration-api screenshots SITE_ID --out DIR``: PNGs of every page of a partner's cabinet,
at a desktop's and a phone's width, as the partner's operator sees them; with ``--mail``, of every
kind of e-mail the service sends the partner and its clients, at 360 and 600 px.

The service runs on a throwaway SQLite database filled by :mod:`registration_api.demo` (never the
database of ``DATABASE_URL``), sends no e-mail, and the browser is signed in as the partner's
first operator. The README's pictures of the cabinet are made by this command.
"""

from __future__ import annotations

import argparse
import dataclasses
import email
import email.message
import email.policy
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from registration_api.settings import Settings
from storefront import language

_ = language.gettext
ngettext = language.ngettext

#: (file name part, path under the partner's cabinet); ``{number}`` is a demo subscriber's.
PAGES = (
    ("overview", ""),
    ("subscribers", "subscribers"),
    ("subscriber", "subscribers/{number}"),
    ("invitations", "invitations"),
    ("ending", "ending"),
    ("newsletter", "newsletter"),
    ("settings", "settings"),
)
VIEWPORTS = {"desktop": (1280, 900), "phone": (360, 780)}
#: The service's address the e-mails' links show when PUBLIC_BASE_URL is not set.
SAMPLE_SERVICE = "https://api.storefront.example/"
#: The widths the e-mails are photographed at: a phone's, and a desktop client's reading pane.
MAIL_WIDTHS = (360, 600)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site_id", metavar="SITE_ID", help=_("the site whose cabinet to photograph"))
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help=_("folder for the PNG files"))
    parser.add_argument("--full-page", action="store_true", help=_("the whole page, not just the first screen"))
    parser.add_argument(
        "--mail",
        action="store_true",
        help=_("photograph every kind of e-mail instead, whole, at 360 and 600 px"),
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Photograph the cabinet of ``args.site_id``; 1 (with a message) when it cannot."""
    # imported when the verb runs: the other verbs need neither a web server nor a browser
    import uvicorn

    from registration_api import demo
    from registration_api.web import cabinet_session
    from registration_api.web.app import create_app
    from registration_api.web.cabinet_session import Session

    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        _fail(_("screenshots need Playwright: pip install 'storefront[screenshots]'"))
        return 1
    # the e-mails' links name the service's real address, or an example one (never the throwaway's)
    mail_base = settings.public_base_url or SAMPLE_SERVICE
    with tempfile.TemporaryDirectory() as temp:
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        settings = dataclasses.replace(
            settings,
            database_url=f"sqlite:///{Path(temp) / 'cabinet.sqlite3'}",
            var_dir=Path(temp),
            public_base_url=f"{base}/",
            listen_url=f"{base}/",
        )
        app = create_app(settings, send_in_background=False)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            _wait_for(server)
            service = app.state.service
            partner = service.sites.get(args.site_id)
            if partner is None:
                _fail(_("there is no site «{site}» the service can serve").format(site=args.site_id))
                return 1
            now = service.clock()
            if args.mail:
                mails = demo.sample_mails(partner, public_base=mail_base, sender=service.settings.mail_from, now=now)
                written = _photograph_mails(sync_playwright, mails, args)
                return _wrote(written, args.out)
            shown = demo.fill(service.engine, partner, now)
            operator = str(partner.site.config.partner.operators[0])
            session = Session.signed_in(operator, now)
            cookie = cabinet_session.cookie_value(session, secret=service.cabinet_secret, now=now)
            address = f"{base}/cabinet/{partner.id}/"
            written = _photograph(sync_playwright, address, shown.shown_number, cookie, args, partner.site.locale)
        except PlaywrightError as exc:
            _fail(
                _("the browser failed: {reason} (install Debian's chromium, or set CHROMIUM_PATH)").format(
                    reason=exc.message.splitlines()[0]
                )
            )
            return 1
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    return _wrote(written, args.out)


def _wrote(written: int, out: Path) -> int:
    print(
        ngettext("Wrote {n} screenshot to {out}/", "Wrote {n} screenshots to {out}/", written).format(
            n=written, out=out
        )
    )
    return 0


def _photograph(
    sync_playwright: Any, address: str, number: str, cookie: str, args: argparse.Namespace, locale: str
) -> int:
    """Every page of :data:`PAGES` under the cabinet ``address`` at each width, in a browser set to
    the partner's language (its date fields read as there); returns how many."""
    from registration_api.web import cabinet_session
    from storefront import CHROMIUM_FLAGS, chromium_path

    args.out.mkdir(parents=True, exist_ok=True)
    written = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        for device, (width, height) in VIEWPORTS.items():
            context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
            context.add_cookies([{"name": cabinet_session.COOKIE, "value": cookie, "url": address}])
            page = context.new_page()
            for label, path in PAGES:
                page.goto(address + path.format(number=number), wait_until="load")
                page.screenshot(path=str(args.out / f"cabinet-{label}-{device}.png"), full_page=args.full_page)
                written += 1
            context.close()
        browser.close()
    return written


def _photograph_mails(sync_playwright: Any, mails: dict[str, bytes], args: argparse.Namespace) -> int:
    """The HTML part of each e-mail, whole, at each of :data:`MAIL_WIDTHS`, as a mail client shows it."""
    from storefront import CHROMIUM_FLAGS, chromium_path

    args.out.mkdir(parents=True, exist_ok=True)
    written = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        for kind, raw in mails.items():
            body = email.message_from_bytes(raw, policy=email.policy.default).get_body(("html",))
            html = body.get_content() if isinstance(body, email.message.EmailMessage) else ""
            for width in MAIL_WIDTHS:
                page = browser.new_page(viewport={"width": width, "height": 100})  # the picture is the whole e-mail
                page.set_content(html, wait_until="load")
                page.screenshot(path=str(args.out / f"mail-{kind.replace('_', '-')}-{width}.png"), full_page=True)
                page.close()
                written += 1
        browser.close()
    return written


def _fail(message: str) -> None:
    print(_("error: {message}").format(message=message), file=sys.stderr)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(server: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not getattr(server, "started", False):
        if time.monotonic() > deadline:
            raise RuntimeError("the service did not start")
        time.sleep(0.05)
