"""The partners the service knows, loaded from the same ``sites/`` YAML as the generator.

One source of truth: a site is validated by the generator's own loader, and its pages
are rendered by the generator's own renderer. A changed site.yaml is picked up on
SIGHUP or by polling file times; a reload that fails validation keeps the previous
version serving, so no request is ever lost or answered from a half-read file. Each site
is served as soon as it has loaded, and its pages (tried once at load) are bounded by a
render deadline, so a slow partner delays no other partner's reload.

Every partner folder is input from a stranger: whatever one site does (invalid YAML, an
alias bomb, a FIFO, a link out), the failure is logged with its id and listed by
:meth:`PartnerSites.failed`, and every other site loads and serves as before.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from registration_api.web.origins import origin_of
from storefront import (
    InvalidSite,
    Problem,
    RegistrationPage,
    RenderError,
    Site,
    SiteRenderer,
    TooManyFiles,
    display_path,
    fingerprint,
    language,
    load_site,
    search_path,
    site_ids,
)

_ = language.gettext
log = logging.getLogger("registration_api")

#: Seconds one of a partner's pages may take to render in the service (the build allows more).
PAGE_SECONDS = 2.0

#: Most files and folders a site folder may hold: its fingerprint is taken at every poll.
MAX_SITE_FILES = 5000


@dataclass(frozen=True)
class PartnerSite:
    """A loaded site with what the service needs to answer for it."""

    site: Site
    renderer: SiteRenderer
    origins: frozenset[str]

    @property
    def id(self) -> str:
        return self.site.id

    def page(self, page_id: str) -> RegistrationPage | None:
        return next((p for p in self.site.config.registration if p.id == page_id), None)


class PartnerSites:
    """Partners by site id, reloadable while requests are served."""

    def __init__(self, sites_dir: Path, themes_dir: Path | None = None, seconds: float = PAGE_SECONDS):
        self.sites_dir = sites_dir
        self.themes_dir = themes_dir
        self.seconds = seconds
        self._partners: dict[str, PartnerSite] = {}
        self._fingerprints: dict[str, str] = {}
        self._failed: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._partners)

    def get(self, site_id: str) -> PartnerSite | None:
        return self._partners.get(site_id)

    def site(self, site_id: str) -> Site | None:
        """The served site ``site_id`` (its last valid version), or None."""
        partner = self._partners.get(site_id)
        return partner.site if partner else None

    def ids(self) -> list[str]:
        return sorted(self._partners)

    def failed(self) -> dict[str, list[str]]:
        """Sites whose last (re)load failed, with the reasons; one that loaded before still
        serves its last good version."""
        return dict(self._failed)

    def reload(self) -> list[str]:
        """Load new and changed sites (a failed site is tried again once its folder or a theme
        changes); returns the messages of every site whose last load failed."""
        with self._lock:
            return self._reload()

    def _reload(self) -> list[str]:
        known = set(site_ids(self.sites_dir)) if self.sites_dir.is_dir() else set()
        partners = {k: v for k, v in self._partners.items() if k in known}
        failed = {k: v for k, v in self._failed.items() if k in known}
        try:
            themes = fingerprint(search_path(self.themes_dir), ())
        except OSError:  # a file vanished while we looked (an editor's swap file): look next time
            return self._failures(failed)
        for site_id in sorted(known):
            try:  # names, sizes and times of the site's files and the themes': links not followed, nothing opened
                current = fingerprint([self.sites_dir / site_id], (themes,), MAX_SITE_FILES)
            except TooManyFiles as exc:
                reasons = [str(Problem(display_path(self.sites_dir / site_id), 1, 1, "", str(exc)))]
                if failed.get(site_id) != reasons:  # said once, not at every poll
                    log.error(_("site={site} not loaded: {reasons}").format(site=site_id, reasons=reasons[0]))
                failed[site_id] = reasons
                continue
            except OSError:
                continue
            if self._fingerprints.get(site_id) == current and (site_id in partners or site_id in failed):
                continue
            self._fingerprints[site_id] = current
            try:
                partners[site_id] = self._load(site_id)
            except Exception as exc:
                failed[site_id] = _reasons(site_id, exc)
                said = (
                    _("site={site} not reloaded, the previous version keeps serving: {reasons}")
                    if site_id in partners
                    else _("site={site} not loaded: {reasons}")
                )
                log.error(said.format(site=site_id, reasons="; ".join(failed[site_id])))
            else:
                failed.pop(site_id, None)
                self._partners = dict(partners)  # served at once, not after the slowest other site
                log.debug("site %s loaded", site_id)
        self._partners = partners
        self._failed = failed
        return self._failures(failed)

    @staticmethod
    def _failures(failed: dict[str, list[str]]) -> list[str]:
        return [reason for site_id in sorted(failed) for reason in failed[site_id]]

    def _load(self, site_id: str) -> PartnerSite:
        site = load_site(self.sites_dir / site_id, self.themes_dir)
        renderer = SiteRenderer(site, seconds=self.seconds)
        renderer.try_service_pages()  # a template that fails keeps the last good version serving
        origins = (origin_of(url) for url in (site.config.site.base_url, *site.config.site.origins))
        return PartnerSite(site, renderer, frozenset(origin for origin in origins if origin is not None))


def _reasons(site_id: str, exc: Exception) -> list[str]:
    """Why a site did not load, one line per problem, for the log and ``/healthz``."""
    if isinstance(exc, InvalidSite):
        return [str(p) for p in exc.problems]
    if isinstance(exc, RenderError):
        return [str(exc.problem)]
    return [f"{site_id}: the site could not be loaded ({type(exc).__name__}: {exc})"]
