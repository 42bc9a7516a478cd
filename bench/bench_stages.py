"""Time each stage of the daily chain over a capture, without Airflow.

    .venv/bin/python bench/bench_stages.py [CAPTURE] [--date YYYY-MM-DD]

CAPTURE defaults to ../shared/fixtures/real (else the demo). The capture is replayed on
loopback; every source of its registry goes through fetch → parse → validate → load into a
scratch warehouse database (MEDIAMON_DATABASE_URL's server, else the project's embedded one),
dropped at the end with the scratch folder. Prints wall seconds per stage and pages per
second. Figures are single runs on a shared machine: repeat and compare medians before drawing
conclusions.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import default_capture  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("capture", nargs="?", type=Path, default=default_capture())
    parser.add_argument("--date", default="2024-09-08")
    args = parser.parse_args()

    import psycopg2
    from mediamon import pipeline
    from mediamon.fetch.capture import build_capture
    from mediamon.fetch.replay import ReplayServer
    from mediamon.load.db import ensure_database, warehouse_url, with_database
    from mediamon.load.schema import upgrade

    # the server first (the project's embedded one unless MEDIAMON_DATABASE_URL is set), then
    # a scratch data folder for captures and batches, removed at the end
    server_url = warehouse_url()
    scratch = Path(tempfile.mkdtemp(prefix="mediamon-bench-"))
    os.environ["MEDIAMON_DATA_DIR"] = str(scratch / "var")
    name = f"mediamon_bench_{uuid.uuid4().hex[:8]}"
    url = with_database(server_url, name)
    ensure_database(url)
    upgrade(url)

    seconds: dict[str, float] = defaultdict(float)
    t = time.perf_counter()
    warc = build_capture(args.capture, scratch / "capture")
    seconds["build capture"] = time.perf_counter() - t
    server = ReplayServer(warc).start()
    os.environ["MEDIAMON_REPLAY"] = server.url
    os.environ["MEDIAMON_SOURCES"] = str(scratch / "capture" / "sources.yaml")
    from mediamon.config import load_sources

    sources = list(load_sources())
    pages = 0
    conn = psycopg2.connect(url)
    try:
        for sid in sources:
            t = time.perf_counter()
            capture = pipeline.fetch_stage(sid, args.date)
            seconds["fetch"] += time.perf_counter() - t
            t = time.perf_counter()
            batch = pipeline.parse_stage(sid, args.date, capture)
            seconds["parse"] += time.perf_counter() - t
            t = time.perf_counter()
            validated = pipeline.validate_stage(sid, args.date, batch)
            seconds["validate"] += time.perf_counter() - t
            t = time.perf_counter()
            written = pipeline.load_stage(sid, args.date, validated, conn)
            seconds["load"] += time.perf_counter() - t
            pages += written["fetches"]
    finally:
        conn.close()
        server.stop()
        admin = psycopg2.connect(with_database(server_url, "postgres"))
        admin.autocommit = True
        admin.cursor().execute(f'drop database "{name}" with (force)')
        admin.close()
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"capture {args.capture}: {len(sources)} sources, {pages} HTTP exchanges")
    for stage, value in seconds.items():
        rate = f"{pages / value:8.1f} exchanges/s" if stage != "build capture" else ""
        print(f"{stage:14s} {value:7.2f} s  {rate}")
    print(f"{'total':14s} {sum(seconds.values()):7.2f} s")


if __name__ == "__main__":
    main()
