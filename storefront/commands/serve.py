"""``storefront serve SITE_ID``: preview a site with live reload and a working form.

The one place the generator and the registration service meet: the preview serves the
site, and beside it the whole service: sign-up, the invitation and extension pages, the
partner API, health and OpenAPI (SQLite and a Maildir under ``var/`` unless the environment
says otherwise), with forms posting to itself, so every link the service writes works here.
"""

from __future__ import annotations

import argparse
import dataclasses
import socket
import sys
from pathlib import Path

from storefront import language
from storefront.commands._sites import error, one_site, themes_dir
from storefront.language import N_
from storefront.language import gettext as _
from storefront.pipeline import declared

HELP = N_("preview a site on localhost; it rebuilds and reloads as you edit")
VAR_DIR = Path("var")
PORTS_TRIED = 50  # how far past a taken port to look for a free one to suggest


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site_id", metavar="SITE_ID", help=_("the site to preview"))
    parser.add_argument("--theme", metavar="NAME", help=_("preview in this theme instead of the one in site.yaml"))
    parser.add_argument("--port", type=int, default=8000, help=_("port (default: 8000)"))
    parser.add_argument("--host", default="127.0.0.1", help=_("address (default: 127.0.0.1, this machine only)"))


def run(args: argparse.Namespace) -> int:
    if not one_site(args.sites, args.site_id):
        return 1
    with language.for_site(declared(args.sites / args.site_id, "locale")):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    # the preview and the service are imported only by this verb: every other one starts faster
    from starlette.routing import Route

    from registration_api.settings import Settings, SettingsError
    from registration_api.web.app import create_app
    from storefront.pipeline import BuildOptions
    from storefront.preview.server import ExtraApp, serve

    if not port_free(args.host, args.port):
        error(
            _("port {port} is already in use (by another `storefront serve`, or another program)").format(
                port=args.port
            )
        )
        free = next((p for p in range(args.port + 1, args.port + PORTS_TRIED) if port_free(args.host, p)), None)
        if free is not None:
            suggestion = _("port {port} is free: storefront serve {site} --port {port}").format(
                port=free, site=args.site_id
            )
            print(f"  {suggestion}", file=sys.stderr)
        return 1
    themes = themes_dir(args.themes)
    own_url = f"http://{args.host}:{args.port}/"
    try:
        settings = Settings.from_env(sites_dir=args.sites, themes_dir=themes)
    except SettingsError as exc:
        error(str(exc))
        return 1
    api = create_app(dataclasses.replace(settings, allow_loopback_origins=True, listen_url=own_url))
    registration = ExtraApp(
        api,
        [
            Route("/r/{site_id}/{page_id}", api, methods=["POST", "OPTIONS"]),
            Route("/invite/{code}", api, methods=["GET", "HEAD", "POST"]),
            Route("/extend/{token}", api, methods=["GET", "HEAD", "POST"]),
            Route("/sites/{site_id}/assets/{name:path}", api, methods=["GET", "HEAD"]),
            Route("/api/{rest:path}", api),
            Route("/healthz", api),
            Route("/openapi.json", api),
        ],
        greeting(settings.public_base_url),
    )
    options = BuildOptions(args.sites, themes, VAR_DIR / "preview", api_url=own_url, theme=args.theme)
    return serve(args.site_id, options, host=args.host, port=args.port, extra=registration, debug=args.debug)


def greeting(public_base_url: str | None) -> str:
    """What the preview serves beside the site, and where the links the service writes lead."""
    lines = [_("Sign-up, the /invite/ and /extend/ links and the partner API work here too.")]
    if public_base_url:
        lines.append(
            _(
                "The links in the service's e-mails lead to {address} (PUBLIC_BASE_URL); "
                "unset it to follow them in this preview."
            ).format(address=public_base_url)
        )
    return "\n".join(f"  {line}" for line in lines)


def port_free(host: str, port: int) -> bool:
    """Whether the preview could listen on ``host:port`` now (nothing else bound to it)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
