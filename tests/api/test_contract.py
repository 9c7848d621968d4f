"""Schemathesis against the live server: no 5xx, every response as documented.

Bounded: a fixed seed, a few examples per operation, one worker, a time budget.
The caller holds every permission so each route gets past authorisation;
``logout`` is left out (it would end the caller's own session).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,response_headers_conformance,negative_data_rejection,"
          "missing_required_header,ignored_auth")


@pytest.fixture(scope="module")
def api_data(core_seed):
    def add(warehouse):
        from cistrade_core.acl import AclAdmin, SystemActor

        admin = AclAdmin(warehouse, SystemActor("test-setup"))
        admin.create_group("Everything", "every permission")
        for resource in ("cis-portfolio", "cis-udf", "cis-audit", "cis-acl"):
            admin.grant("Everything", resource, "READ_WRITE")
        admin.grant("Everything", "cis-portfolio-approval", "WRITE")
        for resource in ("cis-gmp", "cis-fx"):   # reference data, business days, FX
            admin.grant("Everything", resource, "READ")
        admin.create_user("fuzzer", "Fuzz Tester", "fuzzer@example.com",
                          core_seed.passwords["maker1"], ["Everything"])
    return add


def test_schemathesis_finds_no_server_error_and_no_undocumented_response(live_api):
    live_api.passwords["fuzzer"] = live_api.passwords["maker1"]
    token = live_api.token("fuzzer")
    result = subprocess.run(
        [SCHEMATHESIS, "run", f"{live_api.url}/api/v1/openapi.json", "--checks", CHECKS,
         "--max-examples", "6", "--seed", "1", "--workers", "1", "--max-time", "30",
         "--phases", "examples,coverage,fuzzing", "--exclude-operation-id", "logout",
         "--request-timeout", "30", "--no-color",
         "-H", f"Authorization: Bearer {token}"],
        capture_output=True, text=True, timeout=240, cwd=live_api.home)  # its cache goes there
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-6000:]
    assert "passed" in out
