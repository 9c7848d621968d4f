"""Connection settings of HiveServer2 (PyHive) and Impala (impyla) for the command line.

DAG tasks connect through Airflow's hooks instead (``plugins/cistrade_airflow``);
passwords come from the environment and are never shown (``repr=False``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cistrade_core.warehouse.ddl import SCHEMA


def _env(prefix: str, name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"{prefix}_{name}")
    return value if value not in (None, "") else default


def _flag(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class HiveServer2Config:
    """A HiveServer2 reached with PyHive. ``password`` is never logged (``repr=False``).

    ``auth`` is HiveServer2's ``hive.server2.authentication``: ``NONE`` (SASL
    PLAIN without a password check), ``NOSASL``, ``LDAP`` or ``CUSTOM`` (with a
    password) or ``KERBEROS`` (a ticket from ``kinit``, service name usually ``hive``).
    """

    host: str = "127.0.0.1"
    port: int = 10000
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str = "default"
    auth: str = "NONE"
    kerberos_service_name: str | None = None

    @classmethod
    def from_env(cls, prefix: str = "CISTRADE_HIVE") -> HiveServer2Config:
        auth = (_env(prefix, "AUTH", "NONE") or "NONE").upper()
        return cls(
            host=_env(prefix, "HOST", "127.0.0.1"),
            port=int(_env(prefix, "PORT", "10000")),
            user=_env(prefix, "USER"),
            password=_env(prefix, "PASSWORD"),
            database=_env(prefix, "DATABASE", "default"),
            auth=auth,
            kerberos_service_name=(_env(prefix, "KERBEROS_SERVICE_NAME", "hive")
                                   if auth == "KERBEROS" else None),
        )

    def connect(self) -> Any:
        from pyhive import hive

        password = self.password if self.auth in ("LDAP", "CUSTOM") else None
        if self.auth in ("LDAP", "CUSTOM") and not password:
            raise ValueError(f"HiveServer2 auth {self.auth} needs CISTRADE_HIVE_PASSWORD")
        return hive.connect(
            host=self.host, port=self.port, username=self.user or "cistrade",
            database=self.database, auth=self.auth, password=password,
            kerberos_service_name=self.kerberos_service_name,
        )


@dataclass(frozen=True)
class ImpalaConfig:
    """An Impala daemon reached with impyla, shaped like the seed's ``IMPALA_CONFIG``.

    ``auth_mechanism``: ``PLAIN`` (user and password over SASL, use with SSL),
    ``LDAP``, ``GSSAPI`` (Kerberos) or ``NOSASL``.
    """

    host: str = "127.0.0.1"
    port: int = 21050
    database: str = SCHEMA
    auth_mechanism: str = "PLAIN"
    use_ssl: bool = True
    timeout: int = 60
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_cert: str | None = None
    kerberos_service_name: str = "impala"

    @classmethod
    def from_env(cls, prefix: str = "CISTRADE_IMPALA") -> ImpalaConfig:
        return cls(
            host=_env(prefix, "HOST", "127.0.0.1"),
            port=int(_env(prefix, "PORT", "21050")),
            database=_env(prefix, "DATABASE", SCHEMA),
            auth_mechanism=(_env(prefix, "AUTH_MECHANISM", "PLAIN") or "PLAIN").upper(),
            use_ssl=_flag(_env(prefix, "USE_SSL"), True),
            timeout=int(_env(prefix, "TIMEOUT", "60")),
            user=_env(prefix, "USER"),
            password=_env(prefix, "PASSWORD"),
            ca_cert=_env(prefix, "CA_CERT"),
            kerberos_service_name=_env(prefix, "KERBEROS_SERVICE_NAME", "impala"),
        )

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> ImpalaConfig:
        """From a dict like ``IMPALA_CONFIG`` (host, port, database, auth_mechanism, ...)."""
        known = set(cls.__dataclass_fields__)
        unknown = set(config) - known
        if unknown:
            raise ValueError(f"unknown Impala settings: {', '.join(sorted(unknown))}")
        return cls(**config)

    def connect(self) -> Any:
        from impala.dbapi import connect

        return connect(
            host=self.host, port=self.port, database=self.database,
            auth_mechanism=self.auth_mechanism, use_ssl=self.use_ssl, timeout=self.timeout,
            user=self.user, password=self.password, ca_cert=self.ca_cert,
            kerberos_service_name=self.kerberos_service_name,
        )
