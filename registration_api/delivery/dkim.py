"""DKIM signatures on the e-mail the service sends, with the operator's key for each sending domain.

``DKIM_KEYS`` (see :mod:`registration_api.settings`) names, per domain, a selector and a PEM
file with the RSA private key whose public half is published at
``<selector>._domainkey.<domain>``. A message is signed (rsa-sha256, relaxed/relaxed) with the
key of its From domain, else of its Sender domain (a key for ``example.ru`` also serves
``mail.example.ru``: DMARC's relaxed alignment accepts it); a message from a domain without a
key goes out unsigned. The key is read once at start-up and never logged or shown.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.utils import getaddresses
from pathlib import Path

import dkim  # type: ignore[import-untyped]  # dkimpy has no type hints
import idna
from dkim.crypto import UnparsableKeyError, parse_pem_private_key  # type: ignore[import-untyped]

from storefront import language

_ = language.gettext

#: What a signature covers, those of them a message has. RFC 8058 asks the one-click
#: unsubscribe headers to be signed; From is counted twice, so a From added on the way
#: (a second, forged one) breaks the signature.
SIGNED_HEADERS = (
    "From",
    "Sender",
    "To",
    "Cc",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)
MIN_KEY_BITS = 1024  # receivers ignore shorter keys (RFC 8301)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class UnusableKey(ValueError):
    """A key given for DKIM cannot be used; the message says why (without the key)."""


@dataclass(frozen=True)
class DkimKey:
    """One sending domain's key: the domain (as an ASCII A-label), the selector its public
    key is published under, and the private key in PEM (kept out of ``repr``)."""

    domain: str
    selector: str
    pem: bytes = field(repr=False)

    def sign(self, message: bytes) -> bytes:
        """``message`` (its lines ended CRLF, as SMTP carries them) with a DKIM-Signature first."""
        present = {name.lower() for name in header_fields(message)}
        covered = [name.lower() for name in SIGNED_HEADERS if name.lower() in present] + ["from"]
        signature: bytes = dkim.sign(
            message,
            self.selector.encode("ascii"),
            self.domain.encode("ascii"),
            self.pem,
            canonicalize=(b"relaxed", b"relaxed"),
            signature_algorithm=b"rsa-sha256",
            include_headers=[name.encode("ascii") for name in covered],
            linesep=b"\r\n",
        )
        return signature + message


@dataclass(frozen=True)
class DkimKeys:
    """The keys of every sending domain the operator configured (none: nothing is signed)."""

    keys: tuple[DkimKey, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.keys)

    def for_domain(self, domain: str | None) -> DkimKey | None:
        """The key of ``domain``, else of the nearest parent domain that has one."""
        by_domain = {key.domain: key for key in self.keys}
        labels = (a_label(domain) or "").split(".") if domain else []
        for start in range(len(labels) - 1):
            key = by_domain.get(".".join(labels[start:]))
            if key is not None:
                return key
        return None

    def sign(self, message: bytes) -> bytes:
        """``message`` signed with its sender's key, its lines ended CRLF; unchanged when no
        key is for its From (or Sender) domain."""
        if not self.keys:
            return message
        fields = header_fields(message)
        for header in ("From", "Sender"):
            for domain in _domains(fields.get_all(header, [])):
                key = self.for_domain(domain)
                if key is not None:
                    return key.sign(crlf(message))
        return message


def load_key(domain: str, selector: str, path: Path) -> DkimKey:
    """The key of ``domain`` from the PEM file at ``path``, checked so that a typo fails at
    start-up rather than at the first e-mail; raises :class:`UnusableKey` saying what is wrong."""
    ascii_domain = a_label(domain)
    if ascii_domain is None or ascii_domain.count(".") < 1:
        raise UnusableKey(_("«{domain}» is not a domain name such as example.ru").format(domain=domain))
    if not all(_LABEL.match(label) for label in selector.lower().split(".")):
        raise UnusableKey(
            _(
                "the selector «{selector}» of {domain} is not a DNS label "
                "(Latin letters, digits and inner hyphens, at most 63, e.g. mail2026)"
            ).format(selector=selector, domain=domain)
        )
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise UnusableKey(
            _("the key file {path} of {domain} cannot be read ({reason})").format(
                path=path, domain=domain, reason=exc.strerror or type(exc).__name__
            )
        ) from None
    try:
        bits = parse_pem_private_key(pem)["modulus"].bit_length()
    except (UnparsableKeyError, KeyError, TypeError, ValueError, IndexError):
        raise UnusableKey(
            _("{path} is not an RSA private key in PEM form (openssl genrsa -out {path} 2048 makes one)").format(
                path=path
            )
        ) from None
    if bits < MIN_KEY_BITS:
        raise UnusableKey(
            _("the key {path} has {bits} bits; receivers ignore DKIM keys under 1024 bits (2048 is usual)").format(
                path=path, bits=bits
            )
        )
    return DkimKey(ascii_domain, selector.lower(), pem)


def a_label(domain: str) -> str | None:
    """``domain`` in lower-case ASCII (an internationalised name as its xn-- form), or None
    when it is not a host name."""
    name = domain.strip().rstrip(".").lower()
    try:
        ascii_name = name if name.isascii() else idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError:
        return None
    labels = ascii_name.split(".")
    return ascii_name if all(_LABEL.match(label) for label in labels) else None


def header_fields(message: bytes) -> email.message.Message:
    """The header fields of ``message`` (its body is not parsed)."""
    head = re.split(rb"\r?\n\r?\n", message, maxsplit=1)[0]
    return email.message_from_string(head.decode("utf-8", "replace") + "\n\n", policy=email.policy.compat32)


def crlf(message: bytes) -> bytes:
    """``message`` with every line ended CRLF, as SMTP carries it (the form a signature is made on)."""
    return re.sub(rb"\r?\n", b"\r\n", message)


def _domains(values: list[str]) -> list[str]:
    return [address.rpartition("@")[2] for _name, address in getaddresses([str(v) for v in values]) if "@" in address]
