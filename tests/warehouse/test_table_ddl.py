"""The transactional tables are declared once; every engine's DDL file is rendered from the
declarations and kept in sync (``cistrade sql render --check``)."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from click.testing import CliRunner

from cistrade_core.cli import main
from cistrade_core.config import SQL_DIR
from cistrade_core.warehouse.rowstore import KuduRowWriter, LogRowWriter
from cistrade_core.warehouse.sqltext import split_statements
from cistrade_core.warehouse.table_ddl import DUCKDB_FILES, KUDU_DDL, rendered_files
from cistrade_core.warehouse.tables import table_specs


@pytest.mark.parametrize("relative", sorted(rendered_files()))
def test_checked_in_ddl_is_rendered_from_the_declarations(relative):
    assert (SQL_DIR / relative).read_text() == rendered_files()[relative], (
        "run `cistrade sql render` after changing cistrade_core/warehouse/definitions.py")


def test_sql_render_check_fails_on_a_stale_file(tmp_path, monkeypatch):
    copy = tmp_path / "sql"
    shutil.copytree(SQL_DIR, copy)
    monkeypatch.setattr("cistrade_core.cli.sql.SQL_DIR", copy)
    assert CliRunner().invoke(main, ["sql", "render", "--check"]).exit_code == 0
    stale = copy / "impala" / "kudu_tables.sql"
    stale.write_text(stale.read_text().replace("PARTITIONS 4", "PARTITIONS 8", 1))
    result = CliRunner().invoke(main, ["sql", "render", "--check"])
    assert result.exit_code != 0 and "kudu_tables.sql" in result.output
    assert CliRunner().invoke(main, ["sql", "render"]).exit_code == 0
    assert stale.read_text() == KUDU_DDL.read_text()


def test_duckdb_tables_have_the_declared_columns_keys_and_constraints():
    con = duckdb.connect()
    for name in DUCKDB_FILES:
        con.execute((SQL_DIR / "duckdb" / name).read_text())
    for spec in table_specs().values():
        columns = con.execute(
            "SELECT column_name, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'gmp_cis' AND table_name = ? ORDER BY ordinal_position",
            [spec.name]).fetchall()
        if not spec.duckdb:
            assert columns == []
            continue
        assert [c for c, _ in columns] == [c.name for c in spec.cols]
        assert [n == "YES" for _, n in columns] == [c.nullable for c in spec.cols]
        constraints = con.execute(
            "SELECT constraint_type, constraint_column_names FROM duckdb_constraints() "
            "WHERE schema_name = 'gmp_cis' AND table_name = ?", [spec.name]).fetchall()
        key = spec.key if spec.duckdb_key is None else spec.duckdb_key
        assert [tuple(c) for t, c in constraints if t == "PRIMARY KEY"] == ([key] if key else [])
        assert {c[0] for t, c in constraints if t == "UNIQUE"} == {
            c.name for c in spec.cols if c.unique}
        assert {c[0] for t, c in constraints if t == "CHECK"} == {
            c.name for c in spec.cols if c.allowed}


def test_the_engines_run_the_rendered_ddl():
    assert KuduRowWriter().schema_statements() == split_statements(KUDU_DDL.read_text())
    row_logs = (SQL_DIR / "hive" / "row_log_tables.sql").read_text()
    assert LogRowWriter().schema_statements() == split_statements(row_logs)
