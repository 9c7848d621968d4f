"""Build a report's files, archive them, and mail them to its recipients."""

from __future__ import annotations

import json
import logging
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cistrade_core.clock import utcnow
from cistrade_core.config import Settings, get_settings
from cistrade_core.notify import About, AttachedFile, Delivery, Mail, Notifier
from cistrade_core.reports.data import ReportData
from cistrade_core.reports.definition import (
    DefinitionError,
    ReportDefinition,
    check_recipients,
    template_environment,
)
from cistrade_core.reports.queries import QUERIES, ReportParams
from cistrade_core.reports.to_csv import write_csv
from cistrade_core.reports.to_pdf import write_pdf
from cistrade_core.reports.to_xlsx import write_xlsx
from cistrade_core.schema import ensure_core_schema
from cistrade_core.warehouse import Warehouse, get_warehouse

log = logging.getLogger(__name__)

#: Mail larger than this (bytes of attachments) carries the files zipped.
DEFAULT_MAX_EMAIL_BYTES = 10 * 1024 * 1024
_MIME = {"csv": "text/csv", "pdf": "application/pdf", "zip": "application/zip",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass
class ReportRun:
    definition: ReportDefinition
    as_of: date
    data: ReportData
    folder: Path
    files: list[Path] = field(default_factory=list)
    generated_at: datetime = field(default_factory=utcnow)
    row_count: int | None = None

    def __post_init__(self) -> None:
        if self.row_count is None:
            self.row_count = len(self.data.rows)

    @property
    def context(self) -> dict:
        return {"title": self.definition.title, "report": self.definition.name,
                "as_of": self.as_of.isoformat(), "business_date": self.as_of.isoformat(),
                "parameters": self.data.parameters, "summary": self.data.summary,
                "rows": self.row_count, "files": [p.name for p in self.files],
                "generated_at": f"{self.generated_at:%Y-%m-%d %H:%M} UTC"}

    def render(self, template: str) -> str:
        """``template`` (a subject or body of the definition) rendered in the sandbox.

        Raises :class:`DefinitionError` when the sandbox refuses it.
        """
        from jinja2 import TemplateError

        try:
            return template_environment().from_string(template).render(self.context)
        except TemplateError as exc:
            raise DefinitionError(f"report {self.definition.name}: template refused: "
                                  f"{type(exc).__name__}: {exc}") from None


RUNS = "cis_report_run"


def _record_run(warehouse: Warehouse, **row: Any) -> None:
    """Add a row to ``cis_report_run`` (upgrading an old warehouse first); ``recorded_at`` now."""
    ensure_core_schema(warehouse)
    warehouse.insert(RUNS, [{**row, "recorded_at": utcnow()}])


def build_report(definition: ReportDefinition, as_of: date, *,
                 formats: Sequence[str] | None = None, out: Path | None = None,
                 settings: Settings | None = None, warehouse: Warehouse | None = None,
                 recipients: Sequence[str] | None = None) -> ReportRun:
    """Run the report's query and write each format into its archive folder.

    ``recipients``, when given (the addresses it will be mailed to), are checked first:
    a :class:`RecipientError` is raised before anything is queried or written.
    """
    if recipients is not None:
        check_recipients(list(recipients))
    settings = settings or get_settings()
    warehouse = warehouse or get_warehouse(settings)
    formats = list(formats or definition.formats)
    unknown = sorted(set(formats) - {"csv", "xlsx", "pdf"})
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(unknown)}; choose from csv, xlsx, pdf")
    params = ReportParams.for_period(as_of, definition.period)
    data = QUERIES[definition.query](warehouse, params)
    folder = out or settings.home / "reports" / definition.name / as_of.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    run = ReportRun(definition, as_of, data, folder)
    stem = f"{definition.name}_{as_of:%Y%m%d}"
    for fmt in formats:
        target = folder / f"{stem}.{fmt}"
        tmp = folder / f".{stem}.{fmt}.tmp"
        if fmt == "csv":
            write_csv(data, tmp)
        elif fmt == "xlsx":
            write_xlsx(data, tmp, definition.title, run.generated_at)
        else:
            write_pdf(data, tmp, definition.title, run.generated_at)
        tmp.replace(target)
        run.files.append(target)
    (folder / "run.json").write_text(json.dumps({
        "parameters": data.parameters, "summary": data.summary, "rows": len(data.rows),
        "generated_at": run.generated_at.isoformat(), "files": [p.name for p in run.files],
    }, indent=2, default=str))
    _record_run(warehouse, report=definition.name, as_of=as_of, formats=",".join(formats),
                folder=str(folder), row_count=len(data.rows))
    log.info("report %s %s: %d rows -> %s", definition.name, as_of, len(data.rows), folder)
    return run


def attachments_for(files: Sequence[Path], max_bytes: int) -> tuple[list[AttachedFile], bool]:
    """The files as attachments, or one zip of them (written beside them) when they are
    larger than ``max_bytes``."""
    if sum(p.stat().st_size for p in files) <= max_bytes:
        return [AttachedFile(p, _MIME[p.suffix.lstrip(".")]) for p in files], False
    target = files[0].with_name(files[0].name.rsplit(".", 1)[0] + ".zip")
    tmp = target.with_name(f".{target.name}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in files:
            zf.write(p, p.name)
    tmp.replace(target)
    return [AttachedFile(target, _MIME["zip"])], True


def deliver(run: ReportRun, recipients: Sequence[str], *, settings: Settings | None = None,
            warehouse: Warehouse | None = None, max_bytes: int | None = None,
            dedupe_key: str | None = None) -> Delivery:
    """Mail the run's files through the mail outbox; every attempt is recorded in
    ``cis_report_run``.

    A failed send stays in the outbox (``FAILED``) and is sent by a later retry. With
    ``dedupe_key`` (the DAG passes its run's) the mail is recorded once: delivering
    again sends that mail if it is still waiting, and never sends it twice. Every
    recipient must be an email address (:class:`RecipientError` otherwise, before any
    mail is made).
    """
    recipients = check_recipients(list(recipients))
    settings = settings or get_settings()
    warehouse = warehouse or get_warehouse(settings)
    if max_bytes is None:
        max_bytes = int(os.environ.get("CISTRADE_REPORT_MAX_EMAIL_BYTES", DEFAULT_MAX_EMAIL_BYTES))
    attachments, zipped = attachments_for(run.files, max_bytes)
    name = run.definition.name
    mail = Mail(
        f"report.{name}", run.render(run.definition.subject), run.render(run.definition.body),
        tuple(recipients), dedupe_key=dedupe_key, attachments=tuple(attachments),
        about=About(report=name, business_date=run.as_of),
        headers={"X-CisTrade-Report": name, "X-CisTrade-As-Of": run.as_of.isoformat()},
    )
    result = Notifier(settings).send(warehouse, mail)
    _record_run(warehouse, report=name, as_of=run.as_of,
                formats=",".join(p.suffix.lstrip(".") for p in run.files),
                folder=str(run.folder), row_count=run.row_count,
                recipients=", ".join(recipients), sent=result.sent, zipped=zipped,
                error=result.error)
    if not result.sent:
        log.error("report %s %s not mailed (mail %s kept in the outbox for retry): %s",
                  name, run.as_of, result.mail_id, result.error)
    return result


def load_run(definition: ReportDefinition, as_of: date, folder: Path) -> ReportRun:
    """A run read back from its archive folder (to deliver it in a later step or retry)."""
    meta_path = folder / "run.json"
    if not meta_path.exists():
        raise FileNotFoundError(f"no report run in {folder} (run.json missing)")
    meta = json.loads(meta_path.read_text())
    data = ReportData([], [], meta["parameters"], meta["summary"])
    run = ReportRun(definition, as_of, data, folder, [folder / f for f in meta["files"]],
                    datetime.fromisoformat(meta["generated_at"]))
    run.row_count = meta["rows"]
    return run
