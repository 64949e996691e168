"""What every endpoint shares, created once per application and kept in ``app.state.service``:
the settings, the database, the partners' sites, the sign-up writer, the outbox sender, the
rate limits and the themed pages; and the questions every endpoint asks of a request (who
sends it, from which page, which storefront its links lead back to)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request

from registration_api.delivery.outbox import OutboxSender, transport_for
from registration_api.domain.partner_sites import PartnerSite, PartnerSites
from registration_api.domain.signups import Clock, SignupService
from registration_api.settings import Settings
from registration_api.storage import engines
from registration_api.web.origins import header_origin, origin_of
from registration_api.web.rate_limit import RateLimiter, client_key
from registration_api.web.theme_assets import assets_root
from registration_api.web.themed_pages import ThemedPages

#: Sign-in links asked for (and used) per minute from one client address, and asked for one e-mail address.
SIGN_INS_PER_CLIENT = 10
SIGN_INS_PER_ADDRESS = 3


class Service:
    """The application's shared state; endpoints reach it with :func:`service_of`."""

    def __init__(self, settings: Settings, clock: Clock):
        self.settings = settings
        self.clock = clock
        self.engine = engines.create_engine(settings.database_url)
        self.sites = PartnerSites(settings.sites_dir, settings.themes_dir)
        self.signups = SignupService(
            self.engine,
            mail_from=settings.mail_from,
            public_base=settings.public_base,
            timezone=settings.timezone,
            clock=clock,
        )
        self.sender = OutboxSender(
            self.engine,
            transport_for(settings.smtp_url, settings.maildir),
            clock=clock,
            site=self.sites.site,
            webhook_allow=settings.webhook_allow_hosts,
            dkim=settings.dkim_keys,
            claim_seconds=settings.claim_seconds,
        )
        self.pages = ThemedPages(assets_root=assets_root(settings.public_base))
        self.link_secret = ""  # signs extension links; read from the database at start-up
        self.browser_posts = RateLimiter(settings.rate_limit_per_minute)
        self.api_requests = RateLimiter(settings.api_rate_limit_per_minute)
        self.auth_failures = RateLimiter(settings.auth_failures_per_minute)
        self.cabinet_secret = ""  # signs the cabinet's sessions; read from the database at start-up
        self.sign_ins_by_client = RateLimiter(SIGN_INS_PER_CLIENT)
        self.sign_ins_by_address = RateLimiter(SIGN_INS_PER_ADDRESS)
        self.outbox_waiting = asyncio.Event()  # set when something was queued: the sender wakes up

    def client(self, request: Request) -> str:
        """Who the rate limits count: the client's address (an IPv6 one by its /64)."""
        if self.settings.trust_proxy and "x-forwarded-for" in request.headers:
            # the proxy appends the address it saw: the right-most entry, not what the client claims
            return client_key(request.headers["x-forwarded-for"].split(",")[-1].strip())
        return client_key(request.client.host) if request.client else "unknown"

    @staticmethod
    def request_origin(request: Request) -> str | None:
        """The page the request claims to come from (``Origin``, else the origin of ``Referer``),
        in canonical form; as sent (cut short) when it is not an origin; None when neither is sent."""
        origin = request.headers.get("origin")
        if origin:
            return header_origin(origin) or origin[:200]
        referer = request.headers.get("referer")
        return (origin_of(referer) or referer[:200]) if referer else None

    def origin_allowed(self, partner: PartnerSite, origin: str | None) -> bool:
        """No Origin and no Referer: not a browser's cross-site post, so allowed. Otherwise the
        origin must be exactly one of the partner's, or a local page this service accepts."""
        if origin is None:
            return True
        canonical = header_origin(origin)
        return canonical is not None and (canonical in partner.origins or self.settings.is_local_origin(canonical))

    def own_origin(self) -> str | None:
        """The origin of this service's own pages (an invitation's form posts from there)."""
        return origin_of(self.settings.public_base)

    def storefront_base(self, partner: PartnerSite, origin: str | None) -> str:
        """Absolute base URL of the storefront the visitor came from: a local preview this service
        accepts, else the partner's own address; never a host the visitor's request named otherwise."""
        canonical = header_origin(origin) if origin else None
        if canonical and self.settings.is_local_origin(canonical):
            return canonical + partner.site.base_path
        return partner.site.config.site.base_url

    def own_url(self, request: Request) -> str:
        """This endpoint's public address (``PUBLIC_BASE_URL`` behind a reverse proxy), never built
        from the request's Host header."""
        return self.settings.public_base.rstrip("/") + request.url.path

    def browser_post_allowed(self, request: Request) -> float:
        """0 when a browser's post may go on (and it is counted), else the seconds to wait:
        sign-ups and the posts of the pages an e-mail opens share one limit per address."""
        return self.browser_posts.take(self.client(request))


def service_of(request: Request) -> Service:
    """The service of the application answering ``request``."""
    service: Service = request.app.state.service
    return service
