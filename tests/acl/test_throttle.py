"""Logins resist guessing: back-off and lockout after failures, per key, audited."""

from datetime import timedelta

import pytest

from cistrade_core.acl import SessionManager
from cistrade_core.acl.throttle import LoginThrottled, ThrottlePolicy
from cistrade_core.audit import log as audit_log
from cistrade_core.errors import AuthenticationError

POLICY = ThrottlePolicy(max_failures=3, base_delay=timedelta(seconds=30),
                        max_delay=timedelta(minutes=4))


@pytest.fixture
def sessions(core_wh, clock):
    return SessionManager(core_wh, clock, throttle=POLICY)


def fail(sessions, login="maker1", **kw):
    with pytest.raises(AuthenticationError) as err:
        sessions.login(login, "a-wrong-password", **kw)
    return err.value


def test_lockout_after_n_failures_refuses_even_the_right_password(sessions, core_seed, clock,
                                                                  core_wh):
    for _ in range(2):
        assert type(fail(sessions)) is AuthenticationError
    third = fail(sessions)  # the third failure locks the login for 30 s
    assert type(third) is AuthenticationError
    with pytest.raises(LoginThrottled, match="too many failed logins for 'maker1'"):
        sessions.login("maker1", core_seed.passwords["maker1"])
    assert audit_log.count(core_wh, action="LOGIN_LOCKOUT", entity_id="login:maker1") == 1
    denied = core_wh.query("SELECT detail FROM gmp_cis.cis_audit_log WHERE action = 'LOGIN' "
                           "AND outcome = 'DENIED' ORDER BY event_time, event_id")
    assert "LoginThrottled" in denied[-1]["detail"]
    # other logins are not affected
    assert sessions.login("maker2", core_seed.passwords["maker2"]).user_login == "maker2"
    clock.advance(seconds=30)
    assert sessions.login("maker1", core_seed.passwords["maker1"]).user_login == "maker1"
    # a success clears the count: two more failures do not lock
    fail(sessions), fail(sessions)
    assert sessions.login("maker1", core_seed.passwords["maker1"]).user_login == "maker1"


def test_back_off_doubles_up_to_the_maximum(sessions, clock):
    waits = []
    for _ in range(6):
        err = fail(sessions)
        if isinstance(err, LoginThrottled):  # locked: wait it out, then fail again
            waits.append(err.until - clock())
            clock.advance(seconds=(err.until - clock()).total_seconds())
            fail(sessions)
    row = sessions.warehouse.query("SELECT * FROM gmp_cis.cis_acl_login_throttle")
    assert [r["throttle_key"] for r in row] == ["login:maker1"]
    assert waits == [timedelta(seconds=s) for s in (30, 60, 120)]
    assert POLICY.lockout(10) == timedelta(minutes=4)


def test_unknown_users_are_throttled_alike(sessions):
    for _ in range(3):
        fail(sessions, "ghost")
    assert isinstance(fail(sessions, "ghost"), LoginThrottled)


def test_a_client_key_locks_every_login_from_that_client(sessions, core_seed):
    """What an API does with the caller's address: the same mechanism, another key."""
    for login in ("maker1", "maker2", "checker1"):
        fail(sessions, login, client="203.0.113.7")
    with pytest.raises(LoginThrottled, match="203.0.113.7"):
        sessions.login("auditor", core_seed.passwords["auditor"], client="203.0.113.7")
    assert sessions.login("auditor", core_seed.passwords["auditor"],
                          client="198.51.100.1").user_login == "auditor"


def test_policy_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CISTRADE_LOGIN_MAX_FAILURES", "8")
    monkeypatch.setenv("CISTRADE_LOGIN_LOCKOUT_SECONDS", "10")
    policy = ThrottlePolicy.from_env()
    assert policy.max_failures == 8 and policy.base_delay == timedelta(seconds=10)
    monkeypatch.setenv("CISTRADE_LOGIN_MAX_FAILURES", "-1")
    with pytest.raises(ValueError, match="CISTRADE_LOGIN_MAX_FAILURES"):
        ThrottlePolicy.from_env()


def test_an_old_scrypt_hash_is_replaced_at_the_next_successful_login(sessions, core_wh):
    from tests.acl.test_passwords import scrypt_hash

    core_wh.execute("UPDATE gmp_cis.cis_acl_user SET password_hash = ? WHERE user_login = ?",
                    [scrypt_hash("the-old-password"), "viewer"])
    fail(sessions, "viewer")  # a wrong password leaves the old hash alone
    assert _hash(core_wh, "viewer").startswith("scrypt$")
    sessions.login("viewer", "the-old-password")
    new = _hash(core_wh, "viewer")
    assert new.startswith("$argon2id$")
    assert sessions.login("viewer", "the-old-password").user_login == "viewer"
    assert _hash(core_wh, "viewer") == new  # not rehashed again
    assert audit_log.count(core_wh, action="LOGIN", outcome="SUCCESS", user_login="viewer") == 2


def _hash(wh, login):
    return wh.query("SELECT password_hash FROM gmp_cis.cis_acl_user WHERE user_login = ?",
                    [login])[0]["password_hash"]
