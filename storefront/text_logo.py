"""A logo drawn from the partner's name: the starter's picture until the partner has its own.

The initials on a rounded square of the brand colour, and the name beside it in that colour.
The drawing is built as XML elements, so any name (quotes, «», &, <) stays text and never
becomes markup; a long name is set on two lines and cut with «…». Without font metrics the
width of the text is estimated and fixed with ``textLength``, so it never overflows the picture.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from storefront.site.characters import strip_forbidden

SVG = "http://www.w3.org/2000/svg"
HEIGHT = 48
#: Where the name starts: after the 40-unit square and a gap.
_TEXT_X = 52
#: A name up to this many characters is set on one line, larger; a longer one on two lines.
#: (Shown 40 pixels high, the picture stays about as wide as a header has room for.)
_ONE_LINE = 14
#: Characters on each of the two lines of a longer name.
_LINE = 20
_FONT = "Arial, Helvetica, sans-serif"
#: Widths of glyphs in em of a bold sans-serif, roughly: enough to size the picture.
_NARROW = set("iljtfrIJ.,:;'!|()[]{}«»\"-–—/ ")
_WIDE = set("mwMWЖШЩЮМЫФжшщюмыф@%")
#: Legal forms that are not part of the name a monogram shows.
_LEGAL_FORMS = {"ооо", "ип", "ао", "зао", "пао", "оао", "llc", "ltd", "inc"}


def text_logo(name: str, colour: str) -> str:
    """The SVG of a logo for ``name`` in ``colour`` (``#RRGGBB``)."""
    name = " ".join(strip_forbidden(name).split())
    lines = _lines(name)
    size = 20 if len(lines) == 1 else 16
    widths = [round(_width(line, size)) for line in lines]
    width = _TEXT_X + max(widths, default=0) + 2
    svg = ET.Element(
        "svg",
        {"xmlns": SVG, "viewBox": f"0 0 {width} {HEIGHT}", "width": str(width), "height": str(HEIGHT), "role": "img"},
    )
    ET.SubElement(svg, "title").text = name
    ET.SubElement(svg, "rect", {"x": "0", "y": "4", "width": "40", "height": "40", "rx": "9", "fill": colour})
    initials = _initials(name)
    if initials:
        monogram = ET.SubElement(
            svg,
            "text",
            {
                "x": "20",
                "y": "31" if len(initials) == 1 else "30",
                "text-anchor": "middle",
                "font-family": _FONT,
                "font-size": "22" if len(initials) == 1 else "17",
                "font-weight": "700",
                "fill": "#ffffff",
            },
        )
        monogram.text = initials
    baselines = [31] if len(lines) == 1 else [21, 40]
    for line, line_width, baseline in zip(lines, widths, baselines, strict=False):
        element = ET.SubElement(
            svg,
            "text",
            {
                "x": str(_TEXT_X),
                "y": str(baseline),
                "font-family": _FONT,
                "font-size": str(size),
                "font-weight": "700",
                "fill": colour,
                "textLength": str(line_width),
                "lengthAdjust": "spacingAndGlyphs",
            },
        )
        element.text = line
    return ET.tostring(svg, encoding="unicode") + "\n"


def _lines(name: str) -> list[str]:
    """The name on one line, or on two cut at a space, the second ending in «…» if it is too long."""
    if len(name) <= _ONE_LINE:
        return [name] if name else []
    spaces = [i for i, c in enumerate(name) if c == " " and i <= _LINE]
    fitting = [i for i in spaces if len(name) - i - 1 <= _LINE]
    # the most even cut when the name fits on two lines, else as much as the first line holds
    cut = min(fitting, key=lambda i: abs(len(name) - 2 * i)) if fitting else max(spaces, default=_LINE)
    first, rest = name[:cut].rstrip(), name[cut:].strip()
    if len(rest) > _LINE:
        rest = rest[: _LINE - 1]
        space = rest.rfind(" ")
        rest = (rest[:space] if space > _LINE // 2 else rest).rstrip() + "…"
    return [first, rest] if rest else [first]


def _width(line: str, size: int) -> float:
    """The estimated width of ``line`` set in bold at ``size``."""
    ems = sum(0.32 if c in _NARROW else 0.9 if c in _WIDE else 0.7 if c.isupper() else 0.58 for c in line)
    return ems * size


def _initials(name: str) -> str:
    """The first letters of the first two words of the name (a legal form such as ООО skipped)."""
    words = [w for w in re.findall(r"\w+", name) if w.lower() not in _LEGAL_FORMS]
    return "".join(word[0] for word in words[:2]).upper()
