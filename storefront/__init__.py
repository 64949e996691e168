"""storefront: a white-label storefront generator for partners of a cloud accounting service.

What other code may use (the registration service does, and nothing else of the generator):
loading a site, rendering one of its pages, translations, formatting and WCAG contrast, the language of messages,
the partner-file and webhook-address rules the service must share, the browser pictures are taken
with, and the error types. Everything else is internal and may change.

Names are imported on first use (PEP 562): ``import storefront`` stays as cheap as the
command line needs for a rebuild with nothing to do.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name → the module that defines it.
_EXPORTS = {
    # loading a site
    "load_site": "storefront.site.loader",
    "site_ids": "storefront.paths",
    "Site": "storefront.site.loader",
    "NewsItem": "storefront.site.loader",
    "WrittenIssue": "storefront.site.newsletter_files",
    "Letter": "storefront.site.newsletter_files",
    "RegistrationPage": "storefront.site.schema",
    "NewsletterSection": "storefront.site.schema",
    "search_path": "storefront.paths",
    # rendering one page
    "SiteRenderer": "storefront.render.site_renderer",
    "Page": "storefront.render.pages",
    # the templates' environment, shared by pages and the service's e-mails
    "sandboxed_environment": "storefront.render.environment",
    # errors and problems
    "StorefrontError": "storefront.errors",
    "InvalidSite": "storefront.errors",
    "RenderError": "storefront.errors",
    "ThemeError": "storefront.errors",
    "Problem": "storefront.site.diagnostics",
    "display_path": "storefront.site.diagnostics",
    # translations and formatting
    "Translator": "storefront.i18n",
    "formatting": "storefront.formatting",
    "contrast": "storefront.site.contrast",
    "language": "storefront.language",
    # rules the service shares with the generator
    "first_forbidden": "storefront.site.characters",
    "code_point": "storefront.site.characters",
    "AllowList": "storefront.site.webhook_destinations",
    "Address": "storefront.site.webhook_destinations",
    "url_problem": "storefront.site.webhook_destinations",
    "ALLOW_HOSTS_VARIABLE": "storefront.site.webhook_destinations",
    "fingerprint": "storefront.fingerprints",
    "TooManyFiles": "storefront.fingerprints",
    # the browser pictures of pages are taken with
    "CHROMIUM_FLAGS": "storefront.browser",
    "chromium_path": "storefront.browser",
}

__all__ = [  # the names of _EXPORTS (a test keeps the two alike)
    "ALLOW_HOSTS_VARIABLE",
    "CHROMIUM_FLAGS",
    "Address",
    "AllowList",
    "InvalidSite",
    "Letter",
    "NewsItem",
    "NewsletterSection",
    "Page",
    "Problem",
    "RegistrationPage",
    "RenderError",
    "Site",
    "SiteRenderer",
    "StorefrontError",
    "ThemeError",
    "TooManyFiles",
    "Translator",
    "WrittenIssue",
    "chromium_path",
    "code_point",
    "contrast",
    "display_path",
    "fingerprint",
    "first_forbidden",
    "formatting",
    "language",
    "load_site",
    "sandboxed_environment",
    "search_path",
    "site_ids",
    "url_problem",
]

if TYPE_CHECKING:
    from storefront import formatting, language
    from storefront.browser import CHROMIUM_FLAGS, chromium_path
    from storefront.errors import InvalidSite, RenderError, StorefrontError, ThemeError
    from storefront.fingerprints import TooManyFiles, fingerprint
    from storefront.i18n import Translator
    from storefront.paths import search_path, site_ids
    from storefront.render.environment import sandboxed_environment
    from storefront.render.pages import Page
    from storefront.render.site_renderer import SiteRenderer
    from storefront.site import contrast
    from storefront.site.characters import code_point, first_forbidden
    from storefront.site.diagnostics import Problem, display_path
    from storefront.site.loader import NewsItem, Site, load_site
    from storefront.site.newsletter_files import Letter, WrittenIssue
    from storefront.site.schema import NewsletterSection, RegistrationPage
    from storefront.site.webhook_destinations import ALLOW_HOSTS_VARIABLE, Address, AllowList, url_problem


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'storefront' has no attribute {name!r}")
    if name in ("formatting", "language", "contrast"):  # modules, not names in them
        return importlib.import_module(module)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
