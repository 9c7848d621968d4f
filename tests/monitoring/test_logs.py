"""JSON log lines for the ELK stack: stable fields, the work's context, never a secret."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from types import SimpleNamespace

import pytest

from cistrade_core import logs


@pytest.fixture
def lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    handler.setFormatter(logs.json_formatter())
    logger = logging.getLogger("cistrade_core.test_logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, lambda: [json.loads(x) for x in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_a_line_has_the_stable_fields_and_the_bound_context(lines):
    log, read = lines
    with logs.log_context(feed="currency", business_date="2026-11-27"):
        with logs.log_context(run_id="fx-1"):
            log.info("loaded %d rows", 178)
        log.warning("no context added here")
    log.info("outside")
    first, second, third = read()
    assert first["message"] == "loaded 178 rows" and first["level"] == "INFO"
    assert first["logger"] == "cistrade_core.test_logs"
    assert first["timestamp"].endswith("+00:00")
    assert (first["feed"], first["business_date"], first["run_id"]) == (
        "currency", "2026-11-27", "fx-1")
    assert "run_id" not in second and second["feed"] == "currency"
    assert "feed" not in third


def test_secrets_are_dropped_and_tracebacks_kept(lines):
    log, read = lines
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("failed", extra={"password": "hunter2", "api_key": "k", "token": "t",
                                       "detail": "kept"})
    (line,) = read()
    assert "hunter2" not in json.dumps(line)
    assert line["detail"] == "kept" and "RuntimeError: boom" in line["exc_info"]


def test_bind_args_takes_the_context_from_arguments(lines):
    log, read = lines

    @logs.bind_args(provider="provider", run_id="report.run_id")
    def call(provider, report):
        log.info("called")

    call("reuters", SimpleNamespace(run_id="fx-42"))
    assert read()[0]["provider"] == "reuters"
    assert read()[0]["run_id"] == "fx-42"


def test_unknown_context_fields_are_refused():
    with pytest.raises(ValueError, match="unknown log context fields \\['password'\\]"):
        with logs.log_context(password="x"):
            pass


def test_a_wrong_log_format_is_a_usage_error():
    done = subprocess.run([sys.executable, "-m", "cistrade_core.cli", "sql", "--help"],
                          env={"CISTRADE_LOG_FORMAT": "xml", "PATH": ""},
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "CISTRADE_LOG_FORMAT must be one of text, json, not 'xml'" in done.stderr
