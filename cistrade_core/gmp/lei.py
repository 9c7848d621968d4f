"""ISO 17442 Legal Entity Identifiers and their ISO 7064 MOD 97-10 check digits."""

from __future__ import annotations

import re

_LEI = re.compile(r"^[A-Z0-9]{18}[0-9]{2}$")


def _as_number(text: str) -> int:
    # Letters count as two digits: A=10 ... Z=35 (ISO 7064 MOD 97-10).
    return int("".join(str(int(ch, 36)) for ch in text))


def lei_is_valid(lei: str) -> bool:
    """True if ``lei`` has the LEI shape and its check digits are right."""
    return bool(_LEI.match(lei)) and _as_number(lei) % 97 == 1


def lei_check_digits(base: str) -> str:
    """The two check digits completing an 18-character LEI prefix."""
    if not re.fullmatch(r"[A-Z0-9]{18}", base):
        raise ValueError(f"an LEI prefix is 18 upper-case letters or digits, not {base!r}")
    return f"{98 - (_as_number(base + '00') % 97):02d}"
