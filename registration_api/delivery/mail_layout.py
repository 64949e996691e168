"""The partner's look in every e-mail: brand colours that stay readable, the layout's own
texts, and the CSS moved into style attributes as mail clients need.

Every HTML e-mail extends ``templates/mail/base.html``: a table layout 600 px wide that
narrows to the phone's width (a media query kept in a ``<style>`` block, which Gmail,
Apple Mail, Yandex Mail and Mail.ru honour), with the CSS written once in that block and
inlined into ``style`` attributes when the message is composed (:func:`inline_styles`,
``css-inline``), since Outlook and several webmail clients drop or ignore style blocks.

The header is the partner's name as a text wordmark in the brand colour, not the logo:
partners' logos are SVG, which Gmail, Outlook and Mail.ru do not display; a PNG copy
would have to be attached (CID) or published at an absolute https address, and images are
blocked by default in most clients anyway, so a text header is the one every reader sees.

Colours: the button is the brand colour with whichever of white or near-black text reads
better; a brand colour too light for text on white (or for white text on it) is darkened
in its own hue until it meets WCAG AA (4.5:1), and a lighter shade of it is used for text
in dark mode. Every element carries explicit text and background colours, so a client that
inverts the colours (Gmail's and Outlook's apps) inverts pairs that keep their contrast.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import css_inline

from storefront import Site, language
from storefront import contrast as contrast_rules

_ = language.gettext
N_ = language.N_

#: The button's colour for a partner who chose no brand colour.
DEFAULT_PRIMARY = "#1f5fbf"
#: Text colours and the card's background, light and dark.
INK = "#1d2330"
WHITE = "#ffffff"
CARD_DARK = "#1c1f24"
#: WCAG AA for normal text.
AA = contrast_rules.AA_TEXT

_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def contrast(one: str, other: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours: 1 (none) to 21 (black on white)."""
    return contrast_rules.ratio(one, other)


def _shaded_until_readable(colour: str, against: str, *, lighter: bool) -> str:
    """``colour``, or the nearest shade of its hue (darker or lighter) that reads at AA on ``against``."""
    return contrast_rules.shaded_until(colour, against, AA, lighter=lighter)


@dataclass(frozen=True)
class Palette:
    """The colours of one partner's e-mails, each pair readable at WCAG AA."""

    button: str
    on_button: str
    brand_text: str
    brand_text_dark: str
    card_dark: str = CARD_DARK


def palette(site: Site) -> Palette:
    """The partner's brand colour made into an e-mail palette (see the module's docstring)."""
    primary = site.config.site.brand.primary or DEFAULT_PRIMARY
    button = primary
    if max(contrast(WHITE, button), contrast(INK, button)) < AA:
        button = _shaded_until_readable(primary, WHITE, lighter=False)
    on_button = WHITE if contrast(WHITE, button) >= contrast(INK, button) else INK
    return Palette(
        button=button,
        on_button=on_button,
        brand_text=_shaded_until_readable(primary, WHITE, lighter=False),
        brand_text_dark=_shaded_until_readable(primary, CARD_DARK, lighter=True),
    )


def _reminder_heading(context: Mapping[str, Any]) -> str:
    headings = {
        "before_7": N_("Your access to 1C in the cloud ends soon"),
        "before_3": N_("Your access to 1C in the cloud ends in three days"),
        "end_day": N_("Today is the last day of your access to 1C in the cloud"),
        "after_5": N_("Your data in the cloud is waiting for you"),
    }
    return _(headings[context["kind"]])


#: The heading of each kind of e-mail, by its template (said in the site's language).
HEADINGS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "partner_notice": lambda context: _("New registration on your storefront"),
    "welcome": lambda context: _("Your trial access is open"),
    "invitation": lambda context: _("You are invited to try 1C in the cloud"),
    "reminder": _reminder_heading,
    "digest": lambda context: _("Subscriptions ending in the next 14 days"),
    "sign_in": lambda context: _("Sign in to the partner's cabinet"),
    "news_confirm": lambda context: _("Confirm your subscription to news"),
    # a digest of news says whose news; a hand-written issue or letter is headed by its own subject
    "newsletter": lambda context: str(context.get("heading") or context["subject"]),
    "letter": lambda context: str(context["subject"]),
}


def layout_context(site: Site, template: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """What ``base.html`` and ``base.txt`` show around a message: its heading, the colours,
    and the layout's own texts, in the site's language."""
    with language.speaking(site.locale):
        return {
            "heading": HEADINGS[template](context),
            "colours": palette(site),
            "link_hint": _("If the button does not open, copy this address into your browser:"),
            "reply": _("Reply to the client"),
            "open_cabinet": _("Open the list in your cabinet"),
        }


def inline_styles(html: str) -> str:
    """``html`` with its ``<style>`` rules moved into style attributes; media queries stay in
    a ``<style>`` block for the clients that honour them."""
    return _INLINER.inline(html)
