"""Loading a validated batch into PostgreSQL: batch dedupe, then idempotent upserts.

One source-day batch is written in one transaction. Keys follow the idempotency contract:

- ``sources``: upsert by id (registry values win).
- ``fetches``: by (warc_path, warc_offset): the same raw record is the same exchange.
- ``articles``: by canonical URL; ``first_seen``/``last_seen`` take LEAST/GREATEST of the fetch
  times, so loading a day twice converges.
- ``headlines``: by (source, list, canonical URL) with first/last seen day LEAST/GREATEST.
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
) -> dict[str, int]:
    """Write one source-day batch; returns counts of rows written per table.

    Commits on success, rolls back and re-raises psycopg2 errors on failure.
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
        conn.commit()
    except Exception:
        conn.rollback()
        raise
    return counts


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
                             content_type, fetched_at, warc_path, warc_offset)
        values %s
        on conflict (warc_path, warc_offset) do update set
            status = excluded.status, error = excluded.error, bytes = excluded.bytes,
            sha256 = excluded.sha256, content_type = excluded.content_type
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
            modified_at, section, language, body_text, parser_version, first_seen, last_seen)
        values %s
        on conflict (canonical_url) do update set
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
            )
            for r in rows
        ],
    )
    return len(rows)


def _headlines(cur, source: Source, day: date, rows: list[dict]) -> int:
    rows = dedupe(rows, lambda r: (r["list_id"], r["canonical_url"]))
    execute_values(
        cur,
        """
        insert into headlines as h (source_id, list_id, list_kind, canonical_url, url, title,
            byline, published_at, first_seen_day, last_seen_day)
        values %s
        on conflict (source_id, list_id, canonical_url) do update set
            url = excluded.url, title = excluded.title, byline = excluded.byline,
            published_at = coalesce(excluded.published_at, h.published_at),
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
            )
            for r in rows
        ],
    )
    return len(rows)


def _sightings(cur, source: Source, day: date, rows: list[dict]) -> int:
    rows = dedupe(rows, lambda r: (r["list_id"], r["canonical_url"]))
    cur.execute("delete from sightings where day = %s and source_id = %s", (day, source.id))
    execute_values(
        cur,
        "insert into sightings (day, source_id, list_id, canonical_url, position, title) values %s",
        [
            (day, source.id, r["list_id"], r["canonical_url"], r["position"], r.get("title"))
            for r in rows
        ],
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
        "evaluated, unexpected) values %s",
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
            )
            for r in rows
        ],
    )
    return len(rows)
