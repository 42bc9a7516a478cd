"""Story clusters in the warehouse: the items a day's clustering reads, and its result written.

The clustering itself (which items are the same story) is
:func:`mediamon.quality.duplicates.cluster`; the stage that joins the two is
:func:`mediamon.pipeline.cluster_stage`.
"""

from __future__ import annotations

from datetime import date

from psycopg2.extensions import connection as Connection
from psycopg2.extras import execute_values

from mediamon.quality.duplicates import Item

LEAD_CHARS = 3000  # enough for duplicates.LEAD_WORDS words of a lead


def story_items(conn: Connection, day: date) -> list[Item]:
    """The items to cluster for local ``day``: the headlines sighted that day and the
    articles fetched that day, plus those clustered in the two days before (so today's
    reprint joins yesterday's story), each with its current cluster and the first
    :data:`LEAD_CHARS` characters of its article's body when the warehouse has it (the body
    rule of :mod:`mediamon.quality.duplicates` reads the lead only)."""
    with conn.cursor() as cur:
        cur.execute(
            """
            select u.canonical_url, u.source_id, u.title, u.cluster_id,
                   left(a.body_text, %(lead_chars)s)
            from (
                select distinct on (h.canonical_url) h.canonical_url, h.source_id, h.title,
                       c.cluster_id
                from sightings s
                join headlines h using (source_id, list_id, canonical_url)
                left join story_clusters c on c.canonical_url = h.canonical_url
                where s.day = %(day)s and h.title is not null
                union
                select distinct on (a.canonical_url) a.canonical_url, a.source_id, a.title,
                       c.cluster_id
                from articles a
                join fetches f on f.source_id = a.source_id and f.url = a.url
                    and f.day = %(day)s and f.kind = 'article'
                left join story_clusters c on c.canonical_url = a.canonical_url
                union
                select canonical_url, source_id, title, cluster_id from story_clusters
                where first_day between %(day)s - 2 and %(day)s - 1
            ) u
            left join articles a on a.canonical_url = u.canonical_url
            """,
            {"day": day, "lead_chars": LEAD_CHARS},
        )
        rows = cur.fetchall()
    return [Item(key=r[0], source_id=r[1], title=r[2], cluster_id=r[3], body=r[4]) for r in rows]


def write_clusters(
    conn: Connection, day: date, items: list[Item], assigned: dict[str, str]
) -> None:
    """Upsert ``story_clusters`` by canonical URL (``assigned``: key → cluster id, ``items``
    the clustered items), keeping each item's first day; one transaction, committed. Rolls
    back and re-raises on a psycopg2 error."""
    by_key = {i.key: i for i in items}
    try:
        with conn.cursor() as cur:
            execute_values(
                cur,
                """
                insert into story_clusters (canonical_url, cluster_id, source_id, title, first_day)
                values %s
                on conflict (canonical_url) do update set cluster_id = excluded.cluster_id,
                    title = excluded.title,
                    first_day = least(story_clusters.first_day, excluded.first_day)
                """,
                [(k, assigned[k], by_key[k].source_id, by_key[k].title, day)
                 for k in sorted(assigned)],
            )  # fmt: skip
        conn.commit()
    except Exception:
        if not conn.closed:  # a lost connection: rolling back would mask the real error
            conn.rollback()
        raise
