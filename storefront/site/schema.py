"""The shape of ``site.yaml`` and of a news item's front matter, as pydantic models.

These models are the single declaration of what a partner may write: they validate the
input, and ``storefront schema`` exports them as the JSON Schema that editors use.
Checks that need more than one field (references between sections, files on disk,
colour contrast) live in :mod:`storefront.site.cross_checks`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import zoneinfo
from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from storefront import formatting
from storefront.language import gettext as _
from storefront.site.characters import code_point, first_forbidden
from storefront.site.markdown_limits import markdown_limits
from storefront.site.time_zones import close_zones, is_zone
from storefront.site.webhook_destinations import url_problem

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
Slug = Annotated[
    str,
    Field(
        pattern=SLUG_PATTERN,
        max_length=60,
        description="Latin lower-case letters, digits and hyphens, e.g. `trial-30`.",
    ),
]
Text = Annotated[str, Field(min_length=1)]


def _one_line(value: str) -> str:
    """A text that becomes an e-mail header (a subject, a sender's name) has no line break."""
    if "\n" in value or "\r" in value:
        raise ValueError(_("write this on one line: it goes into an e-mail's header, which cannot hold a line break"))
    return value


OneLine = Annotated[str, Field(min_length=1), AfterValidator(_one_line)]


def _convertible(value: str) -> str:
    """Markdown that python-markdown converts quickly (see :mod:`storefront.site.markdown_limits`)."""
    excess = markdown_limits(value)
    if excess is not None:
        where = _(" (line {line} of this text)").format(line=excess.line) if excess.line > 1 else ""
        raise ValueError(excess.message + where)
    return value


Markdown = Annotated[str, AfterValidator(_convertible), Field(description="Markdown text.")]


#: A price written as text that still reads as one number: «1 490», «1 490,50», «990 руб», «990 ₽».
_PRICE_TEXT = re.compile(r"(?P<number>\d[\d\s\u00a0\u202f]*(?:[.,]\d{1,2})?)\s*(?:₽|руб\.?|р\.|rub\.?)?", re.IGNORECASE)


def _money_text(value: object) -> object:
    """A price written as text («990 руб», «1 490,50») is refused with the number to write
    instead: a guess at a price («1.490»?) must never be published without the partner seeing it."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    readable = _PRICE_TEXT.fullmatch(text)
    if readable:
        number = re.sub(r"\s", "", readable.group("number")).replace(",", ".")
        raise ValueError(
            _(
                "'{text}' is written as text; write the price in roubles as a number only, without "
                "spaces or a currency, with a point before kopecks: price: {number}"
            ).format(text=text, number=number)
        )
    raise ValueError(
        _("'{text}' is not a price; write the price in roubles as a number only, e.g. price: 990").format(text=text)
    )


Money = Annotated[
    Decimal,
    BeforeValidator(_money_text),
    Field(ge=0, max_digits=12, decimal_places=2, description="Price in roubles, e.g. 1490 or 1490.50."),
]
Period = Literal["month", "year"]
ExtraPeriod = Literal["month", "year", "once"]
StandardTariff = Literal["base", "prof", "spec", "korp"]

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
#: ``#0af``: a colour in its short spelling.
_SHORT_COLOUR = 4
#: Bytes of randomness a webhook secret holds at least.
_SECRET_BYTES = 24


def _colour(value: str) -> str:
    if not _HEX.match(value):
        raise ValueError(_("a colour is written as #RRGGBB, e.g. #1a73e8"))
    if len(value) == _SHORT_COLOUR:
        value = "#" + "".join(c * 2 for c in value[1:])
    return value.lower()


def _policy(value: str) -> str:
    if not re.match(r"^(https?://[^\s/]+(/\S*)?|[\w][\w./-]*\.md)$", value):
        raise ValueError(
            _(
                "write the full address of the policy (https://...) or the name of a Markdown file "
                "in the site folder, e.g. privacy.md, to publish it on the storefront"
            )
        )
    return value


def _base_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
        raise ValueError(_("write the full address of the storefront, e.g. https://cloud.example.ru/"))
    return value if value.endswith("/") else value + "/"


def _endpoint(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
        raise ValueError(
            _("write the full address that receives the events, e.g. https://crm.example.ru/hooks/storefront")
        )
    problem = url_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _distinct_addresses(value: list[str]) -> list[str]:
    seen: set[str] = set()
    for address in value:
        if address.lower() in seen:
            raise ValueError(_("'{address}' is listed twice; list each address once").format(address=address))
        seen.add(address.lower())
    return value


Colour = Annotated[str, AfterValidator(_colour), Field(description="Colour as #RRGGBB.")]
PolicyLink = Annotated[str, AfterValidator(_policy)]


class Strict(BaseModel):
    """Unknown keys are errors: a typo must never be silently ignored. No text may hold a
    character that a page or a feed cannot (control codes and the like)."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, str_strip_whitespace=True, frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _publishable(cls, value: object) -> object:
        texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        for number, text in enumerate(texts, 1):
            char = first_forbidden(text) if isinstance(text, str) else None
            if char is not None:
                message = (
                    _(
                        "item {n} contains the invisible character {code}, which a web page or a feed "
                        "cannot hold; delete it (it often comes with text pasted from another program)"
                    )
                    if isinstance(value, list)
                    else _(
                        "contains the invisible character {code}, which a web page or a feed "
                        "cannot hold; delete it (it often comes with text pasted from another program)"
                    )
                )
                raise ValueError(message.format(n=number, code=code_point(char)))
        return value


#: Where a subscriber signs in to start working, unless the partner names its own address.
VENDOR_SIGN_IN_URL = "https://1cfresh.com/"


def _phone(value: str) -> str:
    """A whole number with its area code, kept as a person writes it (``+7 921 555-12-34``)."""
    shown = formatting.phone(value)
    if shown is None:
        raise ValueError(
            _(
                "'{phone}' is not a whole phone number: write it with the country and area codes, "
                "e.g. +7 921 555-44-33 or +7 8182 55-01-47"
            ).format(phone=value)
        )
    return shown


def _https_url(value: str) -> str:
    if not re.match(r"^https://[^\s/]+(/\S*)?$", value):
        raise ValueError(
            _("write the full address where subscribers sign in, starting with https://, e.g. {example}").format(
                example=VENDOR_SIGN_IN_URL
            )
        )
    return value


class PartnerSection(Strict):
    """Who runs the storefront; shown in the header, footer, contacts and e-mails."""

    model_config = ConfigDict(title="Partner")

    name: Text = Field(description="Display name, e.g. «Облако Плюс».")
    legal_name: Text = Field(description="Full legal name, e.g. ООО «Облако Плюс».")
    inn: str | None = Field(None, pattern=r"^\d{10}(\d{2})?$", description="Taxpayer number (ИНН), 10 or 12 digits.")
    phone: Annotated[str, AfterValidator(_phone)] = Field(
        description="Phone with its area code, e.g. +7 921 555-12-34 or +7 (8182) 55-01-47."
    )
    email: EmailStr
    service_url: Annotated[str, AfterValidator(_https_url)] = Field(
        VENDOR_SIGN_IN_URL,
        description="Where a subscriber signs in to start working (the welcome e-mail and the thank-you "
        "page give it, with the subscriber number as the login); the vendor's sign-in page by default.",
    )
    address: Text
    hours: Text = Field(description="Working hours, e.g. «Пн–Пт, 9:00–18:00».")
    certified: bool = Field(False, description="Holds the vendor's certificate to sell КОРП, КА and ERP.")
    privacy_policy: PolicyLink = Field(
        description="The personal-data policy (152-FZ): its https:// address, or a Markdown file such as "
        "privacy.md that the storefront publishes at /privacy/."
    )
    notify: Annotated[list[EmailStr], AfterValidator(_distinct_addresses)] = Field(
        min_length=1, max_length=10, description="Addresses that receive every new registration (at most 10)."
    )
    operators: Annotated[list[EmailStr], AfterValidator(_distinct_addresses)] = Field(
        default_factory=list,
        min_length=1,
        max_length=20,
        description="Addresses that may sign in to the partner's cabinet (at most 20); the `notify` addresses "
        "by default.",
    )

    @model_validator(mode="after")
    def _operators_default_to_notify(self) -> PartnerSection:
        if not self.operators:
            object.__setattr__(self, "operators", list(self.notify))
        return self


class Brand(Strict):
    """The partner's colours, fonts and images; each overrides the theme's default."""

    primary: Colour | None = None
    accent: Colour | None = None
    logo: str | None = Field(None, description="Image file, relative to the site folder.")
    favicon: str | None = Field(None, description="Icon file (.svg, .png or .ico), relative to the site folder.")
    font: str | None = Field(
        None, pattern=r"^[\w -]+$", description="One font family name, e.g. Inter; the theme's fonts follow it."
    )


class Seo(Strict):
    title: Text = Field(max_length=70)
    description: Text = Field(max_length=300)


class SiteSection(Strict):
    """Where and how the storefront is published, in which language and theme."""

    model_config = ConfigDict(title="Site")

    base_url: Annotated[str, AfterValidator(_base_url)] = Field(
        description="Where the storefront is published; may include a sub-path."
    )
    locale: Literal["ru", "en"] = "ru"
    theme: Slug = "bright"
    brand: Brand = Brand()
    seo: Seo
    api_url: Annotated[str, AfterValidator(_base_url)] | None = Field(
        None, description="Address of the registration service; `storefront build --api-url` overrides it."
    )
    origins: list[Annotated[str, AfterValidator(_base_url)]] = Field(
        [], max_length=20, description="Other websites of the partner where the registration form is embedded."
    )


class Benefit(Strict):
    title: Text
    text: Text


class CallToAction(Strict):
    text: Text
    registration: Slug | None = Field(None, description="Registration page the button opens; the first one if omitted.")


class Landing(Strict):
    headline: Text
    subheadline: Text
    benefits: list[Benefit] = Field([], max_length=50)
    cta: CallToAction


class ApplicationChoice(Strict):
    """An application from the catalogue, with the partner's own texts if it wants."""

    id: Slug
    summary: str | None = None
    description: Markdown | None = None


class Extra(Strict):
    name: Text
    price: Money
    period: ExtraPeriod = "month"
    description: str | None = None


class Tariff(Strict):
    id: Slug
    name: Text
    based_on: StandardTariff = Field(description="The standard tariff this one resells.")
    price: Money | None = Field(description="Price in roubles; `null` for «по запросу».")
    period: Period = "month"
    sessions: int = Field(ge=1, le=10_000, description="Simultaneous sessions.")
    bases: int | Literal["unlimited"] = Field(description="Number of data areas, or `unlimited`.")
    applications: Literal["all"] | list[Slug] = Field(
        "all", max_length=100, description="`all` of the partner's applications, or a list of their ids."
    )
    features: list[Text] = Field([], max_length=50)
    recommended: bool = False
    extras: list[Extra] = Field([], max_length=50)
    description: Markdown | None = None


class Reaction(Strict):
    priority: Text = Field(description="E.g. «Критическая ошибка».")
    time: Text = Field(description="E.g. «30 минут» or «1–3 рабочих дня».")


class Service(Strict):
    id: Slug
    name: Text
    description: Markdown = ""
    price: Money | None = Field(None, description="Omit for «по договорённости».")
    unit: Literal["month", "hour", "once"] = "month"
    hours_included: int | None = Field(None, ge=1)
    reaction: list[Reaction] = Field([], max_length=20)
    channels: list[Text] = Field([], max_length=20)


class FaqEntry(Strict):
    question: Text
    answer: Markdown = Field(min_length=1)
    group: str | None = None


class RegistrationPage(Strict):
    id: Slug
    title: Text
    intro: Markdown = ""
    tariff: Slug = Field(description="Id of one of the partner's tariffs.")
    trial_days: int = Field(30, ge=1, le=30, description="Length of the free trial, 1 to 30 days.")
    application: Slug | None = Field(None, description="Application created and opened right after registration.")


def _webhook_secret(value: str) -> str:
    try:
        key = base64.b64decode(value.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not value.startswith("whsec_") or len(key) < _SECRET_BYTES:
        raise ValueError(
            _("write whsec_ followed by at least {n} random bytes in base64; make one with: {command}").format(
                n=_SECRET_BYTES,
                command="python3 -c \"import base64, os; print('whsec_' + "
                f'base64.b64encode(os.urandom({_SECRET_BYTES})).decode())"',
            )
        )
    return value


class Webhook(Strict):
    """Where registration, activation and conversion events are POSTed (Standard Webhooks)."""

    url: Annotated[str, AfterValidator(_endpoint)] = Field(description="https:// address that receives the events.")
    secret: Annotated[str, AfterValidator(_webhook_secret)] = Field(
        description="Signing secret: whsec_ followed by at least 24 random bytes in base64."
    )


#: Most weeks between two issues of a newsletter.
MAX_NEWSLETTER_WEEKS = 12
#: ``2 weeks``, ``week``, ``1 неделю``, ``2 недели``, ``5 недель``: an interval as a partner writes it.
_INTERVAL = re.compile(r"(?:(?P<n>\d{1,3})\s*)?(?:weeks?|недел[яюи]|недель)", re.IGNORECASE)
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[str, ...] = get_args(Weekday)
#: A day's name in Russian, as «по вторникам» or «каждую среду» puts it, → its English name.
RUSSIAN_WEEKDAYS = {
    "понедельник": "monday",
    "вторник": "tuesday",
    "среда": "wednesday",
    "среду": "wednesday",
    "четверг": "thursday",
    "пятница": "friday",
    "пятницу": "friday",
    "суббота": "saturday",
    "субботу": "saturday",
    "воскресенье": "sunday",
}


def interval_weeks(text: str) -> int:
    """``2 недели`` → 2: the weeks between issues an interval (:attr:`NewsletterSection.every`)
    means; raises ValueError, in words for the partner, for one that means none (``3 days``, ``13 weeks``)."""
    written = _INTERVAL.fullmatch(text.strip())
    weeks = int(written["n"] or 1) if written else 0
    if not 1 <= weeks <= MAX_NEWSLETTER_WEEKS:
        raise ValueError(
            _("'{value}': write how many weeks pass between issues, e.g. 2 weeks (from 1 to {most})").format(
                value=text, most=MAX_NEWSLETTER_WEEKS
            )
        )
    return weeks


def _interval(value: str) -> str:
    interval_weeks(value)
    return value


def _weekday(value: object) -> object:
    """``Tuesday`` and ``вторник`` are ``tuesday``; anything else is left for the Literal to refuse."""
    if not isinstance(value, str):
        return value
    day = value.strip().lower()
    return RUSSIAN_WEEKDAYS.get(day, day)


def _time_zone(value: str) -> str:
    if is_zone(value):
        return value
    close = close_zones(value)
    if close:
        raise ValueError(
            _("'{value}' is not a time zone; did you mean {zones}?").format(value=value, zones=_(" or ").join(close))
        )
    raise ValueError(
        _("'{value}' is not a time zone; write one as Region/City, e.g. Europe/Moscow or Asia/Yekaterinburg").format(
            value=value
        )
    )


Interval = Annotated[
    str,
    AfterValidator(_interval),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^(?:(?:[1-9]|1[0-2]) *)?(?:[Ww]eeks?|[Нн]едел[яюи]|[Нн]едель)$",
            "examples": ["2 weeks", "1 week", "2 недели"],
        }
    ),
]
Day = Annotated[
    Weekday,
    BeforeValidator(_weekday),
    WithJsonSchema({"type": "string", "enum": [*WEEKDAYS, *RUSSIAN_WEEKDAYS]}),
]


class NewsletterSection(Strict):
    """The partner's own e-mail newsletter to its subscribers who agreed to receive news and
    offers: how often it goes out and from whom. Each issue carries the news published since
    the last one, unless a hand-written issue waits in the newsletter/ folder."""

    model_config = ConfigDict(title="Newsletter")

    every: Interval = Field(
        description="How many weeks pass between issues, 1 to 12: `1 week`, `2 weeks`, ... "
        "(or in Russian: `неделя`, `2 недели`, `5 недель`)."
    )
    weekday: Day = Field(
        "monday",
        description="The day of the week issues go out: monday, tuesday, ... sunday "
        "(or in Russian: понедельник, вторник, ... воскресенье).",
    )
    hour: int = Field(10, ge=0, le=23, description="The hour issues go out, 0 to 23, in the time zone below.")
    timezone: Annotated[str, AfterValidator(_time_zone)] = Field(
        "Europe/Moscow",
        description="The partner's time zone, as Region/City, e.g. Europe/Moscow, Asia/Yekaterinburg, "
        "Asia/Novosibirsk.",
    )
    sender: OneLine | None = Field(
        None, max_length=70, description="The name subscribers see as the sender; the partner's name if omitted."
    )
    double_opt_in: bool = Field(
        False,
        description="Ask each new subscriber to confirm by a link in an e-mail before the first issue goes to them.",
    )
    starts: dt.date | None = Field(
        None,
        description="The first issue goes out on the first scheduled day on or after this date "
        "(YYYY-MM-DD); if omitted, on the next scheduled day.",
    )

    @property
    def weeks(self) -> int:
        """The weeks between two issues."""
        return interval_weeks(self.every)

    @property
    def weekday_number(self) -> int:
        """The day issues go out, Monday being 0 (as :meth:`datetime.date.weekday` counts)."""
        return WEEKDAYS.index(self.weekday)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class SiteConfig(Strict):
    """Everything a partner writes in ``sites/<site-id>/site.yaml``."""

    model_config = ConfigDict(
        title="storefront site.yaml", json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"}
    )

    partner: PartnerSection
    site: SiteSection
    landing: Landing
    applications: list[Slug | ApplicationChoice] = Field(min_length=1, max_length=100)
    tariffs: list[Tariff] = Field(min_length=1, max_length=50)
    services: list[Service] = Field([], max_length=50)
    faq: list[FaqEntry] = Field([], max_length=200)
    registration: list[RegistrationPage] = Field(min_length=1, max_length=50)
    webhook: Webhook | None = None
    newsletter: NewsletterSection | None = None


class NewsFrontMatter(Strict):
    """The YAML block between ``---`` lines at the top of ``news/*.md``."""

    title: Text
    date: dt.date
    summary: Text
    slug: Slug | None = None
    draft: bool = False


class IssueFrontMatter(Strict):
    """The YAML block between ``---`` lines at the top of ``newsletter/<YYYY-MM-DD>.md``, a
    hand-written issue of the newsletter."""

    subject: OneLine = Field(max_length=150, description="The e-mail's subject.")
    preheader: OneLine | None = Field(
        None, max_length=150, description="A short line that mail clients show after the subject."
    )


#: The longest a trial runs: 30 days, and the 7 a client may add once from the reminder.
LONGEST_TRIAL_DAYS = 37


class LetterFrontMatter(IssueFrontMatter):
    """The YAML block between ``---`` lines at the top of ``letters/<name>.md``, an onboarding
    letter to a subscriber on trial."""

    after_days: int = Field(
        ge=1,
        le=LONGEST_TRIAL_DAYS,
        description="Days after registration the letter goes out, 1 to 37: onboarding letters go during the "
        "trial, which lasts at most 30 days, 37 with the client's one extension.",
    )
