"""Backfill without a scheduler: the daily chain over a range of local days, day by day.

For each local day of [first, last] (inclusive, oldest first) and each source: fetch → parse →
validate → load (the stage functions of :mod:`mediamon.pipeline`, the same ones the DAG's
tasks call), then the day's story clustering and watchlist mentions (with their alerts, as the
DAG's ``mentions`` task). Resumable: a source-day that already finished
(it has a ``source_day_coverage`` row) is skipped unless ``force``; one the source could not
reach is reported as unreachable again without work (its stored capture cannot reach it
either) unless ``force`` or ``refetch``. A day that has a capture in the raw store is never
fetched again unless ``refetch``. One failing source-day is reported and the others go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from mediamon import pipeline
from mediamon.config import select_sources
from mediamon.load.schema import upgrade
from mediamon.mentions import evaluate_day
from mediamon.quality.coverage import recorded
from mediamon.window import MAX_DAYS, DayRangeError, day_range

log = logging.getLogger(__name__)


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


def run_source_day(source_id: str, day: date, conn, *, refetch: bool = False) -> dict:
    """fetch → parse → validate → load of one source-day; returns the load's summary."""
    iso = day.isoformat()
    capture = pipeline.fetch_stage(source_id, iso, force=refetch)
    return pipeline.process_capture(source_id, iso, capture, conn)


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
    (migrated first). ``progress`` is called once per source-day with its :class:`Outcome`.
    Returns the outcomes, oldest day first, sources in registry order.
    """
    days = backfill_days(first, last)
    ids = select_sources(sources)
    upgrade(connect)
    outcomes: list[Outcome] = []
    conn = connect()
    try:
        done = {} if force else recorded(conn, ids, first, last)
        conn.rollback()
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
                    outcome = _one(source_id, day, conn, refetch)
                outcomes.append(outcome)
                if progress:
                    progress(outcome)
            if ran:
                try:
                    pipeline.cluster_stage(day.isoformat(), conn)
                except Exception as exc:  # the day's rows are loaded; clustering can rerun
                    log.exception("clustering %s failed", day)
                    outcomes.append(Outcome("*", day, "failed", f"cluster_stories: {exc}"))
                try:
                    evaluate_day(conn, day, ids)
                except Exception as exc:  # as clustering: the rows are loaded, this can rerun
                    log.exception("watchlist mentions of %s failed", day)
                    conn.rollback()
                    outcomes.append(Outcome("*", day, "failed", f"mentions: {exc}"))
    finally:
        conn.close()
    return outcomes


def _one(source_id: str, day: date, conn, refetch: bool) -> Outcome:
    try:
        loaded = run_source_day(source_id, day, conn, refetch=refetch)
    except Exception as exc:  # one source-day must not stop the range
        log.exception("%s %s failed", source_id, day)
        conn.rollback()
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
