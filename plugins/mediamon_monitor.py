"""mediamon's monitoring page inside Airflow: a FastAPI app mounted by the api-server.

- ``/mediamon/``: the page (:mod:`mediamon.monitor`): per source and day volumes, DQ pass
  rates, quarantine counts and top reasons, drift alarms, last successful runs, charts, and
  the registry's sources with their source checks (unchecked ones said so);
  every route takes ``?end=YYYY-MM-DD`` (the window's last local day; default the latest day
  a source could reach, else the latest with fetches) and ``?days=N`` (1 to 366, default 14);
- ``/mediamon/chart/volume.svg``, ``/mediamon/chart/pass_rate.svg``: its charts;
- ``/mediamon/data.json``: the same data as JSON;
- ``/mediamon/data-docs/...``: the Great Expectations Data Docs (``$MEDIAMON_DATA_DIR/data_docs``);
- ``/mediamon/search``: the search page (:mod:`mediamon.monitor.search_page`), linked from the
  monitoring page; ``/mediamon/article/{id}``: an article's row (title, byline, dates, body,
  URL); ``/mediamon/story/{cluster_id}``: a story cluster's items;
- ``/mediamon/api/search``, ``/mediamon/api/export``, ``/mediamon/api/mentions``: the read API
  (JSON, streamed CSV/JSON Lines), documented on each route below and in README "Searching
  and exporting".

The UI links it as the "mediamon" entry of its navigation (``external_views``).
Airflow does not authenticate plugin apps; this one requires, on every route, a logged-in
user allowed to read the runs of ``mediamon_daily`` (the api-server's own
``requires_access_dag`` dependency: the JWT of the UI's cookie or an ``Authorization:
Bearer`` header, checked by the auth manager). A browser without a session is sent to the
login page. Read-only: GET routes only, one read-only transaction per request. Errors never
show connection details.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Annotated

import psycopg2
from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.core_api.security import requires_access_dag
from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from mediamon.config import DAILY_DAG_ID, data_dir
from mediamon.load.db import WarehouseNotConfigured, connect
from mediamon.mentions import (
    MAX_READ,
    MentionsError,
    check_filters,
    daily_counts,
    read_mentions,
)
from mediamon.monitor import CHARTS, WINDOW_DAYS, overview, render_page
from mediamon.quality.data_docs import DATA_DOCS_CSP
from mediamon.window import MAX_DAYS

log = logging.getLogger(__name__)
URL_PREFIX = "/mediamon"
DATA_DOCS_HEADERS = {"Content-Security-Policy": DATA_DOCS_CSP, "X-Content-Type-Options": "nosniff"}
PAGE_HEADERS = {"Content-Security-Policy": "script-src 'none'"}  # our pages print scraped text

app = FastAPI(
    title="mediamon monitoring",
    dependencies=[
        Depends(requires_access_dag("GET", DagAccessEntity.RUN, param_dag_id=DAILY_DAG_ID))
    ],
    docs_url=None,
    redoc_url=None,
    openapi_url=None,
)


@app.exception_handler(HTTPException)
async def _login_first(request: Request, exc: HTTPException):
    """401 (no or expired session) on a page: to the login page, then back here."""
    wants_html = "text/html" in request.headers.get("accept", "")
    if exc.status_code == 401 and wants_html:
        from airflow.api_fastapi.app import get_auth_manager

        login = get_auth_manager().get_url_login(next_url=str(request.url.path))
        return RedirectResponse(login, status_code=303)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)


@app.exception_handler(RequestValidationError)
async def _one_line_422(request: Request, exc: RequestValidationError):
    """A malformed or missing parameter: 422 ``{"detail": "<param>: <what is wrong>"}``, a
    string as for every other error of the read API (not FastAPI's list of objects)."""
    problems = [
        f"{'.'.join(str(part) for part in err['loc'][1:]) or 'request'}: {err['msg']}"
        for err in exc.errors()
    ]
    return JSONResponse({"detail": "; ".join(problems)}, status_code=422)


def _connect():
    """psycopg2 connection to the warehouse: Airflow connection ``mediamon_db``, else
    ``MEDIAMON_DATABASE_URL``, never the embedded server (:func:`mediamon.load.db.connect`).
    Raises HTTPException 503 (no details) when unreachable."""
    from airflow.models.connection import Connection

    try:
        conn = connect(
            airflow=Connection.get_connection_from_secrets, embedded=False, connect_timeout=10
        )
    except WarehouseNotConfigured as exc:
        raise HTTPException(503, str(exc)) from None
    except psycopg2.Error as exc:
        log.warning("mediamon monitor: warehouse unreachable (%s)", type(exc).__name__)
        raise HTTPException(503, "the warehouse is unreachable") from None
    conn.set_session(readonly=True)
    return conn


def _last_runs() -> list[dict]:
    """The latest successful run of each mediamon DAG, from Airflow's metadata database."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from sqlalchemy import func, select

    with create_session() as session:
        latest = (
            select(DagRun.dag_id, func.max(DagRun.end_date).label("end"))
            .where(DagRun.dag_id.like("mediamon\\_%"), DagRun.state == DagRunState.SUCCESS)
            .group_by(DagRun.dag_id)
            .subquery()
        )
        rows = session.execute(
            select(DagRun.dag_id, DagRun.run_id, DagRun.logical_date, DagRun.end_date)
            .join(latest, (DagRun.dag_id == latest.c.dag_id) & (DagRun.end_date == latest.c.end))
            .order_by(DagRun.dag_id)
        ).all()
    return [
        {"dag_id": d, "run_id": r, "logical_date": _iso(ld), "end_date": _iso(e)}
        for d, r, ld, e in rows
    ]


def _iso(value) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _data_docs_dir() -> Path:
    return (data_dir() / "data_docs").resolve()


def _window(
    end: Annotated[date | None, Query(description="last local day shown")] = None,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="how many local days")] = WINDOW_DAYS,
    term: Annotated[str | None, Query(max_length=100, description="watchlist term")] = None,
) -> dict:
    """The query's window (and the watchlist term charted); 422 for a malformed date, days
    out of range, or an end day past which no day can follow (9999-12-31: the window's
    arithmetic would overflow)."""
    if end is not None and end >= date.max:
        raise HTTPException(422, f"end must be before {date.max.isoformat()}")
    return {"end": end, "days": days, "term": term}


Window = Annotated[dict, Depends(_window)]


def _overview(window: dict) -> dict:
    conn = _connect()
    try:
        return overview(conn, days=window["days"], end=window["end"], term=window["term"])
    finally:
        conn.close()


@app.get("/", response_class=HTMLResponse)
def page(window: Window) -> HTMLResponse:
    docs = "data-docs/index.html" if (_data_docs_dir() / "index.html").is_file() else None
    html = render_page(_overview(window), _last_runs(), docs)
    return HTMLResponse(html, headers=PAGE_HEADERS)


@app.get("/chart/{name}")
def chart(name: str, window: Window) -> Response:
    """A chart of the page as SVG (pygal), e.g. ``chart/volume.svg?end=2024-09-08&days=14``
    (``chart/mentions.svg`` also takes ``&term=ID``)."""
    if name not in CHARTS:
        raise HTTPException(404, "not found")
    svg = CHARTS[name](_overview(window))
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@app.get("/data.json")
def data(window: Window) -> dict:
    return {**_overview(window), "runs": _last_runs()}


@app.get("/data-docs/{path:path}")
def data_docs(path: str) -> FileResponse:
    """A file of the Data Docs site; 404 for anything outside its folder. Served under
    :data:`~mediamon.quality.data_docs.DATA_DOCS_CSP` (no script, sandboxed): the pages
    print scraped values, on the Airflow UI's own origin."""
    root = _data_docs_dir()
    target = (root / (path or "index.html")).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise HTTPException(404, "not found")
    return FileResponse(target, headers=DATA_DOCS_HEADERS)


# --- search: the page, an article, a story, and the read API (/api/search, /api/export) ---


class _BadRequest(ValueError):
    """A search or export request that cannot run (answered 422 with its message)."""


def _day_param(name: str, value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _BadRequest(f"{name}: not a date (YYYY-MM-DD): {value!r}") from None


def _search_hits(
    conn, q: str, first: str, last: str, source: list[str], language: list[str], limit: int
) -> tuple[dict, list]:
    """The form's values (``{"q", "from", "to", "source", "language", "limit"}``, dates as
    ``date``, empty choices dropped) and :func:`mediamon.search.search`'s hits; raises
    :class:`_BadRequest` for a bad date, a reversed range, an unknown source or an unreadable
    query. Rolls the read-only transaction back."""
    from mediamon.monitor.search_page import source_ids
    from mediamon.search import QueryError, search

    form = {"q": q.strip(), "from": _day_param("from", first), "to": _day_param("to", last),
            "source": [s for s in source if s], "language": [x for x in language if x],
            "limit": limit}  # fmt: skip
    if form["from"] and form["to"] and form["from"] > form["to"]:
        raise _BadRequest(f"the range is reversed: from {form['from']} is after to {form['to']}")
    try:
        unknown = sorted(set(form["source"]) - set(source_ids(conn)))
        if unknown:
            raise _BadRequest(f"unknown source {', '.join(unknown)}")
        hits = search(conn, form["q"], first=form["from"], last=form["to"],
                      sources=form["source"] or None, languages=form["language"] or None,
                      limit=limit)  # fmt: skip
    except QueryError as exc:
        raise _BadRequest(str(exc)) from None
    finally:
        conn.rollback()
    return form, hits


Q = Annotated[str, Query(description='words, "a phrase", prefix* (mediamon search syntax)')]
FROM = Annotated[str, Query(alias="from", description="first local day, YYYY-MM-DD")]
TO = Annotated[str, Query(alias="to", description="last local day, YYYY-MM-DD (included)")]
SOURCES = Annotated[list[str], Query(description="source id (repeatable; none: every source)")]
LANGUAGES = Annotated[list[str], Query(description="row language: ru, kk, en (repeatable)")]
LIMIT = Annotated[int, Query(ge=1, le=1000, description="at most this many hits")]


@app.get("/search", response_class=HTMLResponse)
def search_page(
    q: Q = "", first: FROM = "", last: TO = "", source: SOURCES = (),  # noqa: B008
    language: LANGUAGES = (), limit: LIMIT = 20,  # noqa: B008
) -> HTMLResponse:  # fmt: skip
    """The search page: the form, and the hits of ``q`` (none asked: the form alone). An
    unreadable request is shown on the page with status 422."""
    from mediamon.monitor.search_page import render_search, source_ids

    conn = _connect()
    try:
        sources = source_ids(conn)
        form = {"q": q, "from": first, "to": last, "source": list(source),
                "language": list(language), "limit": limit}  # fmt: skip
        hits, error, status = None, None, 200
        if q.strip():
            try:
                form, hits = _search_hits(conn, q, first, last, list(source), list(language),
                                          limit)  # fmt: skip
            except _BadRequest as exc:
                error, status = str(exc), 422
        conn.rollback()
    finally:
        conn.close()
    html = render_search(form, hits, sources, error)
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


@app.get("/article/{article_id}", response_class=HTMLResponse)
def article_page(
    article_id: int,
    version: Annotated[int | None, Query(description="diff version N-1 to N")] = None,
) -> HTMLResponse:
    """An article's row: title, byline, dates, body, URL, its story, its versions with a diff
    (``?version=N``: from version N-1 to N; default the latest), takedown and paywall flags;
    404 when unknown, 422 for a version it does not have."""
    from mediamon.monitor.search_page import article, render, versions

    conn = _connect()
    try:
        found = article(conn, article_id)
        history = versions(conn, found["canonical_url"], version) if found else None
        conn.rollback()
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    finally:
        conn.close()
    if found is None:
        raise HTTPException(404, f"no article {article_id}")
    html = render("article.html", a=found, h=history)
    return HTMLResponse(html, headers=PAGE_HEADERS)


@app.get("/story/{cluster_id:path}", response_class=HTMLResponse)
def story_page(cluster_id: str) -> HTMLResponse:
    """A story cluster: its items across outlets, each linked to its article; 404 when
    unknown."""
    from mediamon.monitor.search_page import render, story

    conn = _connect()
    try:
        found = story(conn, cluster_id)
        conn.rollback()
    finally:
        conn.close()
    if found is None:
        raise HTTPException(404, "no such story")
    return HTMLResponse(render("story.html", s=found), headers=PAGE_HEADERS)


@app.get("/api/search")
def api_search(
    q: Annotated[str, Query(min_length=1, description='words, "a phrase", prefix*')],
    first: FROM = "", last: TO = "", source: SOURCES = (),  # noqa: B008
    language: LANGUAGES = (), limit: LIMIT = 20,  # noqa: B008
) -> dict:  # fmt: skip
    """Full-text search (:func:`mediamon.search.search`) as JSON.

    Parameters: ``q`` (required), ``from``/``to`` (local days, included), ``source`` and
    ``language`` (repeatable), ``limit`` (1..1000, default 20). Answer: ``{"query": q,
    "from": day|null, "to": day|null, "source": [...], "language": [...], "limit": n,
    "hits": [{"kind": "article"|"headline", "source_id", "day", "title", "snippet",
    "marks": [[start, end], ...] (character offsets of the matched words in snippet),
    "url", "language", "rank", "title_hit", "article_id" (null for a headline),
    "cluster_id" (null when not clustered)}]}``, title hits first, then by rank.
    Errors: 422 ``{"detail": ...}`` for a missing query, a bad date, a reversed range, an
    unknown source, a limit out of range or an unreadable query (an unclosed quote);
    401/403 without a session allowed to read mediamon_daily's runs; 503 when the
    warehouse is unreachable.
    """
    from mediamon.monitor.search_page import hit_json

    conn = _connect()
    try:
        form, hits = _search_hits(conn, q, first, last, list(source), list(language), limit)
    except _BadRequest as exc:
        raise HTTPException(422, str(exc)) from None
    finally:
        conn.close()
    return {
        "query": form["q"], "from": _iso_day(form["from"]), "to": _iso_day(form["to"]),
        "source": form["source"], "language": form["language"], "limit": limit,
        "hits": [hit_json(h) for h in hits],
    }  # fmt: skip


EXPORT_MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


@app.get("/api/export")
def api_export(
    first: Annotated[date, Query(alias="from", description="first local day, YYYY-MM-DD")],
    last: Annotated[date, Query(alias="to", description="last local day, YYYY-MM-DD")],
    fmt: Annotated[str, Query(alias="format", description="jsonl or csv")] = "jsonl",
    table: Annotated[
        str, Query(description="articles, headlines, stories or mentions")
    ] = "articles",
    source: SOURCES = (),  # noqa: B008
) -> StreamingResponse:
    """A table's rows for local days [from, to], streamed (``mediamon export``'s rows and
    columns: :mod:`mediamon.export`).

    Parameters: ``from``, ``to`` (required), ``format`` (``jsonl``, default, one JSON object
    per line, or ``csv`` with a header line; Parquet is binary: use ``mediamon export``),
    ``table`` (``articles``, default, ``headlines``, ``stories``, ``mentions``), ``source``
    (repeatable).
    The body is sent batch by batch as the warehouse is read (memory flat in the range's
    size), as an attachment named ``<table>_<from>_<to>.<format>``. Errors (before any row
    is sent): 422 ``{"detail": ...}`` for a missing or bad date, a reversed range, an unknown
    format, table or source; 401/403 and 503 as for ``/api/search``.
    """
    from mediamon.export import ExportError, export_text

    conn = _connect()
    try:
        chunks = export_text(conn, table, first, last, fmt=fmt, sources=list(source))
    except ExportError as exc:
        conn.close()
        raise HTTPException(422, str(exc)) from None
    except BaseException:
        conn.close()
        raise

    def stream():
        try:
            yield from chunks
        finally:
            chunks.close()
            conn.close()

    name = f"{table}_{first.isoformat()}_{last.isoformat()}.{fmt}"
    return StreamingResponse(
        stream(), media_type=EXPORT_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "X-Content-Type-Options": "nosniff"},
    )  # fmt: skip


# -- read API: watchlist mentions ---------------------------------------------------------
@app.get("/api/mentions")
def api_mentions(
    term: Annotated[str | None, Query(max_length=100, description="watchlist term id")] = None,
    first: Annotated[date | None, Query(alias="from", description="first local day")] = None,
    last: Annotated[date | None, Query(alias="to", description="last local day")] = None,
    source: Annotated[list[str] | None, Query(description="source id (repeatable)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_READ, description="mention rows at most")] = 100,
) -> dict:
    """Watchlist mentions as JSON (:func:`mediamon.mentions.read_mentions` and
    :func:`mediamon.mentions.daily_counts`): ``GET /mediamon/api/mentions?term=tokayev&from=
    2024-09-01&to=2024-09-08&source=kazinform_kk&limit=100``, every parameter optional; days
    are the items' local days, both included. Answers ``{"term", "from", "to", "sources",
    "daily": [{"day", "source_id", "term_id", "items", "occurrences"}], "mentions": [{"kind",
    "item_id", "term_id", "place", "source_id", "day", "url", "title", "count",
    "snippet"}]}`` (newest first, at most ``limit``); 422 ``{"detail": ...}`` for a malformed
    or reversed range, a limit outside 1..1000, or an unknown term or source (one line naming
    the known ones: :func:`mediamon.mentions.check_filters`)."""
    if first and last and first > last:
        raise HTTPException(422, f"the range is reversed: from {first} is after to {last}")
    conn = _connect()
    try:
        try:
            check_filters(conn, term, source)
        except MentionsError as exc:
            raise HTTPException(422, str(exc)) from None
        scope = {"first": first, "last": last, "sources": source or None}
        return {
            "term": term, "from": _iso_day(first), "to": _iso_day(last), "sources": source or [],
            "daily": daily_counts(conn, term, **scope),
            "mentions": read_mentions(conn, term, **scope, limit=limit),
        }  # fmt: skip
    finally:
        conn.close()


def _iso_day(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --- end of search ---


class MediamonMonitorPlugin(AirflowPlugin):
    """Mounts :data:`app` at ``/mediamon`` and links it from the UI's navigation."""

    name = "mediamon_monitor"
    fastapi_apps = [{"app": app, "url_prefix": URL_PREFIX, "name": "mediamon monitoring"}]
    external_views = [
        {
            "name": "mediamon",
            "href": "mediamon/",
            "destination": "nav",
            "url_route": "mediamon",
        }
    ]
