"""The result of checking or loading one feed for one business day."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from cistrade_core.gmp.problems import CheckKind


class FeedStatus(StrEnum):
    WAITING = "waiting"  # control file not there yet, not late
    MISSING = "missing"  # control file not there and late
    REJECTED = "rejected"
    HELD = "held"
    VALIDATED = "validated"
    LOADED = "loaded"


@dataclass
class FeedOutcome:
    feed: str
    business_date: date
    status: FeedStatus
    reason: str
    kind: CheckKind | None = None
    rows: int | None = None
    control_rows: int | None = None
    previous_rows: int | None = None
    extract_timestamp: datetime | None = None
    override: bool = False
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    #: a held feed released by an operator: who, and when (ISO 8601, UTC)
    released_by: str | None = None
    released_at: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in (FeedStatus.VALIDATED, FeedStatus.LOADED)

    def review(self) -> str:
        """What an operator reviewing a held feed sees: the counts and the change."""
        change = ("-" if not self.previous_rows or self.rows is None
                  else f"{(self.rows - self.previous_rows) / self.previous_rows:+.1%}")
        previous = "-" if self.previous_rows is None else f"{self.previous_rows:,}"
        rows = "-" if self.rows is None else f"{self.rows:,}"
        return (f"**{self.feed} {self.business_date}** is held: {self.reason}\n\n"
                f"| last loaded day | today | change |\n|---:|---:|---:|\n"
                f"| {previous} | {rows} | {change} |\n\n"
                "*Release* loads today's file; *Reject* keeps the previous day current.")

    def line(self) -> str:
        """One outcome line, as ``cistrade gmp load`` prints it."""
        rows = "-" if self.rows is None else f"{self.rows:,}"
        return f"{self.feed:<13} {self.status.upper():<9} rows={rows:<9} {self.reason}"

    def to_json(self) -> dict:
        data = asdict(self)
        data["business_date"] = self.business_date.isoformat()
        data["status"] = str(self.status)
        data["kind"] = str(self.kind) if self.kind else None
        data["extract_timestamp"] = (
            self.extract_timestamp.isoformat() if self.extract_timestamp else None
        )
        return data

    @classmethod
    def from_json(cls, data: dict) -> FeedOutcome:
        data = dict(data)
        data["business_date"] = date.fromisoformat(data["business_date"])
        data["status"] = FeedStatus(data["status"])
        data["kind"] = CheckKind(data["kind"]) if data.get("kind") else None
        if data.get("extract_timestamp"):
            data["extract_timestamp"] = datetime.fromisoformat(data["extract_timestamp"])
        return cls(**data)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=2))
        tmp.replace(path)

    @classmethod
    def read(cls, path: Path) -> FeedOutcome | None:
        return cls.from_json(json.loads(path.read_text())) if path.exists() else None
