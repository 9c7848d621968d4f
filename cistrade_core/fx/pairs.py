"""Currency pairs: naming, market quoting conventions and each provider's coverage.

A pair is written as six letters, base then quote (``EURUSD``: the price of one
euro in US dollars). Bloomberg covers :data:`BLOOMBERG_PAIRS` (164 pairs),
Reuters :data:`REUTERS_PAIRS` (125 pairs, a subset). The reference levels are
plausible units of each currency per US dollar; the simulator starts its random
walk from them and the pairs' quoting precision follows from them.
"""

from __future__ import annotations

import math
import re

_PAIR = re.compile(r"^\s*([A-Za-z]{3})\s*[/\-_ ]?\s*([A-Za-z]{3})\s*$")

#: Units of each currency per US dollar (ISO 4217 codes only).
UNITS_PER_USD: dict[str, float] = {
    "USD": 1.0,
    # G10
    "EUR": 0.9217, "GBP": 0.7874, "JPY": 151.42, "CHF": 0.8843, "CAD": 1.3585,
    "AUD": 1.5267, "NZD": 1.6667, "SEK": 10.512, "NOK": 10.684, "DKK": 6.8745,
    # Asia-Pacific
    "HKD": 7.8215, "SGD": 1.3452, "CNY": 7.2365, "KRW": 1341.6, "TWD": 32.05,
    "INR": 83.35, "IDR": 15812.0, "MYR": 4.7235, "THB": 36.45, "PHP": 56.42,
    "VND": 24905.0, "PKR": 278.1, "BDT": 109.7, "LKR": 299.8, "KZT": 447.9,
    # Americas
    "MXN": 16.985, "BRL": 5.0142, "CLP": 951.3, "COP": 3895.0, "PEN": 3.7435,
    "ARS": 871.5,
    # Europe, Middle East, Africa
    "PLN": 3.9812, "CZK": 23.315, "HUF": 361.25, "RON": 4.5832, "TRY": 32.185,
    "ZAR": 18.735, "ILS": 3.7025, "SAR": 3.7502, "AED": 3.6725, "QAR": 3.6410,
    "KWD": 0.30745, "BHD": 0.37695, "OMR": 0.38502, "JOD": 0.70905, "EGP": 47.35,
    "NGN": 1495.0, "KES": 130.5, "MAD": 10.045, "GHS": 14.52, "ISK": 138.45,
    "RSD": 107.95, "UAH": 39.45, "GEL": 2.6925,
}

#: Currencies quoted as ``XXXUSD`` (one unit in dollars); all others as ``USDXXX``.
_USD_QUOTED = ("EUR", "GBP", "AUD", "NZD")

#: Liquidity tier of each currency: sets the simulated spread and volatility.
_TIER1 = frozenset({"USD", "EUR", "JPY", "GBP", "CHF", "CAD", "AUD", "NZD"})
_TIER2 = frozenset({"SEK", "NOK", "DKK", "HKD", "SGD", "CNY", "PLN", "CZK", "HUF", "MXN",
                    "ZAR", "ILS", "SAR", "AED", "QAR", "KWD", "BHD", "OMR", "JOD"})

_CROSSES: dict[str, tuple[str, ...]] = {
    "EUR": ("GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK",
            "HUF", "RON", "TRY", "ZAR", "HKD", "SGD", "CNY", "INR", "MXN", "BRL", "ILS",
            "ISK", "RSD", "KRW", "THB", "IDR", "MYR", "AED", "SAR"),
    "GBP": ("JPY", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "ZAR", "HKD",
            "SGD", "INR", "CNY", "TRY", "MXN", "ILS", "AED"),
    "CHF": ("JPY",),
    "CAD": ("JPY", "CHF"),
    "AUD": ("JPY", "CAD", "CHF", "NZD", "SGD", "HKD"),
    "NZD": ("JPY", "CAD", "CHF", "SGD"),
    "SGD": ("JPY",),
    "HKD": ("JPY",),
    "NOK": ("JPY", "SEK"),
    "SEK": ("JPY",),
    "ZAR": ("JPY",),
    "TRY": ("JPY",),
    "MXN": ("JPY",),
    "CNY": ("JPY",),
    "DKK": ("NOK", "SEK"),
    "PLN": ("CZK", "HUF", "JPY"),
    "CZK": ("JPY",),
    "SAR": ("AED",),
    "AED": ("INR", "PKR"),
    "INR": ("JPY",),
    "BRL": ("JPY",),
    "KWD": ("INR",),
    "ILS": ("JPY",),
    "EGP": ("JPY",),
}

#: Less liquid crosses that only the primary provider quotes.
_EXOTIC_CROSSES: dict[str, tuple[str, ...]] = {
    "EUR": ("PHP", "KWD", "QAR", "EGP", "KES", "NGN", "CLP", "PEN", "COP", "ARS", "TWD",
            "VND", "PKR", "KZT", "UAH", "GEL"),
    "GBP": ("THB", "MYR", "IDR", "KRW", "BRL", "SAR", "QAR", "KWD", "HUF", "CZK"),
}


def split_pair(pair: str) -> tuple[str, str]:
    """``("EUR", "USD")`` from ``EURUSD``, ``EUR/USD`` or ``eur-usd``."""
    match = _PAIR.match(pair or "")
    if not match:
        raise ValueError(f"not a currency pair: {pair!r} (expected e.g. EURUSD or EUR/USD)")
    return match.group(1).upper(), match.group(2).upper()


def normalise_pair(pair: str) -> str:
    """The six-letter form, ``EURUSD``."""
    base, quote = split_pair(pair)
    return base + quote


def usd_pair(currency: str) -> str:
    """The market's pair of ``currency`` against the dollar (``EURUSD``, ``USDJPY``)."""
    return f"{currency}USD" if currency in _USD_QUOTED else f"USD{currency}"


def reference_mid(pair: str) -> float:
    """The reference level of ``pair`` (quote units per base unit)."""
    base, quote = split_pair(pair)
    return UNITS_PER_USD[quote] / UNITS_PER_USD[base]


def decimals(level: float) -> int:
    """Quoting precision: 5 decimals up to 10, one fewer per power of ten above."""
    return max(0, min(5, 5 - math.floor(math.log10(level))))


def tier(currency: str) -> int:
    if currency in _TIER1:
        return 1
    return 2 if currency in _TIER2 else 3


def pair_tier(pair: str) -> int:
    base, quote = split_pair(pair)
    return max(tier(base), tier(quote))


def _build_universe() -> tuple[str, ...]:
    pairs = [usd_pair(c) for c in UNITS_PER_USD if c != "USD"]
    for table in (_CROSSES, _EXOTIC_CROSSES):
        for base, quotes in table.items():
            pairs.extend(base + quote for quote in quotes)
    if len(set(pairs)) != len(pairs):  # pragma: no cover (guards the tables above)
        raise AssertionError("duplicate pair in the universe")
    return tuple(pairs)


#: Every pair Bloomberg supplies, dollar pairs first, then the crosses.
BLOOMBERG_PAIRS: tuple[str, ...] = _build_universe()

#: Reuters, the backup, covers the dollar pairs and the more liquid crosses.
REUTERS_PAIRS: tuple[str, ...] = BLOOMBERG_PAIRS[:125]

PROVIDERS = ("bloomberg", "reuters")

COVERAGE: dict[str, tuple[str, ...]] = {
    "bloomberg": BLOOMBERG_PAIRS,
    "reuters": REUTERS_PAIRS,
}

CURRENCIES: tuple[str, ...] = tuple(sorted(UNITS_PER_USD))


def bloomberg_ticker(pair: str) -> str:
    """Bloomberg's composite (BGN) ticker of a pair: ``EURUSD BGN Curncy``."""
    return f"{normalise_pair(pair)} BGN Curncy"


def reuters_ric(pair: str) -> str:
    """Reuters instrument code: ``EUR=`` (EURUSD), ``JPY=`` (USDJPY), ``EURJPY=`` (crosses)."""
    base, quote = split_pair(pair)
    if quote == "USD":
        return f"{base}="
    if base == "USD":
        return f"{quote}="
    return f"{base}{quote}="
