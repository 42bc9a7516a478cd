"""Exports of the warehouse for analysts: a range of local days as CSV, JSON Lines or Parquet,
and the daily Parquet partition (``day=YYYY-MM-DD/source=ID/``) for notebooks and data lakes.

What a table's rows for days [first, last] are (one rule for the CLI and the partitions):

- ``articles``: the articles that a run of one of those local days fetched (a ``fetches`` row
  of kind ``article``, same source and URL, ``day`` in the range): the rule of ``mediamon
  summary`` (:func:`mediamon.report.day_summary`) and of the story clustering, so a day's
  partition holds exactly the articles its summary counts. Publication days do not choose
  rows: some pages print no usable date (``published_at`` null), and the run day is what
  re-parsing a day rewrites. An article appears once per export, with ``run_day``, the
  first day of the range that fetched it; ``published_day`` is a column for filtering.
- ``headlines``: the headlines sighted on a list during those days (``sightings``), once each,
  with ``sighting_days``: the sorted days of the range that saw it.
- ``stories``: the rows of ``story_clusters`` whose ``first_day`` (the day the item was first
  clustered) falls in the range.
- ``mentions``: the watchlist mentions (:mod:`mediamon.mentions`) whose item's local day (an
  article's publication day, else the day it was first seen) falls in the range, one row per
  item, term and place.

Columns: a computed column first (``run_day`` / ``sighting_days``), then every column of the
warehouse table in schema order (a migration's new column is exported from then on), typed
from PostgreSQL (:func:`arrow_type`): timestamptz → ``timestamp[us, tz=UTC]``, date →
``date32``, arrays → ``list<...>``, json/jsonb/numeric → their text as ``string``; tsvector
(a search index's column) is left out. CSV and JSONL write timestamps as ISO 8601 in UTC,
dates as ISO, arrays as JSON arrays (CSV) or JSON lists (JSONL); CSV writes null as an empty
field (it cannot tell null from an empty string: use Parquet or JSONL when that matters).

Memory stays flat in the range's size: rows come through a server-side (named) cursor
:data:`BATCH_ROWS` at a time and each batch is written (one Parquet row group) before the next.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.parquet as pq
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

from mediamon.config import data_dir
from mediamon.load.db import unknown_sources

FORMATS = ("csv", "parquet", "jsonl")
BATCH_ROWS = 5000  # rows per fetch from the server cursor, and per Parquet row group
PARTITION_TABLES = ("articles", "headlines")
PARTITIONS_OFF = "off"  # MEDIAMON_EXPORT_DIR=off: no daily partitions
TEXT_FORMATS = ("csv", "jsonl")  # the formats a stream of text can carry


class ExportError(ValueError):
    """An export that cannot run as asked (format, table, range, output, source)."""


@dataclass(frozen=True)
class TableSpec:
    """How one exported table picks its rows: ``rows`` is the SQL after ``select ... from``,
    with the warehouse table aliased ``t`` and the placeholders ``%(first)s``, ``%(last)s``
    and ``{sources}`` (a filter on the column named, or nothing)."""

    base: str
    computed: tuple[tuple[str, str, pa.DataType], ...]  # (name, SQL expression, type)
    rows: str
    source_column: str
    order: str


TABLES: dict[str, TableSpec] = {
    "articles": TableSpec(
        base="articles",
        computed=(("run_day", "r.run_day", pa.date32()),),
        rows="""(
                select f.source_id, f.url, min(f.day) as run_day from fetches f
                where f.kind = 'article' and f.day between %(first)s and %(last)s {sources}
                group by f.source_id, f.url
            ) r
            join articles t on t.source_id = r.source_id and t.url = r.url""",
        source_column="f.source_id",
        order="r.run_day, t.source_id, t.id",
    ),
    "headlines": TableSpec(
        base="headlines",
        computed=(("sighting_days", "s.sighting_days", pa.list_(pa.date32())),),
        rows="""(
                select g.source_id, g.list_id, g.canonical_url,
                       array_agg(g.day order by g.day) as sighting_days
                from sightings g where g.day between %(first)s and %(last)s {sources}
                group by g.source_id, g.list_id, g.canonical_url
            ) s
            join headlines t on t.source_id = s.source_id and t.list_id = s.list_id
                and t.canonical_url = s.canonical_url""",
        source_column="g.source_id",
        order="t.source_id, t.list_id, t.canonical_url",
    ),
    "stories": TableSpec(
        base="story_clusters",
        computed=(),
        rows="story_clusters t where t.first_day between %(first)s and %(last)s {sources}",
        source_column="t.source_id",
        order="t.first_day, t.cluster_id, t.canonical_url",
    ),
    "mentions": TableSpec(
        base="mentions",
        computed=(),
        rows="mentions t where t.day between %(first)s and %(last)s {sources}",
        source_column="t.source_id",
        order="t.day, t.source_id, t.url, t.term_id, "
        "array_position(array['title', 'lead', 'body'], t.place)",
    ),
}

# PostgreSQL type OID -> Arrow type, for the types read as they are
_SCALARS: dict[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    700: pa.float32(),
    701: pa.float64(),
    19: pa.string(),  # name
    25: pa.string(),  # text
    1042: pa.string(),  # char(n)
    1043: pa.string(),  # varchar
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
}
_LEFT_OUT = {3614, 3615}  # tsvector, tsquery: index material, not data


@dataclass(frozen=True)
class Column:
    name: str
    expr: str  # in the select list
    type: pa.DataType


def arrow_type(type_oid: int, element_oid: int | None) -> tuple[pa.DataType, str] | None:
    """The Arrow type of a PostgreSQL column and the SQL cast it needs (``""`` or
    ``"::text"``/``"::text[]"``); None for a type left out of exports (tsvector, tsquery).

    ``element_oid`` is the element type of an array column (``pg_type.typelem``), else None.
    Types without a native mapping (json, jsonb, numeric, uuid, ...) are read as their text.
    """
    if type_oid in _LEFT_OUT:
        return None
    if element_oid:
        if element_oid in _SCALARS:
            return pa.list_(_SCALARS[element_oid]), ""
        return pa.list_(pa.string()), "::text[]"
    if type_oid in _SCALARS:
        return _SCALARS[type_oid], ""
    return pa.string(), "::text"


def columns(conn, table: str) -> list[Column]:
    """The exported columns of ``table`` (a key of :data:`TABLES`), in order.

    Raises :class:`ExportError` for an unknown table.
    """
    spec = _spec(table)
    with conn.cursor() as cur:
        cur.execute(
            """
            select a.attname, a.atttypid, case when t.typcategory = 'A' then t.typelem end
            from pg_attribute a join pg_type t on t.oid = a.atttypid
            where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped
            order by a.attnum
            """,
            (spec.base,),
        )
        found = cur.fetchall()
    out = [Column(name, expr, type_) for name, expr, type_ in spec.computed]
    for name, type_oid, element_oid in found:
        mapped = arrow_type(type_oid, element_oid)
        if mapped is not None:
            ident = f'"{name}"'
            out.append(Column(name, f"t.{ident}{mapped[1]} as {ident}", mapped[0]))
    return out


def arrow_schema(cols: Sequence[Column]) -> pa.Schema:
    """The Parquet/Arrow schema of ``cols`` (every field nullable)."""
    return pa.schema([pa.field(c.name, c.type) for c in cols])


def check_request(
    table: str, fmt: str, first: date, last: date, out: Path | IO[str] | None
) -> None:
    """Raise :class:`ExportError` (one line) when the arguments cannot give an export:
    unknown format or table, a reversed range, Parquet without a file
    path. Needs no database."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (choose {', '.join(FORMATS)})")
    _spec(table)
    if first > last:
        raise ExportError(f"the range is reversed: from {first} is after to {last}")
    if fmt == "parquet" and not isinstance(out, str | Path):
        raise ExportError("parquet is binary: give a file with --out PATH")


def export_table(
    conn,
    table: str,
    first: date,
    last: date,
    out: Path | IO[str],
    *,
    fmt: str,
    sources: Sequence[str] = (),
    batch_rows: int = BATCH_ROWS,
) -> int:
    """Write ``table``'s rows for local days [first, last] (all sources, or ``sources``) to
    ``out`` in ``fmt``; return the number of rows written.

    ``out`` is a file path (written under a temporary name, then renamed: a failed export
    leaves no partial file) or, for csv/jsonl, an open text stream. An empty range gives a
    file with the header (CSV) or the schema (Parquet). Reads in the connection's transaction
    through a named cursor; rolls back at the end when the connection was idle before (nothing
    is written to the warehouse). Raises :class:`ExportError` as :func:`check_request` does,
    and for a source id the warehouse does not know.
    """
    check_request(table, fmt, first, last, out)
    idle = conn.get_transaction_status() == TRANSACTION_STATUS_IDLE
    try:
        _check_sources(conn, sources)
        cols = columns(conn, table)
        writer = _WRITERS[fmt]
        batches = _batches(conn, table, cols, first, last, sources, batch_rows)
        try:
            if isinstance(out, str | Path):
                with _atomic(Path(out)) as tmp:
                    return writer(batches, cols, tmp)
            return writer(batches, cols, out)
        finally:
            batches.close()  # the named cursor closes now, on the open connection
    finally:
        if idle and not conn.closed:
            conn.rollback()


def export_dir() -> Path | None:
    """Where the daily partitions go: ``MEDIAMON_EXPORT_DIR``, default ``<data dir>/exports``
    (``var/exports``); None when it is ``off`` (the daily DAG then skips its partition task).
    """
    configured = os.environ.get("MEDIAMON_EXPORT_DIR", "").strip()
    if configured.lower() == PARTITIONS_OFF:
        return None
    return Path(configured).resolve() if configured else data_dir() / "exports"


def partition_dir(base_path: Path, day: date, source_id: str) -> Path:
    """``base_path/day=YYYY-MM-DD/source=ID``: Hive-style keys, which
    ``pyarrow.dataset.dataset(..., partitioning="hive")`` reads back as columns ``day`` and
    ``source`` (the files' own columns are ``run_day``/``sighting_days`` and ``source_id``, so
    the names never clash)."""
    return Path(base_path) / f"day={day.isoformat()}" / f"source={source_id}"


def export_day_partition(
    conn, day: date | str, source_id: str, base_path: Path | str | None = None
) -> dict:
    """Write the Parquet partition of one source's local ``day``: ``articles.parquet`` and
    ``headlines.parquet`` under :func:`partition_dir` (``base_path`` default
    :func:`export_dir`), with the rows of :func:`export_table` for that day and source.

    Idempotent: each file is written under a temporary name and renamed over the old one, and
    the same warehouse rows give the same bytes (rows in key order). A day without rows gets
    files with the schema and no rows. Returns ``{"path": str, "articles": n, "headlines": m}``
    (small enough for an XCom). Raises :class:`ExportError` for a source the warehouse lacks,
    or when no ``base_path`` is given and partitions are off (:func:`export_dir` is None).
    """
    day = date.fromisoformat(day) if isinstance(day, str) else day
    base_path = base_path or export_dir()
    if base_path is None:
        raise ExportError(f"no partition folder: MEDIAMON_EXPORT_DIR is {PARTITIONS_OFF!r}")
    folder = partition_dir(Path(base_path), day, source_id)
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict = {"path": str(folder)}
    for table in PARTITION_TABLES:
        counts[table] = export_table(
            conn, table, day, day, folder / f"{table}.parquet", fmt="parquet", sources=[source_id]
        )
    return counts


def write_day_partitions(
    conn, day: date | str, source_ids: Sequence[str], base_path: Path | str | None = None
) -> dict:
    """The daily DAG's partitions: :func:`export_day_partition` for each of ``source_ids``
    that the warehouse holds a load of for ``day`` (a ``source_day_metrics`` row: the load
    task ran to its end), in id order. A source whose chain stopped before its load gets no
    partition (an empty one would read as "nothing published"; an earlier run's partition, if
    any, stays, matching the warehouse rows it was written from).

    Returns ``{"path": base folder, "day": ISO day, "written": {source_id: {"articles": n,
    "headlines": m}}, "not_loaded": [source_id, ...]}``.
    """
    day = date.fromisoformat(day) if isinstance(day, str) else day
    base = Path(base_path) if base_path else export_dir()
    if base is None:
        raise ExportError(f"no partition folder: MEDIAMON_EXPORT_DIR is {PARTITIONS_OFF!r}")
    with conn.cursor() as cur:
        cur.execute(
            "select source_id from source_day_metrics where day = %s and source_id = any(%s)",
            (day, list(source_ids)),
        )
        loaded = {r[0] for r in cur.fetchall()}
    conn.rollback()
    written = {}
    for source_id in sorted(loaded):
        done = export_day_partition(conn, day, source_id, base)
        written[source_id] = {t: done[t] for t in PARTITION_TABLES}
    not_loaded = sorted(set(source_ids) - loaded)
    return {"path": str(base), "day": day.isoformat(), "written": written, "not_loaded": not_loaded}


def export_text(
    conn, table: str, first: date, last: date, *, fmt: str, sources: Sequence[str] = ()
) -> Iterator[str]:
    """``table``'s rows for local days [first, last] as CSV or JSON Lines text, one chunk
    (str) per batch of :data:`BATCH_ROWS` rows (a CSV's first chunk starts with the header):
    the rows and columns of :func:`export_table`, for a streamed HTTP response.

    The arguments are checked before this returns (it is not itself a generator): raises
    :class:`ExportError` as :func:`export_table` does, and for ``parquet`` (binary: write a
    file with :func:`export_table`). The chunks are read lazily through a named cursor in
    the connection's transaction; closing or finishing the iterator closes the cursor and
    rolls back. The connection stays the caller's to close.
    """
    if fmt not in TEXT_FORMATS:
        raise ExportError(
            f"format {fmt!r} cannot be streamed as text (choose {', '.join(TEXT_FORMATS)}; "
            "parquet: `mediamon export --format parquet --out FILE`)"
        )
    check_request(table, fmt, first, last, None)
    try:
        _check_sources(conn, sources)
        cols = columns(conn, table)
    except BaseException:
        conn.rollback()
        raise
    return _text_chunks(conn, table, cols, first, last, sources, fmt)


def _text_chunks(conn, table, cols, first, last, sources, fmt) -> Iterator[str]:
    batches = _batches(conn, table, cols, first, last, sources, BATCH_ROWS)
    try:
        for text, _ in _CHUNKS[fmt](batches, cols):
            yield text
    finally:
        batches.close()
        if not conn.closed:
            conn.rollback()


def _spec(table: str) -> TableSpec:
    if table not in TABLES:
        raise ExportError(f"unknown table {table!r} (choose {', '.join(TABLES)})")
    return TABLES[table]


def _check_sources(conn, sources: Sequence[str]) -> None:
    problem = unknown_sources(conn, sources)
    if problem:
        raise ExportError(problem)


def _batches(
    conn, table, cols: Sequence[Column], first, last, sources, batch_rows: int
) -> Iterator[list[tuple]]:
    """The rows of the export, ``batch_rows`` at a time, from a server-side cursor."""
    spec = _spec(table)
    where = f"and {spec.source_column} = any(%(sources)s)" if sources else ""
    query = (
        f"select {', '.join(c.expr for c in cols)} "
        f"from {spec.rows.format(sources=where)} order by {spec.order}"
    )
    params = {"first": first, "last": last, "sources": list(sources)}
    with conn.cursor(name=f"mediamon_export_{uuid.uuid4().hex[:8]}") as cur:
        cur.itersize = batch_rows
        cur.execute(query, params)
        while rows := cur.fetchmany(batch_rows):
            yield rows


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """A hidden temporary path beside ``path``, renamed to it on success, removed on error
    (readers of a dataset skip names starting with a dot)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_parquet(batches: Iterator[list[tuple]], cols: Sequence[Column], path: Path) -> int:
    schema = arrow_schema(cols)
    written = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for rows in batches:
            arrays = [
                pa.array(values, type=c.type)
                for values, c in zip(zip(*rows, strict=True), cols, strict=True)
            ]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            written += len(rows)
    return written


def _text_value(type_: pa.DataType, *, for_csv: bool) -> Callable:
    """A function giving one value of ``type_`` as CSV text or as a JSON-ready value."""
    if pa.types.is_timestamp(type_):
        if type_.tz:
            return lambda v: None if v is None else v.astimezone(UTC).isoformat()
        return lambda v: None if v is None else v.isoformat()
    if pa.types.is_date(type_):
        return lambda v: None if v is None else v.isoformat()
    if pa.types.is_list(type_):
        item = _text_value(type_.value_type, for_csv=False)
        if for_csv:
            return lambda v: (
                None if v is None else json.dumps([item(x) for x in v], ensure_ascii=False)
            )
        return lambda v: None if v is None else [item(x) for x in v]
    if for_csv and pa.types.is_boolean(type_):
        return lambda v: None if v is None else ("true" if v else "false")
    return lambda v: v


def _csv_chunks(
    batches: Iterator[list[tuple]], cols: Sequence[Column]
) -> Iterator[tuple[str, int]]:
    """(CSV text, rows in it) per batch; the header comes first, alone."""
    convert = [_text_value(c.type, for_csv=True) for c in cols]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.name for c in cols])
    yield buffer.getvalue(), 0
    for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([[f(v) for f, v in zip(convert, r, strict=True)] for r in rows])
        yield buffer.getvalue(), len(rows)


def _jsonl_chunks(
    batches: Iterator[list[tuple]], cols: Sequence[Column]
) -> Iterator[tuple[str, int]]:
    """(JSON Lines text, rows in it) per batch."""
    names = [c.name for c in cols]
    convert = [_text_value(c.type, for_csv=False) for c in cols]
    for rows in batches:
        yield (
            "".join(
                json.dumps(
                    {n: f(v) for n, f, v in zip(names, convert, r, strict=True)}, ensure_ascii=False
                )
                + "\n"
                for r in rows
            ),
            len(rows),
        )


_CHUNKS = {"csv": _csv_chunks, "jsonl": _jsonl_chunks}


def _text_writer(fmt: str) -> Callable:
    def write(batches: Iterator[list[tuple]], cols: Sequence[Column], out: Path | IO[str]) -> int:
        written = 0
        with _text_stream(out) as stream:
            for text, n in _CHUNKS[fmt](batches, cols):
                stream.write(text)
                written += n
        return written

    return write


@contextlib.contextmanager
def _text_stream(out: Path | IO[str]) -> Iterator[IO[str]]:
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8", newline="") as stream:
            yield stream
    else:
        yield out
        out.flush()


_WRITERS = {"csv": _text_writer("csv"), "parquet": _write_parquet, "jsonl": _text_writer("jsonl")}
