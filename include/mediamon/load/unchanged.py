"""Upserts that leave unchanged rows alone: SQL pieces of :mod:`mediamon.load.loader`.

Reloading a source-day gives the upserts the rows the warehouse already holds. Written anyway,
each would become a new row version with its index entries, and for ``articles`` and
``headlines`` the generated ``search_tsv`` would be computed twice (once for the row given to
the ``INSERT``, even when it ends up a conflict, once for the update): a reload cost more than a
first load. :func:`skip_unchanged` keeps such rows out of the insert, :func:`unless_unchanged`
keeps the update from rewriting one that gets through (``bench/bench_load.py`` measures the
reload).

A re-parse changes the rows instead: an ``INSERT ... ON CONFLICT DO UPDATE`` computes the
vector for the row it tries to insert and again for the update, so :func:`upsert` updates the
rows already stored first (one vector each) and inserts only what is left.
"""

from __future__ import annotations


def unless_unchanged(alias: str, assignments: list[str]) -> str:
    """SQL: the ``where`` of an ``on conflict do update`` that skips a row the update would
    leave as it is. ``assignments``: the update's ``"column = expression"`` items.

    Reloading a day writes the same values again: without this, each such row is rewritten
    anyway (a new row version, its indexes, and the ``search_tsv`` vector recomputed), which
    made a reload cost twice a first load (``bench/bench_load.py``).
    """
    pairs = [a.split(" = ", 1) for a in assignments]
    before = ", ".join(f"{alias}.{c.strip()}" for c, _ in pairs)
    after = ", ".join(e.strip() for _, e in pairs)
    return f" where ({before}) is distinct from ({after})"


def skip_unchanged(table: str, alias: str, key: list[str], assignments: list[str]) -> str:
    """SQL: the ``where`` of an upsert's ``select ... from <stage> latest`` that leaves out
    the rows already stored with the values the update would set (``assignments`` as for
    :func:`unless_unchanged`, ``excluded`` read as ``latest``). Such a row then never reaches
    the insert, which computes the generated ``search_tsv`` of every row it is given, even one
    that ends up a conflict.
    """
    pairs = [a.split(" = ", 1) for a in assignments]
    before = ", ".join(f"{alias}.{c.strip()}" for c, _ in pairs)
    after = ", ".join(e.strip().replace("excluded.", "latest.") for _, e in pairs)
    on = " and ".join(f"{alias}.{k} = latest.{k}" for k in key)
    return (
        f" where not exists (select 1 from {table} {alias} where {on} "
        f"and ({before}) is not distinct from ({after}))"
    )


def upsert(
    cur, table: str, alias: str, key: list[str], columns: str, source: str, updates: list[str]
) -> None:
    """Upsert the rows of ``source`` (SQL of a ``from`` item named ``latest``, one row per
    ``key``, with ``columns`` and ``first_seq``) into ``table``; ``updates``: the ``"column =
    expression"`` items of the conflict's update (``alias`` the stored row, ``excluded`` the
    new one), each idempotent (applying it twice gives what applying it once does).

    One statement, the result of an ``INSERT ... ON CONFLICT DO UPDATE``: an ``UPDATE`` (in a
    ``WITH``) of the stored rows that would change, their generated ``search_tsv`` computed
    once (not for an insert attempt and again for the update), then the insert, in
    first-seen order, of the rows the update did not write and that are absent or different
    (:func:`skip_unchanged`: both parts read the same snapshot); its ``ON CONFLICT`` catches
    a row another transaction inserted meanwhile. One statement rather than an update and then
    an insert: the insert would compare every column of each row just updated, bodies
    included, only to leave it out.
    """
    on = " and ".join(f"{alias}.{k} = latest.{k}" for k in key)
    fresh = [a.replace("excluded.", "latest.") for a in updates]
    written = " and ".join(f"u.{k} = latest.{k}" for k in key)
    cur.execute(
        f"with updated as (update {table} as {alias} set {', '.join(fresh)} from {source} "
        f"where {on}"
        + unless_unchanged(alias, fresh).replace(" where ", " and ", 1)
        + f" returning {', '.join(f'{alias}.{k}' for k in key)}) "
        f"insert into {table} as {alias} ({columns}) select {columns} from {source}"
        + skip_unchanged(table, alias, key, updates)
        + f" and not exists (select 1 from updated u where {written})"
        + f" order by first_seq on conflict ({', '.join(key)}) do update set "
        + ", ".join(updates)
        + unless_unchanged(alias, updates)
    )
