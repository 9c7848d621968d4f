from cistrade_core.config import SQL_DIR
from cistrade_core.feeds import FEEDS
from cistrade_core.gmp.tables import render_feed_tables


def test_checked_in_feed_ddl_matches_the_definitions():
    rendered = render_feed_tables("duckdb")
    assert (SQL_DIR / "duckdb" / "gmp_feed_tables.sql").read_text() == rendered, \
        "run `cistrade sql render` after changing cistrade_core/feeds"


def test_feed_tables_have_business_date_and_contract_columns(warehouse):
    for feed in FEEDS.values():
        cols = warehouse.query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'gmp_cis' "
            "AND table_name = ? ORDER BY ordinal_position", [feed.table])
        assert [c["column_name"] for c in cols] == ["business_date", *feed.column_names]
