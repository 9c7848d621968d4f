"""Free text has limits: lengths and character rules, enforced by acl, portfolio and udf,
and control characters neutralised on output."""

import pytest

from cistrade_core.acl import AclAdmin, SystemActor
from cistrade_core.errors import ValidationError
from cistrade_core.text_rules import DESCRIPTION, NAME, check_text, printable, unsafe_char


@pytest.mark.parametrize("text, bad", [
    ("plain text, accents é and 漢字", None), ("nul\x00", "\x00"), ("esc\x1b[31m", "\x1b"),
    ("del\x7f", "\x7f"), ("c1\x85", "\x85"), ("rlo\u202e", "\u202e"), ("lri\u2066", "\u2066"),
    ("rlm\u200f", "\u200f"), ("ls\u2028", "\u2028"), ("tab\t", "\t"), ("lf\n", "\n"),
])
def test_unsafe_characters(text, bad):
    found = unsafe_char(text)
    assert (found[1] if found else None) == bad


def test_multiline_fields_allow_tab_and_line_feed_only():
    assert check_text("description", "a\n\tb", DESCRIPTION) == "a\n\tb"
    with pytest.raises(ValueError, match="description must not contain .*U\\+000D"):
        check_text("description", "a\r\nb", DESCRIPTION)
    with pytest.raises(ValueError, match="name must not contain the control character U\\+0009"):
        check_text("name", "a\tb", NAME)


def test_printable_escapes_what_the_rules_refuse():
    assert printable("ok é") == "ok é"
    assert printable("\x1b[2J\u202eevil\x00") == "\\x1b[2J\\u202eevil\\x00"
    assert printable("a\nb", multiline=True) == "a\nb" and printable("a\nb") == "a\\x0ab"


@pytest.mark.parametrize("reason, message", [
    ("r" * 120_000, "reason is 120,000 characters long: at most 2,000"),
    ("ok\x1b]0;owned\x07", "reason must not contain the control character U\\+001B"),
    ("  ", "a rejection needs a reason"),
])
def test_rejection_reasons_have_limits(core, login, reason, message):
    maker, checker = login("maker1"), login("checker1")
    core.portfolios.create(maker, "TXT-01", name="n", base_currency="USD", owner="o", desk="d")
    p = core.portfolios.submit(maker, "TXT-01", 1)
    with pytest.raises(ValidationError, match=message):
        core.portfolios.reject(checker, "TXT-01", p.version, reason)
    detail = core.warehouse.query("SELECT detail FROM gmp_cis.cis_audit_log WHERE action = "
                                  "'REJECT'")[0]["detail"]
    assert len(detail) < 5000  # a refused huge reason is not copied whole into the audit log


@pytest.mark.parametrize("call, message", [
    (lambda a: a.create_group("Desk\x1b[31m"), "group name must not contain .*U\\+001B"),
    (lambda a: a.create_group("G", description="nul\x00"), "group description .*U\\+0000"),
    (lambda a: a.create_group("G" * 101), "group name is 101 characters long"),
    (lambda a: a.create_user("jsmith\n", "J", "j@x.com", "long-enough-pw"), "a login is"),
    (lambda a: a.create_user("jsmith", "J\u202e", "j@x.com", "long-enough-pw"),
     "user name .*U\\+202E"),
    (lambda a: a.create_user("jsmith", "J", "j" * 250 + "@x.com", "long-enough-pw"),
     "e-mail address is 256 characters long: at most 254"),
    (lambda a: a.create_user("jsmith", "J", "j@x\n.com", "long-enough-pw"),
     "e-mail address .*U\\+000A"),
    (lambda a: a.grant("Staff", "cis-\x00" * 50, "READ"), "bad resource name"),
])
def test_acl_text_has_limits(core, clock, call, message):
    with pytest.raises(ValidationError, match=message):
        call(AclAdmin(core.warehouse, SystemActor("admin:test"), clock))


def test_udf_definitions_have_limits(core, login):
    maker = login("maker1")
    with pytest.raises(ValidationError, match="UDF label must not contain .*U\\+001B"):
        core.udfs.define(maker, "f1", "Label\x1b[0m", "string")
    with pytest.raises(ValidationError, match="an allowed value is 201 characters long"):
        core.udfs.define(maker, "f2", "L", "enum", ["x" * 201])
    with pytest.raises(ValidationError, match="an allowed value must not contain"):
        core.udfs.define(maker, "f3", "L", "enum", ["A\u202eB"])
