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
                [--executor local|celery]                           (celery: 2 workers on Redis)
    mediamon down                                                  stop what `up` started
    mediamon capture build SRC OUT                                 a capture from saved pages
    mediamon capture serve CAPTURE [--port N] [--latency-ms MS]    a replay server on loopback
    mediamon capture synth --articles N [--days D] [--hosts H] [--end YYYY-MM-DD] OUT
                                                                   a synthetic many-outlet capture
    mediamon parse-article PATH [--url U] [--fetched-at T] [--source ID] [--content-type V]
                                                                   one page as JSON
    mediamon parse-feed PATH [--url U] [--source ID]               one feed's items as JSON
    mediamon parse-listing PATH [--source ID] [--url U] [--list L] one listing page as JSON
                                   (no --source: --url's site, headline blocks found unaided)
    mediamon search "QUERY" [--from D1 --to D2 --source ID --language L --limit N]
                                                                   full-text search, ranked
    mediamon export --from D1 --to D2 --format csv|jsonl|parquet [--table T] [--out PATH]
                                                                   articles, headlines, stories,
                                                                   mentions
    mediamon revisions URL [--diff A B]                            an article's versions, a diff
    mediamon sources check [--source ID]...                        validate the registry, a row
                                                                   per source (offline)
    mediamon sources check --live | --capture PATH [--source ID]...
                             fetch each source's lists and a sample article, a row per source,
                             stored in source_checks (exit 1 unless every source passed)
    mediamon sources add URL [--capture PATH] [--registry FILE] [--id ID] [--dry-run]
                                   an outlet's feeds, sitemaps, headline lists, languages and
                                   zone found from its homepage, written as a registry entry

A usage error (a malformed date, a reversed range, an unknown source id, a missing path) is one
line on stderr and exit 2; so is a malformed registry, one line per problem naming the file,
the source and the field, checked before anything starts.

``run`` prepares everything a fresh machine lacks: the embedded PostgreSQL (unless
``MEDIAMON_DATABASE_URL`` is set), Airflow's metadata database beside it (``airflow db
migrate``), the capture and its replay server, then runs ``mediamon_daily`` through
``dag.test()`` and prints the per-source summary read back from the warehouse.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from mediamon.cli import files, runs, warehouse
from mediamon.cli.usage import Parser, UsageError, check_range
from mediamon.config import RegistryError

# A command imports the stages, migrations and dev tools it runs when it runs (they load
# pandas, Great Expectations, alembic, lxml: seconds), so `mediamon db uri` answers at once.


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit code (2: a usage error or a malformed registry, said in one
    line per problem on stderr)."""
    # platformdirs (under the embedded server) warns, with a source line that reads like a
    # traceback, when a shell has no XDG_RUNTIME_DIR; its fallback under /tmp is fine here
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.func is not warehouse.cmd_db_psql:  # only psql takes arguments of its own
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.psql_args = extra
    try:
        check_range(args, cap=args.func is not warehouse.cmd_coverage)  # a report may span more
        return args.func(args) or 0
    except UsageError as exc:
        print(f"{args.prog}: {exc}", file=sys.stderr)
        return 2
    except RegistryError as exc:
        print(exc, file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="mediamon", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(required=True)
    for group in (runs, warehouse, files):
        group.add_commands(sub)
    _name_progs(sub)
    return parser


def _name_progs(sub) -> None:
    """Every (sub)command's parser knows its own ``prog`` (``mediamon db uri``), for messages."""
    for each in sub.choices.values():
        each.set_defaults(prog=each.prog)
        for action in each._actions:
            if isinstance(action, argparse._SubParsersAction):
                _name_progs(action)


if __name__ == "__main__":
    sys.exit(main())
