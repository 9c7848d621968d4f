"""Realistic sample drops per the GMP feed contract, good or with one chosen fault.

Currencies and countries come from ``pycountry`` (ISO 4217 / ISO 3166), holiday
calendars from the ``holidays`` package, counterparties are synthetic with valid
LEIs and parent links. Output is deterministic for a (date, scale) pair, and
consecutive days differ only slightly, as real reference data does.
"""

from __future__ import annotations

import os
import random
import string
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from cistrade_core.config import DEFAULT_TIMEZONE
from cistrade_core.feeds import FEEDS, Feed
from cistrade_core.feeds.definitions import COUNTERPARTY_STATUSES, COUNTERPARTY_TYPES
from cistrade_core.gmp.control import ControlFile
from cistrade_core.gmp.lei import lei_check_digits
from cistrade_core.gmp.problems import CheckKind
from cistrade_core.gmp.schedule import expected_extract
from cistrade_dev.gmp_reference_data import (
    CURRENCY_BY_COUNTRY,
    FINANCIAL_CENTRES,
    INACTIVE_CURRENCIES,
    MINOR_UNITS,
    REGION_BY_COUNTRY,
)

Row = list[str | None]


@dataclass(frozen=True)
class Fault:
    """A way a drop can be wrong: which feed it spoils and which check must catch it."""

    name: str
    feed: str
    kind: CheckKind
    description: str


FAULTS: dict[str, Fault] = {f.name: f for f in (
    Fault("missing", "counterparty", CheckKind.ARRIVAL,
          "counterparty data file written but its control file never arrives"),
    Fault("empty", "currency", CheckKind.EMPTY, "currency file has only its header"),
    Fault("bad-header", "country", CheckKind.FORMAT, "country header names a wrong column"),
    Fault("bad-field-count", "counterparty", CheckKind.FORMAT,
          "three counterparty lines have an extra field"),
    Fault("bad-encoding", "country", CheckKind.FORMAT, "a country name is Latin-1, not UTF-8"),
    Fault("bad-type", "calendar", CheckKind.FORMAT, "holiday dates that are not real dates"),
    Fault("truncated", "calendar", CheckKind.ROW_COUNT_CONTROL,
          "calendar transfer cut short: fewer lines than the control file says"),
    Fault("row-count-change", "counterparty", CheckKind.ROW_COUNT_CHANGE,
          "25% fewer counterparties than a normal day (consistent control file)"),
    Fault("stale-timestamp", "currency", CheckKind.TIMESTAMP,
          "currency control file carries a three-day-old extract timestamp"),
    Fault("duplicate-key", "currency", CheckKind.DATA_QUALITY, "USD appears twice"),
    Fault("bad-lei", "counterparty", CheckKind.DATA_QUALITY, "five LEIs with wrong check digits"),
    Fault("bad-value", "counterparty", CheckKind.DATA_QUALITY,
          "counterparty_type values outside the allowed list"),
    Fault("orphan-reference", "counterparty", CheckKind.DATA_QUALITY,
          "counterparties domiciled in a country missing from the country feed"),
    Fault("unknown-parent", "counterparty", CheckKind.DATA_QUALITY,
          "parent_id values that are no counterparty_id of the file"),
    Fault("self-parent", "counterparty", CheckKind.DATA_QUALITY,
          "counterparties that name themselves as their parent"),
    Fault("cut-last-line", "calendar", CheckKind.FORMAT,
          "calendar transfer cut inside its last line (line count still agrees)"),
)}


# -- the good data --------------------------------------------------------------------------

def currency_rows() -> list[Row]:
    import pycountry

    rows = []
    for cur in sorted(pycountry.currencies, key=lambda c: c.alpha_3):
        minor = MINOR_UNITS.get(cur.alpha_3, 2)
        rows.append([cur.alpha_3, cur.name, cur.numeric, None if minor is None else str(minor),
                     "N" if cur.alpha_3 in INACTIVE_CURRENCIES else "Y"])
    return rows


def country_rows(currency_codes: set[str]) -> list[Row]:
    import pycountry

    rows = []
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        currency = CURRENCY_BY_COUNTRY.get(c.alpha_2)
        rows.append([c.alpha_2, c.alpha_3, c.numeric, c.name,
                     currency if currency in currency_codes else None,
                     REGION_BY_COUNTRY.get(c.alpha_2)])
    return rows


def _calendar_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cistrade"


@lru_cache(maxsize=4)
def _holiday_rows(first_year: int, last_year: int) -> tuple[tuple[str, str, str], ...]:
    """Public holidays of every country and financial centre, cached on disk (slow to build)."""
    import holidays
    import pyarrow as pa
    import pyarrow.parquet as pq
    import pycountry

    name = f"holidays-{holidays.__version__}-{first_year}-{last_year}.parquet"
    cache = _calendar_cache_dir() / name
    if cache.exists():
        t = pq.read_table(cache)
        return tuple(zip(*(t.column(i).to_pylist() for i in range(3)), strict=True))
    years = range(first_year, last_year + 1)
    supported = set(holidays.list_supported_countries())
    sources: list[tuple[str, Callable[[], holidays.HolidayBase]]] = [
        (c.alpha_2, lambda code=c.alpha_2: holidays.country_holidays(code, years=years))
        for c in pycountry.countries if c.alpha_2 in supported
    ]
    sources += [(code, lambda m=market: holidays.financial_holidays(m, years=years))
                for code, market in FINANCIAL_CENTRES]
    rows = []
    for code, make in sources:
        with warnings.catch_warnings():  # years outside a country's known range are fine
            warnings.simplefilter("ignore")
            found = make()
        for day, name in sorted(found.items()):
            rows.append((code, day.isoformat(), name.replace("|", "/")))
    rows.sort()
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    pq.write_table(pa.table({"c": [r[0] for r in rows], "d": [r[1] for r in rows],
                             "n": [r[2] for r in rows]}), tmp)
    tmp.replace(cache)
    return tuple(rows)


def calendar_rows(day: date, scale: float = 1.0) -> Iterator[Row]:
    """About ``100,000 * scale`` holidays: ~29 years around ``day`` of every calendar.

    Beyond one copy of the real calendars (scale > 1, for benchmarks) the codes are
    suffixed with a number, as if GMP served more financial centres (the last copy is
    the first rows of the real calendars only). Rows come by code and date, as GMP
    extracts them, and are yielded one by one so a 10-million-row day needs little memory.
    """
    base = _holiday_rows(day.year - 14, day.year + 14)
    target = max(1, round(FEEDS["calendar"].expected_rows * scale))
    if target <= len(base):
        step = len(base) / target
        for i in range(target):
            yield list(base[int(i * step)])
        return
    spans: dict[str, list[int]] = {}  # each real code's rows in base (sorted by code, date)
    for i, (code, _, _) in enumerate(base):
        spans.setdefault(code, [i, i])[1] = i + 1
    copies = [(copy, min(len(base), target - copy * len(base)))
              for copy in range(-(-target // len(base)))]  # and how many rows of base each
    codes = sorted((f"{code}{copy or ''}", code, rows)
                   for copy, rows in copies for code in spans if spans[code][0] < rows)
    for suffixed, code, rows in codes:
        start, end = spans[code]
        for _, day_text, name in base[start:min(end, rows)]:
            yield [suffixed, day_text, name]


_NAME_PARTS = (
    "Atlas Beacon Cedar Delta Everest Falcon Granite Harbor Ionic Juniper Keystone Lumen Meridian "
    "Northgate Orion Pinnacle Quartz Riverside Summit Tidewater Unity Vanguard Westbrook Zenith "
    "Aurora Bluewater Crescent Dominion Eastbridge Fairway Greenfield Highland Ironwood Lakeside"
).split()
_SECTORS = ("Capital Markets Bank Securities Asset Management Holdings Industries Energy "
            "Insurance Trading Partners Investments Infrastructure Logistics").split()
_SUFFIX_BY_TYPE = {
    "BANK": ("Bank plc", "Bank AG", "Bank N.A.", "Banque SA"),
    "BROKER": ("Securities Ltd", "Brokerage LLC", "Markets Ltd"),
    "CORPORATE": ("plc", "Inc.", "GmbH", "S.A.", "Ltd", "AG", "K.K."),
    "FUND": ("Fund LP", "Master Fund Ltd", "SICAV", "Opportunities Fund"),
    "SOVEREIGN": ("Ministry of Finance", "Treasury", "Debt Management Office"),
    "CENTRAL_BANK": ("Central Bank", "National Bank", "Reserve Bank"),
    "SUPRANATIONAL": ("Development Bank", "Investment Bank", "Monetary Fund"),
}
_TYPE_WEIGHTS = (30, 15, 35, 15, 2, 2, 1)
_LOUS = ("5493", "2138", "9695", "7LTW", "2549", "8945", "3157", "6354")


def make_lei(rng: random.Random) -> str:
    base = rng.choice(_LOUS) + "00" + "".join(
        rng.choice(string.ascii_uppercase + string.digits) for _ in range(12))
    return base + lei_check_digits(base)


def counterparty_rows(day: date, country_codes: list[str], scale: float = 1.0) -> list[Row]:
    """About ``7,000 * scale`` counterparties, stable from day to day with small changes."""
    rng = random.Random(f"counterparties-{scale}")
    base_count = max(2, round(FEEDS["counterparty"].expected_rows * scale))
    daily = random.Random(f"counterparties-{scale}-{day.isoformat()}")
    count = base_count + daily.randint(-base_count // 200, base_count // 200)
    weighted = [c for c in country_codes for _ in range(
        8 if c in {"US", "GB", "DE", "FR", "JP", "CH", "NL", "LU", "IE", "SG", "HK", "CA"} else 1)]
    rows: list[Row] = []
    for i in range(1, count + 1):
        ctype = rng.choices(COUNTERPARTY_TYPES, _TYPE_WEIGHTS)[0]
        suffix = rng.choice(_SUFFIX_BY_TYPE[ctype])
        name = f"{rng.choice(_NAME_PARTS)} {rng.choice(_SECTORS)} {suffix}"
        short = name.split()[0].upper()[:10] if rng.random() < 0.8 else None
        parent = f"CP{rng.randint(1, i - 1):07d}" if i > 20 and rng.random() < 0.2 else None
        lei = make_lei(rng) if rng.random() < 0.93 else None
        status = rng.choices(COUNTERPARTY_STATUSES, (92, 6, 2))[0]
        updated = datetime.combine(day, datetime.min.time(), UTC) - timedelta(
            seconds=rng.randint(0, 400 * 86400) if daily.random() < 0.99 else 0)
        rows.append([f"CP{i:07d}", lei, name, short, rng.choice(weighted), ctype, parent, status,
                     updated.strftime("%Y-%m-%dT%H:%M:%SZ")])
    return rows


# -- writing --------------------------------------------------------------------------------

def _format(rows: Iterable[Row]) -> Iterator[str]:
    return ("|".join("" if v is None else v for v in row) for row in rows)


def _write_feed(out: Path, feed: Feed, day: date, lines: Iterable[str], *,
                row_count: int | None, extract: datetime, encoding_bytes: bytes | None = None,
                header: str | None = None, control: bool = True, cut: int = 0) -> Path:
    """Write the data file (via a temporary name, less its last ``cut`` bytes), then its
    control file."""
    data_path = out / feed.data_file_name(day)
    tmp = data_path.with_suffix(".part")
    written = 0
    with tmp.open("wb") as fh:
        fh.write(((header or feed.header) + "\n").encode())
        for line in lines:
            data = (line + "\n").encode()
            if encoding_bytes is not None:
                data = data.replace("\u00f4".encode(), encoding_bytes)
            fh.write(data)
            written += 1
        fh.truncate(fh.tell() - cut)
    tmp.replace(data_path)
    if control:  # written after the data file, as GMP does
        count = written if row_count is None else row_count
        ctl = ControlFile(feed.name, day, count, extract)
        (out / feed.control_file_name(day)).write_text(ctl.render())
    return data_path


def generate_drop(day: date, out: Path, *, fault: str | None = None, scale: float = 1.0,
                  timezone: str = DEFAULT_TIMEZONE) -> dict[str, Path]:
    """Write the four feeds of ``day`` into ``out``; spoil one feed if ``fault`` is given."""
    if fault is not None and fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
    out.mkdir(parents=True, exist_ok=True)
    for feed in FEEDS.values():  # a re-generated day replaces the whole drop
        (out / feed.control_file_name(day)).unlink(missing_ok=True)
    currencies = currency_rows()
    countries = country_rows({r[0] for r in currencies})
    rows: dict[str, Iterable[Row]] = {
        "currency": currencies,
        "country": countries,
        "calendar": calendar_rows(day, scale),
        "counterparty": counterparty_rows(day, [r[0] for r in countries], scale),
    }
    extract = expected_extract(day, timezone) + timedelta(seconds=7)
    written = {}
    for name, feed in FEEDS.items():
        spoil = fault is not None and FAULTS[fault].feed == name
        lines: Iterable[str] = _format(rows[name])
        options: dict = {"row_count": None, "extract": extract}
        if spoil:
            table = list(rows[name])
            lines = list(_format(table))
            options["row_count"] = len(lines)
            lines, options = _apply_fault(fault, table, lines, options, day)
        written[name] = _write_feed(out, feed, day, lines, **options)
    return written


def _apply_fault(fault: str, rows: list[Row], lines: list[str], options: dict,
                 day: date) -> tuple[list[str], dict]:
    n = len(lines)
    if fault == "missing":
        options["control"] = False
    elif fault == "empty":
        lines, options["row_count"] = [], 0
    elif fault == "bad-header":
        options["header"] = "country_code|iso3|numeric_code|country_name|currency_code|region"
    elif fault == "bad-field-count":
        for i in (10, n // 2, n - 3):
            lines[i] += "|EXTRA"
    elif fault == "bad-encoding":
        options["encoding_bytes"] = b"\xf4"  # Latin-1 for the o-circumflex (Cote d'Ivoire)
    elif fault == "bad-type":
        for i, bad in ((5, f"{day.year}-02-30"), (n // 3, "25/12/2026"), (n - 2, "")):
            r = list(rows[i])
            r[1] = bad or "2026-13-01"
            lines[i] = "|".join(r)
    elif fault == "truncated":
        lines = lines[: n - max(1, n // 50)]
    elif fault == "row-count-change":
        lines = lines[: int(n * 0.75)]
        options["row_count"] = len(lines)
    elif fault == "stale-timestamp":
        options["extract"] = options["extract"] - timedelta(days=3)
    elif fault == "cut-last-line":  # half of the last value and the line end are lost
        last = lines[-1].rsplit("|", 1)[1]
        options["cut"] = len(last[len(last) // 2:].encode()) + 1
    elif fault == "duplicate-key":
        usd = next(line for line in lines if line.startswith("USD|"))
        lines.append(usd)
        options["row_count"] = len(lines)
    else:  # counterparty rule breaks
        rng = random.Random(fault)
        picks = sorted(rng.sample(range(n), 5))
        for i in picks:
            r = list(rows[i])
            if fault == "bad-lei":
                lei = r[1] or make_lei(rng)
                r[1] = lei[:18] + f"{(int(lei[18:]) + 1) % 100:02d}"
            elif fault == "bad-value":
                r[5] = "HEDGE_FUND"
            elif fault == "orphan-reference":
                r[4] = "ZZ"
            elif fault == "unknown-parent":
                r[6] = "CP9999999"
            elif fault == "self-parent":
                r[6] = r[0]
            lines[i] = "|".join("" if v is None else v for v in r)
    return lines, options
