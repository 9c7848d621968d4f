"""Currency reference data for development and demos.

In production the GMP currency feed fills ``gmp_cis.gmp_cis_sta_dly_currency``.
:func:`seed_currencies` writes ISO 4217 currencies (from ``pycountry``) there for
a warehouse that has none yet, so the FX checks have reference data to use.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from cistrade_core.warehouse import Warehouse

TABLE = "gmp_cis.gmp_cis_sta_dly_currency"


def currency_count(warehouse: Warehouse) -> int:
    return warehouse.query(f"SELECT count(*) AS n FROM {TABLE}")[0]["n"]


def seed_currencies(warehouse: Warehouse, codes: Iterable[str] | None = None,
                    business_date: date | None = None, *, inactive: Iterable[str] = ()) -> int:
    """Write ``codes`` (default: every ISO 4217 currency) for ``business_date`` (default
    today); ``inactive`` codes get ``is_active = 'N'``. Returns the rows written."""
    import pycountry

    business_date = business_date or date.today()
    inactive = {c.upper() for c in inactive}
    wanted = None if codes is None else {c.upper() for c in codes}
    rows = []
    for cur in pycountry.currencies:
        if wanted is not None and cur.alpha_3 not in wanted:
            continue
        rows.append([business_date, cur.alpha_3, cur.name, getattr(cur, "numeric", None), None,
                     "N" if cur.alpha_3 in inactive else "Y"])
    if wanted is not None:
        unknown = wanted - {r[1] for r in rows}
        if unknown:
            raise ValueError(f"not ISO 4217 currencies: {', '.join(sorted(unknown))}")
    warehouse.ensure_gmp_schema()
    with warehouse.transaction() as tx:
        tx.execute(f"DELETE FROM {TABLE} WHERE business_date = ?", [business_date])
        if rows:
            tx.execute(f"INSERT INTO {TABLE} (business_date, currency_code, currency_name, "
                       "numeric_code, minor_units, is_active) VALUES "
                       + ", ".join("(?, ?, ?, ?, ?, ?)" for _ in rows),
                       [value for row in rows for value in row])
    return len(rows)
