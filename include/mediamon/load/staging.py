"""Staging tables of a load: rows streamed with ``COPY`` into temporary tables, merged by key.

:func:`stage` creates a temporary table (dropped at commit) with a target table's column
types, :func:`copy_rows` streams rows into it in PostgreSQL's COPY text format
(:func:`copy_value`) and gives the planner statistics on the key, and :func:`latest` is the
``from`` item the upserts read: one row per key, the last in batch order, ordered by the
first occurrence of its key (PostgreSQL refuses an ``INSERT ... ON CONFLICT`` that touches
the same row twice). :mod:`mediamon.load.loader` writes the warehouse from them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from psycopg2.extras import Json


def _escape(text: str) -> str:
    """Backslash, newline, carriage return and tab escaped for COPY's text format (chained
    ``str.replace`` runs in C: about 20x faster than ``str.translate`` with a mapping)."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\n" in text:
        text = text.replace("\n", "\\n")
    if "\r" in text:
        text = text.replace("\r", "\\r")
    if "\t" in text:
        text = text.replace("\t", "\\t")
    return text


def copy_value(value) -> str:
    """One field in PostgreSQL's COPY text format (``\\N`` is NULL).

    str, bool (``t``/``f``), int, float, date/datetime (ISO 8601, offset kept), list/tuple of
    str (a ``text[]`` literal), :class:`psycopg2.extras.Json` (its JSON text). Raises TypeError
    for anything else.
    """
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        items = (
            "NULL" if v is None else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
            for v in value
        )
        return _escape("{" + ",".join(items) + "}")
    if isinstance(value, Json):
        return _escape(json.dumps(value.adapted, ensure_ascii=False))
    raise TypeError(f"cannot COPY a {type(value).__name__}")


class Lines(io.TextIOBase):
    """A read-only text stream over an iterator of lines, for ``copy_expert`` (which calls
    ``read(size)``): rows are encoded as the server asks for them, never all at once."""

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self._buffer = ""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:
        chunks, have = [self._buffer], len(self._buffer)
        while size < 0 or have < size:
            line = next(self._lines, None)
            if line is None:
                break
            chunks.append(line)
            have += len(line)
        data = "".join(chunks)
        if size < 0:
            self._buffer = ""
            return data
        self._buffer = data[size:]
        return data[:size]


def stage(cur, name: str, like: str, columns: list[str], extra: str = "") -> None:
    """A temporary staging table ``name`` (dropped at commit) with the types of ``like``'s
    ``columns``, plus ``extra`` select expressions and ``seq`` (the batch order)."""
    more = f", {extra}" if extra else ""
    cur.execute(
        f"create temp table {name} on commit drop as "
        f"select {', '.join(columns)}{more}, 0::bigint as seq from {like} with no data"
    )


def copy_rows(cur, table: str, columns: list[str], rows: Iterable[tuple], key: str) -> None:
    """COPY ``rows`` (tuples in ``columns`` order, then ``seq`` is added) into ``table``, then
    ``analyze`` its ``key`` columns (SQL list: the ones the upserts join on).

    Without statistics the planner guessed a handful of rows and joined the staging table by
    nested loops (the fetches' delete went quadratic on a reload). The key alone: statistics
    of the other columns (the bodies' most of all) cost a third of a second at 20,000
    articles, and no plan reads them.
    """
    lines = ("\t".join(map(copy_value, row)) + f"\t{seq}\n" for seq, row in enumerate(rows))
    cur.copy_expert(f"copy {table} ({', '.join(columns)}, seq) from stdin", Lines(lines))
    cur.execute(f"analyze {table} ({key})")


def latest(cur, table: str, key: str, keep: str | None = None) -> tuple[str, int]:
    """``(from item, rows)``: SQL of a ``from`` item named ``latest`` holding one row of
    ``table`` (a staging table) per ``key`` (SQL list), the last in batch order, with the
    table's columns plus ``first_seq`` (the batch order of the key's first row); and how many
    rows it holds (the count a load reports).

    When every key is distinct (a batch as the validate stage writes it), the table itself,
    read in place: the window that merges rows sharing a key sorts every staged row, bodies
    included (the sort spilled to disk at 20,000 articles), once per statement reading it.
    Else the window, or with ``keep`` (a name) the merged rows written once to a temporary
    table of that name (dropped at commit), for a caller that reads them several times.
    """
    cur.execute(
        f"select (select count(*) from {table}), "
        f"(select count(*) from (select distinct {key} from {table}) k)"
    )
    staged, rows = cur.fetchone()
    if rows == staged:
        return f"(select *, seq as first_seq from {table}) latest", rows
    merged = (
        f"(select * from (select *, row_number() over (partition by {key} order by seq desc) "
        f"as rn, min(seq) over (partition by {key}) as first_seq from {table}) ranked "
        f"where rn = 1) latest"
    )
    if keep is None:
        return merged, rows
    cur.execute(f"create temp table {keep} on commit drop as select * from {merged}")
    return f"{keep} latest", rows
