"""Loading a validated batch into PostgreSQL: batch dedupe, then idempotent upserts.

One source-day batch is written in one transaction. Keys follow the idempotency contract:

- ``sources``: upsert by id (registry values win).
- ``fetches``: by (warc_path, warc_offset): the same raw record is the same exchange.
- ``articles``: by canonical URL; ``first_seen``/``last_seen`` take LEAST/GREATEST of the fetch
  times, so loading a day twice converges.
- ``headlines``: by (source, list, canonical URL) with first/last seen day LEAST/GREATEST;
  ``headline_revisions``: by (source, list, canonical URL, title), the same way.
- ``sightings``, ``dq_results``, ``quarantine``: replaced for (run, source): delete then insert.

Rows that share a key inside one batch are merged first (the last one wins): PostgreSQL refuses
an ``INSERT ... ON CONFLICT`` that touches the same row twice ("cannot affect row a second
time").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from psycopg2.extensions import connection as Connection
from psycopg2.extras import Json, execute_values

from mediamon.config import Source
from mediamon.parse.language import detect_headline_language
from mediamon.parse.normalize import normalize_title
from mediamon.window import is_new_on


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
    fetches: list[dict],
    articles: list[dict],
    headlines: list[dict],
    quarantine: list[dict],
    dq_results: list[dict],
    metrics: dict | None = None,
) -> dict[str, int]:
    """Write one source-day batch; returns counts of rows written per table.

    ``metrics`` is the day's :class:`mediamon.quality.drift.DayMetrics` row (upserted by
    source and day). Commits on success, rolls back and re-raises psycopg2 errors on failure.
    """
    try:
        with conn.cursor() as cur:
            _upsert_source(cur, source)
            counts = {
                "fetches": _fetches(cur, source, day, fetches),
                "articles": _articles(cur, source, articles),
                "headlines": _headlines(cur, source, day, headlines),
            }
            counts["sightings"] = _sightings(cur, source, day, headlines)
            counts["quarantine"] = _quarantine(cur, source, day, run_key, quarantine)
            counts["dq_results"] = _dq_results(cur, source, day, run_key, dq_results)
            if metrics is not None:
                _metrics(cur, source, day, metrics)
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
    "duplicate_rate",
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


def _upsert_source(cur, source: Source) -> None:
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


def _fetches(cur, source: Source, day: date, rows: list[dict]) -> int:
    rows = dedupe(rows, lambda r: (r["warc_path"], r["warc_offset"]))
    execute_values(
        cur,
        """
        insert into fetches (source_id, day, url, kind, list_id, status, error, bytes, sha256,
                             content_type, fetched_at, warc_path, warc_offset, elapsed_ms)
        values %s
        on conflict (warc_path, warc_offset) do update set
            status = excluded.status, error = excluded.error, bytes = excluded.bytes,
            sha256 = excluded.sha256, content_type = excluded.content_type,
            elapsed_ms = excluded.elapsed_ms
        """,
        [
            (
                source.id,
                day,
                r["url"],
                r["kind"],
                r.get("list_id"),
                r.get("status"),
                r.get("error"),
                r["bytes"],
                r.get("sha256"),
                r.get("content_type"),
                r["fetched_at"],
                r["warc_path"],
                r["warc_offset"],
                r.get("elapsed_ms"),
            )
            for r in rows
        ],
    )
    return len(rows)


def _articles(cur, source: Source, rows: list[dict]) -> int:
    rows = dedupe(rows, lambda r: (r["canonical_url"],))
    zone = source.zone
    execute_values(
        cur,
        """
        insert into articles as a (canonical_url, url, source_id, title, title_source, authors,
            authors_status, authors_source, published_at, published_day, date_source,
            modified_at, section, language, body_text, parser_version, first_seen, last_seen,
            byline_kind, published_at_reason, dates_disagree, published_at_alt,
            published_at_alt_source, title_language, encoding, encoding_repaired,
            parse_warnings)
        values %s
        on conflict (canonical_url) do update set
            byline_kind = excluded.byline_kind,
            published_at_reason = excluded.published_at_reason,
            dates_disagree = excluded.dates_disagree,
            published_at_alt = excluded.published_at_alt,
            published_at_alt_source = excluded.published_at_alt_source,
            title_language = excluded.title_language, encoding = excluded.encoding,
            encoding_repaired = excluded.encoding_repaired,
            parse_warnings = excluded.parse_warnings,
            url = excluded.url, source_id = excluded.source_id, title = excluded.title,
            title_source = excluded.title_source, authors = excluded.authors,
            authors_status = excluded.authors_status, authors_source = excluded.authors_source,
            published_at = excluded.published_at, published_day = excluded.published_day,
            date_source = excluded.date_source, modified_at = excluded.modified_at,
            section = excluded.section, language = excluded.language,
            body_text = excluded.body_text, parser_version = excluded.parser_version,
            first_seen = least(a.first_seen, excluded.first_seen),
            last_seen = greatest(a.last_seen, excluded.last_seen)
        """,
        [
            (
                r["canonical_url"],
                r["url"],
                source.id,
                r["title"],
                r.get("title_source"),
                r.get("authors") or [],
                r["authors_status"],
                r.get("authors_source"),
                r.get("published_at"),
                r["published_at"].astimezone(zone).date() if r.get("published_at") else None,
                r.get("date_source"),
                r.get("modified_at"),
                r.get("section"),
                r.get("language"),
                r.get("body_text"),
                r["parser_version"],
                r["fetched_at"],
                r["fetched_at"],
                r.get("byline_kind"),
                None if r.get("published_at") else r.get("published_at_reason"),
                bool(r.get("dates_disagree")),
                r.get("published_at_alt"),
                r.get("published_at_alt_source"),
                r.get("title_language"),
                r.get("encoding"),
                bool(r.get("encoding_repaired")),
                list(r.get("warnings") or []),
            )
            for r in rows
        ],
    )
    return len(rows)


def _site_names(source: Source) -> list[str]:
    return [source.name, source.id, *source.hosts]


def _headlines(cur, source: Source, day: date, rows: list[dict]) -> int:
    """Upsert headlines by (source, list, canonical URL) and their title revisions.

    first/last seen day take LEAST/GREATEST; the descriptive columns (url, title, normalized
    title, byline, position, date flag) take the newest day's values, so loading an older day
    after a newer one does not roll them back; ``published_at`` keeps a known value. Every
    title a headline is seen with is kept in ``headline_revisions`` (LEAST/GREATEST days).
    """
    rows = dedupe(rows, lambda r: (r["list_id"], r["canonical_url"]))
    names = _site_names(source)
    execute_values(
        cur,
        """
        insert into headlines as h (source_id, list_id, list_kind, canonical_url, url, title,
            byline, published_at, first_seen_day, last_seen_day, title_normalized, last_position,
            date_flag, published_at_assumed_zone, language)
        values %s
        on conflict (source_id, list_id, canonical_url) do update set
            url = case when excluded.last_seen_day >= h.last_seen_day
                       then excluded.url else h.url end,
            title = case when excluded.last_seen_day >= h.last_seen_day
                         then excluded.title else h.title end,
            title_normalized = case when excluded.last_seen_day >= h.last_seen_day
                                    then excluded.title_normalized else h.title_normalized end,
            byline = case when excluded.last_seen_day >= h.last_seen_day
                          then excluded.byline else h.byline end,
            language = case when excluded.last_seen_day >= h.last_seen_day
                            then excluded.language else h.language end,
            last_position = case when excluded.last_seen_day >= h.last_seen_day
                                 then excluded.last_position else h.last_position end,
            date_flag = case when excluded.published_at is not null
                                  and (excluded.last_seen_day >= h.last_seen_day
                                       or h.published_at is null)
                             then excluded.date_flag else h.date_flag end,
            published_at_assumed_zone = case
                when excluded.published_at is not null
                     and (excluded.last_seen_day >= h.last_seen_day or h.published_at is null)
                then excluded.published_at_assumed_zone else h.published_at_assumed_zone end,
            published_at = case
                when excluded.published_at is not null
                     and (excluded.last_seen_day >= h.last_seen_day or h.published_at is null)
                then excluded.published_at else h.published_at end,
            first_seen_day = least(h.first_seen_day, excluded.first_seen_day),
            last_seen_day = greatest(h.last_seen_day, excluded.last_seen_day)
        """,
        [
            (
                source.id,
                r["list_id"],
                r["list_kind"],
                r["canonical_url"],
                r["url"],
                r.get("title"),
                r.get("byline"),
                r.get("published_at"),
                day,
                day,
                r.get("title_normalized") or normalize_title(r.get("title"), names),
                r.get("position"),
                r.get("date_flag")
                if r.get("published_at") or r.get("date_flag") == "unparsed"
                else None,
                bool(r.get("published_at_assumed_zone")) and r.get("published_at") is not None,
                r.get("language") or detect_headline_language(r.get("title"), source.languages),
            )
            for r in rows
        ],
    )
    revisions = [r for r in rows if r.get("title")]
    if revisions:
        execute_values(
            cur,
            """
            insert into headline_revisions as v (source_id, list_id, canonical_url, title,
                title_normalized, first_seen_day, last_seen_day)
            values %s
            on conflict (source_id, list_id, canonical_url, title) do update set
                title_normalized = excluded.title_normalized,
                first_seen_day = least(v.first_seen_day, excluded.first_seen_day),
                last_seen_day = greatest(v.last_seen_day, excluded.last_seen_day)
            """,
            [
                (
                    source.id,
                    r["list_id"],
                    r["canonical_url"],
                    r["title"],
                    normalize_title(r["title"], names),
                    day,
                    day,
                )
                for r in revisions
            ],  # fmt: skip
        )
    return len(rows)


def _sightings(cur, source: Source, day: date, rows: list[dict]) -> int:
    """Replace the source's sightings of ``day``: one per (list, canonical URL), with the
    position, title, normalized title and published_at seen that day, and ``is_new``
    (:func:`mediamon.window.is_new_on`)."""
    rows = dedupe(rows, lambda r: (r["list_id"], r["canonical_url"]))
    names = _site_names(source)
    cur.execute("delete from sightings where day = %s and source_id = %s", (day, source.id))
    execute_values(
        cur,
        "insert into sightings (day, source_id, list_id, canonical_url, position, title, "
        "title_normalized, published_at, is_new) values %s",
        [
            (
                day,
                source.id,
                r["list_id"],
                r["canonical_url"],
                r["position"],
                r.get("title"),
                r.get("title_normalized") or normalize_title(r.get("title"), names),
                r.get("published_at"),
                is_new_on(r.get("published_at"), day, source.zone),
            )
            for r in rows
        ],  # fmt: skip
    )
    return len(rows)


def _quarantine(cur, source: Source, day: date, run_key: str, rows: list[dict]) -> int:
    rows = dedupe(rows, lambda r: (r["record_kind"], r["record_key"]))
    cur.execute(
        "delete from quarantine where run_key = %s and source_id = %s", (run_key, source.id)
    )
    execute_values(
        cur,
        "insert into quarantine (run_key, source_id, day, record_kind, record_key, record, "
        "reasons) values %s",
        [
            (
                run_key,
                source.id,
                day,
                r["record_kind"],
                r["record_key"],
                Json(r["record"]),
                r["reasons"],
            )
            for r in rows
        ],
    )
    return len(rows)


def _dq_results(cur, source: Source, day: date, run_key: str, rows: list[dict]) -> int:
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
