"""Schema migrations of the warehouse (alembic), applied idempotently before loading.

:func:`upgrade` brings a database to the newest revision under a PostgreSQL advisory lock, so
two tasks starting together migrate once. Revisions live in ``migrations/versions``; the
version table is alembic's ``alembic_version`` in the warehouse database.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from mediamon.load.db import connect as db_connect

MIGRATIONS = Path(__file__).with_name("migrations")
LOCK_ID = 727_001  # pg_advisory_lock key for mediamon migrations


def upgrade(connect: str | Callable, revision: str = "head") -> None:
    """Migrate the warehouse to ``revision``.

    ``connect`` is a ``postgresql://`` URI or a zero-argument callable returning a psycopg2
    connection (e.g. ``PostgresHook(...).get_conn``).
    """
    if isinstance(connect, str):
        url = connect
        connect = lambda: db_connect(url)  # noqa: E731
    engine = create_engine("postgresql+psycopg2://", creator=connect)
    try:
        with engine.connect() as connection:
            connection.execute(text("select pg_advisory_lock(:k)"), {"k": LOCK_ID})
            try:
                config = Config()
                config.set_main_option("script_location", str(MIGRATIONS))
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                connection.commit()
            finally:
                connection.execute(text("select pg_advisory_unlock(:k)"), {"k": LOCK_ID})
                connection.commit()
    finally:
        engine.dispose()
