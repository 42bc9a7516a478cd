"""Re-parse a range of local days from the raw store, with the current parser, and report
what changed.

``mediamon_reparse`` (one task per step) and ``mediamon reparse`` (:func:`reparse_range`, in
one process) call, in order: :func:`plan` (the source-days that have a capture in the raw
store), :func:`snapshot` (the articles those days hold now, written to a JSON file),
:func:`reparse_source_day` for each source-day (parse → validate → load from the stored
capture: the fetch stage is never called, so no request leaves the machine), then
:func:`diff_report`, which compares the articles with the snapshot field by field and writes
one ``reparse_diffs`` row per source and field, e.g. "published_at changed on 12 of 340
articles" (:func:`format_report` prints them as a table). The watchlist's mentions of the
re-parsed source-days are counted again (:func:`mediamon.mentions.evaluate_source_days`, no
alerts: the DAG's ``mentions`` task, and :func:`reparse_range` before its report).

An article belongs to the range when a fetch of its URL by its source falls on a day of it.
Values are compared as PostgreSQL returns them (timestamps as instants, arrays as lists).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from psycopg2.extras import execute_values

from mediamon import batches, pipeline
from mediamon.backfill import Outcome, Warehouse, outcome_of
from mediamon.config import data_dir, select_sources
from mediamon.load.schema import upgrade
from mediamon.parse.version import PARSER_VERSION
from mediamon.text.table import format_table
from mediamon.window import MAX_DAYS, DayRangeError, day_range

log = logging.getLogger(__name__)
# not the parser's output: identity, and the fetch times that only grow or shrink
# search_tsv is generated from title and body (migration 0008): a change shows in those
NOT_COMPARED = (
    "id", "canonical_url", "source_id", "first_seen", "last_seen", "search_tsv",
    "taken_down_at", "taken_down_status",
)  # fmt: skip
ARTICLES_IN_RANGE = """
    select a.* from articles a
    where a.source_id = any(%(sources)s) and exists (
        select 1 from fetches f where f.source_id = a.source_id and f.url = a.url
        and f.kind = 'article' and f.day between %(first)s and %(last)s)
    order by a.canonical_url
"""


class ReparseParamsError(ValueError):
    """The run's params are unusable; the message names the param and the fix."""


def parse_params(params: dict) -> tuple[date, date, list[str]]:
    """``(first, last, source ids)`` from the DAG params ``from``, ``to`` (``YYYY-MM-DD``,
    inclusive local days) and ``sources`` (ids; empty = every source of the registry).

    Raises :class:`ReparseParamsError` for a missing or malformed date, ``to`` before
    ``from``, a range longer than :data:`MAX_DAYS` days, or an unknown source id.
    """
    days = []
    for name in ("from", "to"):
        value = params.get(name)
        try:
            days.append(date.fromisoformat(str(value)))
        except ValueError as exc:
            raise ReparseParamsError(
                f"param {name!r} must be a date YYYY-MM-DD, got {value!r}"
            ) from exc
    first, last = days
    try:
        day_range(first, last)
    except DayRangeError as exc:
        if exc.reversed:
            raise ReparseParamsError(f"param 'to' ({last}) is before 'from' ({first})") from None
        raise ReparseParamsError(f"at most {MAX_DAYS} days per re-parse run") from None
    try:
        sources = select_sources(params.get("sources") or [])
    except KeyError as exc:
        raise ReparseParamsError(f"param 'sources': {exc.args[0]}") from exc
    return first, last, sources


def plan(first: date, last: date, sources: list[str]) -> list[dict]:
    """``[{"source_id", "day"}]`` for each source-day of the range with a stored capture.

    Source-days without one are logged (nothing to re-parse: backfill them instead).
    """
    planned, absent = [], []
    for day in day_range(first, last):
        for source_id in sources:
            stored = batches.capture_path(source_id, day).exists()
            (planned if stored else absent).append({"source_id": source_id, "day": str(day)})
    days = len(day_range(first, last))
    missing: dict[str, list[str]] = {}
    for item in absent:
        missing.setdefault(item["source_id"], []).append(item["day"])
    never = [source for source, gone in missing.items() if len(gone) == days]
    for source, gone in missing.items():
        if source not in never:
            log.warning("%s: no capture in the raw store for %s (backfill them)", source,
                        ", ".join(gone))  # fmt: skip
    if never:
        shown = ", ".join(never[:5]) + (f" and {len(never) - 5} more" if len(never) > 5 else "")
        log.warning("%d source(s) have no capture in the range: %s", len(never), shown)
    log.info("re-parsing %d source-days (%d without a capture)", len(planned), len(absent))
    return planned


def _rows(conn, sources: list[str], first: date, last: date) -> dict[str, dict[str, dict]]:
    """source -> canonical URL -> {field: comparable JSON text}."""
    with conn.cursor() as cur:
        cur.execute(ARTICLES_IN_RANGE, {"sources": sources, "first": first, "last": last})
        names = [c.name for c in cur.description]
        found: dict[str, dict[str, dict]] = {}
        for row in cur.fetchall():
            record = dict(zip(names, row, strict=True))
            fields = {
                k: json.dumps(v, default=str, ensure_ascii=False)
                for k, v in record.items()
                if k not in NOT_COMPARED
            }
            found.setdefault(record["source_id"], {})[record["canonical_url"]] = fields
    conn.rollback()
    return found


def snapshot(conn, first: date, last: date, sources: list[str], name: str) -> str:
    """Write the range's articles as they are now to a JSON file; returns its path
    (``<data dir>/reparse/<name>.before.json``, ``name`` with every character but letters,
    digits, ``-``, ``_`` and ``.`` replaced by ``_``: a run id holds ``:`` and ``+``)."""
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    path = data_dir() / "reparse" / f"{name}.before.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_rows(conn, sources, first, last), ensure_ascii=False))
    return str(path)


def reparse_source_day(source_id: str, day: str, conn) -> dict:
    """parse → validate → load of one source-day from its stored capture; returns the load's
    summary. Raises FileNotFoundError when the raw store has no capture for it (this function
    never fetches)."""
    capture = batches.capture_path(source_id, day)
    if not capture.exists():
        raise FileNotFoundError(f"{source_id} {day}: no capture in the raw store ({capture})")
    return pipeline.process_capture(source_id, day, str(capture), conn)


def diff_report(
    conn, before: str, first: date, last: date, sources: list[str], reparse_key: str
) -> list[dict]:
    """Compare the range's articles with the snapshot ``before``; write and return the rows.

    One row per source and compared field: ``{"source_id", "field", "changed", "total"}``,
    ``total`` being the source's articles in the snapshot (``changed`` counts those whose
    field differs now; an article gone from the range counts as changed in every field). A
    ``(new)`` row counts articles that were not in the snapshot. Rows are upserted into
    ``reparse_diffs`` under ``reparse_key``; each change is logged as
    ``"<source>: <field> changed on <n> of <total> articles"``. Sources with no article in
    the range before or after get no rows.
    """
    old = json.loads(Path(before).read_text())
    new = _rows(conn, sources, first, last)
    report = []
    for source_id in sources:
        was, now = old.get(source_id, {}), new.get(source_id, {})
        if not was and not now:  # nothing of this source in the range (and maybe no row)
            continue
        fields = sorted({f for row in [*was.values(), *now.values()] for f in row})
        for field in fields:
            changed = sum(
                1 for url, row in was.items() if now.get(url, {}).get(field) != row.get(field)
            )
            report.append(
                {"source_id": source_id, "field": field, "changed": changed, "total": len(was)}
            )
        report.append(
            {
                "source_id": source_id,
                "field": "(new)",
                "changed": len(set(now) - set(was)),
                "total": len(was),
            }
        )
    for row in report:
        if row["changed"] and row["field"] == "(new)":
            log.info("%s: %d articles new in the range", row["source_id"], row["changed"])
        elif row["changed"]:
            log.info("%s: %s changed on %d of %d articles", *row.values())
    if not any(r["changed"] for r in report):
        log.info("re-parse %s..%s: no article changed", first, last)
    try:
        with conn.cursor() as cur:
            execute_values(
                cur,
                """
                insert into reparse_diffs (reparse_key, source_id, field, changed, total,
                    first_day, last_day, parser_version)
                values %s
                on conflict (reparse_key, source_id, field) do update set
                    changed = excluded.changed, total = excluded.total,
                    parser_version = excluded.parser_version, created_at = now()
                """,
                [(reparse_key, r["source_id"], r["field"], r["changed"], r["total"], first, last,
                  PARSER_VERSION) for r in report],
            )  # fmt: skip
        conn.commit()
    except Exception:
        conn.rollback()
        raise
    return report


COLUMNS = ("source_id", "field", "changed", "total")


def format_report(rows: list[dict], *, every_field: bool = False) -> str:
    """A plain-text table of :func:`diff_report` rows: source, field, changed, total.

    Only the rows with changes unless ``every_field``; without any, one line says that no
    article changed and how many were compared.
    """
    shown = rows if every_field else [r for r in rows if r["changed"]]
    if not shown:
        totals = {r["source_id"]: r["total"] for r in rows}
        articles, sources = sum(totals.values()), len(totals)
        return (
            f"no article changed ({articles} compared, of {sources} "
            f"source{'' if sources == 1 else 's'})"
        )
    return format_table(shown, COLUMNS)


def _mentions(conn, planned: list[dict], failed: list[tuple[str, str, str]]) -> None:
    """The watchlist evaluated again on the re-parsed source-days (no alerts); a failure (a
    malformed watchlist) is logged and kept in ``failed`` as ``("*", "mentions", error)``."""
    from mediamon.mentions import evaluate_source_days

    try:
        evaluate_source_days(conn, planned)
    except Exception as exc:  # the re-parsed rows are loaded; the mentions can be run again
        log.exception("watchlist mentions not evaluated")
        if not conn.closed:
            conn.rollback()
        failed.append(("*", "mentions", f"{type(exc).__name__}: {exc}"))


@dataclass(frozen=True)
class RangeResult:
    """What :func:`reparse_range` did: the ``planned`` source-days (``{"source_id", "day"}``),
    those that ``failed`` (``(source_id, day, "<ErrorType>: <message>")``), the diff
    ``report`` (:func:`diff_report` rows, also stored in ``reparse_diffs`` under ``key``) and
    one :class:`mediamon.backfill.Outcome` per planned source-day (``outcomes``)."""

    key: str
    planned: list[dict]
    failed: list[tuple[str, str, str]]
    report: list[dict]
    outcomes: list[Outcome]


def reparse_range(
    first: date,
    last: date,
    sources: list[str],
    connect: Callable,
    *,
    key: str,
    progress: Callable[[dict, str | None, int], None] | None = None,
) -> RangeResult:
    """Re-parse [first, last] for ``sources`` in this process: the steps of
    ``mediamon_reparse`` (:func:`plan`, :func:`snapshot`, :func:`reparse_source_day` per
    source-day, :func:`diff_report`), without Airflow.

    ``connect``: zero-argument callable returning a psycopg2 connection to the warehouse
    (migrated first; again when the connection is lost, and the source-day it interrupted
    runs once more: :class:`mediamon.backfill.Warehouse`). ``key``: the ``reparse_key`` of
    the report (and the snapshot's name).
    ``progress(outcome, planned)`` is called after each source-day with its
    :class:`mediamon.backfill.Outcome` (``loaded``, ``flagged``, ``unreachable`` or
    ``failed``, as a backfill says) and the number of source-days planned. A failing
    source-day (a check of severity ``fail`` included: its rows loaded) is logged and kept in
    :attr:`RangeResult.failed`, and the others go on, as the DAG's mapped tasks do; the report
    covers the range either way.
    """
    upgrade(connect)
    planned = plan(first, last, sources)
    failed: list[tuple[str, str, str]] = []
    outcomes: list[Outcome] = []
    warehouse = Warehouse(connect)
    try:
        before = snapshot(warehouse.conn, first, last, sources, key)
        for item in planned:
            error, day = None, date.fromisoformat(item["day"])
            try:
                loaded = warehouse.retrying(
                    lambda conn, i=item: reparse_source_day(i["source_id"], i["day"], conn)
                )
                outcomes.append(outcome_of(item["source_id"], day, loaded))
            except Exception as exc:  # one source-day must not stop the range
                log.exception("%s %s: re-parse failed", item["source_id"], item["day"])
                warehouse.after_error()
                error = f"{type(exc).__name__}: {exc}"
                failed.append((item["source_id"], item["day"], error))
                outcomes.append(Outcome(item["source_id"], day, "failed", error))
            if progress:
                progress(outcomes[-1], len(planned))
        _mentions(warehouse.conn, planned, failed)
        report = diff_report(warehouse.conn, before, first, last, sources, key)
    finally:
        warehouse.close()
    return RangeResult(key=key, planned=planned, failed=failed, report=report, outcomes=outcomes)
