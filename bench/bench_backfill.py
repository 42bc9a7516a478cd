"""Wall time of a backfill of the demo capture without a scheduler (``mediamon backfill``).

    .venv/bin/python bench/bench_backfill.py [--days 7] [--quick]

Runs ``mediamon backfill --from D-N+1 --to 2024-09-08 --capture <demo>`` as a subprocess (the
whole command: start-up, capture build, replay server, migrations, every source-day) into a
scratch warehouse database (:func:`_common.scratch_database`)
and a scratch data folder, both removed at the end; then runs it again, when every day has
finished, to time the resume. ``--quick``: one day, no resume. Writes its rows to
``bench/results/backfill.json`` (``backfill.quick.json`` with --quick) and prints them.
Single runs on a shared machine: repeat and compare medians before concluding.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, row, save, scratch_database  # noqa: E402

DEMO = ROOT / "include" / "mediamon" / "demo" / "exclusive"
LAST = date(2024, 9, 8)  # the demo's recording day


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one day (a smoke test)")
    args = parser.parse_args()
    days = 1 if args.quick else args.days
    first = LAST - timedelta(days=days - 1)
    command = [
        str(Path(sys.executable).with_name("mediamon")), "backfill", "--from", str(first),
        "--to", str(LAST), "--capture", str(DEMO),
    ]  # fmt: skip
    rows = []
    scratch = Path(tempfile.mkdtemp(prefix="mediamon-bench-backfill-"))
    try:
        with scratch_database("mediamon_bench_backfill") as url:
            env = {
                **os.environ, "MEDIAMON_DATA_DIR": str(scratch / "var"),
                "MEDIAMON_DATABASE_URL": url,
            }  # fmt: skip
            for metric in ("backfill",) if args.quick else ("backfill", "resume"):
                started = time.perf_counter()
                done = subprocess.run(command, env=env, capture_output=True, text=True)
                seconds = time.perf_counter() - started
                if done.returncode not in (0, 1):  # 1: some day unreachable (the demo's 2-5 Sep)
                    raise SystemExit(f"backfill failed:\n{done.stdout}\n{done.stderr}")
                print(done.stdout.strip() or done.stderr.strip()[-2000:])
                rows.append(row("backfill", f"{metric}_{days}d_wall", seconds, "s"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rows.append(row("backfill", f"backfill_{days}d_per_day", rows[0]["value"] / days, "s/day"))
    save("backfill", rows, quick=args.quick)


if __name__ == "__main__":
    main()
