"""Export: peak memory and speed of ``mediamon export`` at 20,000 and 200,000 articles (issue 17,
item 3: streamed, memory flat in the range's size).

    .venv/bin/python bench/bench_export.py [--per-day N] [--days D] [--quick]

A scratch warehouse gets D local days of N synthetic articles each (one ``article`` fetch per
article, bodies of about 2,200 characters, two authors, every timestamp set), inserted with SQL.
Each export runs in a fresh Python process (as a DAG task or the CLI does) and reports its own
peak resident set size (``VmHWM``): :func:`mediamon.export.export_table` over the first day
(N rows) and over all D days (N x D rows), in parquet, csv and jsonl, to a file, in batches of
:data:`mediamon.export.BATCH_ROWS` rows (50 with --quick). "floor" is a
process that imports what an export imports and connects. Target: at N x D rows the peak is
at most 25 % above the peak at N rows (ratio = large / small). Writes bench/results/export.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, row, save, scratch_database  # noqa: E402
from mediamon.export import BATCH_ROWS  # noqa: E402

FIRST = date(2024, 9, 1)
FORMATS = ("parquet", "csv", "jsonl")


def seed(url: str, per_day: int, days: int) -> None:
    """``days`` days of ``per_day`` articles of source ``bench``, each with its article fetch."""
    import psycopg2

    n = per_day * days
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute(
            "insert into sources values ('bench', 'Bench', 'https://bench.kz.example/', "
            "'{ru}', 'Asia/Almaty', 2010)"
        )
        params = {"n": n, "per_day": per_day, "first": FIRST}
        cur.execute(
            """
            insert into fetches (source_id, day, url, kind, status, bytes, sha256, content_type,
                                 fetched_at, warc_path, warc_offset, elapsed_ms)
            select 'bench', %(first)s + i / %(per_day)s, 'https://bench.kz.example/news/' || i,
                   'article', 200, 9000, md5(i::text), 'text/html',
                   %(first)s + i / %(per_day)s + time '05:00' + i * interval '1 ms',
                   'raw/bench.warc.gz', i, 12
            from generate_series(0, %(n)s - 1) i
            """,
            params,
        )
        cur.execute(
            """
            insert into articles (canonical_url, url, source_id, title, title_source, authors,
                authors_status, authors_source, published_at, published_day, date_source,
                modified_at, section, language, body_text, parser_version, first_seen,
                last_seen, byline_kind, title_language, encoding, parse_warnings)
            select u, u, 'bench', 'Акимат города объявил начало ремонта дорог ' || i, 'jsonld',
                   array['Айгуль Сапарова', 'Ерлан ' || i], 'present', 'jsonld',
                   %(first)s + i / %(per_day)s + time '03:00', %(first)s + i / %(per_day)s,
                   'jsonld', %(first)s + i / %(per_day)s + time '04:00', 'Общество', 'ru',
                   repeat('акимат города объявил начало ремонта дорог ', 50) || md5(i::text),
                   'bench', %(first)s + i / %(per_day)s + time '05:00',
                   %(first)s + i / %(per_day)s + time '05:00', 'person', 'ru', 'utf-8',
                   array['bench']
            from generate_series(0, %(n)s - 1) i,
                 lateral (select 'https://bench.kz.example/news/' || i as u) x
            """,
            params,
        )
    conn.commit()
    with conn.cursor() as cur:
        conn.autocommit = True
        cur.execute("vacuum analyze fetches, articles")
    conn.close()


def child(fmt: str, last: str, out: str, batch_rows: str) -> None:
    """Run one export (or only its imports and a connection: fmt ``floor``) in this process and
    print ``{"rss_mb", "seconds", "rows"}``."""
    import psycopg2
    from mediamon.export import export_table

    conn = psycopg2.connect(os.environ["MEDIAMON_DATABASE_URL"])
    t = time.perf_counter()
    rows = 0
    if fmt != "floor":
        rows = export_table(conn, "articles", FIRST, date.fromisoformat(last), Path(out), fmt=fmt)
    seconds = time.perf_counter() - t
    conn.close()
    print(json.dumps({"rss_mb": peak_rss_mb(), "seconds": seconds, "rows": rows}))


def run_child(fmt: str, last: date, out: Path, url: str, batch_rows: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", fmt, last.isoformat(), str(out), str(batch_rows)],
        env={**os.environ, "MEDIAMON_DATABASE_URL": url}, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"export {fmt} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-day", type=int, default=20000)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="tiny input (smoke test)")
    parser.add_argument(
        "--child", nargs=4, metavar=("FORMAT", "LAST", "OUT", "BATCH"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    per_day, days = (200, 10) if args.quick else (args.per_day, args.days)
    # --quick: batches of 50 rows, so that the tiny ranges still span several batches
    batch_rows = 50 if args.quick else BATCH_ROWS
    small, large = per_day, per_day * days
    last = {small: FIRST, large: FIRST + timedelta(days=days - 1)}
    rows = []
    with scratch_database("mediamon_bench_export") as url, tempfile.TemporaryDirectory() as tmp:
        seed(url, per_day, days)
        floor = run_child("floor", FIRST, Path(tmp) / "none", url, batch_rows)
        rows.append(row("export", "floor (imports + connection)", floor["rss_mb"], "MiB"))
        for fmt in FORMATS:
            peaks = {}
            for size in (small, large):
                out = Path(tmp) / f"{size}.{fmt}"
                got = run_child(fmt, last[size], out, url, batch_rows)
                assert got["rows"] == size, got
                peaks[size] = got["rss_mb"]
                rows.append(row("export", f"{fmt}, {size} rows: peak RSS", got["rss_mb"], "MiB"))
                rows.append(row(
                    "export", f"{fmt}, {size} rows: speed", size / got["seconds"], "rows/s"
                ))  # fmt: skip
                if size == large:
                    mib = out.stat().st_size / 2**20
                    rows.append(row("export", f"{fmt}, {size} rows: file size", mib, "MiB"))
                out.unlink()
            ratio = peaks[large] / peaks[small]
            rows.append(row(
                "export", f"{fmt}: peak RSS at {large} vs {small} rows", peaks[large], "MiB",
                limit=peaks[small], ratio=ratio, target="ratio <= 1.25", met=ratio <= 1.25,
            ))  # fmt: skip
    save("export", rows, quick=args.quick)


if __name__ == "__main__":
    main()
