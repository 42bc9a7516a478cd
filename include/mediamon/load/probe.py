"""Which records of a batch the warehouse refuses, one at a time, when the set-based load
failed: poison isolation at the load.

:func:`mediamon.load.loader.load_batch` writes a source-day in one transaction of set-based
statements, so one row PostgreSQL refuses (a value out of range, a character it does not
take, a constraint) fails them all. :func:`unloadable` writes each article and headline
alone inside a savepoint that is always rolled back, and returns those refused with the
server's reason; the caller quarantines them and loads the rest
(:func:`mediamon.pipeline.load_stage`). Nothing is kept from a probe.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import psycopg2

from mediamon.config import Source
from mediamon.load.loader import upsert_source, write_articles, write_headlines
from mediamon.records import Article, Headline

ROW_ERRORS = (
    psycopg2.DataError,  # out of range, character not in repertoire, invalid text
    psycopg2.IntegrityError,  # not null, check constraints
    psycopg2.errors.ProgramLimitExceeded,  # an index entry too large
    TypeError,  # a value COPY cannot write (mediamon.load.staging.copy_value)
    KeyError,  # a required field missing
    ValueError,
    AttributeError,
)
"""Errors a single row can cause; a lost connection or a lock timeout is not one of them."""


def unloadable(
    conn, source: Source, day: date, records: Iterable[tuple[str, Article | Headline]]
) -> list[tuple[int, str]]:
    """``(index, reason)`` of the ``(kind, record)`` pairs (kinds ``article``, ``headline``)
    the warehouse refuses when each is written alone; the transaction is rolled back after.
    ``reason``: ``"load refused: <error class>: <first line of the message>"``."""
    refused: list[tuple[int, str]] = []
    conn.rollback()
    with conn.cursor() as cur:
        upsert_source(cur, source)  # the records' foreign key, as in a load
        for index, (kind, record) in enumerate(records):
            cur.execute("savepoint probe")
            try:
                if kind == "article":
                    write_articles(cur, source, [record])
                else:
                    write_headlines(cur, source, day, [record])
            except ROW_ERRORS as exc:
                first = (str(exc).strip().splitlines() or [""])[0]
                refused.append((index, f"load refused: {type(exc).__name__}: {first}"[:500]))
            finally:
                cur.execute("rollback to savepoint probe")
    conn.rollback()
    return refused
