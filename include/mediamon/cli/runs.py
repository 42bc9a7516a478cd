"""Commands that run the daily chain: ``run`` (through Airflow's ``dag.test()``), ``backfill``
and ``reparse`` (without a scheduler), and ``up``/``down``/``env`` for Airflow's services."""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from mediamon.cli.common import day_or_today, known_sources, print_summary, replay
from mediamon.cli.usage import count, existing_path, local_day
from mediamon.config import DAILY_DAG_ID, data_dir, load_sources, registry_path
from mediamon.load.db import connect, warehouse_url
from mediamon.window import day_range


def add_commands(sub) -> None:
    """Add this module's commands to the ``mediamon`` subparsers ``sub``."""
    run = sub.add_parser("run", help=f"run {DAILY_DAG_ID} for one local day and print a summary")
    where = run.add_mutually_exclusive_group()
    where.add_argument(
        "--capture",
        type=existing_path,
        default=None,
        help="folder of saved pages or a WARC to replay (default: the demo)",
    )
    where.add_argument(
        "--live", action="store_true", help="fetch the live sites of the registry (needs internet)"
    )
    run.add_argument(
        "--date", type=local_day, default=None, help="local day, YYYY-MM-DD (default: today)"
    )
    run.add_argument("-v", "--verbose", action="store_true", help="print Airflow's whole log")
    run.set_defaults(func=cmd_run)

    back = sub.add_parser(
        "backfill", help="run the daily chain over a range of local days, without a scheduler"
    )
    back.add_argument(
        "--from",
        dest="first",
        required=True,
        type=local_day,
        help="first local day, YYYY-MM-DD",
    )
    back.add_argument(
        "--to",
        dest="last",
        required=True,
        type=local_day,
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
        type=existing_path,
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
    rep.add_argument("--from", dest="first", required=True, type=local_day, help="first local day")
    rep.add_argument(
        "--to", dest="last", required=True, type=local_day, help="last local day, included"
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
    sub.add_parser("env", help="print shell exports for the airflow CLI").set_defaults(func=cmd_env)

    up = sub.add_parser("up", help="start Airflow's services in the background (make up)")
    up.add_argument(
        "--port", type=count(1, 65535), default=int(os.environ.get("AIRFLOW_PORT") or 8080)
    )
    up_where = up.add_mutually_exclusive_group()
    up_where.add_argument(
        "--capture", type=existing_path, default=None, help="replay this (default demo)"
    )
    up_where.add_argument("--live", action="store_true", help="fetch the live sites")
    up.add_argument("--paused", action="store_true", help="do not unpause the DAGs")
    up.add_argument(
        "--executor", choices=("local", "celery"), default="local",
        help="local: the scheduler runs tasks; celery: two workers, queues fetch and default",
    )  # fmt: skip
    up.set_defaults(func=cmd_up)
    sub.add_parser("down", help="stop what `up` started").set_defaults(func=cmd_down)


def cmd_run(args) -> int:
    """Exit 0 when the run succeeded, 1 when it failed or another run of the day holds the
    lock (:func:`mediamon.devtools.runner.run_lock`)."""
    from mediamon.devtools import runner

    day = day_or_today(args.date)
    if args.live:  # the registry in force, before Airflow starts (a capture's: start_replay)
        load_sources()
    try:
        with runner.run_lock(day):
            # the capture's registry is checked (replay) before the warehouse or Airflow starts
            server = None if args.live else replay(args.capture or runner.DEMO_CAPTURE)
            try:
                os.environ.update(runner.airflow_env())
                log = runner.run_log(day)
                print(
                    f"{DAILY_DAG_ID} {day}: "
                    + ("Airflow's log follows" if args.verbose else f"full log in {log}")
                )
                state = runner.run_quietly(day, verbose=args.verbose)
            finally:
                if server:
                    server.stop()
    except runner.RunInProgress as exc:
        print(f"mediamon run: {exc}; wait for it, or stop that process", file=sys.stderr)
        return 1
    if state != "not started":
        print_summary(day)
    if state != "success" and not args.verbose:
        print("\n".join(runner.log_errors(log)))
    print(f"{DAILY_DAG_ID} {day}: {state}" + ("" if args.verbose else f" (log: {log})"))
    return 0 if state == "success" else 1


def cmd_backfill(args) -> int:
    """Exit 0 when every source-day loaded (or had finished before), 1 otherwise."""
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    from mediamon.backfill import backfill, backfill_days, exit_code

    logging.getLogger("mediamon").setLevel(logging.WARNING)  # the bar shows progress
    if not args.capture:  # the registry and the ids, before the warehouse starts
        known_sources(args.sources)
    server = replay(args.capture) if args.capture else None  # (checks the capture's)
    try:
        sources = known_sources(args.sources)
        os.environ["MEDIAMON_DATABASE_URL"] = url = warehouse_url()
        total = len(backfill_days(args.first, args.last)) * len(sources)
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
        raw = data_dir() / "raw"
        stored = sorted(p.name for p in raw.iterdir() if p.is_dir()) if raw.is_dir() else []
        named = ", ".join(sources) if len(sources) <= 5 else f"the {len(sources)} sources asked"
        print(
            f"reparse {first}..{last}: nothing to re-parse: no source-day of {named} has a "
            f"capture in the raw store ({raw}; it holds {', '.join(stored) or 'nothing'}: "
            f"--source, or MEDIAMON_SOURCES for the registry they came from)"
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


def cmd_env(args) -> None:
    from mediamon.devtools.runner import airflow_env

    for key, value in airflow_env().items():
        print(f"export {key}='{value}'")


def cmd_up(args) -> int:
    from mediamon.devtools.stack import StackError, up

    try:
        stack = up(
            port=args.port, capture=args.capture, live=args.live, unpause=not args.paused,
            executor=args.executor,
        )  # fmt: skip
    except StackError as exc:
        print(f"mediamon up: {exc}", file=sys.stderr)
        return 1
    print(f"Airflow UI:       {stack.url}   (monitoring page: {stack.url}/mediamon/)")
    print(f"log in as admin:  the password is in {stack.password_file}")
    print("                  (cat it; the simple auth manager generated it on first start)")
    print(f"fetching from:    {stack.replay_url or 'the live sites of the registry'}")
    print(f"DAGs:             {'paused' if args.paused else 'unpaused'}")
    print(f"executor:         {stack.executor}")
    for worker in stack.workers:
        print(f"celery worker:    {worker}")
    print(f"logs and pids:    {stack.directory}   (stop everything: make down)")
    return 0


def cmd_down(args) -> None:
    from mediamon.devtools.stack import down

    if not down():
        print("nothing to stop")
