"""The four GMP reference-data feeds, as agreed in the GMP feed contract."""

from __future__ import annotations

from cistrade_core.feeds.spec import Column, ColumnType, Feed, Reference

COUNTERPARTY_TYPES = (
    "BANK",
    "BROKER",
    "CORPORATE",
    "FUND",
    "SOVEREIGN",
    "CENTRAL_BANK",
    "SUPRANATIONAL",
)
COUNTERPARTY_STATUSES = ("ACTIVE", "INACTIVE", "SUSPENDED")

T = ColumnType

CURRENCY = Feed(
    name="currency",
    description="ISO 4217 currencies",
    expected_rows=180,
    columns=(
        Column("currency_code", T.CHAR, "ISO 4217 alphabetic code", length=3, nullable=False,
               unique=True, pattern=r"^[A-Z]{3}$", pattern_description="three upper-case letters"),
        Column("currency_name", T.STRING, "currency name", nullable=False),
        Column("numeric_code", T.CHAR, "ISO 4217 numeric code", length=3, nullable=False,
               pattern=r"^[0-9]{3}$", pattern_description="three digits"),
        Column("minor_units", T.INT, "decimal places, empty for e.g. XAU",
               min_value=0, max_value=4),
        Column("is_active", T.CHAR, "Y or N", length=1, nullable=False, allowed=("Y", "N")),
    ),
)

COUNTRY = Feed(
    name="country",
    description="ISO 3166-1 countries",
    expected_rows=250,
    columns=(
        Column("country_code", T.CHAR, "ISO 3166-1 alpha-2 code", length=2, nullable=False,
               unique=True, pattern=r"^[A-Z]{2}$", pattern_description="two upper-case letters"),
        Column("country_code3", T.CHAR, "ISO 3166-1 alpha-3 code", length=3, nullable=False,
               pattern=r"^[A-Z]{3}$", pattern_description="three upper-case letters"),
        Column("numeric_code", T.CHAR, "ISO 3166-1 numeric code", length=3, nullable=False,
               pattern=r"^[0-9]{3}$", pattern_description="three digits"),
        Column("country_name", T.STRING, "country name", nullable=False),
        Column("currency_code", T.CHAR, "main currency", length=3,
               references=Reference("currency", "currency_code")),
        Column("region", T.STRING, "region, may be empty"),
    ),
)

CALENDAR = Feed(
    name="calendar",
    description="holiday calendars per country or financial centre",
    expected_rows=100_000,
    unique_together=(("calendar_code", "holiday_date"),),
    columns=(
        Column("calendar_code", T.STRING, "country or financial-centre code (GB, USNY, TARGET)",
               nullable=False, pattern=r"^[A-Z][A-Z0-9]{1,11}$",
               pattern_description="2 to 12 upper-case letters or digits"),
        Column("holiday_date", T.DATE, "the holiday", nullable=False),
        Column("holiday_name", T.STRING, "name of the holiday", nullable=False),
    ),
)

COUNTERPARTY = Feed(
    name="counterparty",
    description="legal entities CisTrade trades with",
    expected_rows=7_000,
    columns=(
        Column("counterparty_id", T.STRING, "GMP identifier", nullable=False, unique=True),
        Column("lei", T.CHAR, "ISO 17442 Legal Entity Identifier", length=20,
               pattern=r"^[A-Z0-9]{18}[0-9]{2}$", pattern_description="18 letters/digits and "
               "2 check digits", lei_checksum=True),
        Column("legal_name", T.STRING, "registered name", nullable=False),
        Column("short_name", T.STRING, "short name, may be empty"),
        Column("country_code", T.CHAR, "country of domicile", length=2, nullable=False,
               references=Reference("country", "country_code")),
        Column("counterparty_type", T.STRING, "kind of entity", nullable=False,
               allowed=COUNTERPARTY_TYPES),
        Column("parent_id", T.STRING, "parent counterparty, may be empty",
               references=Reference("counterparty", "counterparty_id"),
               differs_from="counterparty_id"),
        Column("status", T.STRING, "lifecycle status", nullable=False,
               allowed=COUNTERPARTY_STATUSES),
        Column("updated_at", T.TIMESTAMP, "last change in GMP (UTC)", nullable=False),
    ),
)

#: Every feed, in an order where referenced feeds come first.
FEEDS: dict[str, Feed] = {f.name: f for f in (CURRENCY, COUNTRY, CALENDAR, COUNTERPARTY)}


def get_feed(name: str) -> Feed:
    try:
        return FEEDS[name]
    except KeyError:
        raise KeyError(f"unknown feed {name!r}; known feeds: {', '.join(FEEDS)}") from None
