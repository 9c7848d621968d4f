"""Parameter types that refuse hostile values with a clear message before a command runs.

Click's own ``IntRange`` bounds whole numbers; :class:`FiniteFloat` also refuses
``nan`` and ``inf``, which ``FloatRange`` lets through.
"""

from __future__ import annotations

import math

import click

#: Rows a listing command shows at most.
MAX_LIMIT = 100_000
LIMIT = click.IntRange(1, MAX_LIMIT)
#: A portfolio version (a positive 32-bit number is far more than any portfolio reaches).
VERSION = click.IntRange(1, 2**31 - 1)
PORT = click.IntRange(0, 65535)


class FiniteFloat(click.ParamType):
    name = "number"

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high

    def convert(self, value, param, ctx) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number) or not self.low <= number <= self.high:
            self.fail(f"{value!r} is not a number from {self.low:g} to {self.high:g}", param, ctx)
        return number


class SafePath(click.Path):
    """A ``click.Path`` that refuses NUL and control characters with a message (the
    operating system would raise ``ValueError`` for a NUL)."""

    def convert(self, value, param, ctx):
        from cistrade_core.text_rules import describe_char, unsafe_char

        bad = unsafe_char(str(value))
        if bad is not None:
            self.fail(f"a path must not contain {describe_char(bad[1])}", param, ctx)
        return super().convert(value, param, ctx)
