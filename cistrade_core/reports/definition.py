"""Report definitions: one YAML file per report in ``reports/``, validated on load.

A report is asked for by name; the name must be one of the registry (the
definition files in ``reports/``) before any file is opened, so a name is never
a path. Subjects and bodies are Jinja templates rendered in Jinja's
:class:`~jinja2.sandbox.SandboxedEnvironment`, so a template reaches no Python
internals. Recipients must be email addresses (:func:`check_recipients`).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import yaml
from jinja2 import ChainableUndefined, StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cistrade_core.config import DEFAULT_TIMEZONE, REPO_ROOT
from cistrade_core.errors import CoreError
from cistrade_core.recipients import (  # noqa: F401 (the report API re-exports them)
    RecipientError,
    check_address,
    check_recipients,
)

REPORTS_DIR = REPO_ROOT / "reports"
Format = Literal["csv", "xlsx", "pdf"]
Period = Literal["day", "week", "month"]
NAME_PATTERN = r"^[a-z][a-z0-9_]{2,60}$"

#: The variables a subject or body may use (see ``ReportRun.context``).
TEMPLATE_VARIABLES = ("title", "report", "as_of", "business_date", "parameters", "summary",
                      "rows", "files", "generated_at")


def template_environment() -> SandboxedEnvironment:
    """Where report subjects and bodies are parsed and rendered: sandboxed, strict."""
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


class DefinitionError(CoreError, ValueError):
    """A report definition is wrong; the message names the file and the field."""

    outcome = "INVALID"


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cron: str = Field(description="five-field cron expression")
    timezone: str = DEFAULT_TIMEZONE
    assets: list[str] = Field(default_factory=list,
                              description="also run when these Assets are updated")

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        from croniter import croniter

        if len(value.split()) != 5 or not croniter.is_valid(value):
            raise ValueError(f"{value!r} is not a five-field cron expression")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except Exception:
            raise ValueError(f"{value!r} is not an IANA timezone") from None
        return value


class ReportDefinition(BaseModel):
    """What a report file says."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    title: str
    description: str = ""
    query: str
    period: Period = "day"
    #: Which day a scheduled run reports on: the day before the run, or the run's own day.
    as_of: Literal["previous_day", "run_day"] = "previous_day"
    formats: list[Format] = Field(min_length=1)
    schedule: Schedule
    recipients: list[str] = Field(min_length=1)
    subject: str
    body: str
    tags: list[str] = Field(default_factory=list)

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        return check_recipients(value)

    @field_validator("query")
    @classmethod
    def _known_query(cls, value: str) -> str:
        from cistrade_core.reports.queries import QUERIES

        if value not in QUERIES:
            raise ValueError(f"unknown query {value!r}; known: {', '.join(sorted(QUERIES))}")
        return value

    @field_validator("subject", "body")
    @classmethod
    def _template(cls, value: str) -> str:
        try:
            template = template_environment().from_string(value)
        except TemplateSyntaxError as exc:
            raise ValueError(f"template error on line {exc.lineno}: {exc.message}") from None
        # A dry run with stand-ins for the variables: an unknown variable or an unsafe
        # attribute (the sandbox refuses ``__class__`` and the like) fails here, on load.
        try:
            template.render({k: ChainableUndefined(name=k) for k in TEMPLATE_VARIABLES})
        except SecurityError as exc:
            raise ValueError(f"template refused by the sandbox: {exc}") from None
        except UndefinedError as exc:
            raise ValueError(f"template uses an unknown variable ({exc.message}); known: "
                             f"{', '.join(TEMPLATE_VARIABLES)}") from None
        except Exception:  # noqa: BLE001 - stand-ins may not survive every filter; fine
            pass
        return value

    @property
    def recipients_variable(self) -> str:
        """The Airflow Variable that overrides the recipients per environment."""
        return f"cistrade_report_{self.name}_recipients"

    def default_as_of(self, run_day: date) -> date:
        """The report date of a run on ``run_day`` (its local date)."""
        return run_day if self.as_of == "run_day" else run_day - timedelta(days=1)

    @property
    def dag_id(self) -> str:
        return f"report_{self.name}"


def _describe(exc: ValidationError, path: Path) -> str:
    lines = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(file)"
        message = err["msg"].removeprefix("Value error, ")
        lines.append(f"{path}: field '{field}': {message}")
    return "\n".join(lines)


def load_definition(path: Path) -> ReportDefinition:
    """Read and validate one definition file; raise :class:`DefinitionError` if wrong."""
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DefinitionError(f"{path}:{where} not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise DefinitionError(f"{path}: expected a mapping of report fields")
    try:
        definition = ReportDefinition.model_validate(raw)
    except ValidationError as exc:
        raise DefinitionError(_describe(exc, path)) from None
    if definition.name != path.stem:
        raise DefinitionError(f"{path}: field 'name': must equal the file name "
                              f"{path.stem!r}, not {definition.name!r}")
    return definition


def load_all(folder: Path = REPORTS_DIR) -> dict[str, ReportDefinition]:
    """Every ``*.yaml`` definition in ``folder``, by name."""
    found = {}
    for path in sorted(folder.glob("*.yaml")):
        definition = load_definition(path)
        found[definition.name] = definition
    return found


def registry(folder: Path = REPORTS_DIR) -> dict[str, Path]:
    """The report names of ``folder`` (its regular ``*.yaml`` files) and their files."""
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))
            if p.is_file() and not p.is_symlink() and re.fullmatch(NAME_PATTERN, p.stem)}


def get_definition(name: str, folder: Path = REPORTS_DIR) -> ReportDefinition:
    """The definition of report ``name``, which must be a name of the registry.

    The name is looked up among the definition files' names; it is never joined to a
    path, so ``../../etc/x`` or an absolute path opens nothing.
    """
    known = registry(folder)
    if not isinstance(name, str) or name not in known:
        shown = repr(name[:80]) if isinstance(name, str) else repr(name)
        raise DefinitionError(f"no report {shown}; expected one of: {', '.join(known)}")
    return load_definition(known[name])
