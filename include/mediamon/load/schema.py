"""Schema migrations of the warehouse (alembic), applied idempotently before loading.

:func:`upgrade` brings a database to the newest revision under a PostgreSQL advisory lock, so
two tasks starting together migrate once. Revisions live in ``migrations/versions``; the
version table is alembic's ``alembic_version`` in the warehouse database.

A database already at the head (every run but the first after a release) costs one query:
the head is read from the revision files' ``revision`` / ``down_revision`` lines and compared
with ``alembic_version`` before alembic and SQLAlchemy are imported (importing them and
building alembic's script directory took most of the ``migrate`` task's time).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from mediamon.load.db import connect as db_connect

MIGRATIONS = Path(__file__).with_name("migrations")
LOCK_ID = 727_001  # pg_advisory_lock key for mediamon migrations
_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


def head_revision(folder: Path = MIGRATIONS / "versions") -> str | None:
    """The single head of the revision files in ``folder`` (the revision no other file names
    as its ``down_revision``), read from the files' text without importing them; None when
    that is not one plain string id (several heads, a merge tuple, a computed value): the
    caller then asks alembic."""
    revisions, parents = set(), set()
    for path in folder.glob("*.py"):
        found = dict(_REVISION.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revision, down = found["revision"], found.get("down_revision", "None")
        if not re.fullmatch(r"""(["'])\w+\1""", revision) or not re.fullmatch(
            r"""None|(["'])\w+\1""", down
        ):
            return None
        revisions.add(revision[1:-1])
        if down != "None":
            parents.add(down[1:-1])
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


def current_revision(conn) -> str | None:
    """The revision recorded in ``alembic_version`` (None: no table or no row; one revision
    expected, as this project's chain is linear). Leaves the connection idle (rolled back)."""
    with conn.cursor() as cur:
        cur.execute("select to_regclass('alembic_version') is not null")
        rows = []
        if cur.fetchone()[0]:
            cur.execute("select version_num from alembic_version")
            rows = cur.fetchall()
    conn.rollback()
    return rows[0][0] if len(rows) == 1 else None


def upgrade(connect: str | Callable, revision: str = "head") -> None:
    """Migrate the warehouse to ``revision``.

    ``connect`` is a ``postgresql://`` URI or a zero-argument callable returning a psycopg2
    connection (e.g. ``PostgresHook(...).get_conn``). When ``revision`` is ``"head"`` and the
    database is there already, returns after one query (see the module doc).
    """
    if isinstance(connect, str):
        url = connect
        connect = lambda: db_connect(url)  # noqa: E731
    if revision == "head":
        head = head_revision()
        with closing(connect()) as conn:
            if head is not None and current_revision(conn) == head:
                return
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

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
