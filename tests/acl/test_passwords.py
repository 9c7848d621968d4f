import base64
import hashlib
import os
import time

import pytest

from cistrade_core.acl.passwords import (
    PRODUCTION_COST,
    HashCost,
    check_policy,
    hash_password,
    needs_rehash,
    verify_password,
)


def scrypt_hash(password: str) -> str:
    """A hash in the format stored before Argon2id (scrypt, N=2^14, r=8, p=1)."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return (f"scrypt$16384$8$1${base64.b64encode(salt).decode()}$"
            f"{base64.b64encode(digest).decode()}")


def test_hash_is_salted_argon2id_and_verifies():
    a = hash_password("correct horse battery")
    b = hash_password("correct horse battery")
    assert a.startswith("$argon2id$v=19$m=64,t=1,p=1$")  # the suite's cheap cost
    assert a != b  # a fresh salt each time
    assert "correct horse" not in a
    assert verify_password("correct horse battery", a)
    assert verify_password("correct horse battery", b)
    assert not verify_password("correct horse batterY", a)
    assert not needs_rehash(a)


def test_old_scrypt_hashes_verify_and_need_a_rehash():
    old = scrypt_hash("an-old-password")
    assert verify_password("an-old-password", old)
    assert not verify_password("an-old-passworD", old)
    assert needs_rehash(old)


def test_a_hash_of_another_cost_needs_a_rehash():
    assert needs_rehash(hash_password("some-password-1", HashCost(1, 128, 1)))


def test_production_cost_is_rfc_9106_and_takes_a_human_noticeable_time():
    assert PRODUCTION_COST == HashCost(time_cost=3, memory_kib=65536, parallelism=4)
    start = time.perf_counter()
    encoded = hash_password("production-cost-pw", PRODUCTION_COST)
    elapsed = time.perf_counter() - start
    assert encoded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert elapsed > 0.01  # not accidentally cheap; the figure is in docs/benchmarks.md


def test_cost_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CISTRADE_ARGON2_TIME_COST", "2")
    assert hash_password("some-password-1").startswith("$argon2id$v=19$m=64,t=2,p=1$")
    monkeypatch.setenv("CISTRADE_ARGON2_TIME_COST", "zero")
    with pytest.raises(ValueError, match="CISTRADE_ARGON2_TIME_COST"):
        hash_password("some-password-1")


@pytest.mark.parametrize("encoded", ["", "plain", "scrypt$1$2$3", "md5$a$b$c$d$e",
                                     "scrypt$16384$8$1$!!notb64$AAAA",
                                     "scrypt$99999999999999999999$8$1$AAAA$AAAA",
                                     "$argon2id$v=19$m=64,t=1,p=1$bad", "$argon2id$"])
def test_malformed_hashes_never_match(encoded):
    assert not verify_password("whatever-password", encoded)


@pytest.mark.parametrize("weak", ["short", " leading-space-pw", "trailing-space ",
                                  "x" * 1025, "nul-in-the\x00middle"])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(ValueError):
        check_policy(weak)
