"""What the DAG tasks do, one function per task, so DAG files hold wiring only.

Each function takes plain values (and, where it needs one, the Airflow context) and calls the
stage functions of :mod:`mediamon.pipeline`. The warehouse is reached through the Airflow
connection ``mediamon_db`` (:func:`connect`). Heavy modules (parsers, pandas, Great
Expectations) are imported inside the functions, so parsing a DAG file stays fast.
"""

from __future__ import annotations

import logging
import os
from contextlib import closing, contextmanager
from datetime import timedelta

from mediamon.config import data_dir, load_sources, select_sources
from mediamon.window import DEFAULT_ZONE, day_from_context

log = logging.getLogger(__name__)

# Airflow renders a mapped instance's map_index_template with the task's context after it ran:
# each per-source task puts its source id there (Airflow's documented pattern), so the grid
# names instances by source instead of 0, 1, 2 ...
BY_SOURCE = "{{ mediamon_source }}"

# Celery queue of the fetch tasks (I/O bound: waits on the network and politeness delays, so
# its workers run many at once); every other task goes to Airflow's [operators] default_queue
# ("default"), the CPU-bound queue sized to the cores. The LocalExecutor ignores queues.
FETCH_QUEUE = "fetch"


def name_instance(source_id: str) -> None:
    """Name the running mapped task instance after ``source_id`` (see :data:`BY_SOURCE`)."""
    from airflow.sdk import get_current_context

    get_current_context()["mediamon_source"] = source_id


def default_args(retries: int = 2) -> dict:
    """The ``default_args`` every mediamon DAG gives its tasks.

    Owner ``mediamon``; ``retries`` more tries for transient faults (a site or the database
    briefly down) after ``MEDIAMON_RETRY_DELAY_SECONDS`` (default 30 s); no try may outlive
    ``MEDIAMON_TASK_TIMEOUT_SECONDS`` (default 7,200 s), so no task hangs a run; a failed task
    raises an alert (:class:`mediamon.alerts.FailureNotifier`).
    """
    from mediamon.alerts import FailureNotifier

    return {
        "owner": "mediamon",
        "retries": retries,
        "retry_delay": timedelta(seconds=int(os.environ.get("MEDIAMON_RETRY_DELAY_SECONDS", "30"))),
        "execution_timeout": timedelta(
            seconds=int(os.environ.get("MEDIAMON_TASK_TIMEOUT_SECONDS", "7200"))
        ),
        "on_failure_callback": [FailureNotifier()],
    }


def connect():
    """A psycopg2 connection to the warehouse, from the Airflow connection ``mediamon_db``
    only (:func:`mediamon.load.db.connect` with the Task SDK's lookup, no fallback).

    (The postgres provider's hook hands out psycopg 3 connections when SQLAlchemy 2 is
    installed; the loader uses psycopg2's ``execute_values``, so connect with psycopg2.) A
    failure raises psycopg2's error with the password masked; a missing connection raises
    AirflowNotFoundException.
    """
    from airflow.sdk import Connection

    from mediamon.load import db

    return db.connect(airflow=Connection.get, environment=False, embedded=False)


def migrate() -> None:
    """Apply the warehouse migrations (idempotent)."""
    from mediamon.load.schema import upgrade

    upgrade(connect)


def sources_param(description: str):
    """The ``sources`` param of a DAG: a list of the registry's ids, checked in the trigger
    form (``items.enum``) and offered there as a multi-select (``examples``); empty = all.

    Reads the registry in force when the DAG file is parsed (a broken one is an import error).
    """
    from airflow.sdk import Param

    ids = list(load_sources())
    return Param(
        [],
        type=["array", "null"],  # optional in the trigger form
        items={"type": "string", "enum": ids},
        examples=ids,
        uniqueItems=True,
        title="Sources",
        description=description,
    )


def plan(context: dict, only: list[str] | None = None) -> list[dict]:
    """The run's local day and its sources: ``[{"source_id": ..., "day": "YYYY-MM-DD"}]``.

    ``only`` restricts the sources (ids); an unknown id (or a registry listing none) raises
    AirflowFailException: the task fails at once, without retries (the same ids fail again).
    """
    from airflow.sdk.exceptions import AirflowFailException

    day, partial = day_from_context(context)
    if partial:
        log.warning(
            "manual run without a logical date: covering today so far (%s, from local "
            "midnight to now); run it again once the day is over for the whole day",
            day,
        )
    else:
        log.info("this run covers the local day %s (%s) [00:00, 24:00)", day, DEFAULT_ZONE)
    try:
        sources = select_sources(only)
    except (KeyError, ValueError) as exc:
        raise AirflowFailException(str(exc.args[0])) from None
    log.info("day %s, %d sources: %s", day, len(sources), ", ".join(sources))
    return [{"source_id": s, "day": day.isoformat()} for s in sources]


def fetch(source_id: str, day: str) -> str:
    """Fetch stage; returns the capture path (see :func:`mediamon.pipeline.fetch_stage`). The
    crawl holds its outlet host's lock in the warehouse: one crawler per host across runs."""
    from mediamon import pipeline

    with closing(connect()) as conn:
        return pipeline.fetch_stage(source_id, day, lock_conn=conn)


def parse(source_id: str, day: str, capture: str) -> str:
    """Parse stage; returns the parsed batch path."""
    from mediamon import pipeline

    return pipeline.parse_stage(source_id, day, capture)


def validate(source_id: str, day: str, batch: str) -> str:
    """Validate stage; returns the validated batch path."""
    from mediamon import pipeline

    return pipeline.validate_stage(source_id, day, batch)


@contextmanager
def _gate_not_retried():
    """Turn :class:`mediamon.pipeline.QualityGateFailed` into Airflow's
    ``AirflowFailException`` (``airflow.sdk.exceptions``: the task fails without its
    retries): a failing data-quality gate is not transient, a retry loads the same data and
    fails the same way."""
    from airflow.sdk.exceptions import AirflowFailException

    from mediamon.pipeline import QualityGateFailed

    try:
        yield
    except QualityGateFailed as exc:
        raise AirflowFailException(str(exc)) from exc


def load(source_id: str, day: str, validated: str) -> dict:
    """Load one validated batch into the warehouse; returns the source-day summary.

    A check of severity ``fail`` that failed fails the task without retries (the rows loaded).
    """
    from mediamon import pipeline

    with closing(connect()) as conn, _gate_not_retried():
        return pipeline.load_stage(source_id, day, validated, conn)


def cluster_stories(planned: list[dict]) -> dict:
    """Cluster the day's headlines across sources into stories (near-duplicates)."""
    from mediamon import pipeline

    if not planned:
        return {}
    with closing(connect()) as conn:
        found = pipeline.cluster_stage(planned[0]["day"], conn)
    log.info("stories for %s: %s", planned[0]["day"], found)
    return found


def stopped_lists(planned: list[dict]) -> list[dict]:
    """Alert, once per source, on the planned sources' feeds, listings and sitemaps that
    yielded on their trailing days and yield nothing today (a site redesign:
    :mod:`mediamon.quality.stopped_lists`); returns them as dicts. Never fails the run."""
    from datetime import date

    from mediamon.alerts import send_alert
    from mediamon.quality.stopped_lists import describe
    from mediamon.quality.stopped_lists import stopped_lists as find_stopped

    if not planned:
        return []
    sources = load_sources()
    lists = {
        p["source_id"]: [x.id for x in (*s.feeds, *s.listings, *s.sitemaps)]
        for p in planned
        if (s := sources.get(p["source_id"]))
    }
    with closing(connect()) as conn:
        stopped = find_stopped(conn, date.fromisoformat(planned[0]["day"]), lists)
    for text in describe(stopped).values():
        send_alert(text)
    log.info("lists that stopped yielding on %s: %d", planned[0]["day"], len(stopped))
    return [s.as_dict() for s in stopped]


def mentions(planned: list[dict]) -> dict:
    """Evaluate the watchlist on the run's day for the planned sources and alert each new
    spike (:func:`mediamon.mentions.evaluate_day`); returns its summary.

    A malformed watchlist fails the task (:func:`_malformed_watchlist`: no retry, the same
    file fails again).
    """
    from mediamon.config.watchlist import WatchlistError
    from mediamon.mentions import evaluate_day

    if not planned:
        return {}
    try:
        with closing(connect()) as conn:
            return evaluate_day(conn, planned[0]["day"], [p["source_id"] for p in planned])
    except WatchlistError as exc:
        raise _malformed_watchlist(exc) from None


def _malformed_watchlist(exc) -> Exception:
    """Log each problem of a :class:`~mediamon.config.watchlist.WatchlistError` (one error
    line each, naming the file and the reason) and return the AirflowFailException to raise
    ``from None``: its message does not repeat them, and the traceback shows no chain
    (``mediamon run`` prints each error line and each raised exception once)."""
    from airflow.sdk.exceptions import AirflowFailException

    for line in exc.errors:
        log.error("%s", line)
    return AirflowFailException(
        f"the watchlist is malformed ({len(exc.errors)} problem(s) logged above): "
        "no mentions counted"
    )


def export_partitions(planned: list[dict]) -> dict:
    """Write the day's Parquet partitions (``day=YYYY-MM-DD/source=ID/articles.parquet`` and
    ``headlines.parquet``) under ``MEDIAMON_EXPORT_DIR`` (default ``<data dir>/exports``) for
    each planned source whose load ran (:func:`mediamon.export.write_day_partitions`); a rerun
    rewrites them in place. Skipped (AirflowSkipException) when ``MEDIAMON_EXPORT_DIR=off`` or
    nothing was planned. Returns what it wrote (paths and row counts, small for an XCom).
    """
    from airflow.sdk.exceptions import AirflowSkipException

    from mediamon.export import PARTITIONS_OFF, export_dir, write_day_partitions

    if export_dir() is None:
        raise AirflowSkipException(
            f"daily partitions are off (MEDIAMON_EXPORT_DIR={PARTITIONS_OFF})"
        )
    if not planned:
        raise AirflowSkipException("no source was planned: see the migrate and plan tasks")
    with closing(connect()) as conn:
        done = write_day_partitions(conn, planned[0]["day"], [p["source_id"] for p in planned])
    log.info("partitions of %s under %s: %s", done["day"], done["path"], done["written"])
    if done["not_loaded"]:
        log.warning("no partition for sources that did not load: %s", done["not_loaded"])
    return done


def _data_docs_index() -> None:
    """Rebuild the Data Docs index once per run (the validate tasks render their pages only).

    A failure is logged, not raised: the pages and ``dq_results`` are there either way.
    """
    from mediamon.quality.data_docs import build_data_docs_index

    try:
        log.info("Data Docs: %s", build_data_docs_index(data_dir()))
    except Exception:
        log.exception("Data Docs index not rebuilt")


def summarize(planned: list[dict]) -> list[dict]:
    """Rebuild the Data Docs index, log the per-source summary of the day, read back from the
    warehouse, and return it.

    Raises AirflowFailException (no retry) when nothing was planned (``migrate`` or ``plan``
    failed), when a planned source has no data-quality results for the day (its chain did not
    reach the load), when a check of severity ``fail`` failed (registry ``severity`` or
    ``fail_on``), or when a source cannot reach the day (``source_day_coverage.reachable``
    false, each logged with its reason): the run must not look green then. Only the
    ``planned`` sources are judged and summarized: another source's rows of the same day (an
    earlier backfill of it) are not this run's.
    """
    from airflow.sdk.exceptions import AirflowFailException

    from mediamon.quality.coverage import unreachable
    from mediamon.report import day_summary, failed_gates, format_summary

    if not planned:  # plan failed (or never ran): the run must not look green
        raise AirflowFailException("no source was planned: see the migrate and plan tasks")
    day = planned[0]["day"]
    ours = {p["source_id"] for p in planned}  # the verdict is about these, not the whole day
    _data_docs_index()
    with closing(connect()) as conn:
        rows = [r for r in day_summary(conn, day) if r["source"] in ours]
        gated = [g for g in failed_gates(conn, day) if g[0] in ours]
        cannot = [c for c in unreachable(conn, day) if c[0] in ours]
    log.info("mediamon %s\n%s", day, format_summary(rows))
    loaded = {r["source"] for r in rows if r["checks_passed"] + r["checks_failed"]}
    missing = sorted(ours - loaded)
    if missing:
        raise AirflowFailException(f"{len(missing)} source(s) did not load for {day}: {missing}")
    for source_id, reason in cannot:
        log.error("%s %s: %s", source_id, day, reason)
    if gated:
        raise AirflowFailException(f"checks configured to fail failed for {day}: {gated}")
    if cannot:  # loaded without sightings: the day is not complete, and the run says so
        names = [s for s, _ in cannot]
        raise AirflowFailException(f"{len(names)} source(s) cannot reach {day}: {names}")
    return rows


def reparse_plan(params: dict, run_id: str) -> dict:
    """Validate the re-parse params, list the source-days with a stored capture and snapshot
    their articles. Returns ``{"first", "last", "sources", "source_days", "before", "key"}``
    (``before``: the snapshot file; ``key``: the report's ``reparse_key``, the run id).

    Bad params raise AirflowFailException naming the param (no retry: the same params fail).
    """
    from airflow.sdk.exceptions import AirflowFailException

    from mediamon import reparse

    try:
        first, last, sources = reparse.parse_params(params)
    except reparse.ReparseParamsError as exc:
        raise AirflowFailException(str(exc)) from exc
    planned = reparse.plan(first, last, sources)
    with closing(connect()) as conn:
        before = reparse.snapshot(conn, first, last, sources, run_id)
    return {
        "first": str(first), "last": str(last), "sources": sources, "source_days": planned,
        "before": before, "key": run_id,
    }  # fmt: skip


def reparse(source_id: str, day: str) -> dict:
    """Re-parse one source-day from the raw store (no fetch) and load it.

    A check of severity ``fail`` that failed fails the task without retries (the rows loaded).
    """
    from mediamon import reparse as rp

    with closing(connect()) as conn, _gate_not_retried():
        return rp.reparse_source_day(source_id, day, conn)


def reparse_mentions(planned: dict) -> int:
    """The watchlist evaluated again on every re-parsed source-day, without alerts (see
    :func:`mediamon.mentions.evaluate_source_days`); returns the mention rows written."""
    from airflow.sdk.exceptions import AirflowFailException

    from mediamon.config.watchlist import WatchlistError
    from mediamon.mentions import evaluate_source_days

    if not planned:
        raise AirflowFailException("nothing was planned: see the migrate and plan tasks")
    try:
        with closing(connect()) as conn:
            return evaluate_source_days(conn, planned["source_days"])
    except WatchlistError as exc:
        raise _malformed_watchlist(exc) from None


def reparse_report(planned: dict) -> list[dict]:
    """The diff report of a re-parse run (see :func:`mediamon.reparse.diff_report`), logged
    as a table (:func:`mediamon.reparse.format_report`)."""
    from datetime import date

    from mediamon.reparse import diff_report, format_report

    if not planned:
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException("nothing was planned: see the migrate and plan tasks")
    with closing(connect()) as conn:
        report = diff_report(
            conn, planned["before"], date.fromisoformat(planned["first"]),
            date.fromisoformat(planned["last"]), planned["sources"], planned["key"],
        )  # fmt: skip
    log.info("re-parse %s..%s:\n%s", planned["first"], planned["last"], format_report(report))
    return report
