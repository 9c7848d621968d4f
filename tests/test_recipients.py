"""The one parser of recipient lists."""

import pytest

from cistrade_core.errors import ValidationError
from cistrade_core.recipients import (
    MAX_RECIPIENTS,
    check_address,
    join_recipients,
    parse_recipients,
)


def test_lists_split_on_commas_and_semicolons_and_drop_duplicates_in_order():
    assert parse_recipients(" a@example.com, b@example.com;a@example.com ,, ") == (
        "a@example.com", "b@example.com")
    assert parse_recipients(["ops@example.com", "x@example.com; ops@example.com"]) == (
        "ops@example.com", "x@example.com")
    assert parse_recipients(None) == () == parse_recipients("") == parse_recipients([])


def test_the_local_smtp_domain_is_accepted():
    assert parse_recipients("gmp-support@localhost") == ("gmp-support@localhost",)


def test_the_stored_form_reads_back():
    addresses = ("a@example.com", "ops@localhost")
    assert parse_recipients(join_recipients(addresses)) == addresses


@pytest.mark.parametrize("bad", [
    "not-an-address", "a b@example.com", '"quoted"@example.com', "Ops <ops@example.com>",
    "ops@example.com\r\nBcc: victim@example.com", "ops@exa mple.com", "ü@example.com",
    "ops@printer.local", "@example.com", "ops@", "x" * 250 + "@example.com",
])
def test_bad_addresses_are_refused_naming_the_source_and_the_address(bad):
    with pytest.raises(ValidationError) as info:
        parse_recipients(f"good@example.com, {bad}", source="CISTRADE_ALERT_TO")
    message = str(info.value)
    assert message.startswith("CISTRADE_ALERT_TO: ")
    assert "\n" not in message and "\r" not in message
    assert "is not an email address" in message


def test_one_address_is_checked_alone():
    assert check_address("Ops@Example.COM") == "Ops@example.com"
    assert check_address("desk@intranet") == "desk@intranet"
    with pytest.raises(ValidationError, match="'a,b@example.com' is not an email address"):
        check_address("a,b@example.com")


def test_a_list_has_a_bound():
    many = ",".join(f"u{i}@example.com" for i in range(MAX_RECIPIENTS + 1))
    with pytest.raises(ValidationError, match=f"at most {MAX_RECIPIENTS}"):
        parse_recipients(many, source="--to")
