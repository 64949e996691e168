"""Sign-ups per day as a server-drawn SVG bar chart: no JavaScript, nothing fetched from elsewhere.

One stacked bar per day, one colour per series (a registration page, or the invitations) from
a fixed palette whose every colour is at least 4.5:1 against white (WCAG AA for text, so the
legend's swatches and the bars' outlines read on the cabinet's white page). Months are marked
where they begin, named the way the locale writes them («дек.», «Dec»). The image explains
itself to a screen reader: ``role="img"`` with a ``<title>`` and a ``<desc>`` giving the totals.

Series names are partners' page titles: every text is escaped for XML and stripped of the
characters XML cannot hold, so a title such as ``</text><script>`` is only ever text. The size
is a ``viewBox`` about 500 units wide: the picture fills its container, and its text (13 units)
stays readable on a 360-pixel phone; a page should cap the container near 40rem so the text is
not oversized on a wide screen.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from babel.dates import format_date

from registration_api.domain.cabinet_overview import INVITATIONS
from storefront import formatting, language

_ = language.gettext
ngettext = language.ngettext

#: Bar colours, each at least 4.5:1 against white (tests/registration_api/web/test_svg_chart.py
#: checks the ratios); a series beyond the seventh joins "other pages" in the eighth, grey.
PALETTE = (
    "#1d4ed8",  # blue
    "#b45309",  # amber
    "#047857",  # green
    "#be123c",  # crimson
    "#6d28d9",  # violet
    "#0e7490",  # teal
    "#854d0e",  # brown
    "#4b5563",  # grey: the other pages together
)
_INK = "#1f2937"
_GRID = "#d1d5db"

_SLOT = 5  # horizontal room of one day: 90 days fit a phone at a readable text size
_BAR = 4  # the bar within it
_LEFT = 36  # room for the count labels
_TOP = 12
_PLOT_HEIGHT = 180
_AXIS_ROOM = 26  # month names under the bars
_LEGEND_ROW = 22
_NAME_LIMIT = 50  # characters of a series name shown in the legend

#: Characters an XML 1.0 document cannot contain, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def text(value: str) -> str:
    """``value`` as XML character data: escaped, without characters XML forbids."""
    return escape(_NOT_XML.sub("", value))


def _shorten(name: str) -> str:
    name = " ".join(name.split())
    return name if len(name) <= _NAME_LIMIT else name[: _NAME_LIMIT - 1] + "…"


def _nice_top(largest: int) -> int:
    """The axis' top: 1, 2, 5 × a power of ten at or above ``largest`` (at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= largest:
                return step * factor
        step *= 10


def _label(key: str, labels: Mapping[str, str]) -> str:
    """What people call the series ``key``: its label, the invitations by name, else the key itself."""
    if key in labels:
        return labels[key]
    return _("By invitation") if key == INVITATIONS else key


def _folded(series: Mapping[str, Sequence[int]], labels: Mapping[str, str]) -> list[tuple[str, list[int]]]:
    """(name, counts) per series, the largest first; beyond seven, the rest as one "other pages"."""
    days = max((len(counts) for counts in series.values()), default=0)
    ranked = sorted(series.items(), key=lambda item: (-sum(item[1]), _label(item[0], labels)))
    named = [(_label(key, labels), [*counts, *[0] * (days - len(counts))]) for key, counts in ranked]
    if len(named) <= len(PALETTE):
        return named
    kept, rest = named[: len(PALETTE) - 1], named[len(PALETTE) - 1 :]
    other = [sum(counts[day] for _name, counts in rest) for day in range(days)]
    return [*kept, (_("Other pages"), other)]


def daily_chart(series: Mapping[str, Sequence[int]], first_day: dt.date, labels: Mapping[str, str], locale: str) -> str:
    """An SVG of ``series`` (counts per day from ``first_day``), stacked per day.

    ``labels`` names each series key for people (a page's title); the invitations' series
    (:data:`~registration_api.domain.cabinet_overview.INVITATIONS`) is called "By invitation"
    unless labelled, any other key without a label is shown as it is. ``locale`` (``ru``, ``en``)
    writes the months, numbers and dates.
    """
    named = _folded(series, labels)
    days = max((len(counts) for _name, counts in named), default=0)
    totals = [sum(counts[day] for _name, counts in named) for day in range(days)]
    top = _nice_top(max(totals, default=0))
    width = _LEFT + days * _SLOT + 8
    legend_top = _TOP + _PLOT_HEIGHT + _AXIS_ROOM
    height = legend_top + max(len(named), 1) * _LEGEND_ROW + 4
    base = _TOP + _PLOT_HEIGHT
    last_day = first_day + dt.timedelta(days=max(days - 1, 0))
    total = sum(totals)

    title = _("Sign-ups per day")
    parts = "; ".join(
        f"{_shorten(name)}: {formatting.number(sum(counts), locale)}" for name, counts in named if sum(counts)
    )
    description = ngettext("{n} sign-up from {start} to {end}", "{n} sign-ups from {start} to {end}", total).format(
        n=formatting.number(total, locale),
        start=formatting.date(first_day, locale),
        end=formatting.date(last_day, locale),
    )
    if parts:
        description += f" — {parts}"

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="signups-title signups-desc" '
        f'font-family="system-ui, sans-serif" font-size="13">',
        f'<title id="signups-title">{text(title)}</title>',
        f'<desc id="signups-desc">{text(description)}</desc>',
    ]
    # Horizontal lines at 0, half and the top, with their counts.
    for value in sorted({0, top // 2, top}):
        y = base - value * _PLOT_HEIGHT / top
        out.append(f'<line x1="{_LEFT}" y1="{y:.2f}" x2="{width - 8}" y2="{y:.2f}" stroke="{_GRID}"/>')
        out.append(
            f'<text x="{_LEFT - 4}" y="{y + 4:.2f}" text-anchor="end" fill="{_INK}">'
            f"{text(formatting.number(value, locale))}</text>"
        )
    # Month starts: a tick and the month's short name.
    for day in range(days):
        date = first_day + dt.timedelta(days=day)
        if date.day == 1:
            x = _LEFT + day * _SLOT
            out.append(f'<line x1="{x}" y1="{_TOP}" x2="{x}" y2="{base + 6}" stroke="{_INK}"/>')
            month = format_date(date, "LLL", locale=locale)
            place = f'x="{x + 2}"' if x + 48 < width else f'x="{x - 2}" text-anchor="end"'
            out.append(f'<text class="month" {place} y="{base + 20}" fill="{_INK}">{text(month)}</text>')
    # The bars, stacked from the largest series up.
    for day in range(days):
        y = float(base)
        for index, (_name, counts) in enumerate(named):
            if counts[day] <= 0:
                continue
            bar = counts[day] * _PLOT_HEIGHT / top
            y -= bar
            out.append(
                f'<rect class="bar" x="{_LEFT + day * _SLOT + 1}" y="{y:.2f}" width="{_BAR}" height="{bar:.2f}" '
                f'fill="{PALETTE[index]}" data-day="{(first_day + dt.timedelta(days=day)).isoformat()}" '
                f'data-count="{counts[day]}"/>'
            )
    # The legend: a swatch and the series' name, in the order the bars stack.
    for index, (name, counts) in enumerate(named):
        y = legend_top + index * _LEGEND_ROW
        out.append(
            f'<rect class="swatch" x="{_LEFT}" y="{y}" width="14" height="14" fill="{PALETTE[index]}" '
            f'stroke="{PALETTE[index]}"/>'
        )
        label = f"{_shorten(name)} — {formatting.number(sum(counts), locale)}"
        out.append(f'<text class="legend" x="{_LEFT + 20}" y="{y + 12}" fill="{_INK}">{text(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)
