"""ISO 17442 Legal Entity Identifiers and their ISO 7064 MOD 97-10 check digits."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is the load's, not every command's (``cistrade gmp --help``)
    import numpy as np

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


@functools.cache
def _character_tables() -> tuple[np.ndarray, np.ndarray]:
    """By byte: the character's value (A=10 ... Z=35) and 10 ** its number of digits."""
    import numpy as np

    value, scale = np.zeros(256, dtype=np.int64), np.ones(256, dtype=np.int64)
    for code in range(256):
        char = chr(code)
        if char.isascii() and char.isalnum():
            value[code] = int(char, 36)
            scale[code] = 10 if char.isdigit() else 100
    return value, scale


def lei_valid(values) -> np.ndarray:
    """:func:`lei_is_valid` of every value of an Arrow text array at once (nulls: False)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    shaped = pc.fill_null(pc.match_substring_regex(values, _LEI.pattern), False)
    if isinstance(shaped, pa.ChunkedArray):
        shaped = shaped.combine_chunks()
    result = np.zeros(len(values), dtype=bool)
    chosen = pc.filter(values, shaped)
    if isinstance(chosen, pa.ChunkedArray):
        chosen = chosen.combine_chunks()
    n = len(chosen)
    if not n:
        return result
    # All chosen values are 20 ASCII bytes, back to back in the data buffer.
    offsets = np.frombuffer(chosen.buffers()[1], dtype=np.int32)
    start = offsets[chosen.offset]
    chars = np.frombuffer(chosen.buffers()[2], dtype=np.uint8)[start:start + 20 * n]
    value, scale = _character_tables()
    remainder = np.zeros(n, dtype=np.int64)
    for j, column in enumerate(chars.reshape(n, 20).T.copy()):   # one character of each
        remainder = remainder * scale[column] + value[column]
        if j % 8 == 7:          # below 97 * 100 ** 8 < 2 ** 63 between reductions
            remainder %= 97
    remainder %= 97
    result[np.flatnonzero(shaped.to_numpy(zero_copy_only=False))] = remainder == 1
    return result
