"""WCAG 2.1 contrast arithmetic, and a nearby colour that passes when a brand colour fails."""

from __future__ import annotations

import colorsys

AA_TEXT = 4.5
AA_GRAPHICS = 3.0
#: Digits of a short colour such as ``#0af``.
_SHORT_HEX = 3
#: WCAG's sRGB channel value below which a channel is linear.
_LINEAR_BELOW = 0.04045


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    value = hex_colour.lstrip("#")
    if len(value) == _SHORT_HEX:
        value = "".join(c * 2 for c in value)
    red, green, blue = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return red, green, blue


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


def luminance(hex_colour: str) -> float:
    """Relative luminance as WCAG defines it."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= _LINEAR_BELOW else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: str, b: str) -> float:
    """Contrast ratio between two colours, from 1 (none) to 21 (black on white)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def nearest_passing(colour: str, against: list[str], minimum: float) -> str | None:
    """The colour of the same hue closest in lightness that reaches ``minimum`` against all of ``against``."""
    h, lightness, s = colorsys.rgb_to_hls(*_rgb(colour))
    for step in range(1, 101):
        for candidate_l in (lightness - step / 100, lightness + step / 100):
            if not 0 <= candidate_l <= 1:
                continue
            candidate = _hex(colorsys.hls_to_rgb(h, candidate_l, s))
            if all(ratio(candidate, other) >= minimum for other in against):
                return candidate
    return None


def shaded_until(colour: str, against: str, minimum: float, *, lighter: bool) -> str:
    """``colour``, or the nearest shade of its hue in one direction (lighter or darker) that
    reaches ``minimum`` against ``against`` (white or black at the end of the way)."""
    h, lightness, s = colorsys.rgb_to_hls(*_rgb(colour))
    candidate = colour
    step = 0.01 if lighter else -0.01
    while ratio(candidate, against) < minimum and 0 <= lightness <= 1:
        lightness += step
        candidate = _hex(colorsys.hls_to_rgb(h, min(1.0, max(0.0, lightness)), s))
    return candidate


def readable_on(background: str, light: str = "#ffffff", dark: str = "#111111") -> str:
    """Whichever of a light and a dark text colour reads better on ``background``."""
    return light if ratio(light, background) >= ratio(dark, background) else dark
