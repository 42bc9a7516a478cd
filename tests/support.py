"""Shared test helpers and paths (importable as ``support``: tests/ is on pytest's pythonpath)."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
from mediamon.config import Source

ROOT = Path(__file__).resolve().parents[1]
REAL_FIXTURES = Path(
    os.environ.get("MEDIAMON_REAL_FIXTURES", ROOT.parent / "shared" / "fixtures" / "real")
).resolve()
DEMO = ROOT / "include" / "mediamon" / "demo" / "exclusive"
DEMO_HOST = "exclusive.kz.example"  # hostlock.outlet_host of the demo outlet's homepage

TABLES = {
    "sources": "id",
    "fetches": "warc_path, warc_offset",
    "articles": "canonical_url",
    "headlines": "source_id, list_id, canonical_url",
    "sightings": "day, source_id, list_id, canonical_url",
    "headline_revisions": "source_id, list_id, canonical_url, title",
    "article_revisions": "canonical_url, content_hash",
    "article_revision_fetches": "canonical_url, content_hash, day, fetched_at",
    "dq_results": "run_key, check_name, source_id",
    "quarantine": "run_key, source_id, record_kind, record_key",
    "source_day_metrics": "source_id, day",
    "story_clusters": "canonical_url",
    "source_day_coverage": "source_id, day",
    "mentions": "article_id, headline_id, term_id, place",
}


def snapshot(conn) -> dict[str, list[tuple]]:
    """Every row of every warehouse table, in key order."""
    with conn.cursor() as cur:
        tables = {}
        for table, key in TABLES.items():
            cur.execute(f"select * from {table} order by {key}")
            tables[table] = cur.fetchall()
    conn.rollback()
    return tables


def make_source(
    tz: str = "Asia/Almaty",
    article: dict | None = None,
    sid: str = "exclusive",
    homepage: str = "https://exclusive.kz/",
    languages: tuple[str, ...] = ("ru", "kk"),
    first_year: int = 1990,
    syndication_hosts: tuple[str, ...] = (),
) -> Source:
    """A registry Source for tests (the real class: attribute drift breaks the tests)."""
    host = (urlsplit(homepage).hostname or "").removeprefix("www.")
    return Source(
        id=sid, name=sid, homepage=homepage, languages=languages, timezone=tz,
        first_year=first_year, article=article, hosts=(host, f"www.{host}"),
        syndication_hosts=syndication_hosts,
    )  # fmt: skip


def server_db(name: str) -> str:
    """URI of database ``name`` on the tests' PostgreSQL server (the one conftest chose for
    the session's Airflow metadata database), created if missing."""
    from mediamon.load.db import ensure_database, with_database

    session_db = os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace("+psycopg2", "", 1)
    url = with_database(session_db, name)
    ensure_database(url)
    return url


def clone_db(template: str, name: str) -> str:
    """URI of a new database ``name`` on the tests' PostgreSQL server, a copy of the database
    ``template`` (``create database … template``: a file copy on the server, no migration
    run; nothing may be connected to ``template``)."""
    from mediamon.load.db import with_database

    session_db = os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace("+psycopg2", "", 1)
    conn = psycopg2.connect(with_database(session_db, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'create database "{name}" template "{template}"')
    conn.close()
    return with_database(session_db, name)


def drop_db(url: str) -> None:
    """Drop the database ``url`` names (its sessions closed first)."""
    from mediamon.load.db import with_database

    name = urlsplit(url).path.lstrip("/")
    conn = psycopg2.connect(with_database(url, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
    conn.close()


def query(url: str, sql: str, args=()) -> list[tuple]:
    """Every row ``sql`` returns on the database ``url`` (a connection of its own)."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.close()


def downgrade(url: str, revision: str) -> None:
    """Take the warehouse ``url`` down to alembic ``revision`` (the runtime only goes up:
    :func:`mediamon.load.schema.upgrade`)."""
    from alembic import command
    from alembic.config import Config
    from mediamon.load.schema import MIGRATIONS
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    with engine.connect() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.commit()
    engine.dispose()


def migration(name: str):
    """A migration module of include/mediamon/load/migrations/versions by file name (no
    ``.py``), loaded on its own: the constants it froze, for tests that compare them."""
    import importlib.util

    from mediamon.load.schema import MIGRATIONS

    spec = importlib.util.spec_from_file_location(name, MIGRATIONS / "versions" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def waits_for_the_host_lock(server, warehouse: str, host: str, run, requests: int) -> None:
    """Assert that ``run`` (called in a thread) waits for a crawl of ``host``: while this
    holds the host's advisory lock on another session, ``server`` (a replay server) gets no
    request; after, ``run`` finishes and at least ``requests`` arrive."""
    from mediamon.fetch.hostlock import HOST_LOCK

    holder = psycopg2.connect(warehouse)
    holder.autocommit = True
    server.arrivals.clear()
    with holder.cursor() as cur, ThreadPoolExecutor(1) as pool:
        cur.execute("select pg_advisory_lock(%s, hashtext(%s))", (HOST_LOCK, host))
        done = pool.submit(run)
        try:
            time.sleep(1.0)
            assert not server.arrivals, "a request went out while another crawl held the host"
            assert not done.done()
        finally:
            cur.execute("select pg_advisory_unlock(%s, hashtext(%s))", (HOST_LOCK, host))
        done.result(timeout=120)
    holder.close()
    assert len(server.arrivals) >= requests


# One short story page's parts, for the parser's rule tests (a body long enough to count).
STORY_FETCHED = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)
STORY_URL = "https://example.kz/news/2024/09/07/story/"
STORY_TEXT = (
    "<p>Городской совет обсудил план ремонта дорог на следующий год и решил начать с окраин, "
    "где жалоб больше всего.</p><p>Работы начнутся весной, подрядчиков выберут на открытом "
    "конкурсе, а итоги будут опубликованы на сайте акимата.</p>"
)
