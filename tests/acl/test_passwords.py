import pytest

from cistrade_core.acl.passwords import check_policy, hash_password, verify_password


def test_hash_is_salted_scrypt_and_verifies():
    a = hash_password("correct horse battery")
    b = hash_password("correct horse battery")
    assert a.startswith("scrypt$16384$8$1$")
    assert a != b  # a fresh salt each time
    assert "correct horse" not in a
    assert verify_password("correct horse battery", a)
    assert verify_password("correct horse battery", b)
    assert not verify_password("correct horse batterY", a)


@pytest.mark.parametrize("encoded", ["", "plain", "scrypt$1$2$3", "md5$a$b$c$d$e",
                                     "scrypt$16384$8$1$!!notb64$AAAA"])
def test_malformed_hashes_never_match(encoded):
    assert not verify_password("whatever-password", encoded)


@pytest.mark.parametrize("weak", ["short", " leading-space-pw", "trailing-space "])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(ValueError):
        check_policy(weak)
