"""Characters that may never reach a page or a feed.

Control codes (except tab and line breaks), unpaired surrogates and Unicode non-characters
make XML not well-formed (``feed.xml`` stops parsing) and HTML invalid. A partner's YAML
refuses them (:mod:`storefront.site.schema`); Markdown bodies and whatever is written as XML
drop them (:mod:`storefront.render.markdown_html`, :mod:`storefront.render.feeds`).
"""

from __future__ import annotations

import re

_NONCHARACTERS = "".join(f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0x10000, 0x110000, 0x10000))
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff" + _NONCHARACTERS + "]"
)


def first_forbidden(text: str) -> str | None:
    """The first character of ``text`` that may not be published, if any."""
    found = FORBIDDEN.search(text)
    return found.group() if found else None


def strip_forbidden(text: str) -> str:
    """``text`` without the characters that may not be published."""
    return FORBIDDEN.sub("", text) if FORBIDDEN.search(text) else text


def code_point(char: str) -> str:
    """``U+0001``: how a partner can find the character in an editor."""
    return f"U+{ord(char):04X}"
