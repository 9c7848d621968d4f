"""Currency reference data for development and demos.

In production the GMP currency feed fills ``gmp_cis.gmp_cis_sta_dly_currency``.
:func:`seed_currencies` writes ISO 4217 currencies (from ``pycountry``) there for
a warehouse that has none yet, so the FX checks have reference data to use. It
goes through the GMP load's store (:meth:`GmpStore.load_day` and
:meth:`GmpStore.publish_day`), as the GMP pipeline does, so it works on
every engine and the day appears in the load history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pyarrow as pa

from cistrade_core.feeds import get_feed
from cistrade_core.gmp.store import GmpStore, LoadRecord, LoadStatus
from cistrade_core.warehouse import SCHEMA, Warehouse

FEED = get_feed("currency")
TABLE = f"{SCHEMA}.{FEED.table}"
SEEDED_REASON = "loaded (seeded for development: ISO 4217 currencies from pycountry)"


def currency_count(warehouse: Warehouse) -> int:
    return warehouse.query(f"SELECT count(*) AS n FROM {TABLE}")[0]["n"]


def seed_currencies(warehouse: Warehouse, codes: Iterable[str] | None = None,
                    business_date: date | None = None, *, inactive: Iterable[str] = ()) -> int:
    """Write ``codes`` (default: every ISO 4217 currency) for ``business_date`` (default
    today), replacing that day; ``inactive`` codes get ``is_active = 'N'``. Returns the
    rows written."""
    import pycountry

    business_date = business_date or date.today()
    inactive = {c.upper() for c in inactive}
    wanted = None if codes is None else {c.upper() for c in codes}
    rows = [
        {"currency_code": cur.alpha_3, "currency_name": cur.name,
         "numeric_code": getattr(cur, "numeric", None), "minor_units": None,
         "is_active": "N" if cur.alpha_3 in inactive else "Y"}
        for cur in pycountry.currencies
        if wanted is None or cur.alpha_3 in wanted
    ]
    if wanted is not None:
        unknown = wanted - {r["currency_code"] for r in rows}
        if unknown:
            raise ValueError(f"not ISO 4217 currencies: {', '.join(sorted(unknown))}")
    # The feed's columns as text, nulls for empty fields: what the GMP pipeline stages.
    data = pa.table({name: pa.array([r[name] for r in rows], pa.string())
                     for name in FEED.column_names})
    store = GmpStore(warehouse)
    store.ensure_schema()
    store.load_day(FEED, business_date, data, LoadRecord(
        FEED.name, business_date, LoadStatus.LOADED, SEEDED_REASON, None, data.num_rows,
    ))
    store.publish_day(FEED, business_date)
    return data.num_rows
