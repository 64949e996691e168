"""Characters that may never reach a page or a feed, nor a terminal or log unescaped.

Control codes (except tab and line breaks), unpaired surrogates and Unicode non-characters
make XML not well-formed (``feed.xml`` stops parsing) and HTML invalid. A partner's YAML
refuses them (:mod:`storefront.site.schema`); Markdown bodies and whatever is written as XML
drop them (:mod:`storefront.render.markdown_html`, :mod:`storefront.render.feeds`).
"""

from __future__ import annotations

import re
import unicodedata

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


_ACTED_ON = {"Cc", "Cf", "Cs", "Zl", "Zp"}
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` with every character a terminal or a log would act on (a line break, an
    escape sequence, a bidirectional override) written out as ``\\n`` or ``U+001B``: a
    partner's file name or key cannot forge lines in ``storefront check`` or the log."""
    if text.isprintable():
        return text
    return "".join(_ESCAPES.get(c, code_point(c)) if unicodedata.category(c) in _ACTED_ON else c for c in text)
