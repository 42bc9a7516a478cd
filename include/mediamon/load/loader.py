"""Loading a validated batch into PostgreSQL: COPY into staging tables, then set-based upserts.

One source-day batch is written in one transaction. Each kind of row is streamed with one
``COPY ... FROM STDIN`` (text format) into a temporary staging table (dropped at commit), then
written with one ``INSERT ... SELECT ... ON CONFLICT`` statement (articles and headlines: an
``UPDATE`` of the stored rows first, :func:`mediamon.load.unchanged.upsert`): no row-by-row
round trips, and the rows are consumed as an iterator, never held in memory here. Keys follow the
idempotency contract:

- ``sources``: upsert by id (registry values win).
- ``fetches``: replaced for (source, day) (the day's capture is one file, rewritten by a
  refetch), then by (warc_path, warc_offset): the same raw record is the same exchange.
- ``articles``: by canonical URL; ``first_seen``/``last_seen`` take LEAST/GREATEST of the fetch
  times, so loading a day twice converges; the other columns are the latest fetch's.
- ``article_revisions``: by (article, content hash), with the day's fetches that saw each
  version replaced for (source, day); ``articles.taken_down_at`` recomputed for the articles
  the day fetched (:mod:`mediamon.load.revisions`).
- ``headlines``: by (source, list, canonical URL) with first/last seen day LEAST/GREATEST;
  ``headline_revisions``: by (source, list, canonical URL, title), the same way. Headlines,
  their revisions and the day's sightings are all written from one staging table.
- ``sightings``: replaced for (source, day): rows the batch no longer holds deleted, the
  others updated where they differ or inserted.
- ``dq_results``, ``quarantine``: replaced for (run, source): delete then insert.
- ``source_day_metrics``, ``source_day_coverage``: upsert by (source, day).

Rows that share a key inside one batch are merged first (the last one wins, inserted at the
place of the first): PostgreSQL refuses an ``INSERT ... ON CONFLICT`` that touches the same row
twice ("cannot affect row a second time"). The merge happens in the staging table (each row
carries its batch order ``seq``), see :func:`mediamon.load.staging.latest`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import date

from psycopg2.extensions import connection as Connection
from psycopg2.extras import Json, execute_values

from mediamon.config import Source
from mediamon.load.revisions import content_hash, mark_takedowns, write_revisions
from mediamon.load.staging import copy_rows, latest, stage
from mediamon.load.unchanged import unless_unchanged, upsert
from mediamon.records import Article, DqResult, Fetch, Headline, Quarantined

WORK_MEM = "64MB"
"""``work_mem`` of a load's transaction: the sorts of a batch's staged rows in batch or key
order (bodies included: 17 to 21 MB at 20,000 articles) stay in memory instead of spilling to
disk at PostgreSQL's default of 4 MB."""


def dedupe(rows: Iterable[dict], key: Callable[[dict], tuple]) -> list[dict]:
    """Keep one row per ``key(row)``: the last one seen, at the place of the first."""
    merged: dict[tuple, dict] = {}
    for row in rows:
        merged[key(row)] = row
    return list(merged.values())


def load_batch(
    conn: Connection,
    source: Source,
    day: date,
    run_key: str,
    *,
    fetches: Iterable[Fetch],
    articles: Iterable[Article],
    headlines: Iterable[Headline],
    quarantine: Iterable[Quarantined],
    dq_results: list[DqResult],
    metrics: dict | None = None,
    coverage: dict | None = None,
) -> dict[str, int]:
    """Write one source-day batch; returns counts of rows written per table (after the merge
    of rows sharing a key).

    ``fetches``, ``articles``, ``headlines`` and ``quarantine`` (:mod:`mediamon.records`;
    a quarantined record holds JSON values only) are iterated once each, in that order
    (generators are fine: the batch is streamed to the server). A headline's ``language``,
    ``title_normalized`` and ``is_new`` are written as the validate stage set them
    (:func:`mediamon.pipeline.label_headline`), NULL when absent. ``metrics`` is the
    day's :class:`mediamon.quality.drift.DayMetrics` row and ``coverage`` its
    :class:`mediamon.quality.coverage.Coverage` row (``as_row()``), each upserted by source and day.
    Every row of the batch, coverage included, is written in one transaction, so a source-day
    is visible whole or not at all (a ``source_day_coverage`` row is what marks it finished
    for ``mediamon backfill``). Commits on success, rolls back and re-raises psycopg2 errors on
    failure. ``conn`` must not be in autocommit mode (ValueError): the batch is one transaction
    and its staging tables live until its commit.
    """
    if conn.autocommit:
        raise ValueError("load_batch needs a connection outside autocommit mode")
    try:
        with conn.cursor() as cur:
            cur.execute("set local work_mem = %s", (WORK_MEM,))
            upsert_source(cur, source)
            counts = {
                "fetches": _fetches(cur, source, day, fetches),
                "articles": write_articles(cur, source, articles),
                "article_revisions": write_revisions(cur, source, day),
                "takedowns_changed": mark_takedowns(cur, source, day),
            }
            counts["headlines"], counts["sightings"] = write_headlines(cur, source, day, headlines)
            counts["quarantine"] = _quarantine(cur, source, day, run_key, quarantine)
            counts["dq_results"] = _dq_results(cur, source, day, run_key, dq_results)
            if metrics is not None:
                _metrics(cur, source, day, metrics)
            if coverage is not None:
                _coverage(cur, source, day, run_key, coverage)
        conn.commit()
    except Exception:
        if not conn.closed:  # a lost connection: rolling back would mask the real error
            conn.rollback()
        raise
    return counts


def baseline_metrics(conn: Connection, source_id: str, first: date, last: date) -> list[dict]:
    """``source_day_metrics`` rows of ``source_id`` for days in [first, last], oldest first."""
    with conn.cursor() as cur:
        cur.execute(
            f"select {', '.join(METRIC_COLUMNS)} from source_day_metrics "
            "where source_id = %s and day between %s and %s order by day",
            (source_id, first, last),
        )
        return [dict(zip(METRIC_COLUMNS, row, strict=True)) for row in cur.fetchall()]


METRIC_COLUMNS = (
    "articles", "headlines", "author_fill_rate", "date_hit_rate", "median_body_chars",
    "duplicate_rate", "articles_quarantined", "headlines_quarantined",
)  # fmt: skip


def _metrics(cur, source: Source, day: date, metrics: dict) -> None:
    columns = ", ".join(METRIC_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in METRIC_COLUMNS)
    cur.execute(
        f"insert into source_day_metrics (source_id, day, {columns}) "
        f"values (%s, %s, {', '.join(['%s'] * len(METRIC_COLUMNS))}) "
        f"on conflict (source_id, day) do update set {updates}",
        (source.id, day, *(metrics[c] for c in METRIC_COLUMNS)),
    )


def _coverage(cur, source: Source, day: date, run_key: str, coverage: dict) -> None:
    columns = list(coverage)
    cur.execute(
        f"insert into source_day_coverage (source_id, day, run_key, {', '.join(columns)}) "
        f"values (%s, %s, %s, {', '.join(['%s'] * len(columns))}) "
        "on conflict (source_id, day) do update set run_key = excluded.run_key, "
        + ", ".join(f"{c} = excluded.{c}" for c in columns),
        (source.id, day, run_key, *coverage.values()),
    )


def upsert_source(cur, source: Source) -> None:
    """Upsert the registry's ``sources`` row (the foreign key of every other table)."""
    cur.execute(
        """
        insert into sources (id, name, homepage, languages, timezone, first_year)
        values (%s, %s, %s, %s, %s, %s)
        on conflict (id) do update set name = excluded.name, homepage = excluded.homepage,
            languages = excluded.languages, timezone = excluded.timezone,
            first_year = excluded.first_year
        """,
        (
            source.id,
            source.name,
            source.homepage,
            list(source.languages),
            source.timezone,
            source.first_year,
        ),
    )


FETCH_COLUMNS = [
    "source_id", "day", "url", "kind", "list_id", "status", "error", "bytes", "sha256",
    "content_type", "fetched_at", "warc_path", "warc_offset", "elapsed_ms", "reason",
]  # fmt: skip


def _fetches(cur, source: Source, day: date, rows: Iterable[Fetch]) -> int:
    """Replace the source-day's fetch rows with the batch's: a refetch rewrites the day's
    capture in place, so rows of the old one are deleted and a record at a reused offset is
    rewritten whole (an unchanged exchange keeps its row and id)."""
    key = "warc_path, warc_offset"
    stage(cur, "stage_fetches", "fetches", FETCH_COLUMNS)
    copy_rows(
        cur, "stage_fetches", FETCH_COLUMNS,
        (
            (source.id, day, r["url"], r["kind"], r.get("list_id"), r.get("status"),
             r.get("error"), r["bytes"], r.get("sha256"), r.get("content_type"),
             r["fetched_at"], r["warc_path"], r["warc_offset"], r.get("elapsed_ms"),
             r.get("reason"))
            for r in rows
        ),
        key,
    )  # fmt: skip
    # NOT IN: a hashed subplan whatever the planner thinks of the fetches table (with stale
    # statistics, NOT EXISTS became a nested loop, quadratic in the day's fetches)
    cur.execute(
        "delete from fetches where source_id = %s and day = %s and (warc_path, warc_offset) "
        "not in (select warc_path, warc_offset from stage_fetches)",
        (source.id, day),
    )
    columns = ", ".join(FETCH_COLUMNS)
    updates = [
        f"{c} = excluded.{c}" for c in FETCH_COLUMNS if c not in ("warc_path", "warc_offset")
    ]
    latest_rows, written = latest(cur, "stage_fetches", key)
    cur.execute(
        f"""
        insert into fetches as f ({columns})
        select {columns} from {latest_rows} order by first_seq
        on conflict ({key}) do update set {", ".join(updates)}
        """
        + unless_unchanged("f", updates)
    )
    return written


ARTICLE_COLUMNS = [
    "canonical_url", "url", "source_id", "title", "title_source", "authors", "authors_status",
    "authors_source", "published_at", "published_day", "date_source", "modified_at", "section",
    "language", "body_text", "parser_version", "first_seen", "last_seen", "byline_kind",
    "published_at_reason", "dates_disagree", "published_at_alt", "published_at_alt_source",
    "title_language", "encoding", "encoding_repaired", "parse_warnings", "body_source",
    "section_source", "modified_source", "language_source", "paywalled", "paywall_evidence",
]  # fmt: skip


def write_articles(cur, source: Source, rows: Iterable[Article]) -> int:
    """Upsert articles by canonical URL; returns rows written.

    first/last seen take LEAST/GREATEST of the fetch times; every other column takes the
    values of the latest fetch (a load whose fetch is not older than ``last_seen``), so
    loading or re-parsing an older day never rolls the current version back (the older
    versions are kept in ``article_revisions``, :mod:`mediamon.load.revisions`). The rows
    stay in the staging table ``stage_articles`` until the transaction ends, each with its
    version's ``content_hash`` (:func:`mediamon.load.revisions.content_hash`)."""
    zone = source.zone
    stage(cur, "stage_articles", "articles", ARTICLE_COLUMNS, "null::text as content_hash")
    copy_rows(
        cur, "stage_articles", ARTICLE_COLUMNS + ["content_hash"],
        (
            (
                r["canonical_url"], r["url"], source.id, r["title"], r.get("title_source"),
                r.get("authors") or [], r["authors_status"], r.get("authors_source"),
                r.get("published_at"),
                r["published_at"].astimezone(zone).date() if r.get("published_at") else None,
                r.get("date_source"), r.get("modified_at"), r.get("section"),
                r.get("language"), r.get("body_text"), r["parser_version"],
                r["fetched_at"], r["fetched_at"], r.get("byline_kind"),
                None if r.get("published_at") else r.get("published_at_reason"),
                bool(r.get("dates_disagree")), r.get("published_at_alt"),
                r.get("published_at_alt_source"), r.get("title_language"), r.get("encoding"),
                bool(r.get("encoding_repaired")), list(r.get("warnings") or []),
                r.get("body_source"), r.get("section_source"), r.get("modified_source"),
                r.get("language_source"), bool(r.get("paywalled")),
                list(r.get("paywall_evidence") or []),
                content_hash(r["title"], r.get("body_text")),
            )
            for r in rows
        ),
        "canonical_url",
    )  # fmt: skip
    columns = ", ".join(ARTICLE_COLUMNS)
    # the latest fetch's values win, whatever order days are loaded or re-parsed in
    newer = "excluded.last_seen >= a.last_seen"
    updates = [
        f"{c} = case when {newer} then excluded.{c} else a.{c} end"
        for c in ARTICLE_COLUMNS
        if c not in ("canonical_url", "first_seen", "last_seen")
    ] + [
        "first_seen = least(a.first_seen, excluded.first_seen)",
        "last_seen = greatest(a.last_seen, excluded.last_seen)",
    ]
    latest_rows, written = latest(cur, "stage_articles", "canonical_url")
    upsert(cur, "articles", "a", ["canonical_url"], columns, latest_rows, updates)
    return written


HEADLINE_COLUMNS = [
    "source_id", "list_id", "list_kind", "canonical_url", "url", "title", "byline",
    "published_at", "first_seen_day", "last_seen_day", "title_normalized", "last_position",
    "date_flag", "published_at_assumed_zone", "language", "parse_warnings",
]  # fmt: skip
# for the sightings, fed from the same staging table
HEADLINE_EXTRA = ["is_new"]


def write_headlines(cur, source: Source, day: date, rows: Iterable[Headline]) -> tuple[int, int]:
    """Upsert headlines by (source, list, canonical URL), their title revisions, and replace
    the source's sightings of ``day``; returns (headlines, sightings) written.

    first/last seen day take LEAST/GREATEST; the descriptive columns (url, title, normalized
    title, byline, position, date flag, parse warnings) take the newest day's values, so
    loading an older day after a newer one does not roll them back; ``published_at`` keeps a
    known value. Every title a headline is seen with is kept in ``headline_revisions``
    (LEAST/GREATEST days).
    Sightings: one per (list, canonical URL), with the position, title, normalized title,
    published_at and ``is_new`` seen that day.
    """
    stage(cur, "stage_headlines", "headlines", HEADLINE_COLUMNS, "null::boolean as is_new")
    copy_rows(
        cur, "stage_headlines", HEADLINE_COLUMNS + HEADLINE_EXTRA,
        (
            (
                source.id, r["list_id"], r["list_kind"], r["canonical_url"], r["url"],
                r.get("title"), r.get("byline"), r.get("published_at"), day, day,
                r.get("title_normalized"), r.get("position"),
                r.get("date_flag")
                if r.get("published_at") or r.get("date_flag") == "unparsed"
                else None,
                bool(r.get("published_at_assumed_zone")) and r.get("published_at") is not None,
                r.get("language"), list(r.get("warnings") or []), r.get("is_new"),
            )
            for r in rows
        ),
        "list_id, canonical_url",
    )  # fmt: skip
    latest_rows, written = latest(
        cur, "stage_headlines", "list_id, canonical_url", keep="stage_headlines_latest"
    )
    columns = ", ".join(HEADLINE_COLUMNS)
    # the newer sighting wins these fields; the date fields only when it has a date (or the
    # stored row has none)
    newer = "excluded.last_seen_day >= h.last_seen_day"
    dated = f"excluded.published_at is not null and ({newer} or h.published_at is null)"
    updates = [
        f"{c} = case when {when} then excluded.{c} else h.{c} end"
        for when, names in (
            (
                newer,
                (
                    "url",
                    "title",
                    "title_normalized",
                    "byline",
                    "language",
                    "last_position",
                    "parse_warnings",
                ),
            ),
            (dated, ("date_flag", "published_at_assumed_zone", "published_at")),
        )
        for c in names
    ]
    updates += [
        "first_seen_day = least(h.first_seen_day, excluded.first_seen_day)",
        "last_seen_day = greatest(h.last_seen_day, excluded.last_seen_day)",
    ]
    key = ["source_id", "list_id", "canonical_url"]
    upsert(cur, "headlines", "h", key, columns, latest_rows, updates)
    cur.execute(
        f"""
        insert into headline_revisions as v (source_id, list_id, canonical_url, title,
            title_normalized, first_seen_day, last_seen_day)
        select source_id, list_id, canonical_url, title, title_normalized, first_seen_day,
            last_seen_day
        from {latest_rows} where title is not null order by first_seq
        on conflict (source_id, list_id, canonical_url, title) do update set
            title_normalized = excluded.title_normalized,
            first_seen_day = least(v.first_seen_day, excluded.first_seen_day),
            last_seen_day = greatest(v.last_seen_day, excluded.last_seen_day)
        where (v.title_normalized, v.first_seen_day, v.last_seen_day) is distinct from
            (excluded.title_normalized, least(v.first_seen_day, excluded.first_seen_day),
             greatest(v.last_seen_day, excluded.last_seen_day))
        """
    )
    _sightings(cur, source, day, latest_rows)
    return written, written


def _sightings(cur, source: Source, day: date, latest_rows: str) -> None:
    """Make the source's sightings of ``day`` the rows of ``latest_rows`` (the merged staged
    headlines, one sighting each): delete those the batch no longer holds, update those that
    differ, insert the new ones.

    Not a delete of the day and an insert: a reload would rewrite every row (a foreign key
    check each), where an update that keeps the key and the source writes no index entry
    (a HOT update: only the key is indexed) and checks no foreign key."""
    params = {"day": day, "source": source.id}
    match = (
        "s.day = latest.first_seen_day and s.source_id = latest.source_id "
        "and s.list_id = latest.list_id and s.canonical_url = latest.canonical_url"
    )
    # NOT IN: a hashed subplan (a correlated NOT EXISTS became a nested loop over the stage)
    cur.execute(
        "delete from sightings where day = %(day)s and source_id = %(source)s "
        f"and (list_id, canonical_url) not in (select list_id, canonical_url from {latest_rows})",
        params,
    )
    cur.execute(
        f"""
        with updated as (
            update sightings s set position = latest.last_position, title = latest.title,
                title_normalized = latest.title_normalized,
                published_at = latest.published_at, is_new = latest.is_new
            from {latest_rows} where {match}
                and (s.position, s.title, s.title_normalized, s.published_at, s.is_new)
                is distinct from (latest.last_position, latest.title,
                    latest.title_normalized, latest.published_at, latest.is_new))
        insert into sightings (day, source_id, list_id, canonical_url, position, title,
            title_normalized, published_at, is_new)
        select first_seen_day, source_id, list_id, canonical_url, last_position, title,
            title_normalized, published_at, is_new
        from {latest_rows} where not exists (select 1 from sightings s where {match})
        order by first_seq
        """
    )


QUARANTINE_COLUMNS = [
    "run_key", "source_id", "day", "record_kind", "record_key", "record", "reasons",
]  # fmt: skip


def bounded_key(key: str, limit: int = 1000) -> str:
    """A quarantine ``record_key`` short enough for its index: ``key`` itself up to ``limit``
    UTF-8 bytes, else its start and ``…sha256:<hex>`` of the whole (the record keeps it)."""
    if len(key) * 4 <= limit or len(key.encode("utf-8")) <= limit:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return key.encode("utf-8")[: limit - 80].decode("utf-8", "ignore") + "…sha256:" + digest


def _quarantine(cur, source: Source, day: date, run_key: str, rows: Iterable[Quarantined]) -> int:
    cur.execute(
        "delete from quarantine where run_key = %s and source_id = %s", (run_key, source.id)
    )
    stage(cur, "stage_quarantine", "quarantine", QUARANTINE_COLUMNS)
    copy_rows(
        cur, "stage_quarantine", QUARANTINE_COLUMNS,
        (
            (run_key, source.id, day, r["record_kind"], bounded_key(r["record_key"]),
             Json(r["record"]), r["reasons"])
            for r in rows
        ),
        "record_kind, record_key",
    )  # fmt: skip
    columns = ", ".join(QUARANTINE_COLUMNS)
    latest_rows, _ = latest(cur, "stage_quarantine", "record_kind, record_key")
    cur.execute(
        f"insert into quarantine ({columns}) select {columns} from {latest_rows} order by first_seq"
    )
    return cur.rowcount


def _dq_results(cur, source: Source, day: date, run_key: str, rows: list[DqResult]) -> int:
    rows = dedupe(rows, lambda r: (r["check_name"],))
    cur.execute(
        "delete from dq_results where run_key = %s and source_id = %s", (run_key, source.id)
    )
    execute_values(
        cur,
        "insert into dq_results (run_key, check_name, source_id, day, success, severity, "
        "evaluated, unexpected, observed, unexpected_sample) values %s",
        [
            (
                run_key,
                r["check_name"],
                source.id,
                day,
                r["success"],
                r["severity"],
                r["evaluated"],
                r["unexpected"],
                Json(r.get("observed")) if r.get("observed") is not None else None,
                Json(r.get("unexpected_sample") or []),
            )
            for r in rows
        ],
    )
    return len(rows)
