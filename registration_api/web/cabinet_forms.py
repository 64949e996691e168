"""What the cabinet's WTForms forms share: text stripped of the blanks around it, the checks of an
e-mail address, and a day field that reads a date picker's ``2026-12-31`` as well as a person's
``31.12.2026``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wtforms import DateField, validators

from storefront import language

_ = language.gettext

#: The days a day field accepts (what the databases and Python's dates both hold).
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(9998, 12, 31)


def strip(value: object) -> object:
    """A filter: the text without the blanks around it (anything else as it is)."""
    return value.strip() if isinstance(value, str) else value


def email_checks() -> list[validators.Length | validators.Email]:
    """The checks of an e-mail address typed into the cabinet, their messages in the language of
    the block that calls it (a form class of one language is made there)."""
    return [
        validators.Length(max=254, message=_("This address is too long.")),
        validators.Email(_("This is not an e-mail address; write it as name@company.ru."), granular_message=False),
    ]


class DayField(DateField):
    """A day from a date picker (2026-12-31) or typed as 31.12.2026, else the ``unreadable``
    message; nothing typed is left to ``InputRequired`` or ``Optional`` to judge."""

    def __init__(self, *, unreadable: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.unreadable = unreadable

    def process_formdata(self, valuelist: list[Any]) -> None:
        typed = " ".join(str(value) for value in valuelist).strip()
        if not typed:
            return
        for layout in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                day = dt.datetime.strptime(typed, layout).date()
            except ValueError:
                continue
            if FIRST_DAY <= day <= LAST_DAY:
                self.data = day
                return
        self.data = None
        raise ValueError(self.unreadable)
