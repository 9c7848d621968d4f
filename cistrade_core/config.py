"""Runtime settings, read from environment variables.

Everything lives under ``CISTRADE_HOME`` (default ``./.cistrade``) unless a more
specific variable points elsewhere. Secrets (SMTP password) come from the
environment or, in DAGs, from Airflow connections; they never live in code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

#: The business's local time zone (GMP business dates, schedules, report days).
DEFAULT_TIMEZONE = "Europe/London"


def local_timezone() -> str:
    """The configured local time zone: ``CISTRADE_TIMEZONE``, else :data:`DEFAULT_TIMEZONE`."""
    return os.environ.get("CISTRADE_TIMEZONE") or DEFAULT_TIMEZONE


def _env_recipients(name: str, default: str) -> tuple[str, ...]:
    from cistrade_core.recipients import parse_recipients

    return parse_recipients(os.environ.get(name, default), source=name)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send mail. ``password`` is never logged (``repr=False``)."""

    host: str = "127.0.0.1"
    port: int = 8025
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    mail_from: str = "cistrade@localhost"
    starttls: bool = False
    ssl: bool = False
    timeout: float = 10.0

    @classmethod
    def from_env(cls) -> SmtpSettings:
        return cls(
            host=os.environ.get("CISTRADE_SMTP_HOST", "127.0.0.1"),
            port=int(os.environ.get("CISTRADE_SMTP_PORT", "8025")),
            user=os.environ.get("CISTRADE_SMTP_USER") or None,
            password=os.environ.get("CISTRADE_SMTP_PASSWORD") or None,
            mail_from=os.environ.get("CISTRADE_SMTP_FROM", "cistrade@localhost"),
            starttls=os.environ.get("CISTRADE_SMTP_STARTTLS", "false").lower() == "true",
            ssl=os.environ.get("CISTRADE_SMTP_SSL", "false").lower() == "true",
            timeout=float(os.environ.get("CISTRADE_SMTP_TIMEOUT", "10")),
        )


@dataclass(frozen=True)
class Settings:
    """Paths and options of one CisTrade installation."""

    home: Path
    landing_dir: Path
    timezone: str = DEFAULT_TIMEZONE
    alert_recipients: tuple[str, ...] = ("gmp-support@localhost",)
    market_data_recipients: tuple[str, ...] = ("market-data@localhost",)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def outbox_dir(self) -> Path:
        """Where the local SMTP server stores received mail as ``.eml`` files."""
        return self.home / "outbox"

    @property
    def staging_dir(self) -> Path:
        return self.home / "staging"

    @property
    def gx_dir(self) -> Path:
        """The runtime Great Expectations context (a copy of ``expectations/``)."""
        return self.home / "gx"

    @property
    def data_docs_index(self) -> Path:
        return self.gx_dir / "uncommitted" / "data_docs" / "local_site" / "index.html"

    def with_home(self, home: Path) -> Settings:
        home = Path(home)
        return replace(self, home=home, landing_dir=home / "landing")

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(os.environ.get("CISTRADE_HOME", ".cistrade")).resolve()
        landing = Path(os.environ.get("CISTRADE_LANDING_DIR", str(home / "landing")))
        return cls(
            home=home,
            landing_dir=landing.resolve(),
            timezone=local_timezone(),
            alert_recipients=_env_recipients("CISTRADE_ALERT_TO", "gmp-support@localhost"),
            market_data_recipients=_env_recipients("CISTRADE_MARKET_DATA_TO",
                                                   "market-data@localhost"),
            smtp=SmtpSettings.from_env(),
        )


def get_settings() -> Settings:
    """Settings from the current environment."""
    return Settings.from_env()


REPO_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = REPO_ROOT / "sql"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
