"""The monitoring page's watchlist section: a term's mentions by outlet over the page's window
(data, and its SVG chart drawn by pygal like the page's other charts). Read-only."""

from __future__ import annotations

import logging
from typing import Any

from mediamon.config.watchlist import WatchlistError, load_watchlist
from mediamon.mentions import daily_counts, read_mentions

log = logging.getLogger(__name__)
LATEST_MENTIONS = 20


def mentions_overview(conn, days: list[str], term: str | None = None) -> dict[str, Any]:
    """The watchlist section for local ``days`` (ISO, oldest first; none: an empty section).

    Returns ``{"terms": [{"id", "name", "items"}] (every term of the watchlist in force, and
    any other term with mentions in the window; ``items``: articles and headlines mentioning
    it in the window), "term": the chosen id (``term`` when given, else the term with the
    most items; None when no term is mentioned), "name", "sources": [source ids with
    mentions of it], "per_day": {source: {day: items}}, "latest":
    :func:`mediamon.mentions.read_mentions` rows (the newest :data:`LATEST_MENTIONS`),
    "alerts": [{"day", "term_id", "items", "threshold", "text"}] (the window's spikes, newest
    first), "watchlist_error": str | None}``.
    """
    names, error = {}, None
    try:
        names = {t.id: t.name for t in load_watchlist().terms}
    except WatchlistError as exc:  # the page still shows what the warehouse holds
        error = str(exc)
        log.warning("mediamon monitor: %s", error)
    first, last = (days[0], days[-1]) if days else (None, None)
    counts = daily_counts(conn, first=first, last=last) if days else []
    items: dict[str, int] = dict.fromkeys(names, 0)
    for row in counts:
        items[row["term_id"]] = items.get(row["term_id"], 0) + row["items"]
    terms = [{"id": t, "name": names.get(t, t), "items": n} for t, n in items.items()]
    best = max(terms, key=lambda t: t["items"], default={"id": None, "items": 0})
    chosen = term or (best["id"] if best["items"] else None)
    per_day: dict[str, dict[str, int]] = {}
    for row in counts:
        if row["term_id"] == chosen:
            per_day.setdefault(row["source_id"], {})[row["day"]] = row["items"]
    latest = (
        read_mentions(conn, chosen, first=first, last=last, limit=LATEST_MENTIONS)
        if chosen and days
        else []
    )
    alerts = []
    if days:
        with conn.cursor() as cur:
            cur.execute(
                "select day, term_id, items, threshold, text from mention_alerts "
                "where day between %s and %s order by day desc, term_id",
                (first, last),
            )
            alerts = [
                {"day": d.isoformat(), "term_id": t, "items": n, "threshold": round(x, 1),
                 "text": text}
                for d, t, n, x, text in cur.fetchall()
            ]  # fmt: skip
        conn.rollback()
    return {
        "terms": terms, "term": chosen, "name": names.get(chosen, chosen),
        "sources": sorted(per_day), "per_day": per_day, "latest": latest, "alerts": alerts,
        "watchlist_error": error,
    }  # fmt: skip


def mentions_chart(data: dict[str, Any]) -> str:
    """An inline SVG (string): the chosen term's items per outlet and day, stacked (``data``:
    the page's overview, its ``mentions`` from :func:`mentions_overview`)."""
    import pygal

    section = data["mentions"]
    chart = pygal.StackedBar(
        title=f"Mentions of {section['name'] or '(no term)'} per outlet and day", height=320,
        width=900, js=[], disable_xml_declaration=True, x_label_rotation=30,
        legend_at_bottom=True, print_values=False,
    )  # fmt: skip
    chart.x_labels = data["days"]
    for source in section["sources"]:
        per_day = section["per_day"][source]
        chart.add(source, [per_day.get(d) for d in data["days"]])
    return chart.render(is_unicode=True)
