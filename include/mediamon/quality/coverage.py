"""Coverage of a source's local day: what its lists promised versus what was captured.

A source's lists (feeds, listings, sitemaps) promise article links; those dated inside the
day's window [00:00, 24:00) local are the day's **promised** articles. **Captured** are those
whose article page answered 2xx in the day's capture. A gap above :func:`gap_threshold` flags
the day for a backfill.

A past day can only be seen through what reaches it: a capture made during the day (the raw
store; a replayed recording is of the day it was recorded, not of the day it is replayed),
lists whose dated items go back into the day (listing pagination walked back, feeds, news
sitemaps), or a date-archive page of the day. When none does, the day is **unreachable**:
loading it as an empty day would look complete, so the load keeps its fetches and checks but
not its sightings or drift metrics, and the run says so per source.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import date, datetime

from mediamon.config import Source
from mediamon.text.table import format_table
from mediamon.text.urls import canonicalize_url
from mediamon.window import local_day_window

LIST_KINDS = ("feed", "listing", "sitemap")
DEFAULT_GAP = 0.1


def gap_threshold() -> float:
    """Share of promised articles that may be missing before a day is flagged
    (``MEDIAMON_COVERAGE_GAP``, default :data:`DEFAULT_GAP`; 0..1)."""
    raw = os.environ.get("MEDIAMON_COVERAGE_GAP")
    try:
        return min(1.0, max(0.0, float(raw))) if raw else DEFAULT_GAP
    except ValueError:
        return DEFAULT_GAP


@dataclass(frozen=True)
class Coverage:
    """One source-day's coverage (a ``source_day_coverage`` row without the keys).

    ``promised``: distinct canonical URLs of the source's own articles dated inside the day on
    any list; ``captured``: those whose page answered 2xx; ``missing`` = promised - captured;
    ``undated``: list items without a date (they cannot be placed on a day); ``reason``: why
    the day is unreachable or flagged, for people.
    """

    promised: int
    captured: int
    missing: int
    undated: int
    reachable: bool
    flagged: bool
    reason: str | None

    def as_row(self) -> dict:
        return asdict(self)


def day_coverage(
    source: Source,
    day: date | str,
    fetches: list[dict],
    headlines: list[dict],
    *,
    threshold: float | None = None,
) -> Coverage:
    """Coverage of ``source`` on local ``day`` from a validated batch's records.

    ``fetches``: the capture's exchanges (``kind``, ``list_id``, ``url``, ``status``,
    ``fetched_at`` tz-aware); ``headlines``: the list items that passed validation (``url``,
    ``published_at`` tz-aware or None). The day is reachable when a list page was read during
    the day (a replayed capture's day is the day it was recorded: lists read before the day
    began cannot reach it), when a date-archive page of the day answered, or when the oldest
    dated list item is older than the day's end (the lists reach back into it); unreachable
    when every list page failed or every dated item is newer than the day. Lists that print no
    date at all cannot tell: the day counts as reached and is flagged, with the reason.
    """
    threshold = gap_threshold() if threshold is None else threshold
    window = local_day_window(day, source.timezone)
    lists = [f for f in fetches if f["kind"] in LIST_KINDS and _ok(f)]
    articles = {canonicalize_url(f["url"]) for f in fetches if f["kind"] == "article" and _ok(f)}
    dated = [h for h in headlines if h.get("published_at") and h.get("url")]
    promised = {
        canonicalize_url(h["url"])
        for h in dated
        if window.contains(h["published_at"]) and source.owns(h["url"])
    }
    captured = len(promised & articles)
    undated = sum(1 for h in headlines if not h.get("published_at"))
    archives = {x.id for x in source.listings if x.is_template}
    reachable, reason, unknown = True, None, False
    if not any(f["kind"] in LIST_KINDS for f in fetches):  # not a crawl's batch: cannot judge
        unknown, reason = True, "no list page in the capture: coverage unknown"
    elif not lists:
        reachable, reason = False, "cannot reach this day: no list page answered"
    elif (read := max(_instant(f["fetched_at"]) for f in lists)) < window.start:
        reachable = False  # a recording of an earlier day (a replayed capture) replayed later
        reason = (
            f"cannot reach this day: its lists were read on "
            f"{read.astimezone(source.zone):%Y-%m-%d}, before the day began"
        )
    elif min(_instant(f["fetched_at"]) for f in lists) < window.end:
        pass  # read during the day: the lists showed the day as it was
    elif any(f["list_id"] in archives for f in lists):
        pass  # a date-archive page of the day answered
    elif not dated:  # nothing says how far back the lists go: flagged, not refused
        unknown = True
        reason = "cannot tell whether its lists reach this day: they print no dates"
    elif min(h["published_at"] for h in dated) >= window.end:
        oldest = min(h["published_at"] for h in dated)
        reachable = False
        reason = (
            f"cannot reach this day: read on {_instant(lists[0]['fetched_at']):%Y-%m-%d}, "
            f"its lists reach back only to {oldest.astimezone(source.zone):%Y-%m-%d %H:%M}, "
            "and no date archive or sitemap covers the day"
        )
    missing = len(promised) - captured
    gap = bool(promised) and missing / len(promised) > threshold
    if reachable and gap:
        reason = f"{missing} of {len(promised)} promised articles not captured"
    return Coverage(
        promised=len(promised), captured=captured, missing=missing, undated=undated,
        reachable=reachable, flagged=not reachable or gap or unknown, reason=reason,
    )  # fmt: skip


def _ok(fetch: dict) -> bool:
    return fetch.get("status") is not None and 200 <= fetch["status"] < 300


def _instant(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def unreachable(conn, day: date | str) -> list[tuple[str, str]]:
    """``(source, reason)`` of the sources that cannot reach local ``day``."""
    with conn.cursor() as cur:
        cur.execute(
            "select source_id, reason from source_day_coverage where day = %s and not reachable "
            "order by 1",
            (day,),
        )
        return cur.fetchall()


def recorded(
    conn, source_ids: list[str], first: date, last: date
) -> dict[tuple[str, date], tuple[bool, str | None]]:
    """(source, day) -> (reachable, reason) for the source-days in [first, last] that loaded
    (those with a ``source_day_coverage`` row)."""
    with conn.cursor() as cur:
        cur.execute(
            "select source_id, day, reachable, reason from source_day_coverage "
            "where source_id = any(%s) and day between %s and %s",
            (list(source_ids), first, last),
        )
        return {(s, d): (ok, why) for s, d, ok, why in cur.fetchall()}


COLUMNS = ("day", "source", "promised", "captured", "missing", "undated", "reachable", "flagged")


def coverage_rows(conn, first: date, last: date, *, flagged_only: bool = False) -> list[dict]:
    """``source_day_coverage`` rows of [first, last] as dicts (:data:`COLUMNS` + ``reason``),
    by day then source."""
    with conn.cursor() as cur:
        cur.execute(
            "select day, source_id, promised, captured, missing, undated, reachable, flagged, "
            "reason from source_day_coverage where day between %s and %s "
            "and (flagged or not %s) order by day, source_id",
            (first, last, flagged_only),
        )
        return [dict(zip((*COLUMNS, "reason"), row, strict=True)) for row in cur.fetchall()]


def format_coverage(rows: list[dict]) -> str:
    """A plain-text table of :func:`coverage_rows`, the reason at the end of each line."""
    if not rows:
        return "(no coverage recorded for these days)"
    return format_table([{**r, "reason": r["reason"] or ""} for r in rows], (*COLUMNS, "reason"))
