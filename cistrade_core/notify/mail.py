"""One outgoing mail, as the outbox records it: an alert, a workflow mail or a report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

from cistrade_core.mail.sender import Attachment
from cistrade_core.recipients import parse_recipients

#: The topic of the platform's own alerts (no recipient for a mail, ...).
SYSTEM = "system"


@dataclass(frozen=True)
class AttachedFile:
    """A file attached to a mail; read when the mail is sent, so it must stay in place."""

    path: Path
    content_type: str = "application/octet-stream"

    def as_json(self) -> dict[str, str]:
        return {"path": str(self.path), "content_type": self.content_type}

    @classmethod
    def from_json(cls, data: Mapping[str, str]) -> AttachedFile:
        return cls(Path(data["path"]), data["content_type"])

    def read(self) -> Attachment:
        maintype, _, subtype = self.content_type.partition("/")
        return Attachment(self.path.name, self.path.read_bytes(), maintype, subtype)


@dataclass(frozen=True)
class About:
    """What a mail is about, kept in columns of its own for the reports and look-ups."""

    feed: str | None = None
    business_date: date | None = None
    provider: str | None = None
    run_id: str | None = None
    portfolio_code: str | None = None
    portfolio_version: int | None = None
    report: str | None = None

    def columns(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def given(self) -> dict[str, Any]:
        """The fields that are set."""
        return {k: v for k, v in self.columns().items() if v is not None}


@dataclass(frozen=True)
class Mail:
    """A mail to record and send.

    ``topic`` says what kind of mail it is: ``gmp.<check kind>``, ``fx.<kind>``,
    ``portfolio.<event>``, ``report.<name>`` or ``system``. A mail with a
    ``dedupe_key`` is recorded (and sent) once, however often it is raised.
    ``headers`` are the topic's ``X-CisTrade-*`` headers.
    """

    topic: str
    subject: str
    text: str
    recipients: tuple[str, ...]
    html: str | None = None
    dedupe_key: str | None = None
    about: About = field(default_factory=About)
    headers: Mapping[str, str] = field(default_factory=dict)
    attachments: tuple[AttachedFile, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "recipients", parse_recipients(
            [r for r in self.recipients if r], source=f"recipients of {self.topic}"))

    @classmethod
    def from_template(cls, topic: str, template: str, context: dict[str, Any],
                      recipients: Iterable[str], **options: Any) -> Mail:
        """A mail rendered from ``template`` (see :func:`cistrade_core.notify.render.render`)."""
        from cistrade_core.notify.render import render

        rendered = render(template, context)
        return cls(topic, rendered.subject, rendered.text, tuple(recipients), rendered.html,
                   **options)
