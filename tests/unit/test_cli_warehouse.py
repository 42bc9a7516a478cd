"""The warehouse commands of the CLI on a real PostgreSQL: read commands bring an older
warehouse's schema up to date instead of failing on a missing table, and `db psql` passes
its further arguments to psql."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from mediamon.cli import main

BIN = Path(sys.executable).parent


def test_coverage_and_summary_on_a_warehouse_never_migrated(blank_database, monkeypatch, capsys):
    monkeypatch.setenv("MEDIAMON_DATABASE_URL", blank_database)
    assert main(["coverage", "--from", "2024-09-05", "--to", "2024-09-08"]) == 0
    assert "(no coverage recorded for these days)" in capsys.readouterr().out
    assert main(["summary", "--date", "2024-09-08"]) == 0
    assert "(no source has data for this day)" in capsys.readouterr().out
    with psycopg2.connect(blank_database) as conn, conn.cursor() as cur:
        cur.execute("select to_regclass('source_day_coverage') is not null")
        assert cur.fetchone()[0]
    conn.close()


def test_only_psql_takes_arguments_of_its_own(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["summary", "--date", "2024-09-08", "-c", "select 1"])
    assert exited.value.code == 2
    assert "unrecognized arguments: -c select 1" in capsys.readouterr().err


def test_db_psql_passes_its_arguments_to_psql(warehouse):
    done = subprocess.run(
        [str(BIN / "mediamon"), "db", "psql", "-At", "-c", "select 40 + 2"],
        env={**os.environ, "MEDIAMON_DATABASE_URL": warehouse},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "42"
