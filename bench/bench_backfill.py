"""Wall time of a backfill of the demo capture without a scheduler (``mediamon backfill``).

    .venv/bin/python bench/bench_backfill.py [--days 7] [--quick]

Runs ``mediamon backfill --from D-N+1 --to 2024-09-08 --capture <demo>`` as a subprocess (the
whole command: start-up, capture build, replay server, migrations, every source-day) into a
scratch warehouse database (MEDIAMON_DATABASE_URL's server, else the project's embedded one)
and a scratch data folder, both removed at the end; then runs it again, when every day has
finished, to time the resume. ``--quick``: one day, no resume. Writes the rows
``{"benchmark", "metric", "value", "unit", "limit", "ratio", "target", "met"}`` to
``bench/results/backfill.json`` and prints them. Single runs on a shared machine: repeat and
compare medians before concluding.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "include" / "mediamon" / "demo" / "exclusive"
LAST = date(2024, 9, 8)  # the demo's recording day


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one day (a smoke test)")
    args = parser.parse_args()
    days = 1 if args.quick else args.days

    import psycopg2
    from mediamon.load.db import ensure_database, warehouse_url, with_database

    server_url = warehouse_url()
    scratch = Path(tempfile.mkdtemp(prefix="mediamon-bench-backfill-"))
    name = f"mediamon_bench_{uuid.uuid4().hex[:8]}"
    url = with_database(server_url, name)
    ensure_database(url)
    env = {**os.environ, "MEDIAMON_DATA_DIR": str(scratch / "var"), "MEDIAMON_DATABASE_URL": url}
    first = LAST - timedelta(days=days - 1)
    command = [
        str(Path(sys.executable).with_name("mediamon")), "backfill", "--from", str(first),
        "--to", str(LAST), "--capture", str(DEMO),
    ]  # fmt: skip
    rows = []
    try:
        for metric in ("backfill",) if args.quick else ("backfill", "resume"):
            started = time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True, text=True)
            seconds = time.perf_counter() - started
            if done.returncode not in (0, 1):  # 1: some day unreachable, as the demo's 2-5 Sep
                raise SystemExit(f"backfill failed:\n{done.stdout}\n{done.stderr}")
            print(done.stdout.strip().splitlines()[-1])  # e.g. "backfill ...: 3 loaded, ..."
            rows.append(_row(f"{metric}_{days}d_wall", seconds, "s"))
        rows.append(_row(f"backfill_{days}d_per_day", rows[0]["value"] / days, "s/source-day"))
    finally:
        conn = psycopg2.connect(with_database(url, "postgres"))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
        conn.close()
        shutil.rmtree(scratch, ignore_errors=True)
    out = ROOT / "bench" / "results" / "backfill.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))
    print(f"{'metric':<28} {'value':>9}  unit")
    for row in rows:
        print(f"{row['metric']:<28} {row['value']:>9.2f}  {row['unit']}")
    print(f"written to {out}")


def _row(metric: str, value: float, unit: str) -> dict:
    return {
        "benchmark": "backfill", "metric": metric, "value": round(value, 3), "unit": unit,
        "limit": None, "ratio": None, "target": None, "met": None,
    }  # fmt: skip


if __name__ == "__main__":
    main()
