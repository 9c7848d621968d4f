"""Mail recipients: the one parser of address lists.

Every list of addresses (``CISTRADE_ALERT_TO``, Airflow Variables, ``--to``
options, report definitions, the outbox's stored recipients) goes through
:func:`parse_recipients`: comma- or semicolon-separated, each address checked
by ``email-validator`` (plain ``local@domain``, ASCII, no display name, no
quoting, no line breaks), duplicates dropped in order. A bad address is refused
with a :class:`~cistrade_core.errors.ValidationError` naming the source and the
address, before anything is built or sent. ``localhost`` is accepted as a domain
(the local SMTP server of the embedded default); other special-use names are not.
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
_LOCAL_DOMAINS = frozenset({"localhost"})


def check_address(address: str, *, source: str = "e-mail address") -> str:
    """``address`` if it is one plain address (normalised), else :class:`ValidationError`."""
    from email_validator import EmailNotValidError, validate_email

    shown = address if len(address) <= 80 and address.isprintable() else repr(address[:80])
    if len(address) > MAX_ADDRESS:
        raise ValidationError(f"{source}: {shown}: an address has at most {MAX_ADDRESS} characters")
    local, at, domain = address.rpartition("@")
    # localhost has no dot and is special-use: check the local part against a plain domain
    probe = f"{local}@example.com" if at and domain.lower() in _LOCAL_DOMAINS else address
    try:
        checked = validate_email(probe, check_deliverability=False, allow_smtputf8=False,
                                 allow_display_name=False, allow_quoted_local=False)
    except EmailNotValidError as exc:
        raise ValidationError(f"{source}: {shown} is not an e-mail address "
                              f"(expected local@domain): {exc}") from None
    return address if probe != address else checked.normalized


def parse_recipients(value: str | Iterable[str] | None, *,
                     source: str = "recipients") -> tuple[str, ...]:
    """The addresses in ``value`` (a separated string, or strings each possibly separated).

    Empty parts are ignored, so ``""`` and ``None`` give ``()``. Raises
    :class:`ValidationError` naming ``source`` for the first bad address.
    """
    if value is None:
        return ()
    parts = [value] if isinstance(value, str) else list(value)
    seen: dict[str, None] = {}
    for part in parts:
        for raw in _SEPARATOR.split(str(part)):
            address = raw.strip()
            if address:
                seen.setdefault(check_address(address, source=source), None)
    if len(seen) > MAX_RECIPIENTS:
        raise ValidationError(f"{source}: {len(seen)} addresses; at most {MAX_RECIPIENTS}")
    return tuple(seen)


def join_recipients(addresses: Iterable[str]) -> str:
    """The stored form of a recipient list (read back with :func:`parse_recipients`)."""
    return ", ".join(addresses)
