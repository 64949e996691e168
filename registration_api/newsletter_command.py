"""``registration-api newsletter preview SITE`` and ``registration-api newsletter send``.

``preview`` renders the partner's next issue (and its onboarding letters) into files to open in
a browser and read as text, and says when it goes and to how many; it changes nothing.
``send`` (from cron, every few minutes or hourly, like ``remind`` daily) makes the issues that
are due, queues them and the onboarding letters due, then delivers what is due now; the rest
go out at the partner's rate (``NEWSLETTER_PER_MINUTE``) by the service's sender, or with
``--wait`` by this command before it returns.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from registration_api.delivery.news_mail import NEWS_PURPOSES, Content, written_content
from registration_api.delivery.outbox import DeliveryReport, OutboxSender
from registration_api.domain import newsletter_report
from registration_api.domain.newsletter import Newsletter, SendReport
from registration_api.domain.partner_sites import PartnerSite, PartnerSites
from registration_api.domain.signups import utc_now
from registration_api.settings import Settings
from registration_api.storage import engines
from registration_api.storage.tables import outbox
from storefront import language

_ = language.gettext
ngettext = language.ngettext

#: How long ``send --wait`` sleeps at most between two rounds.
WAIT_STEP_SECONDS = 5.0


def add_arguments(parser: argparse.ArgumentParser) -> tuple[argparse.ArgumentParser, ...]:
    """The ``preview`` and ``send`` actions; returns their parsers (for the shared options)."""
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    preview = actions.add_parser(
        "preview", help=_("render a site's next issue and its onboarding letters to files, and say when they go")
    )
    preview.add_argument("site_id", metavar="SITE_ID", help=_("the site's id: its folder under --sites"))
    preview.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help=_("where to write the files (default: newsletter-preview/ under VAR_DIR)"),
    )
    send = actions.add_parser(
        "send", help=_("make and queue the issues and onboarding letters that are due (for cron), then deliver them")
    )
    send.add_argument(
        "--wait",
        action="store_true",
        help=_("keep delivering until every queued issue and letter has gone (at the partner's rate)"),
    )
    return preview, send


def newsletter_of(settings: Settings, engine: Engine, registry: PartnerSites) -> Newsletter:
    return Newsletter.configured(engine, registry, settings, engines.secret(engine, "links"))


def run_preview(
    settings: Settings, engine: Engine, registry: PartnerSites, partner: PartnerSite, out: Path | None
) -> int:
    """What ``newsletter preview`` prints and writes; 1 when the site has nothing to preview."""
    site = partner.site
    newsletter = site.config.newsletter
    if newsletter is None and not site.letters:
        print(
            _(
                "error: the site «{site}» has no newsletter: add a `newsletter:` section to its site.yaml "
                "(e.g. every: 2 weeks, weekday: tuesday, hour: 10) or onboarding letters in letters/"
            ).format(site=site.id),
            file=sys.stderr,
        )
        return 1
    folder = out or settings.var_dir / "newsletter-preview"
    folder.mkdir(parents=True, exist_ok=True)
    now = utc_now()
    with engine.connect() as conn:
        audience = newsletter_report.audience(conn, site.id)["subscribed"]
    if newsletter is not None:
        planned = newsletter_of(settings, engine, registry).plan(site, now, record=False, upcoming=True)
        assert planned is not None
        when = planned.due_at.astimezone(newsletter.zone)
        shown = when.strftime("%Y-%m-%d %H:%M") + f" ({newsletter.timezone})"
        if planned.content is None:
            print(
                _(
                    "The issue of {when} has nothing to say yet: no news since the last issue and no "
                    "newsletter/*.md for that day. If it stays so, the day passes without an e-mail."
                ).format(when=shown)
            )
        else:
            written = _write(folder, f"{site.id}-{when.date().isoformat()}", planned.content)
            kind = _("hand-written ({file})").format(file=planned.source) if planned.source else _("news digest")
            print(_("Next issue: {when}, {kind}.").format(when=shown, kind=kind))
            print(_("Subject: {subject}").format(subject=planned.content.subject))
            print(
                ngettext(
                    "It goes to {n} subscriber who receives news today.",
                    "It goes to {n} subscribers who receive news today.",
                    audience,
                ).format(n=audience)
            )
            print(_("Written: {files}").format(files=", ".join(str(path) for path in written)))
    for letter in site.letters:
        written = _write(folder, f"{site.id}-letter-{letter.key}", written_content(site, letter, "letter"))
        print(
            ngettext(
                "Onboarding letter «{subject}», {n} day after registration: {files}",
                "Onboarding letter «{subject}», {n} days after registration: {files}",
                letter.after_days,
            ).format(subject=letter.subject, n=letter.after_days, files=", ".join(str(path) for path in written))
        )
    return 0


def _write(folder: Path, stem: str, content: Content) -> list[Path]:
    """The content as ``<stem>.html`` and ``<stem>.txt`` (the unsubscribe link left as a placeholder)."""
    html, text = folder / f"{stem}.html", folder / f"{stem}.txt"
    html.write_text(content.html, encoding="utf-8")
    text.write_text(f"{content.subject}\n\n{content.text}", encoding="utf-8")
    return [html, text]


def run_send(settings: Settings, engine: Engine, registry: PartnerSites, sender: OutboxSender, *, wait: bool) -> int:
    """What ``newsletter send`` does and prints; the exit code is 1 when e-mails failed."""
    report = newsletter_of(settings, engine, registry).run(utc_now())
    for line in send_summary(report, registry):
        print(line)
    delivered = asyncio.run(_deliver(engine, sender, wait=wait))
    sent = delivered.sent_by["email"]
    print(ngettext("{n} e-mail sent.", "{n} e-mails sent.", sent).format(n=sent))
    if delivered.refused:
        print(
            ngettext(
                "{n} address refused for good by its mail server: no more newsletters go to it.",
                "{n} addresses refused for good by their mail servers: no more newsletters go to them.",
                delivered.refused,
            ).format(n=delivered.refused)
        )
    left = _waiting(engine)
    if left:
        print(
            ngettext(
                "{n} newsletter e-mail waits for its turn (NEWSLETTER_PER_MINUTE); the service's sender "
                "or the next run sends it.",
                "{n} newsletter e-mails wait for their turn (NEWSLETTER_PER_MINUTE); the service's sender "
                "or the next run sends them.",
                left,
            ).format(n=left)
        )
    if delivered.failed:
        print(_("The first failure: {error}").format(error=delivered.first_error))
    for site_id, error in report.failed.items():
        print(
            _("error: {site}: its newsletter could not be made or queued ({error}); the log says more").format(
                site=site_id, error=error
            ),
            file=sys.stderr,
        )
    return 0 if delivered.failed == 0 and not report.failed else 1


def send_summary(report: SendReport, registry: PartnerSites) -> list[str]:
    lines = []
    for site_id, due_at in report.issues.items():
        partner = registry.get(site_id)
        newsletter = partner.site.config.newsletter if partner else None
        when = due_at.astimezone(newsletter.zone) if newsletter else due_at
        lines.append(_("{site}: the issue of {when} made.").format(site=site_id, when=when.strftime("%Y-%m-%d %H:%M")))
    if report.empty:
        lines.append(
            ngettext(
                "{n} issue had nothing new to say and was skipped.",
                "{n} issues had nothing new to say and were skipped.",
                report.empty,
            ).format(n=report.empty)
        )
    lines.append(
        ngettext("{n} newsletter e-mail queued.", "{n} newsletter e-mails queued.", report.queued).format(
            n=report.queued
        )
    )
    if report.letters:
        lines.append(
            ngettext("{n} onboarding letter queued.", "{n} onboarding letters queued.", report.letters).format(
                n=report.letters
            )
        )
    return lines


async def _deliver(engine: Engine, sender: OutboxSender, *, wait: bool) -> DeliveryReport:
    """Deliver what is due; with ``wait``, until no advertising e-mail is left waiting."""
    total = DeliveryReport()
    while True:
        round_report = await sender.deliver_due(limit=500)
        total.sent_by.update(round_report.sent_by)
        total.failed_by.update(round_report.failed_by)
        total.refused += round_report.refused
        total.dropped += round_report.dropped
        total.first_error = total.first_error or round_report.first_error
        next_due = await asyncio.to_thread(_next_due, engine)
        if not wait or next_due is None:
            return total
        await asyncio.sleep(min(max((next_due - utc_now()).total_seconds(), 0.05), WAIT_STEP_SECONDS))


def _waiting(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).where(*_unsent())).scalar_one())


def _next_due(engine: Engine) -> dt.datetime | None:
    with engine.connect() as conn:
        found = conn.execute(sa.select(sa.func.min(outbox.c.next_attempt_at)).where(*_unsent())).scalar()
    return found if found is None or found.tzinfo else found.replace(tzinfo=dt.UTC)


def _unsent() -> list[sa.ColumnElement[bool]]:
    return [outbox.c.purpose.in_(NEWS_PURPOSES), outbox.c.sent_at.is_(None), outbox.c.abandoned_at.is_(None)]
