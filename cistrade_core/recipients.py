"""Mail recipients: the one parser of address lists.

Every list of addresses (``CISTRADE_ALERT_TO``, Airflow Variables, ``--to``
options, report definitions, the outbox's stored recipients) goes through
:func:`parse_recipients`: comma- or semicolon-separated, each address checked
by ``email-validator`` (plain ``local@domain``, ASCII, no display name, no
quoting, no line breaks), duplicates dropped in order. A bad address is refused
with a :class:`RecipientError` (a :class:`~cistrade_core.errors.ValidationError`)
naming the source and the address, before anything is built or sent. ``localhost``
(the local SMTP server of the embedded default) and one-label intranet domains are
accepted; other special-use names are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from cistrade_core.errors import ValidationError

_SEPARATOR = re.compile(r"[,;]")
#: Longest address SMTP carries (RFC 5321: a 256-octet path minus the brackets).
MAX_ADDRESS = 254
#: More recipients than this on one mail is a mistake (or an abuse), not a list.
MAX_RECIPIENTS = 100


class RecipientError(ValidationError, ValueError):
    """A recipient is not an email address; the message names it and says why."""


def check_address(address: object) -> str:
    """``address`` checked as one email address (no display name, no list), normalised.

    Intranet domains (one label) and ``localhost`` are accepted; quoted local parts,
    IP literals, display names, line breaks, non-ASCII and lists are not.
    Raises :class:`RecipientError` naming the address and what was expected.
    """
    from email_validator import EmailNotValidError, validate_email

    if not isinstance(address, str):
        raise RecipientError(f"{address!r} is not an email address (expected text)")
    text = address.strip()
    shown = repr(text[:80] + ("..." if len(text) > 80 else ""))
    if not text or len(text) > MAX_ADDRESS:
        raise RecipientError(f"{shown} is not an email address (expected 1 to {MAX_ADDRESS} "
                             "characters like name@example.com)")
    local, at, domain = text.rpartition("@")
    # The embedded default mails the local SMTP server: ``localhost`` is a domain here.
    on_localhost = bool(at) and domain.lower() == "localhost"
    try:
        checked = validate_email(f"{local}@example.com" if on_localhost else text,
                                 check_deliverability=False, globally_deliverable=False,
                                 allow_smtputf8=False, allow_display_name=False,
                                 allow_quoted_local=False, allow_domain_literal=False)
    except EmailNotValidError as exc:
        raise RecipientError(f"{shown} is not an email address like name@example.com: {exc}"
                             ) from None
    return f"{checked.local_part}@localhost" if on_localhost else checked.normalized


def check_recipients(addresses: object) -> list[str]:
    """A non-empty list of addresses, each checked by :func:`check_address`."""
    if isinstance(addresses, str) or not isinstance(addresses, list | tuple):
        raise RecipientError("recipients must be a list of email addresses")
    if not addresses:
        raise RecipientError("no recipients: expected at least one email address")
    return [check_address(a) for a in addresses]


def parse_recipients(value: str | Iterable[str] | None, *,
                     source: str = "recipients") -> tuple[str, ...]:
    """The addresses in ``value`` (a separated string, or strings each possibly separated).

    Empty parts are ignored, so ``""`` and ``None`` give ``()``; duplicates are dropped
    in order. Raises :class:`RecipientError` naming ``source`` for the first bad address.
    """
    if value is None:
        return ()
    parts = [value] if isinstance(value, str) else list(value)
    seen: dict[str, None] = {}
    for part in parts:
        for raw in _SEPARATOR.split(str(part)):
            if raw.strip():
                try:
                    seen.setdefault(check_address(raw), None)
                except RecipientError as exc:
                    raise RecipientError(f"{source}: {exc}") from None
    if len(seen) > MAX_RECIPIENTS:
        raise RecipientError(f"{source}: {len(seen)} addresses; at most {MAX_RECIPIENTS}")
    return tuple(seen)


def join_recipients(addresses: Iterable[str]) -> str:
    """The stored form of a recipient list (read back with :func:`parse_recipients`)."""
    return ", ".join(addresses)
