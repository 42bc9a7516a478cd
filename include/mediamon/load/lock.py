"""The per-source advisory lock that serialises a source's loads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from psycopg2.extensions import connection as Connection

SOURCE_LOCK = 727_002  # pg_advisory_lock class for one source's loads


@contextmanager
def source_lock(conn: Connection, source_id: str) -> Iterator[None]:
    """Hold a PostgreSQL session advisory lock for ``source_id`` while loading.

    Runs of different days (``max_active_runs`` > 1, a backfill, a re-parse) upsert the same
    articles and headlines of a source; taking this lock first makes their transactions wait
    for each other instead of deadlocking. Different sources never wait for each other.
    """
    with conn.cursor() as cur:
        cur.execute("select pg_advisory_lock(%s, hashtext(%s))", (SOURCE_LOCK, source_id))
    conn.commit()
    try:
        yield
    finally:
        # a lost connection took its session's locks with it; unlocking would only mask the
        # error that lost it
        if not conn.closed:
            with conn.cursor() as cur:
                cur.execute("select pg_advisory_unlock(%s, hashtext(%s))", (SOURCE_LOCK, source_id))
            conn.commit()
