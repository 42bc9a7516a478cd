"""Backfill without a scheduler: the daily chain over a range of local days, day by day.

For each local day of [first, last] (inclusive, oldest first) and each source: fetch → parse →
validate → load (the stage functions of :mod:`mediamon.pipeline`, the same ones the DAG's
tasks call), then the day's story clustering and watchlist mentions (with their alerts, as the
DAG's ``mentions`` task). Resumable: a source-day that already finished
(it has a ``source_day_coverage`` row) is skipped unless ``force``; one the source could not
reach is reported as unreachable again without work (its stored capture cannot reach it
either) unless ``force`` or ``refetch``. A day that has a capture in the raw store is never
fetched again unless ``refetch``. One failing source-day is reported and the others go on.

A lost warehouse connection (the server restarted, the backend terminated) does not end the
range: the next use connects again (:class:`Warehouse`), and the source-day it interrupted is
loaded once more on the new connection (its load is one transaction: nothing of it landed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from mediamon import pipeline
from mediamon.config import select_sources
from mediamon.load.schema import upgrade
from mediamon.mentions import evaluate_day
from mediamon.quality.coverage import recorded
from mediamon.window import MAX_DAYS, DayRangeError, day_range

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """What happened to one source-day: ``status`` is ``loaded``, ``skipped`` (finished
    before), ``unreachable`` (loaded, but the source cannot reach that day: see ``detail``),
    ``flagged`` (loaded with a coverage gap) or ``failed`` (``detail`` holds the error)."""

    source_id: str
    day: date
    status: str
    detail: str = ""


OK = {"loaded", "skipped", "flagged"}  # statuses of a clean exit


def backfill_days(first: date, last: date) -> list[date]:
    """:func:`mediamon.window.day_range` of [first, last], its errors worded for the command
    line: ValueError ``--to D2 is before --from D1`` or ``N days asked; at most 366 per
    backfill``."""
    try:
        return day_range(first, last)
    except DayRangeError as exc:
        if exc.reversed:
            raise ValueError(f"--to {last} is before --from {first}") from None
        raise ValueError(f"{exc.days} days asked; at most {MAX_DAYS} per backfill") from None


class Warehouse:
    """One psycopg2 connection from ``connect`` (a zero-argument callable), opened again when
    it was lost: psycopg2 marks a connection whose server went away as closed."""

    def __init__(self, connect: Callable[[], Any]):
        self._connect = connect
        self._conn = None

    @property
    def conn(self):
        """The open connection: a new one when there is none yet or the last one was lost."""
        if self._conn is None or self._conn.closed:
            if self._conn is not None:
                log.warning("the warehouse connection was lost: connecting again")
            self._conn = self._connect()
        return self._conn

    def after_error(self) -> bool:
        """Roll back after a failed step; True when the error lost the connection (the next
        :attr:`conn` is a new one)."""
        if self._conn is None or self._conn.closed:
            return True
        self._conn.rollback()
        return False

    def retrying(self, step: Callable[[Any], T]) -> T:
        """``step(conn)``, run once more on a new connection when it lost the connection
        (each step that writes does so in one transaction: nothing of the lost try landed).
        Any other error is raised after a rollback."""
        try:
            return step(self.conn)
        except Exception:
            if not self.after_error():
                raise
            log.warning("the warehouse connection was lost: running the step again")
        return step(self.conn)

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()


def run_source_day(
    source_id: str, day: date, warehouse: Warehouse, *, refetch: bool = False
) -> dict:
    """fetch → parse → validate → load of one source-day; returns the load's summary. A load
    that lost the connection runs once more on a new one (:meth:`Warehouse.retrying`). The
    crawl holds the outlet host's advisory lock on the warehouse session, as the DAG's fetch
    task does: one crawler per host across backfills, DAG runs and workers."""
    iso = day.isoformat()
    capture = pipeline.fetch_stage(source_id, iso, force=refetch, lock_conn=warehouse.conn)
    return warehouse.retrying(lambda conn: pipeline.process_capture(source_id, iso, capture, conn))


def backfill(
    first: date,
    last: date,
    connect: Callable,
    *,
    sources: Iterable[str] | None = None,
    force: bool = False,
    refetch: bool = False,
    progress: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Run the daily chain for every source and local day of [first, last].

    ``connect``: zero-argument callable returning a psycopg2 connection to the warehouse
    (migrated first; called again when the connection is lost). ``progress`` is called once
    per source-day with its :class:`Outcome`. Returns the outcomes, oldest day first, sources
    in registry order.
    """
    days = backfill_days(first, last)
    ids = select_sources(sources)
    upgrade(connect)
    outcomes: list[Outcome] = []
    warehouse = Warehouse(connect)
    try:
        done = {} if force else recorded(warehouse.conn, ids, first, last)
        warehouse.conn.rollback()
        for day in days:
            ran = False
            for source_id in ids:
                reachable, reason = done.get((source_id, day), (None, None))
                if reachable:
                    outcome = Outcome(source_id, day, "skipped", "finished before")
                elif reachable is False and not refetch:
                    why = f"{reason} (as before; --refetch fetches the day again)"
                    outcome = Outcome(source_id, day, "unreachable", why)
                else:
                    ran = True
                    outcome = _one(source_id, day, warehouse, refetch)
                outcomes.append(outcome)
                if progress:
                    progress(outcome)
            if ran:
                try:
                    iso = day.isoformat()
                    warehouse.retrying(lambda conn, iso=iso: pipeline.cluster_stage(iso, conn))
                except Exception as exc:  # the day's rows are loaded; clustering can rerun
                    log.exception("clustering %s failed", day)
                    warehouse.after_error()
                    outcomes.append(Outcome("*", day, "failed", f"cluster_stories: {exc}"))
                try:
                    warehouse.retrying(lambda conn, day=day: evaluate_day(conn, day, ids))
                except Exception as exc:  # as clustering: the rows are loaded, this can rerun
                    log.exception("watchlist mentions of %s failed", day)
                    warehouse.after_error()
                    outcomes.append(Outcome("*", day, "failed", f"mentions: {exc}"))
    finally:
        warehouse.close()
    return outcomes


def _one(source_id: str, day: date, warehouse: Warehouse, refetch: bool) -> Outcome:
    try:
        loaded = run_source_day(source_id, day, warehouse, refetch=refetch)
    except Exception as exc:  # one source-day must not stop the range
        log.exception("%s %s failed", source_id, day)
        warehouse.after_error()
        return Outcome(source_id, day, "failed", f"{type(exc).__name__}: {exc}")
    return outcome_of(source_id, day, loaded)


def outcome_of(source_id: str, day: date, loaded: dict) -> Outcome:
    """The :class:`Outcome` of a source-day the load stage returned ``loaded`` for (its
    ``coverage`` decides): the one vocabulary of ``backfill`` and ``reparse``."""
    cov = loaded["coverage"]
    if not cov["reachable"]:
        return Outcome(source_id, day, "unreachable", cov["reason"])
    if cov["flagged"]:
        return Outcome(source_id, day, "flagged", cov["reason"])
    return Outcome(source_id, day, "loaded", f"{loaded['articles']} articles")


def exit_code(outcomes: Iterable[Outcome]) -> int:
    """0 when every source-day loaded, was skipped or only flagged; 1 otherwise (one failed or
    cannot reach its day): the exit code of ``backfill`` and ``reparse``."""
    return 0 if {o.status for o in outcomes} <= OK else 1
