"""The monitoring page shown inside Airflow (plugins/mediamon_monitor.py): its data and HTML.

:func:`overview` reads the warehouse (a psycopg2 connection) into plain dicts;
:func:`render_page` turns them into one HTML page through a Jinja2 template that escapes every
value (titles and reasons come from scraped pages); :data:`CHARTS` are server-rendered SVG
charts (pygal) that the page shows as images (an SVG loaded by ``<img>`` runs no script).
The registry's sources and whether a live check ever passed for them come from
:mod:`mediamon.monitor.checks`. Read-only: nothing here writes.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from mediamon.monitor.checks import registry_checks
from mediamon.monitor.mentions import mentions_chart, mentions_overview
from mediamon.report import day_summary
from mediamon.window import day_range

TEMPLATES = Path(__file__).with_name("templates")
WINDOW_DAYS = 14
TOP_REASONS = 10
LATEST_HEADLINES = 10


def overview(
    conn,
    days: int = WINDOW_DAYS,
    end: date | None = None,
    term: str | None = None,
    sources: dict | None = None,
) -> dict[str, Any]:
    """What the page shows, for the ``days`` local days up to ``end`` (inclusive): 1 to
    :data:`mediamon.window.MAX_DAYS` (:class:`mediamon.window.DayRangeError` otherwise);
    ``term``: the watchlist term whose mentions the page charts (default: the most mentioned).

    ``end`` defaults to the latest day with data: the latest day a source could reach
    (``source_day_coverage.reachable``), else the latest day with fetches (not today: a
    backfill or the demo may be years old, and a run of today over an old recording reaches
    nothing). Returns ``{"days": [YYYY-MM-DD...], "end": str | None,
    "latest": bool (``end`` was that default),
    "sources": [{"source_id", "name", "last_loaded_day", "per_day": {day: {"fetched", "errors",
    "articles", "headlines", "quarantined", "dq_passed", "dq_total", "pass_rate", "reachable"
    (False when the source cannot reach the day, else True), "coverage_reason"}}}] (the
    counts of :func:`mediamon.report.day_summary`, days with fetches only),
    "cut": [{"source_id", "list_id", "shown", "total"}] (the end day's lists longer than the
    :data:`LATEST_HEADLINES` items shown),
    "reasons": [{"source_id", "reason", "count"}], "drift": [{"source_id", "day", "check",
    "today", "baseline", "baseline_days"}], "headlines": [{"source_id", "list_id", "position",
    "title", "url"}] (the end day's first items per list), "quarantined": [{"source_id", "day",
    "record_kind", "record_key", "title", "reasons"}] (latest first), "mentions": the
    watchlist section (:func:`mediamon.monitor.mentions.mentions_overview`)}``. ``pass_rate``
    is passed/total expectations (0..1) or None when no check ran; counts are row counts.
    ``"checks"``: the registry's sources, checked or not, with their last source check
    (:func:`mediamon.monitor.checks.registry_checks` over ``sources``, default the registry
    in force), shown even before any data.
    """
    checks = registry_checks(conn, sources)
    latest = end is None
    with conn.cursor() as cur:
        if end is None:
            cur.execute(
                "select coalesce((select max(day) from source_day_coverage where reachable), "
                "(select max(day) from fetches))"
            )
            end = cur.fetchone()[0]
        if end is None:
            conn.rollback()
            return {"days": [], "end": None, "latest": True, "sources": [], "reasons": [],
                    "drift": [], "headlines": [], "cut": [], "quarantined": [],
                    "mentions": mentions_overview(conn, [], term), "checks": checks}  # fmt: skip
        shown = day_range(end - timedelta(days=days - 1), end)
        window = {"start": shown[0], "end": end}
        day_list = [d.isoformat() for d in shown]

        cur.execute(
            "select s.id, s.name, (select max(day) from dq_results r where r.source_id = s.id) "
            "from sources s order by s.id"
        )
        sources = {
            sid: {"source_id": sid, "name": name, "last_loaded_day": _iso(last), "per_day": {}}
            for sid, name, last in cur.fetchall()
        }

        for day in day_list:  # the same counts as `make run`'s summary (report.day_summary)
            for row in day_summary(conn, day):
                if row["source"] in sources:
                    sources[row["source"]]["per_day"][day] = {
                        "fetched": row["fetched"], "errors": row["errors"],
                        "articles": row["articles"], "headlines": row["headlines"],
                        "quarantined": row["quarantined"], "dq_passed": row["checks_passed"],
                        "dq_total": row["checks_passed"] + row["checks_failed"],
                    }  # fmt: skip
        cur.execute(
            "select source_id, day, reason from source_day_coverage "
            "where not reachable and day between %(start)s and %(end)s",
            window,
        )
        unreachable = {(s, d.isoformat()): why for s, d, why in cur.fetchall()}
        for source in sources.values():
            for day, slot in source["per_day"].items():
                total = slot["dq_total"]
                slot["pass_rate"] = slot["dq_passed"] / total if total else None
                slot["reachable"] = (source["source_id"], day) not in unreachable
                slot["coverage_reason"] = unreachable.get((source["source_id"], day))

        cur.execute(
            "select source_id, reason, count(*) from quarantine, unnest(reasons) as reason "
            "where day between %(start)s and %(end)s group by 1, 2 "
            "order by 3 desc, 1, 2 limit %(top)s",
            {**window, "top": TOP_REASONS},
        )
        reasons = [{"source_id": s, "reason": r, "count": n} for s, r, n in cur.fetchall()]

        cur.execute(
            "select source_id, day, check_name, observed from dq_results "
            "where check_name like 'drift.%%' and not success "
            "and day between %(start)s and %(end)s order by day desc, source_id, check_name",
            window,
        )
        drift = [
            {"source_id": s, "day": d.isoformat(), "check": c.removeprefix("drift."),
             "today": (o or {}).get("today"), "baseline": (o or {}).get("baseline"),
             "baseline_days": (o or {}).get("days")}
            for s, d, c, o in cur.fetchall()
        ]  # fmt: skip

        cur.execute(
            "select g.source_id, g.list_id, g.position, coalesce(g.title, h.title), "
            "g.canonical_url from sightings g left join headlines h "
            "using (source_id, list_id, canonical_url) "
            "where g.day = %(end)s and g.position <= %(top)s "
            "order by g.source_id, g.list_id, g.position",
            {**window, "top": LATEST_HEADLINES},
        )
        headlines = [
            {"source_id": s, "list_id": lid, "position": p, "title": t, "url": u}
            for s, lid, p, t, u in cur.fetchall()
        ]

        cur.execute(
            "select source_id, list_id, count(*) from sightings where day = %(end)s "
            "group by 1, 2 having count(*) > %(top)s order by 1, 2",
            {**window, "top": LATEST_HEADLINES},
        )
        cut = [
            {"source_id": s, "list_id": lid, "shown": LATEST_HEADLINES, "total": n}
            for s, lid, n in cur.fetchall()
        ]

        cur.execute(
            "select source_id, day, record_kind, record_key, record->>'title', reasons "
            "from quarantine where day between %(start)s and %(end)s "
            "order by day desc, source_id, record_kind, record_key limit 50",
            window,
        )
        quarantined = [
            {"source_id": s, "day": d.isoformat(), "record_kind": k, "record_key": key,
             "title": t, "reasons": list(r)}
            for s, d, k, key, t, r in cur.fetchall()
        ]  # fmt: skip
    conn.rollback()  # read-only: end the transaction
    return {"days": day_list, "end": end.isoformat(), "latest": latest,
            "sources": list(sources.values()),
            "reasons": reasons, "drift": drift, "headlines": headlines, "cut": cut,
            "quarantined": quarantined, "checks": checks,
            "mentions": mentions_overview(conn, day_list, term)}  # fmt: skip


def volume_chart(data: dict[str, Any]) -> str:
    """An inline SVG (string) of articles loaded per source per day, no external script."""
    import pygal  # charts and templates load on first use, not when Airflow loads the plugin

    chart = pygal.Bar(
        title="Articles loaded per source and day", height=320, width=900, js=[],
        disable_xml_declaration=True, x_label_rotation=30, legend_at_bottom=True,
        print_values=False, show_y_guides=True,
    )  # fmt: skip
    chart.x_labels = data["days"]
    for source in data["sources"]:
        per_day = source["per_day"]
        chart.add(
            source["source_id"], [(per_day.get(d) or {}).get("articles") for d in data["days"]]
        )
    return chart.render(is_unicode=True)


def pass_rate_chart(data: dict[str, Any]) -> str:
    """An inline SVG (string) of the share of expectations passed per source per day (%)."""
    import pygal

    chart = pygal.Line(
        title="Data-quality pass rate (%)", height=280, width=900, js=[], range=(0, 100),
        disable_xml_declaration=True, x_label_rotation=30, legend_at_bottom=True,
        allow_interruptions=True,
    )  # fmt: skip
    chart.x_labels = data["days"]
    for source in data["sources"]:
        rates = [(source["per_day"].get(d) or {}).get("pass_rate") for d in data["days"]]
        chart.add(source["source_id"], [None if r is None else round(100 * r, 1) for r in rates])
    return chart.render(is_unicode=True)


CHARTS = {
    "volume.svg": volume_chart,
    "pass_rate.svg": pass_rate_chart,
    "mentions.svg": mentions_chart,  # drawn in the watchlist section, for its term
}
PAGE_CHARTS = ("volume.svg", "pass_rate.svg")  # drawn at the top of the page


def render_page(data: dict[str, Any], runs: list[dict], data_docs: str | None) -> str:
    """The page's HTML. ``data``: :func:`overview`'s answer; ``runs``: the latest successful
    runs per DAG (``{"dag_id", "run_id", "logical_date", "end_date"}``); ``data_docs``: the
    Data Docs link or None. The charts are ``<img src="chart/<name>?end=..&days=..">`` for
    each name of :data:`PAGE_CHARTS`, relative to the page and pinned to the page's window,
    and the watchlist term's ``chart/mentions.svg`` (with ``&term=``); links move the window
    by its length (``?end=YYYY-MM-DD&days=N``, what the plugin's routes take) or choose a term.
    Every value is escaped by Jinja2's autoescape.
    """
    from jinja2 import Environment, FileSystemLoader

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    charts = list(PAGE_CHARTS) if data["days"] else []
    links = {}
    term = data["mentions"]["term"]
    if data["end"]:
        end, days = date.fromisoformat(data["end"]), len(data["days"])
        links = {
            name: urlencode(
                {
                    "end": (end + timedelta(days=step)).isoformat(),
                    "days": days,
                    **({"term": term} if term else {}),
                }
            )  # fmt: skip
            for name, step in (("this", 0), ("earlier", -days), ("later", days))
        }
        links["terms"] = {
            t["id"]: urlencode({"end": data["end"], "days": days, "term": t["id"]})
            for t in data["mentions"]["terms"]
        }
    return env.get_template("monitor.html").render(
        data=data,
        runs=runs,
        data_docs=data_docs,
        charts=charts,
        links=links,
        pct=_pct,
        max_headlines=LATEST_HEADLINES,
    )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"
