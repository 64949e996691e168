"""Checks that span several parts of site.yaml, the disk and the theme.

The schema knows each value's shape; these checks know how values relate: a tariff may
only include the partner's applications, a registration page must name a real tariff,
a logo must exist, brand colours must stay readable on the theme's background.
"""

from __future__ import annotations

import difflib
from collections import Counter
from pathlib import Path

from storefront.paths import is_url
from storefront.site import contrast
from storefront.site.catalogue import catalogue
from storefront.site.diagnostics import Loc, Problem, dotted
from storefront.site.images import refusal
from storefront.site.partner_files import LIMITS, UnsafeFile, check, read_bytes
from storefront.site.schema import SiteConfig
from storefront.site.theme_chain import ThemeChain
from storefront.site.yaml_positions import Positions

IMAGE_SUFFIXES = {".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".ico"}


class _Report:
    def __init__(self, positions: Positions, path: str):
        self.positions, self.path = positions, path
        self.problems: list[Problem] = []

    def add(self, loc: Loc, message: str) -> None:
        line, col = self.positions.of(loc)
        self.problems.append(Problem(self.path, line, col, dotted(loc), message))


def check_site(
    config: SiteConfig, root: Path, positions: Positions, path: str, theme: ThemeChain | None
) -> list[Problem]:
    report = _Report(positions, path)
    app_ids = _check_applications(config, report)
    tariff_apps = _check_tariffs(config, app_ids, report)
    _check_registration(config, app_ids, tariff_apps, report)
    _check_unique(report, "services", [s.id for s in config.services])
    _check_files(config, root, report)
    if theme is not None:
        _check_contrast(config, theme, report)
    return report.problems


def _check_unique(report: _Report, section: str, ids: list[str]) -> None:
    counts = Counter(ids)
    for i, value in enumerate(ids):
        if counts[value] > 1 and ids.index(value) != i:
            report.add((section, i, "id"), f"the id '{value}' is used twice in {section}; ids must be unique")


def _check_applications(config: SiteConfig, report: _Report) -> set[str]:
    known = catalogue().applications
    ids: list[str] = []
    for i, choice in enumerate(config.applications):
        app_id = choice if isinstance(choice, str) else choice.id
        loc: Loc = ("applications", i) if isinstance(choice, str) else ("applications", i, "id")
        ids.append(app_id)
        if app_id not in known:
            report.add(loc, _unknown("application", app_id, sorted(known)))
        elif known[app_id].certified_only and not config.partner.certified:
            report.add(
                loc,
                f"«{known[app_id].name}» may be sold by certified partners only; "
                "remove it, or set partner.certified: true if you hold the certificate",
            )
    counts = Counter(ids)
    for i, app_id in enumerate(ids):
        if counts[app_id] > 1 and ids.index(app_id) != i:
            report.add(("applications", i), f"the application '{app_id}' is listed twice")
    return {a for a in ids if a in known}


def _check_tariffs(config: SiteConfig, app_ids: set[str], report: _Report) -> dict[str, set[str]]:
    _check_unique(report, "tariffs", [t.id for t in config.tariffs])
    recommended = [i for i, t in enumerate(config.tariffs) if t.recommended]
    for i in recommended[1:]:
        report.add(
            ("tariffs", i, "recommended"),
            f"only one tariff can be recommended; '{config.tariffs[recommended[0]].id}' already is",
        )
    tariff_apps: dict[str, set[str]] = {}
    for i, tariff in enumerate(config.tariffs):
        if tariff.applications == "all":
            tariff_apps[tariff.id] = set(app_ids)
            continue
        tariff_apps[tariff.id] = set(tariff.applications)
        for j, app_id in enumerate(tariff.applications):
            if app_id not in app_ids:
                report.add(
                    ("tariffs", i, "applications", j),
                    f"'{app_id}' is not among this site's applications; add it to applications: "
                    f"or remove it here (the site offers: {', '.join(sorted(app_ids)) or 'none'})",
                )
    return tariff_apps


def _check_registration(
    config: SiteConfig, app_ids: set[str], tariff_apps: dict[str, set[str]], report: _Report
) -> None:
    page_ids = [p.id for p in config.registration]
    _check_unique(report, "registration", page_ids)
    for i, page in enumerate(config.registration):
        if page.tariff not in tariff_apps:
            report.add(("registration", i, "tariff"), _unknown("tariff", page.tariff, sorted(tariff_apps)))
        if page.application is None:
            continue
        if page.application not in app_ids:
            report.add(
                ("registration", i, "application"),
                f"'{page.application}' is not among this site's applications ({', '.join(sorted(app_ids))})",
            )
        elif page.tariff in tariff_apps and page.application not in tariff_apps[page.tariff]:
            report.add(
                ("registration", i, "application"),
                f"the tariff '{page.tariff}' does not include '{page.application}'; "
                "choose an application the tariff includes",
            )
    cta = config.landing.cta.registration
    if cta is not None and cta not in page_ids:
        report.add(("landing", "cta", "registration"), _unknown("registration page", cta, page_ids))


def _check_files(config: SiteConfig, root: Path, report: _Report) -> None:
    """Files named in site.yaml exist inside the site folder and may be read (see
    :mod:`storefront.site.partner_files`): a logo may not be ``../../other/assets/logo.svg``."""
    policy = config.partner.privacy_policy
    if not is_url(policy):
        _check_file(
            report,
            ("partner", "privacy_policy"),
            root,
            policy,
            LIMITS["markdown"],
            "write the policy there or give its https:// address",
        )
    brand = config.site.brand
    for key in ("logo", "favicon"):
        name = getattr(brand, key)
        if name is None:
            continue
        loc = ("site", "brand", key)
        readable = _check_file(report, loc, root, name, LIMITS["image"], "put the image there or fix the name")
        if readable and Path(name).suffix.lower() not in IMAGE_SUFFIXES:
            report.add(loc, f"'{name}' is not an image; use one of {', '.join(sorted(IMAGE_SUFFIXES))}")
        elif readable:
            _check_image(report, root, name, dotted(loc))


def _check_image(report: _Report, root: Path, name: str, field: str) -> None:
    """An image that could run code or is not what its name says (see :mod:`storefront.site.images`)."""
    try:
        data = read_bytes(root / name, root, LIMITS["image"])
    except (OSError, UnsafeFile):
        return  # changed since it was checked: publishing reads it again and reports it
    refused = refusal(data, root / name, field)
    if refused is not None:
        report.problems.append(refused)


def _check_file(report: _Report, loc: Loc, root: Path, name: str, limit: int, fix: str) -> bool:
    try:
        check(root / name, root, limit)
    except FileNotFoundError:
        report.add(loc, f"there is no file '{name}' in {root.name}/; {fix}")
        return False
    except UnsafeFile as exc:
        report.add(loc, f"'{name}': {exc}")
        return False
    return True


def _check_contrast(config: SiteConfig, theme: ThemeChain, report: _Report) -> None:
    """Brand colours against the theme's text and background (WCAG 2.1 AA)."""
    variables = theme.variables
    background, on_primary = variables["background"], variables["on_primary"]
    brand = config.site.brand
    if brand.primary:
        _need(
            report,
            ("site", "brand", "primary"),
            brand.primary,
            [("the page background", background, contrast.AA_TEXT), ("the button text", on_primary, contrast.AA_TEXT)],
            "links and buttons",
        )
    if brand.accent:
        _need(
            report,
            ("site", "brand", "accent"),
            brand.accent,
            [("the page background", background, contrast.AA_GRAPHICS)],
            "highlights and borders",
        )


def _need(report: _Report, loc: Loc, colour: str, pairs: list[tuple[str, str, float]], used_for: str) -> None:
    failing = [
        (name, other, minimum, contrast.ratio(colour, other))
        for name, other, minimum in pairs
        if contrast.ratio(colour, other) < minimum
    ]
    if not failing:
        return
    suggestion = contrast.nearest_passing(colour, [o for _, o, _ in pairs], max(m for _, _, m in pairs))
    details = "; ".join(
        f"against {name} {other} the contrast is {value:.2f}:1, WCAG AA needs {minimum:g}:1"
        for name, other, minimum, value in failing
    )
    hint = f"; a nearby colour that passes: {suggestion}" if suggestion else ""
    report.add(loc, f"{colour} is hard to read when used for {used_for}: {details}{hint}")


def _unknown(what: str, value: str, known: list[str]) -> str:
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(known)}"
    return f"there is no {what} '{value}'{hint}"
