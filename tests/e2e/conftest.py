"""The whole path in a real browser: the example sites built in every theme and served over
HTTP, the registration API under uvicorn, a real SMTP server and SQLite in a temp folder."""

from __future__ import annotations

import os
import shutil

import pytest

from registration_api.domain.signups import utc_now
from registration_api.settings import Settings
from storefront import load_site, site_ids
from storefront.browser import CHROMIUM_FLAGS, chromium_path
from storefront.pipeline import BuildOptions, build_many
from storefront.preview import static_server
from tests.support import REPO, THEMES, Api, SmtpServer, Storefronts


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium: Playwright cannot download its own browser on these machines."""
    return {**browser_type_launch_args, "executable_path": chromium_path(), "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def storefronts(tmp_path_factory) -> Storefronts:
    root = tmp_path_factory.mktemp("e2e")
    sites_dir = root / "sites"
    shutil.copytree(REPO / "sites", sites_dir)
    smtp = SmtpServer().start()
    settings = Settings.from_env(
        {
            "DATABASE_URL": f"sqlite:///{root / 'var' / 'registrations.sqlite3'}",
            "VAR_DIR": str(root / "var"),
            "SMTP_URL": smtp.url,
            "MAIL_FROM": "robot@storefront.example",
            "ALLOW_LOOPBACK_ORIGINS": "1",
            "RATE_LIMIT_PER_MINUTE": "10000",
        },
        sites_dir=sites_dir,
    )
    api = Api(settings, clock=utc_now).start()
    urls, servers = {}, []
    for theme in THEMES:
        out = root / "public" / theme
        reports = build_many(site_ids(sites_dir), BuildOptions(sites_dir, None, out, api_url=api.url, theme=theme))
        assert all(r.ok for r in reports), [str(p) for r in reports for p in r.problems]
        for report in reports:
            site = report.site_id
            base_path = load_site(sites_dir / site).base_path
            docroot = root / "docroots" / theme / site
            mount = docroot / base_path.strip("/") if base_path != "/" else docroot
            mount.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(out / site, mount)
            server = static_server.start(docroot)
            servers.append(server)
            urls[(theme, site)] = f"http://127.0.0.1:{server.server_address[1]}{base_path}"
    yield Storefronts(api, smtp, urls, sites_dir)
    for server in servers:
        server.shutdown()
    api.stop()
    smtp.stop()
