"""The site ``storefront new`` writes: the scaffold's templates with the company's name and
comments in the partner's language, and a logo drawn from the name.

The scaffold (``storefront/scaffold/``) holds Jinja templates (``*.j2``, whose comments are
gettext messages in ``{% trans %}`` blocks) and plain files copied as they are.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from storefront import language

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    import jinja2

#: The templates and files of the starter, shipped in the package.
SCAFFOLD = Path(__file__).parent / "scaffold"
#: The company's name until the partner gives one.
PLACEHOLDER_NAME = "Мой облачный партнёр"
#: The starter's brand colour: the logo is drawn in it.
PRIMARY = "#1f5fbf"
#: The search engines' title: the name after this, when both fit in :data:`TITLE_LIMIT`.
TITLE_PREFIX = "1С в облаке — "
TITLE_LIMIT = 70
LOGO = "assets/logo.svg"
#: Columns a comment of the starter is wrapped to.
_WIDTH = 90
#: Kept on one line of a comment: a «quoted» example or command, a phone number, a dash with
#: the word before it, a # sign with the words around it.
_UNBROKEN = re.compile(r"«[^«»]*»|\+\d[\d ()-]*\d| —|\S+ #\S* \S+")


@dataclass(frozen=True)
class Starter:
    """What a new site is made of: its id, theme and the company's name."""

    site_id: str
    theme: str = "minimal"
    name: str = PLACEHOLDER_NAME

    def files(self) -> Iterator[tuple[str, str]]:
        """Every file of the new site as ``(relative path, text)``, in the current language."""
        environment = _environment()
        values = {
            "site_id": self.site_id,
            "theme": self.theme,
            "name": self.name,
            "legal_name": f"ООО «{_nested_quotes(self.name)}»",
            "title": TITLE_PREFIX + self.name if len(TITLE_PREFIX + self.name) <= TITLE_LIMIT else self.name,
            "primary": PRIMARY,
            "logo": LOGO,
        }
        for rel, source in _files(SCAFFOLD, ""):
            text = source.read_text(encoding="utf-8")
            if rel.endswith(".j2"):
                yield rel.removesuffix(".j2"), environment.from_string(text).render(values)
            else:
                yield rel, text
        from storefront.text_logo import text_logo  # noqa: PLC0415 (deferred, as jinja2 below)

        yield LOGO, text_logo(self.name, PRIMARY)

    def site_yaml(self) -> str:
        """The new site's ``site.yaml``."""
        return dict(self.files())["site.yaml"]

    def write(self, folder: Path) -> list[Path]:
        """Write the new site into ``folder`` (made if missing); the files written."""
        written = []
        for rel, text in self.files():
            destination = folder / rel
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(text, encoding="utf-8")
            written.append(destination)
        return written


def yaml_string(value: str) -> str:
    """``value`` as a double-quoted YAML string that reads back as exactly ``value``."""
    quoted = json.dumps(value, ensure_ascii=False)
    return quoted.replace("\u0085", "\\N").replace("\u2028", "\\L").replace("\u2029", "\\P")


def comment(text: str, indent: int = 0) -> str:
    """``text`` as YAML comment lines, wrapped, at ``indent`` spaces."""
    prefix = " " * indent + "# "
    kept = _UNBROKEN.sub(lambda m: m.group().replace(" ", "\N{NO-BREAK SPACE}"), text)
    lines = textwrap.wrap(kept, _WIDTH, initial_indent=prefix, subsequent_indent=prefix, break_on_hyphens=False)
    return "\n".join(lines).replace("\N{NO-BREAK SPACE}", " ")


def _environment() -> jinja2.Environment:
    # deferred: every verb's start-up imports this module (for `new`'s options), few render
    import jinja2  # noqa: PLC0415

    environment = jinja2.Environment(
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # YAML and Markdown, not HTML: values go through the yaml filter
    )
    environment.install_gettext_callables(language.gettext, language.ngettext, newstyle=True)  # type: ignore[attr-defined]  # added by the i18n extension
    environment.filters["yaml"] = yaml_string
    environment.filters["comment"] = comment
    return environment


def _nested_quotes(name: str) -> str:
    """«» inside a name become „“, as Russian writes quotes within quotes."""
    return name.replace("«", "„").replace("»", "“")


def _files(folder: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    """Every file under ``folder`` as ``(relative path, file)``, sorted."""
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            yield from _files(entry, f"{prefix}{entry.name}/")
        else:
            yield f"{prefix}{entry.name}", entry
