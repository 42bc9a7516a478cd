"""Drift of sources: a feed, listing or sitemap that stopped yielding (a site redesign).

When an outlet moves its feed or redraws its front page, its list does not fail loudly: it
answers 404, or 200 with no item the parser can read, and the day simply loads nothing from
it. Each list of a source that loaded ``day`` (its ``source_day_metrics`` row, written even
when nothing loaded) is compared with
its own trailing :data:`TRAILING_DAYS` days in ``sightings``: a list that yielded items on at
least :data:`MIN_YIELDING_DAYS` of them and yields none on ``day`` is a :class:`StoppedList`,
with what its fetch said that day (the HTTP status, the error, or "answered, no item"). The
daily DAG sends one alert per source (:func:`describe`, :mod:`mediamon.alerts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta

TRAILING_DAYS = 7
MIN_YIELDING_DAYS = 3


@dataclass(frozen=True)
class StoppedList:
    """One list of a source that yielded on its trailing days and not on ``day``:
    ``yielding_days`` of the trailing :data:`TRAILING_DAYS` had items, ``median_items`` a
    day on those; ``today``: what its fetch said on ``day``."""

    source_id: str
    list_id: str
    day: str
    yielding_days: int
    median_items: float
    today: str

    def as_dict(self) -> dict:
        return asdict(self)


def stopped_lists(
    conn, day: date, lists: Mapping[str, Iterable[str]] | None = None
) -> list[StoppedList]:
    """The lists that stopped yielding on ``day`` (psycopg2 ``conn``, read only), ordered by
    source and list. ``lists``: source id → the list ids to judge (the registry's feeds,
    listings and sitemaps: a list removed from the registry is not an alarm); None judges
    every list with sightings. A source that did not load ``day`` is not judged (its failed
    task already says so)."""
    first = day - timedelta(days=TRAILING_DAYS)
    wanted = {s: set(ids) for s, ids in (lists or {}).items()}
    with conn.cursor() as cur:
        cur.execute(
            """
            with per_day as (
                select source_id, list_id, day, count(*) as n from sightings
                where day between %(first)s and %(day)s group by 1, 2, 3
            ), ran as (select source_id from source_day_metrics where day = %(day)s)
            select p.source_id, p.list_id,
                   count(*) filter (where p.day < %(day)s),
                   percentile_cont(0.5) within group (order by p.n)
                       filter (where p.day < %(day)s)
            from per_day p join ran using (source_id)
            group by 1, 2
            having count(*) filter (where p.day < %(day)s) >= %(min)s
               and count(*) filter (where p.day = %(day)s) = 0
            order by 1, 2
            """,
            {"first": first, "day": day, "min": MIN_YIELDING_DAYS},
        )
        found = [
            row for row in cur.fetchall()
            if lists is None or row[1] in wanted.get(row[0], ())
        ]  # fmt: skip
        said = _fetch_outcomes(cur, day, {(s, lid) for s, lid, _, _ in found})
    conn.rollback()
    return [
        StoppedList(s, lid, day.isoformat(), n, float(median), said.get((s, lid), "not fetched"))
        for s, lid, n, median in found
    ]


def _fetch_outcomes(cur, day: date, keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """What each list's last fetch of ``day`` said: ``HTTP 404``, the error, or ``answered
    HTTP 200, no item``."""
    if not keys:
        return {}
    cur.execute(
        "select distinct on (source_id, list_id) source_id, list_id, status, error "
        "from fetches where day = %(day)s and source_id = any(%(sources)s) "
        "and list_id is not null order by source_id, list_id, fetched_at desc, id desc",
        {"day": day, "sources": sorted({s for s, _ in keys})},
    )
    said = {}
    for source_id, list_id, status, error in cur.fetchall():
        if (source_id, list_id) not in keys:
            continue
        if error:
            said[(source_id, list_id)] = f"failed: {error}"
        elif status is not None and 200 <= status < 300:
            said[(source_id, list_id)] = f"answered HTTP {status}, no item"
        else:
            said[(source_id, list_id)] = f"HTTP {status}"
    return said


def describe(stopped: list[StoppedList]) -> dict[str, str]:
    """One alert text per source: ``{source_id: text}``."""
    by_source: dict[str, list[StoppedList]] = {}
    for s in stopped:
        by_source.setdefault(s.source_id, []).append(s)
    return {
        sid: f"{sid} {rows[0].day}: lists stopped yielding (a site redesign?): "
        + "; ".join(
            f"{r.list_id}: 0 items today, {r.median_items:g} a day on {r.yielding_days} of the "
            f"last {TRAILING_DAYS} days ({r.today})"
            for r in rows
        )
        for sid, rows in by_source.items()
    }
