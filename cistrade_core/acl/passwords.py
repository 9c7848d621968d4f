"""Password hashing: Argon2id (RFC 9106), with the older scrypt hashes still verified.

New hashes are Argon2id in the PHC string form ``$argon2id$v=19$m=..,t=..,p=..$salt$hash``
(``argon2-cffi``). The cost comes from the environment, read at each call:

| variable | default (production) | what |
| --- | --- | --- |
| ``CISTRADE_ARGON2_TIME_COST`` | 3 | passes over the memory |
| ``CISTRADE_ARGON2_MEMORY_KIB`` | 65536 (64 MiB) | memory per hash |
| ``CISTRADE_ARGON2_PARALLELISM`` | 4 | lanes |

The defaults are RFC 9106's second recommended option (the one for when 2 GiB per
hash is too much). Tests set a cheap cost; one test checks the production one.

Hashes written before, ``scrypt$N$r$p$<salt b64>$<hash b64>``, still verify;
:func:`needs_rehash` says so for them (and for Argon2 hashes of another cost),
and a successful login then stores a new hash of the password it was given.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
#: Longer passwords are refused: hashing cost must not be set by the caller.
MAX_LENGTH = 1024

# The scrypt parameters of hashes written before Argon2id (verification only).
SCRYPT_MAXMEM = 256 * 1024 * 1024


@dataclass(frozen=True)
class HashCost:
    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4

    @classmethod
    def from_env(cls) -> HashCost:
        def number(name: str, default: int, low: int) -> int:
            raw = os.environ.get(name, "").strip()
            if not raw:
                return default
            if not raw.isdigit() or int(raw) < low:
                raise ValueError(f"{name} must be a whole number >= {low}, not {raw!r}")
            return int(raw)

        d = cls()
        return cls(number("CISTRADE_ARGON2_TIME_COST", d.time_cost, 1),
                   number("CISTRADE_ARGON2_MEMORY_KIB", d.memory_kib, 8),
                   number("CISTRADE_ARGON2_PARALLELISM", d.parallelism, 1))


PRODUCTION_COST = HashCost()


@lru_cache(maxsize=8)
def _hasher(cost: HashCost) -> PasswordHasher:
    return PasswordHasher(time_cost=cost.time_cost, memory_cost=cost.memory_kib,
                          parallelism=cost.parallelism, hash_len=32, salt_len=16,
                          type=Type.ID)


def hasher(cost: HashCost | None = None) -> PasswordHasher:
    """The Argon2id hasher of ``cost`` (default: from the environment)."""
    return _hasher(cost or HashCost.from_env())


def check_policy(password: str) -> None:
    """Refuse passwords too weak (or too long) to store."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValueError(f"a password has at most {MAX_LENGTH} characters")
    if password.strip() != password:
        raise ValueError("a password cannot start or end with whitespace")
    if "\x00" in password:
        raise ValueError("a password cannot contain a NUL character")


def hash_password(password: str, cost: HashCost | None = None) -> str:
    check_policy(password)
    return hasher(cost).hash(password)


def _verify_scrypt(password: str, encoded: str) -> bool:
    scheme, n, r, p, salt_b64, digest_b64 = encoded.split("$")
    if scheme != "scrypt":
        return False
    salt = base64.b64decode(salt_b64, validate=True)
    expected = base64.b64decode(digest_b64, validate=True)
    actual = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=int(n), r=int(r),
                            p=int(p), dklen=len(expected), maxmem=SCRYPT_MAXMEM)
    return hmac.compare_digest(actual, expected)


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches ``encoded``; malformed hashes never match."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        if encoded.startswith("$argon2"):
            return hasher().verify(encoded, password)
        return _verify_scrypt(password, encoded)
    except (VerificationError, InvalidHashError, ValueError, TypeError, OverflowError,
            MemoryError):
        return False


def needs_rehash(encoded: str) -> bool:
    """Whether ``encoded`` is an older scheme or another cost than the configured one."""
    if not encoded.startswith("$argon2id$"):
        return True
    try:
        return hasher().check_needs_rehash(encoded)
    except (InvalidHashError, ValueError):
        return True


@lru_cache(maxsize=8)
def _dummy(cost: HashCost) -> str:
    return hash_password(base64.b64encode(os.urandom(24)).decode("ascii"), cost)


def dummy_hash() -> str:
    """A hash to check unknown users against, so they take as long as known ones."""
    return _dummy(HashCost.from_env())
