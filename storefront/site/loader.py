"""Load a partner's site folder into one validated model, or every problem it has.

Reads ``site.yaml``, ``news/*.md``, ``newsletter/*.md`` and ``letters/*.md``, validates them
against :mod:`storefront.site.schema`, runs the cross-checks of :mod:`storefront.site.cross_checks`,
and returns a :class:`Site` that the rest of the pipeline treats as read-only. Nothing here
writes anything.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup
from pydantic import ValidationError

from storefront import language
from storefront.errors import InvalidSite, ThemeError
from storefront.language import gettext as _
from storefront.paths import SITE_FILE, is_url
from storefront.render.markdown_html import (
    FrontMatterSplit,
    MarkdownRefused,
    render_markdown,
    site_budget,
)
from storefront.site import cross_checks, front_matter, newsletter_files
from storefront.site.catalogue import Application, catalogue
from storefront.site.diagnostics import Problem, display_path
from storefront.site.news_folder import NewsRefused, news_files, unprintable
from storefront.site.newsletter_files import Letter, WrittenIssue
from storefront.site.partner_files import LIMITS, UnsafeFile, read_text
from storefront.site.schema import SLUG_PATTERN, NewsFrontMatter, SiteConfig, Tariff
from storefront.site.schema_messages import problems_from
from storefront.site.theme_chain import ThemeChain, resolve
from storefront.site.yaml_positions import Document, parse
from storefront.speedups.runner import IN_PROCESS, Runner


@dataclass(frozen=True)
class NewsItem:
    slug: str
    title: str
    date: dt.date
    summary: str
    body: str  # sanitised HTML
    source: Path


@dataclass(frozen=True)
class Site:
    """A partner's storefront, validated and ready to render."""

    id: str
    root: Path
    config: SiteConfig
    applications: tuple[Application, ...]
    news: tuple[NewsItem, ...]
    theme: ThemeChain
    privacy_page: str | None = None
    newsletter_issues: tuple[WrittenIssue, ...] = ()  # by date
    letters: tuple[Letter, ...] = ()  # by after_days

    @property
    def locale(self) -> str:
        return self.config.site.locale

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, always ending in ``/``."""
        after_host = self.config.site.base_url.split("://", 1)[1]
        return "/" + after_host.split("/", 1)[1] if "/" in after_host else "/"

    def application(self, app_id: str) -> Application:
        return next(a for a in self.applications if a.id == app_id)

    def tariff(self, tariff_id: str) -> Tariff:
        return next(t for t in self.config.tariffs if t.id == tariff_id)

    def tariff_applications(self, tariff: Tariff) -> tuple[Application, ...]:
        if tariff.applications == "all":
            return self.applications
        return tuple(a for a in self.applications if a.id in tariff.applications)


@site_budget
def load_site(
    root: Path,
    themes_dir: Path | None = None,
    *,
    theme: str | None = None,
    base_url: str | None = None,
    runner: Runner = IN_PROCESS,
) -> Site:
    """Validate the site in ``root``; raise :class:`InvalidSite` with every problem found.

    ``theme`` previews the site in another theme and ``base_url`` at another address,
    without editing its YAML (the preview and the theme gallery use both). The news are
    converted and validated by ``runner`` (:mod:`storefront.speedups.runner`).
    """
    site_file = root / SITE_FILE
    shown = display_path(site_file)
    if not root.is_dir():
        raise InvalidSite([Problem(display_path(root), 1, 1, "", _("there is no such site folder"))])
    if not re.fullmatch(SLUG_PATTERN, root.name):
        raise InvalidSite(
            [
                Problem(
                    display_path(root),
                    1,
                    1,
                    "",
                    _("a site folder name must use lower-case Latin letters, digits and hyphens, e.g. oblako-plus"),
                )
            ]
        )
    try:
        text = read_text(site_file, root, LIMITS["site.yaml"])
    except FileNotFoundError:
        raise InvalidSite(
            [
                Problem(
                    shown,
                    1,
                    1,
                    "",
                    _("{file} is missing; `storefront new` creates a working one").format(file=SITE_FILE),
                )
            ]
        ) from None
    except UnsafeFile as exc:
        raise InvalidSite([Problem(shown, 1, 1, "", str(exc))]) from None

    written = written_locale(text)
    with language.for_site(written):  # the YAML's own mistakes are said in the site's language too
        doc = parse(text, shown)
        parsed = _parsed_locale(doc)
        with language.for_site(parsed if parsed != written else None):
            return _load(root, themes_dir, doc, shown, theme=theme, base_url=base_url, runner=runner)


def written_locale(text: str) -> str | None:
    """The ``locale:`` written under the top-level ``site:`` key of a site.yaml, found line by
    line before (and whether or not) the YAML parses: the language to say its mistakes in.
    Linear in the file's length whatever a stranger writes."""
    in_site = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line[0].isspace():
            in_site = line.startswith("site:")
        elif in_site and stripped.startswith("locale:"):
            value = stripped.removeprefix("locale:").split("#")[0].strip().strip("\"'")
            return value if value in language.LANGUAGES else None
    return None


def site_locale(root: Path) -> str | None:
    """:func:`written_locale` of the site in ``root``; None if its site.yaml cannot be read."""
    try:
        return written_locale(read_text(root / SITE_FILE, root, LIMITS["site.yaml"]))
    except (OSError, UnsafeFile):
        return None


def _parsed_locale(doc: Document) -> str | None:
    """The ``site.locale`` of a file that parsed (it may be written in a way the line scan misses)."""
    site = doc.data.get("site") if isinstance(doc.data, dict) else None
    locale = site.get("locale") if isinstance(site, dict) else None
    return locale if locale in language.LANGUAGES else None


def _load(
    root: Path,
    themes_dir: Path | None,
    doc: Document,
    shown: str,
    *,
    theme: str | None,
    base_url: str | None,
    runner: Runner,
) -> Site:
    """The rest of :func:`load_site`, once the site's language is known."""
    problems = list(doc.problems)
    config = _validate(doc, shown, problems)
    news = _load_news(root, problems, runner)
    issue_files = newsletter_files.issue_files(root, problems)
    issues = newsletter_files.read_issues(issue_files, root, problems, runner)
    letters = newsletter_files.read_letters(newsletter_files.letter_files(root, problems), root, problems, runner)

    chain = None
    theme_name = theme or (config.site.theme if config else None)
    if theme_name:
        try:
            chain = resolve(theme_name, themes_dir)
        except ThemeError as exc:
            loc = ("site", "theme")
            line, col = doc.positions.of(loc)
            problems.append(Problem(shown, line, col, "site.theme", str(exc)))

    privacy_page = None
    if config is not None:
        problems.extend(cross_checks.check_site(config, root, doc.positions, shown, chain))
        problems.extend(cross_checks.check_newsletter(config, issue_files))
        privacy_page = _privacy_page(root, config, doc, shown, problems)
    if problems or config is None or chain is None:
        raise InvalidSite(problems)
    if base_url is not None:
        config = config.model_copy(update={"site": config.site.model_copy(update={"base_url": base_url})})

    return Site(
        id=root.name,
        root=root,
        config=config,
        applications=_applications(config),
        news=tuple(sorted(news, key=lambda n: (n.date, n.slug), reverse=True)),
        theme=chain,
        privacy_page=privacy_page,
        newsletter_issues=issues,
        letters=letters,
    )


def _validate(doc: Document, shown: str, problems: list[Problem]) -> SiteConfig | None:
    if doc.data is None and doc.problems:
        return None
    if not isinstance(doc.data, dict):
        problems.append(
            Problem(shown, 1, 1, "", _("site.yaml must be a set of 'key: value' lines (partner:, site:, ...)"))
        )
        return None
    try:
        return SiteConfig.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(problems_from(exc, doc.data, doc.positions, shown, SiteConfig))
        return None


def _applications(config: SiteConfig) -> tuple[Application, ...]:
    known = catalogue().applications
    out = []
    for choice in config.applications:
        if isinstance(choice, str):
            out.append(known[choice])
            continue
        base = known[choice.id]
        out.append(
            Application(
                id=base.id,
                name=base.name,
                segment=base.segment,
                certified_only=base.certified_only,
                summary=choice.summary or base.summary,
                description=choice.description or base.description,
            )
        )
    return tuple(out)


def _privacy_page(root: Path, config: SiteConfig, doc: Document, shown: str, problems: list[Problem]) -> str | None:
    """The policy as sanitised HTML when the partner publishes it on the storefront
    (:mod:`storefront.site.cross_checks` has reported a file that is missing or may not be read)."""
    policy = config.partner.privacy_policy
    if is_url(policy) or any(p.field == "partner.privacy_policy" for p in problems):
        return None
    try:
        text = read_text(root / policy, root, LIMITS["markdown"])
    except (OSError, UnsafeFile) as exc:  # changed since it was checked
        line, col = doc.positions.of(("partner", "privacy_policy"))
        problems.append(
            Problem(
                shown,
                line,
                col,
                "partner.privacy_policy",
                _("'{file}': {reason}").format(file=policy, reason=front_matter.why_unread(exc)),
            )
        )
        return None
    try:
        return render_markdown(text, shift_headings=1)
    except MarkdownRefused as exc:
        problems.append(Problem(display_path(root / policy), exc.line, 1, "", str(exc)))
        return None


def _load_news(root: Path, problems: list[Problem], runner: Runner) -> list[NewsItem]:
    """Every news item of the site, its body converted to HTML.

    Files are read here; what costs (converting a body, validating a header) is handed to
    ``runner``, which may remember it from the last build or share it between processes.
    """
    try:
        files = news_files(root)
    except NewsRefused as exc:
        problems.append(Problem(display_path(root / "news"), 1, 1, "", str(exc)))
        return []
    refused = {path: why for path in files if (why := unprintable(path.name))}
    problems.extend(Problem(display_path(path), 1, 1, "", why) for path, why in refused.items())
    read = [(path, _read_news_file(path, root, problems)) for path in files if path not in refused]
    splits = [(path, split) for path, split in read if split is not None]
    bodies = runner.news_html([split.body for _, split in splits])
    fronts = [_remembered_front_matter(runner, split.header) for _, split in splits]
    unknown = [
        (display_path(path), split.header) for (path, split), front in zip(splits, fronts, strict=True) if front is None
    ]
    parsed = iter(runner.map(_parse_front_matter, unknown))
    items: list[NewsItem] = []
    for (path, split), html, remembered in zip(splits, bodies, fronts, strict=True):
        front_data = remembered
        if front_data is None:
            front_data, found = next(parsed)
            problems.extend(found)
            if front_data is not None:
                runner.remember("front-matter", split.header, front_data)
        if isinstance(html, MarkdownRefused):
            problems.append(Problem(display_path(path), split.body_line + html.line - 1, 1, "", str(html)))
            continue
        if front_data is None:
            continue
        front = NewsFrontMatter.model_construct(**{**front_data, "date": dt.date.fromisoformat(front_data["date"])})
        if front.draft:
            continue
        item = _news_item(path, front, html, problems)
        if item is not None:
            items.append(item)
    seen: dict[str, Path] = {}
    for item in items:
        if item.slug in seen:
            problems.append(
                Problem(
                    display_path(item.source),
                    1,
                    1,
                    "slug",
                    _(
                        "the news address /news/{slug}/ is already used by {other}; give one of them another slug"
                    ).format(slug=item.slug, other=seen[item.slug].name),
                )
            )
        seen[item.slug] = item.source
    return items


#: A validated news header as JSON data, as the build cache keeps it.
FrontMatterData = dict[str, Any]


def _remembered_front_matter(runner: Runner, header: str) -> FrontMatterData | None:
    remembered = runner.recall("front-matter", header)
    return remembered if isinstance(remembered, dict) else None


def _read_news_file(path: Path, root: Path, problems: list[Problem]) -> FrontMatterSplit | None:
    return front_matter.read_split(
        path,
        root,
        problems,
        _("a news file starts with a '---' line, then title:, date: and summary:, then another '---' line"),
    )


def _parse_front_matter(task: tuple[str, str]) -> tuple[FrontMatterData | None, list[Problem]]:
    """Validate the header of the news file shown as ``task[0]``: its fields as JSON data, or
    the problems found."""
    shown, header = task
    problems: list[Problem] = []
    front = _front_matter(header, shown, problems)
    return front.model_dump(mode="json") if front else None, problems


def _news_item(path: Path, front: NewsFrontMatter, html: str, problems: list[Problem]) -> NewsItem | None:
    slug = front.slug or _slug_from_filename(path.stem)
    if not re.match(SLUG_PATTERN, slug):
        problems.append(
            Problem(
                display_path(path),
                1,
                1,
                "slug",
                _(
                    "the file name gives the address '{slug}', which is not a valid id; rename the file "
                    "with Latin letters, digits and hyphens, or add slug:"
                ).format(slug=slug),
            )
        )
        return None
    return NewsItem(
        slug=slug, title=front.title, date=front.date, summary=front.summary, body=Markup(html), source=path
    )


def _front_matter(header: str, shown: str, problems: list[Problem]) -> NewsFrontMatter | None:
    found = front_matter.validated(
        header, shown, problems, NewsFrontMatter, _("the header must be 'key: value' lines (title:, date:, summary:)")
    )
    return found[0] if found else None


def _slug_from_filename(stem: str) -> str:
    """``2026-03-15-new-prices`` → ``new-prices``: the date prefix only sorts files."""
    return re.sub(r"^\d{4}-\d{2}-\d{2}-", "", stem).lower()
