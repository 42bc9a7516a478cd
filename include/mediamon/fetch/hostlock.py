"""One crawler per outlet host at a time, across DAG runs, workers and machines.

Inside one crawl the :class:`mediamon.fetch.fetcher.Fetcher` keeps a host's requests in turn,
``min_delay`` apart. Across crawls (a backfill's ``max_active_runs=4`` days of one outlet,
Celery workers on several machines) a PostgreSQL session advisory lock keyed by the outlet's
host makes the crawls of one host wait for each other: the lock is taken before the first
request of a crawl and released after its last one, plus ``min_delay``, so the next crawler's
first request comes at least ``min_delay`` after this one's last. A crawl holds exactly one
such lock and takes it before any request: no two crawls can wait for each other in a cycle.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from psycopg2.extensions import connection as Connection

from mediamon.config import Source

HOST_LOCK = 727_003  # pg_advisory_lock class for one host's crawls (load/lock.py: 727_002)

log = logging.getLogger(__name__)


def outlet_host(source: Source) -> str:
    """The host a source's crawl is keyed by: its homepage's, without ``www.`` (one site, one
    politeness budget, as the fetcher counts it)."""
    return (urlsplit(source.homepage).hostname or "").lower().removeprefix("www.")


@contextmanager
def host_lock(conn: Connection, host: str, min_delay: float) -> Iterator[float]:
    """Hold the advisory lock of ``host`` on ``conn`` while one crawl fetches it.

    Yields the seconds spent waiting for another crawl of the host to finish. On leaving,
    sleeps ``min_delay`` seconds (the per-host delay) before releasing, so that the gap
    between two crawlers' requests is never shorter than within one crawl. A lost connection
    releases the lock with its session.
    """
    started = time.monotonic()
    with conn.cursor() as cur:
        cur.execute("select pg_advisory_lock(%s, hashtext(%s))", (HOST_LOCK, host))
    conn.commit()
    waited = time.monotonic() - started
    if waited > 1:
        log.info("%s: waited %.1f s for another crawl of the host to finish", host, waited)
    try:
        yield waited
    finally:
        if not conn.closed:
            time.sleep(min_delay)
            with conn.cursor() as cur:
                cur.execute("select pg_advisory_unlock(%s, hashtext(%s))", (HOST_LOCK, host))
            conn.commit()
