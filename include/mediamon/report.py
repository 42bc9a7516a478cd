"""The per-source summary of a day, read back from the warehouse (what `make run` prints)."""

from __future__ import annotations

from mediamon.text.table import format_table

COLUMNS = (
    "source",
    "fetched",
    "errors",
    "articles",
    "headlines",
    "quarantined",
    "checks_passed",
    "checks_failed",
)


def day_summary(conn, day: str) -> list[dict]:
    """One dict per source that has rows for local ``day`` (ISO date), keys :data:`COLUMNS`.

    ``fetched``/``errors`` count the day's HTTP exchanges (errors: no response or status
    >= 400); ``articles`` those fetched that day and loaded; ``headlines`` the day's sightings;
    ``quarantined`` and ``checks_*`` the day's run.
    """
    with conn.cursor() as cur:
        cur.execute(
            """
            select s.id,
              (select count(*) from fetches f where f.source_id = s.id and f.day = %(d)s),
              (select count(*) from fetches f where f.source_id = s.id and f.day = %(d)s
                 and (f.status is null or f.status >= 400)),
              (select count(distinct a.canonical_url) from articles a
                 join fetches f on f.source_id = a.source_id and f.url = a.url
                 and f.day = %(d)s and f.kind = 'article'
               where a.source_id = s.id),
              (select count(*) from sightings g where g.source_id = s.id and g.day = %(d)s),
              (select count(*) from quarantine q where q.source_id = s.id and q.day = %(d)s),
              (select count(*) from dq_results r where r.source_id = s.id and r.day = %(d)s
                 and r.success),
              (select count(*) from dq_results r where r.source_id = s.id and r.day = %(d)s
                 and not r.success)
            from sources s
            where exists (select 1 from fetches f where f.source_id = s.id and f.day = %(d)s)
            order by s.id
            """,
            {"d": day},
        )
        return [dict(zip(COLUMNS, row, strict=True)) for row in cur.fetchall()]


def format_summary(rows: list[dict]) -> str:
    """A plain-text table of :func:`day_summary` rows, with a total line."""
    if not rows:
        return "(no source has data for this day)"
    total = {c: sum(r[c] for r in rows) for c in COLUMNS[1:]}
    total["source"] = f"total ({len(rows)})"
    return format_table([*rows, total], COLUMNS)


def failed_gates(conn, day: str) -> list[tuple[str, str]]:
    """``(source, check)`` pairs of the day whose failing check has severity ``fail``."""
    with conn.cursor() as cur:
        cur.execute(
            "select source_id, check_name from dq_results where day = %s and severity = 'fail' "
            "and not success order by 1, 2",
            (day,),
        )
        return cur.fetchall()
