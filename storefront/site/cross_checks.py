"""Checks that span several parts of site.yaml, the disk and the theme.

The schema knows each value's shape; these checks know how values relate: a tariff may
only include the partner's applications, a registration page must name a real tariff,
a logo must exist, brand colours must stay readable on the theme's background, an issue
written for the newsletter needs a newsletter that sends it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from storefront.language import N_
from storefront.language import gettext as _
from storefront.paths import is_url
from storefront.site import contrast
from storefront.site.catalogue import catalogue
from storefront.site.diagnostics import Loc, Problem, display_path, number
from storefront.site.images import refusal
from storefront.site.partner_files import LIMITS, UnsafeFile, check, read_bytes
from storefront.site.schema import SiteConfig
from storefront.site.suggestions import suggest
from storefront.site.theme_chain import ThemeChain
from storefront.site.yaml_positions import Positions

IMAGE_SUFFIXES = {".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".ico"}


class _Report:
    def __init__(self, positions: Positions, path: str):
        self.positions, self.path = positions, path
        self.problems: list[Problem] = []

    def add(self, loc: Loc, message: str) -> None:
        line, col = self.positions.of(loc)
        self.problems.append(Problem(self.path, line, col, self.positions.field(loc), message))


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


def check_newsletter(config: SiteConfig, issue_files: Sequence[Path]) -> list[Problem]:
    """Issues written in ``newsletter/`` need a ``newsletter:`` section that says when they go
    (onboarding letters do not: they go by each subscriber's registration)."""
    if config.newsletter is not None or not issue_files:
        return []
    return [
        Problem(
            display_path(issue_files[0]),
            1,
            1,
            "",
            _(
                "this issue is never sent: site.yaml has no newsletter: section saying when issues go out; "
                "add one to site.yaml, e.g. newsletter: {every: 2 weeks, weekday: tuesday, hour: 10}"
            ),
        )
    ]


def _check_unique(report: _Report, section: str, ids: list[str]) -> None:
    counts = Counter(ids)
    for i, value in enumerate(ids):
        if counts[value] > 1 and ids.index(value) != i:
            report.add(
                (section, i, "id"),
                _("the id '{id}' is used twice in {section}; ids must be unique").format(id=value, section=section),
            )


def _check_applications(config: SiteConfig, report: _Report) -> set[str]:
    known = catalogue().applications
    ids: list[str] = []
    for i, choice in enumerate(config.applications):
        app_id = choice if isinstance(choice, str) else choice.id
        loc: Loc = ("applications", i) if isinstance(choice, str) else ("applications", i, "id")
        ids.append(app_id)
        if app_id not in known:
            report.add(loc, _unknown(_(_APPLICATION), app_id, {key: [app.name] for key, app in known.items()}))
        elif known[app_id].certified_only and not config.partner.certified:
            report.add(
                loc,
                _(
                    "«{name}» may be sold by certified partners only; "
                    "remove it, or set partner.certified: true if you hold the certificate"
                ).format(name=known[app_id].name),
            )
    counts = Counter(ids)
    for i, app_id in enumerate(ids):
        if counts[app_id] > 1 and ids.index(app_id) != i:
            report.add(("applications", i), _("the application '{id}' is listed twice").format(id=app_id))
    return {a for a in ids if a in known}


def _check_tariffs(config: SiteConfig, app_ids: set[str], report: _Report) -> dict[str, set[str]]:
    _check_unique(report, "tariffs", [t.id for t in config.tariffs])
    recommended = [i for i, t in enumerate(config.tariffs) if t.recommended]
    for i in recommended[1:]:
        report.add(
            ("tariffs", i, "recommended"),
            _("only one tariff can be recommended; '{id}' already is").format(id=config.tariffs[recommended[0]].id),
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
                    _(
                        "'{id}' is not among this site's applications; add it to applications: "
                        "or remove it here (the site offers: {offered})"
                    ).format(id=app_id, offered=", ".join(sorted(app_ids)) or _("none")),
                )
    return tariff_apps


def _check_registration(
    config: SiteConfig, app_ids: set[str], tariff_apps: dict[str, set[str]], report: _Report
) -> None:
    page_ids = [p.id for p in config.registration]
    _check_unique(report, "registration", page_ids)
    for i, page in enumerate(config.registration):
        if page.tariff not in tariff_apps:
            tariffs = {t.id: [t.name] for t in config.tariffs}
            report.add(("registration", i, "tariff"), _unknown(_(_TARIFF), page.tariff, tariffs))
        if page.application is None:
            continue
        if page.application not in app_ids:
            report.add(
                ("registration", i, "application"),
                _("'{id}' is not among this site's applications ({offered})").format(
                    id=page.application, offered=", ".join(sorted(app_ids))
                ),
            )
        elif page.tariff in tariff_apps and page.application not in tariff_apps[page.tariff]:
            report.add(
                ("registration", i, "application"),
                _(
                    "the tariff '{tariff}' does not include '{application}'; choose an application the tariff includes"
                ).format(tariff=page.tariff, application=page.application),
            )
    cta = config.landing.cta.registration
    if cta is not None and cta not in page_ids:
        pages = {p.id: [p.title] for p in config.registration}
        report.add(("landing", "cta", "registration"), _unknown(_(_REGISTRATION_PAGE), cta, pages))


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
            _("write the policy there or give its https:// address"),
        )
    brand = config.site.brand
    for key in ("logo", "favicon"):
        name = getattr(brand, key)
        if name is None:
            continue
        loc = ("site", "brand", key)
        readable = _check_file(report, loc, root, name, LIMITS["image"], _("put the image there or fix the name"))
        if readable and Path(name).suffix.lower() not in IMAGE_SUFFIXES:
            report.add(
                loc,
                _("'{name}' is not an image; use one of {suffixes}").format(
                    name=name, suffixes=", ".join(sorted(IMAGE_SUFFIXES))
                ),
            )
        elif readable:
            _check_image(report, root, name, report.positions.field(loc))


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
        report.add(loc, _("there is no file '{name}' in {folder}/; {fix}").format(name=name, folder=root.name, fix=fix))
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
            [(_BACKGROUND, background, contrast.AA_TEXT), (_BUTTON_TEXT, on_primary, contrast.AA_TEXT)],
            _("links and buttons"),
        )
    if brand.accent:
        _need(
            report,
            ("site", "brand", "accent"),
            brand.accent,
            [(_BACKGROUND, background, contrast.AA_GRAPHICS)],
            _("highlights and borders"),
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
        _("against {what} {colour} the contrast is {value}:1, WCAG AA needs {minimum}:1").format(
            what=_(name), colour=other, value=number(round(value, 2)), minimum=number(minimum)
        )
        for name, other, minimum, value in failing
    )
    if suggestion:
        details += _("; a nearby colour that passes: {colour}").format(colour=suggestion)
    report.add(
        loc,
        _("{colour} is hard to read when used for {used_for}: {details}").format(
            colour=colour, used_for=used_for, details=details
        ),
    )


_BACKGROUND = N_("the page background")
_BUTTON_TEXT = N_("the button text")
_APPLICATION = N_("application")
_TARIFF = N_("tariff")
_REGISTRATION_PAGE = N_("registration page")


def _unknown(what: str, value: str, known: Mapping[str, Sequence[str]]) -> str:
    """``there is no tariff 'biznes'; did you mean 'business' («Бизнес»)?``: neighbours by id and by name."""
    close = suggest(value, known)
    if not close:
        return _("there is no {what} '{value}'; known: {known}").format(
            what=what, value=value, known=", ".join(sorted(known))
        )
    named = [
        _("'{id}' («{name}»)").format(id=key, name=known[key][0]) if known[key] else _("'{id}'").format(id=key)
        for key in close
    ]
    return _("there is no {what} '{value}'; did you mean {choices}?").format(
        what=what, value=value, choices=_(" or ").join(named)
    )
