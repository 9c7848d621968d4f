"""Rendering notification mails from the Jinja2 templates in ``templates/``.

Each kind has ``<kind>.subject.j2``, ``<kind>.txt.j2`` and ``<kind>.html.j2``;
HTML is autoescaped, and undefined variables are errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


class MailKind(StrEnum):
    APPROVAL_REQUEST = "approval_request"
    APPROVAL_CONFIRMATION = "approval_confirmation"
    REJECTION_NOTICE = "rejection_notice"
    APPROVAL_REMINDER = "approval_reminder"
    SYSTEM_ALERT = "system_alert"


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )


def render(kind: MailKind | str, context: dict[str, Any]) -> RenderedMail:
    env = environment()
    kind = MailKind(kind)
    subject = env.get_template(f"{kind}.subject.j2").render(context)
    return RenderedMail(
        subject=" ".join(subject.split())[:250],
        text=env.get_template(f"{kind}.txt.j2").render(context),
        html=env.get_template(f"{kind}.html.j2").render(context),
    )
