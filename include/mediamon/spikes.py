"""Mention spikes: a watched term's daily count against its trailing baseline, and the alert.

The daily count of a term is the number of items (articles and headlines) of every outlet in
its scope that mention it on a local day (view ``mention_days``). Its baseline is the counts
of the loaded days among the ``baseline_days`` before (days with a reachable
``source_day_coverage`` row of an outlet in scope; a loaded day without a mention counts 0,
a day nothing was loaded is left out rather than counted as a silent 0). The day is a spike
when, with at least ``min_baseline_days`` such days (:class:`mediamon.config.watchlist.
AlertRule`, defaults 14 and 7)::

    count >= min_mentions  and  count > mean + k * max(std, sqrt(mean))     (k = 3, floor 5)

Why these: mention counts are counts of rare events, roughly Poisson when nothing happens and
over-dispersed across weeks, so the trailing standard deviation is the natural yardstick,
with ``sqrt(mean)`` (the Poisson deviation) as its floor: a term mentioned exactly twice a day
for two weeks has a std of 0, and without the floor a third mention would be a "spike". Three
deviations flag about 0.1 % of ordinary days under a normal approximation (one false alarm
per term in a year or two; more for a term whose counts swing from week to week).
``min_mentions`` keeps a rarely named term (mean near 0) from alerting on one or two stray
mentions; 7 baseline days cover a weekday/weekend cycle; 14 is the drift checks' window
(:mod:`mediamon.quality.drift`). Each (day, term) alerts at most once (table
``mention_alerts``): running a day again, or a later source of the same day, sends nothing
twice.
"""

from __future__ import annotations

import logging
import math
import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from mediamon.config.watchlist import AlertRule, Term, Watchlist

log = logging.getLogger(__name__)
TOP_OUTLETS = 3  # outlets named in an alert


@dataclass(frozen=True)
class Spike:
    """A term's day above its threshold: ``items`` that day, the baseline's ``mean``, ``std``
    (population) and ``days``, the ``threshold`` it passed, and the ``outlets`` with the most
    items (``[(source_id, items)]``)."""

    term: Term
    day: date
    items: int
    mean: float
    std: float
    days: int
    threshold: float
    outlets: tuple[tuple[str, int], ...]

    def text(self) -> str:
        """The alert, e.g. ``watchlist 2024-09-08: Kassym-Jomart Tokayev (tokayev) mentioned in
        12 items, baseline 2.0 ± 0.8 a day over 14 days (alert above 6.2): demo 7, other 5``."""
        where = ", ".join(f"{s} {n}" for s, n in self.outlets)
        return (
            f"watchlist {self.day}: {self.term.name} ({self.term.id}) mentioned in {self.items} "
            f"items, baseline {self.mean:.1f} ± {self.std:.1f} a day over {self.days} days "
            f"(alert above {self.threshold:.1f}): {where}"
        )


def threshold(baseline: list[int], rule: AlertRule) -> float | None:
    """The count a day must exceed (``mean + k * max(std, sqrt(mean))``, and at least
    ``min_mentions - 1``), or None when the baseline has fewer than ``min_baseline_days``."""
    if len(baseline) < rule.min_baseline_days:
        return None
    mean = statistics.fmean(baseline)
    spread = max(statistics.pstdev(baseline), math.sqrt(mean))
    return max(mean + rule.k * spread, rule.min_mentions - 1)


def day_spikes(conn, day: date, watchlist: Watchlist) -> list[Spike]:
    """The terms whose count on local ``day`` is a spike (module docstring), in watchlist
    order. Reads only; ends its transaction."""
    rule = watchlist.alert
    first = day - timedelta(days=rule.baseline_days)
    with conn.cursor() as cur:
        cur.execute(
            "select source_id, day from source_day_coverage where reachable "
            "and day between %s and %s",
            (first, day - timedelta(days=1)),
        )
        loaded = cur.fetchall()
        cur.execute(
            "select term_id, day, source_id, items from mention_days where day between %s and %s",
            (first, day),
        )
        counts = cur.fetchall()
    conn.rollback()
    spikes = []
    for term in watchlist.terms:
        days = sorted({d for s, d in loaded if term.in_scope(s)})
        per_day: dict[date, int] = {}
        today: dict[str, int] = {}
        for term_id, d, source, items in counts:
            if term_id == term.id and term.in_scope(source):
                per_day[d] = per_day.get(d, 0) + items
                if d == day:
                    today[source] = items
        baseline = [per_day.get(d, 0) for d in days]
        limit = threshold(baseline, rule)
        items = sum(today.values())
        if limit is None or items <= limit:
            continue
        top = sorted(today.items(), key=lambda x: (-x[1], x[0]))[:TOP_OUTLETS]
        spikes.append(Spike(
            term, day, items, statistics.fmean(baseline), statistics.pstdev(baseline),
            len(baseline), limit, tuple(top),
        ))  # fmt: skip
    return spikes


def alert_spikes(conn, day: date, watchlist: Watchlist) -> list[str]:
    """Record each spike of ``day`` not alerted before in ``mention_alerts`` (committed), then
    send it through :func:`mediamon.alerts.send_alert` (the log, and the ``mediamon_alerts``
    webhook when configured); returns the texts sent. At most once per (day, term)."""
    sent = []
    for spike in day_spikes(conn, day, watchlist):
        text = spike.text()
        with conn.cursor() as cur:
            cur.execute(
                "insert into mention_alerts (day, term_id, items, baseline_mean, baseline_std, "
                "baseline_days, threshold, text) values (%s, %s, %s, %s, %s, %s, %s, %s) "
                "on conflict (day, term_id) do nothing returning term_id",
                (day, spike.term.id, spike.items, spike.mean, spike.std, spike.days,
                 spike.threshold, text),
            )  # fmt: skip
            new = cur.fetchone() is not None
        conn.commit()
        if not new:
            log.info("watchlist %s: %s alerted before, not again", day, spike.term.id)
            continue
        from mediamon.alerts import send_alert  # imports Airflow (about 2 s): only to send

        send_alert(text)
        sent.append(text)
    return sent
