"""Rendering mails from the Jinja2 templates in ``templates/``.

A template ``<name>`` is ``<name>.subject.j2``, ``<name>.txt.j2`` and, for mail
with an HTML part, ``<name>.html.j2``: the portfolio workflow's kinds
(:class:`MailKind`), ``gmp_alert`` and ``fx_alert``. HTML is autoescaped, and
undefined variables are errors.
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
    """The portfolio workflow's mails and the system alert (text and HTML each)."""

    APPROVAL_REQUEST = "approval_request"
    APPROVAL_CONFIRMATION = "approval_confirmation"
    REJECTION_NOTICE = "rejection_notice"
    APPROVAL_REMINDER = "approval_reminder"
    SYSTEM_ALERT = "system_alert"


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str | None


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


def render(template: str, context: dict[str, Any]) -> RenderedMail:
    """The subject (one line, at most 250 characters), text and HTML (if any) of ``template``."""
    env = environment()
    name = str(template)
    subject = env.get_template(f"{name}.subject.j2").render(context)
    html = (env.get_template(f"{name}.html.j2").render(context)
            if (TEMPLATES_DIR / f"{name}.html.j2").exists() else None)
    return RenderedMail(
        subject=" ".join(subject.split())[:250],
        text=env.get_template(f"{name}.txt.j2").render(context),
        html=html,
    )
