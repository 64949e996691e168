"""A partner's logo and icon, checked before they are published on the storefront's domain.

An SVG file is a document: opened at its own address it runs its scripts and event
handlers with the storefront's origin, and it can fetch from elsewhere. So an SVG is read
with defusedxml (no DOCTYPE, no entities, nothing external) and refused, with the line,
if it holds anything that runs, embeds HTML or refers outside itself; a clean drawing is
published byte for byte. A PNG, JPEG, GIF, WebP or ICO file must be what its name says.
"""

from __future__ import annotations

import io
import re
import xml.sax
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from xml.sax.handler import ContentHandler, feature_namespaces
from xml.sax.xmlreader import AttributesNSImpl

import filetype  # type: ignore[import-untyped]  # the package publishes no type information
import tinycss2  # type: ignore[import-untyped]  # the package publishes no type information
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.expatreader import DefusedExpatParser

from storefront.language import N_
from storefront.language import gettext as _
from storefront.site.diagnostics import Problem, display_path

#: A node or token of tinycss2 (which publishes no types): ``.type`` says which fields it has.
CssNode = Any

SVG = "http://www.w3.org/2000/svg"
#: Characters of a partner's value quoted in a refusal.
_QUOTED = 60
_REFUSED_NAMESPACES = {
    "http://www.w3.org/1999/xhtml": N_("is HTML, which can run code"),
    "http://www.w3.org/2001/XInclude": N_("reads another file"),
    "http://www.w3.org/2001/xml-events": N_("runs code on an event"),
}
_REFUSED_ELEMENTS = {
    "script": N_("runs code"),
    "foreignobject": N_("embeds HTML, which can run code"),
    "handler": N_("runs code on an event"),
    "listener": N_("runs code on an event"),
    "iframe": N_("embeds another page"),
    "embed": N_("embeds an object"),
    "object": N_("embeds an object"),
}
_ANIMATIONS = {"animate", "set", "animatetransform", "animatemotion", "animatecolor"}
_LOCAL = re.compile(r"\s*(#|data:image/(png|jpeg|gif|webp)[;,])", re.I)
_LOADS = N_("(url(#id)) or pictures embedded as data:image/png, jpeg, gif or webp")
#: CSS that fetches a file of its own choosing, or runs code (matched after escapes are decoded).
_CSS_AT_RULES = {
    "import": N_("imports another stylesheet"),
    "font-face": N_("loads a font from elsewhere"),
    "namespace": N_("refers to another document"),
}
_CSS_PROPERTIES = {"behavior": N_("runs code"), "-moz-binding": N_("runs code")}
_CSS_FUNCTIONS = {
    "expression": N_("runs code"),
    "image-set": N_("can load pictures from elsewhere"),
    "-webkit-image-set": N_("can load pictures from elsewhere"),
    "image": N_("can load pictures from elsewhere"),
    "element": N_("shows another part of the page"),
    "-moz-element": N_("shows another part of the page"),
}
_CSS_BLOCKS = {"() block", "[] block", "{} block"}

#: What a raster file's first bytes may be, by its extension (a PNG saved as .ico is fine).
_RASTER = {
    ".png": {"png"},
    ".jpg": {"jpg"},
    ".jpeg": {"jpg"},
    ".gif": {"gif"},
    ".webp": {"webp"},
    ".ico": {"ico", "png"},
}


@dataclass(frozen=True)
class ImageProblem:
    """Why an image is refused, and the line of the file (1 for a raster image)."""

    line: int
    message: str


def image_problem(data: bytes, suffix: str) -> ImageProblem | None:
    """``None`` when ``data`` is safe to publish as a file named ``*<suffix>``."""
    suffix = suffix.lower()
    if suffix == ".svg":
        return svg_problem(data)
    kind = filetype.guess(data)
    if suffix in _RASTER and (kind is None or kind.extension not in _RASTER[suffix]):
        found = (
            _("it looks like a {kind} file").format(kind=kind.extension.upper())
            if kind
            else _("its content is not a picture")
        )
        return ImageProblem(
            1,
            _(
                "this file is not a {format} image ({found}); export it again as {format}, "
                "or give it the right extension"
            ).format(format=suffix[1:].upper(), found=found),
        )
    return None


def refusal(data: bytes, path: Path, field: str) -> Problem | None:
    """The problem, at the line of the image file ``path``, that keeps ``data`` from being published."""
    problem = image_problem(data, path.suffix)
    return Problem(display_path(path), problem.line, 1, field, problem.message) if problem else None


class _Refused(Exception):
    """Something in the drawing that may not be published; ``str()`` says what, for the partner."""


class _Inspector(ContentHandler):
    """Refuses, at the first element or attribute that could run, embed or fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.style: list[str] | None = None

    def startElementNS(self, name: tuple[str | None, str], qname: str | None, attrs: AttributesNSImpl) -> None:
        namespace, local = name
        if self.depth == 0 and (namespace, local) != (SVG, "svg"):
            raise _Refused(
                _('this is not an SVG drawing: it starts with <{element}> where <svg xmlns="{svg}"> should be').format(
                    element=local, svg=SVG
                )
            )
        self.depth += 1
        what = _REFUSED_NAMESPACES.get(namespace or "") or _REFUSED_ELEMENTS.get(local.lower())
        if what:
            raise _Refused(
                _("<{element}> {what}, which a logo on your storefront may not do; remove it").format(
                    element=local, what=_(what)
                )
            )
        for (attr_namespace, attr), value in attrs.items():
            self._attribute(local, attr, attr_namespace, value)
        if local.lower() in _ANIMATIONS and _is_handler_or_link(attrs.get((None, "attributeName"), "")):
            raise _Refused(
                _("<{element}> changes a link or an event handler, which could run code; remove it").format(
                    element=local
                )
            )
        if local == "style":
            self.style = []

    def _attribute(self, element: str, attr: str, namespace: str | None, value: str) -> None:
        lowered = attr.lower()
        if lowered.startswith("on"):
            raise _Refused(
                _("the attribute {attribute} on <{element}> runs code when the image is shown; remove it").format(
                    attribute=attr, element=element
                )
            )
        if lowered == "base" and namespace == "http://www.w3.org/XML/1998/namespace":
            raise _Refused(
                _("xml:base on <{element}> makes the drawing's links point elsewhere; remove it").format(
                    element=element
                )
            )
        if lowered == "href" and not _LOCAL.match(value):
            raise _Refused(
                _(
                    "<{element}> refers to '{target}': a logo may only use its own parts "
                    "(#id) or pictures embedded as data:image/png, jpeg, gif or webp"
                ).format(element=element, target=_short(value))
            )
        if lowered == "style":
            _check_css(
                tinycss2.parse_blocks_contents(value, skip_comments=True, skip_whitespace=True),
                _("the style of <{element}>").format(element=element),
            )
        elif lowered != "href" and ("(" in value or "\\" in value):  # presentation attributes are CSS values
            _check_css_values(
                tinycss2.parse_component_value_list(value, skip_comments=True),
                _("the {attribute} of <{element}>").format(attribute=attr, element=element),
            )

    def characters(self, content: str) -> None:
        if self.style is not None:
            self.style.append(content)

    def endElementNS(self, name: tuple[str | None, str], qname: str | None) -> None:
        self.depth -= 1
        if self.style is not None and name[1] == "style":
            _check_css(
                tinycss2.parse_stylesheet("".join(self.style), skip_comments=True, skip_whitespace=True),
                _("a <style> block"),
            )
            self.style = None

    def processingInstruction(self, target: str, data: str) -> None:
        raise _Refused(
            _("the instruction <?{target} ...?> can load a stylesheet from elsewhere; remove it").format(target=target)
        )


def svg_problem(data: bytes) -> ImageProblem | None:
    """Why an SVG drawing may not be published, or ``None``."""
    parser = DefusedExpatParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.setFeature(feature_namespaces, True)
    inspector = _Inspector()
    parser.setContentHandler(inspector)
    try:
        parser.parse(io.BytesIO(data))
    except _Refused as exc:
        return ImageProblem(parser.getLineNumber() or 1, str(exc))
    except DTDForbidden:
        return ImageProblem(
            parser.getLineNumber() or 1,
            _(
                "the drawing has a <!DOCTYPE>, which can define entities "
                "that never stop expanding or that read other files; "
                "remove the DOCTYPE (a drawing does not need one)"
            ),
        )
    except (EntitiesForbidden, ExternalReferenceForbidden, DefusedXmlException):
        return ImageProblem(parser.getLineNumber() or 1, _("the drawing defines or refers to entities; remove them"))
    except xml.sax.SAXParseException as exc:
        return ImageProblem(
            exc.getLineNumber() or 1,
            _("this is not a well-formed SVG drawing: {reason}; export it again from your drawing program").format(
                reason=exc.getMessage()
            ),
        )
    return None


def _check_css(nodes: list[CssNode], where: str) -> None:
    """Refuse rules, declarations and values that fetch from elsewhere or run code; CSS is
    tokenised as a browser does (escapes decoded, comments dropped), so spelling cannot hide them."""
    for node in nodes:
        if node.type == "error":
            _refuse_unreadable(node, where)
        elif node.type == "at-rule":
            if node.lower_at_keyword in _CSS_AT_RULES:
                raise _Refused(
                    _("{where} has @{rule}, which {what}; remove that rule").format(
                        where=where, rule=node.lower_at_keyword, what=_(_CSS_AT_RULES[node.lower_at_keyword])
                    )
                )
            _check_css_values(node.prelude, where)
            if node.content is not None:
                _check_css(
                    tinycss2.parse_blocks_contents(node.content, skip_comments=True, skip_whitespace=True), where
                )
        elif node.type == "qualified-rule":
            _check_css_values(node.prelude, where)
            _check_css(tinycss2.parse_blocks_contents(node.content, skip_comments=True, skip_whitespace=True), where)
        elif node.type == "declaration":
            if node.lower_name in _CSS_PROPERTIES:
                raise _Refused(
                    _("{where} sets {property}, which {what}; remove it").format(
                        where=where, property=node.lower_name, what=_(_CSS_PROPERTIES[node.lower_name])
                    )
                )
            _check_css_values(node.value, where)


def _check_css_values(tokens: list[CssNode], where: str) -> None:
    for token in tokens:
        if token.type == "error":
            _refuse_unreadable(token, where)
        elif token.type == "url":
            _check_target(token.value, where)
        elif token.type == "function":
            name = token.lower_name
            if name in _CSS_FUNCTIONS:
                raise _Refused(
                    _("{where} uses {function}(), which {what}; a logo may only use its own parts {loads}").format(
                        where=where, function=name, what=_(_CSS_FUNCTIONS[name]), loads=_(_LOADS)
                    )
                )
            if name in ("url", "src"):
                arguments = [a for a in token.arguments if a.type not in ("whitespace", "comment")]
                if len(arguments) != 1 or arguments[0].type != "string":
                    raise _Refused(
                        _(
                            "{where} has {function}() with something other than one address in quotes; "
                            "a logo may only use its own parts {loads}"
                        ).format(where=where, function=name, loads=_(_LOADS))
                    )
                _check_target(arguments[0].value, where)
            _check_css_values(token.arguments, where)
        elif token.type in _CSS_BLOCKS:
            _check_css_values(token.content, where)


def _check_target(target: str, where: str) -> None:
    if not _LOCAL.match(target):
        raise _Refused(
            _("{where} loads '{target}' from elsewhere: a logo may only use its own parts {loads}").format(
                where=where, target=_short(target), loads=_(_LOADS)
            )
        )


def _refuse_unreadable(error: CssNode, where: str) -> NoReturn:
    raise _Refused(
        _(
            "{where} has CSS a browser might read differently ({reason}); "
            "export the drawing again from your drawing program"
        ).format(where=where, reason=error.message)
    )


def _is_handler_or_link(attribute: str) -> bool:
    name = attribute.rsplit(":", maxsplit=1)[-1].strip().lower()
    return name == "href" or name.startswith("on")


def _short(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= _QUOTED else value[: _QUOTED - 3] + "..."
