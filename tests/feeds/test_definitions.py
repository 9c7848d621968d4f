from cistrade_core.feeds import FEEDS, ColumnType, get_feed


def test_every_reference_points_at_an_existing_column_of_an_earlier_feed():
    order = list(FEEDS)
    for feed in FEEDS.values():
        for column, ref in feed.references.items():
            target = get_feed(ref.feed)
            assert ref.column in target.column_names, (feed.name, column)
            assert order.index(ref.feed) <= order.index(feed.name), "referenced feeds come first"


def test_definitions_follow_the_contract_tables():
    assert FEEDS["currency"].header == (
        "currency_code|currency_name|numeric_code|minor_units|is_active")
    assert FEEDS["country"].column("currency_code").references.feed == "currency"
    assert FEEDS["calendar"].unique_together == (("calendar_code", "holiday_date"),)
    assert FEEDS["counterparty"].column("lei").lei_checksum
    assert FEEDS["counterparty"].column("updated_at").type is ColumnType.TIMESTAMP
    assert FEEDS["counterparty"].upstream_feeds == ["country"]


def test_file_names_follow_the_contract():
    from datetime import date

    feed = get_feed("calendar")
    assert feed.data_file_name(date(2026, 11, 27)) == "gmp_cis_sta_dly_calendar_20261127.csv"
    assert feed.control_file_name(date(2026, 11, 27)) == "gmp_cis_sta_dly_calendar_20261127.ctl"
    assert feed.table == "gmp_cis_sta_dly_calendar"


def test_the_four_feeds_and_no_other():
    import pytest

    assert list(FEEDS) == ["currency", "country", "calendar", "counterparty"]
    with pytest.raises(KeyError, match="unknown feed 'fx'; known feeds: currency, country, "
                                       "calendar, counterparty"):
        get_feed("fx")
