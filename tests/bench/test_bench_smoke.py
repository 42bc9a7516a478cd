"""Every benchmark runs on a tiny input (--quick) and writes well-formed result rows.

No timing is asserted: the figures are for `make bench`, not for tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from support import REAL_FIXTURES, ROOT

BENCH = ROOT / "bench"
SCRIPTS = sorted(p for p in BENCH.glob("bench_*.py") if "--quick" in p.read_text("utf-8"))
ROW_KEYS = {"benchmark", "metric", "value", "unit", "limit", "ratio", "target", "met"}
# these measure against the gold rows of ../shared/fixtures/real and have no fallback input
NEEDS_REAL_FIXTURES = {"bench_duplicates", "bench_extraction"}
# these read a local copy of another project named by an environment variable
NEEDS_ENV = {"bench_fundus": "MEDIAMON_FUNDUS"}
# these start Airflow stacks: minutes even at --quick (run by `make bench`, not by the tests)
TOO_SLOW = {"bench_executors": "starts two Airflow stacks (scheduler, workers): minutes"}

PARAMS = [  # skipped by mark: no fixture (the Airflow database) is set up for them
    pytest.param(p, id=p.stem, marks=[pytest.mark.skip(reason=f"{p.name}: {TOO_SLOW[p.stem]}")])
    if p.stem in TOO_SLOW else pytest.param(p, id=p.stem)
    for p in SCRIPTS
]  # fmt: skip


@pytest.mark.parametrize("script", PARAMS)
def test_bench_runs_quick_and_writes_rows(script, airflow_db, tmp_path):
    if script.stem in NEEDS_REAL_FIXTURES and not (REAL_FIXTURES / "MANIFEST.tsv").is_file():
        pytest.skip(f"{script.name} needs the real fixtures: none at {REAL_FIXTURES}")
    env = NEEDS_ENV.get(script.stem)
    if env and not (os.environ.get(env) and os.path.isdir(os.environ[env])):
        pytest.skip(f"{script.name} needs {env} (a local copy of its data): unset or absent")
    before = {p: p.stat().st_mtime for p in (BENCH / "results").glob("*.quick.json")}
    done = subprocess.run(
        [sys.executable, str(script), "--quick"], capture_output=True, text=True, cwd=tmp_path,
        timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    written = [
        p for p in (BENCH / "results").glob("*.quick.json")
        if p not in before or p.stat().st_mtime > before[p]
    ]  # fmt: skip
    assert len(written) == 1, written
    rows = json.loads(written[0].read_text("utf-8"))
    assert rows and all(set(r) == ROW_KEYS for r in rows)
    assert all(isinstance(r["value"], float | int) for r in rows)
    assert all(r["met"] in (True, False, None) for r in rows)


def test_report_prints_one_table_of_every_result_file():
    done = subprocess.run(
        [sys.executable, str(BENCH / "report.py"), "--quick"], capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    if done.returncode == 1 and "no results" in done.stderr:
        pytest.skip("no quick results yet (the smoke runs above write them)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split()[:4] == ["benchmark", "metric", "value", "unit"]
    assert "targets met:" in done.stdout
