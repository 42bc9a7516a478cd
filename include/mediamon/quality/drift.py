"""Drift: a source's day compared with its own trailing baseline, to catch layout changes.

When an outlet changes its templates, nothing fails: bylines quietly stop being found, dates
go missing, bodies shrink. Each source-day gets a row of :class:`DayMetrics`; each metric is
compared with the median of the source's previous :data:`BASELINE_DAYS` days (at least
:data:`MIN_BASELINE_DAYS` of them), and a drop beyond the metric's threshold becomes a failing
``drift.<metric>`` row in ``dq_results`` (severity ``warn``: the data still lands) and an alert
(:mod:`mediamon.alerts`).
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from mediamon.records import Article, DqResult, Headline, Quarantined

BASELINE_DAYS = 14
MIN_BASELINE_DAYS = 3


@dataclass(frozen=True)
class DayMetrics:
    """What one source's day looked like (a ``source_day_metrics`` row without the keys).

    ``articles`` and ``headlines`` count the rows that load (accepted by validation), the
    meaning of the day's summary (:func:`mediamon.report.day_summary`) and of the monitoring
    page; ``*_quarantined`` count the rows of that kind sent to quarantine. The rates are
    measured over every parsed row, loaded or quarantined, so a layout change that sends rows
    to quarantine (dates vanishing, say) still moves them. Rates are fractions in [0, 1]; None
    where there was nothing to measure.
    """

    articles: int
    headlines: int
    author_fill_rate: float | None  # articles with a byline (person or editorial)
    date_hit_rate: float | None  # articles with a publication date
    median_body_chars: float | None
    duplicate_rate: float | None  # headlines quarantined as duplicates
    articles_quarantined: int
    headlines_quarantined: int

    def as_row(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Rule:
    """A drop is alarming when today < baseline * (1 - relative) and by more than absolute."""

    metric: str
    relative: float
    absolute: float
    higher_is_worse: bool = False


RULES = (
    Rule("author_fill_rate", relative=0.5, absolute=0.2),
    Rule("date_hit_rate", relative=0.3, absolute=0.2),
    Rule("median_body_chars", relative=0.5, absolute=200),
    Rule("articles", relative=0.7, absolute=3),
    Rule("headlines", relative=0.7, absolute=5),
    Rule("duplicate_rate", relative=1.0, absolute=0.2, higher_is_worse=True),
)


def day_metrics(
    articles: list[dict], headlines: list[Headline], quarantine: list[Quarantined]
) -> DayMetrics:
    """Metrics of one source-day from the validate stage's output.

    ``articles``/``headlines`` are the accepted rows, counted once per key the loader merges
    them by (an article's ``canonical_url``; a headline's ``list_id`` and ``canonical_url``,
    one sighting each), as repeats load as one row when a source lowers the severity of the
    uniqueness checks; ``quarantine`` rows carry ``record_kind``, ``record`` and ``reasons``.
    """
    quarantined_articles = [q["record"] for q in quarantine if q["record_kind"] == "article"]
    all_articles = articles + quarantined_articles
    quarantined_headlines = [q for q in quarantine if q["record_kind"] == "headline"]
    n_headlines = len(headlines) + len(quarantined_headlines)
    duplicates = sum(
        1 for q in quarantined_headlines if any(r.startswith("duplicate") for r in q["reasons"])
    )
    bodies = [len(a.get("body_text") or "") for a in all_articles]
    return DayMetrics(
        articles=len({a["canonical_url"] for a in articles}),
        headlines=len({(h["list_id"], h["canonical_url"]) for h in headlines}),
        author_fill_rate=_share(all_articles, lambda a: bool(a.get("authors"))),
        date_hit_rate=_share(all_articles, lambda a: a.get("published_at") is not None),
        median_body_chars=statistics.median(bodies) if bodies else None,
        duplicate_rate=duplicates / n_headlines if n_headlines else None,
        articles_quarantined=len(quarantined_articles),
        headlines_quarantined=len(quarantined_headlines),
    )


def metric_fields(article: Article) -> dict:
    """What :func:`day_metrics` reads of an article, without its body (``body_text`` becomes
    a stand-in of the same length): the load stage keeps a day of these, not the bodies."""
    return {
        "canonical_url": article.get("canonical_url"),
        "authors": article.get("authors"),
        "published_at": article.get("published_at"),
        "body_text": _Length(len(article.get("body_text") or "")),
    }


class _Length:
    """Stands for a text of ``n`` characters where only its length is read (``len``, truth)."""

    __slots__ = ("n",)

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n


def drift_checks(today: DayMetrics, baseline: list[dict]) -> list[DqResult]:
    """``dq_results`` rows (``drift.<metric>``) for ``today`` against ``baseline`` rows.

    ``baseline`` holds earlier days' :meth:`DayMetrics.as_row` dicts. With fewer than
    :data:`MIN_BASELINE_DAYS` days every row passes with ``observed.baseline`` None.
    """
    rows = []
    for rule in RULES:
        value = getattr(today, rule.metric)
        history = [b[rule.metric] for b in baseline if b.get(rule.metric) is not None]
        reference = statistics.median(history) if len(history) >= MIN_BASELINE_DAYS else None
        alarm = reference is not None and value is not None and _drifted(rule, value, reference)
        rows.append(
            {
                "check_name": f"drift.{rule.metric}",
                "success": not alarm,
                "evaluated": len(history),
                "unexpected": int(alarm),
                "severity": "warn",
                "observed": {"today": value, "baseline": reference, "days": len(history)},
                "unexpected_sample": [],
            }
        )
    return rows


def baseline_window(day: date) -> tuple[date, date]:
    """The [first, last] days whose metrics form ``day``'s baseline (the day itself excluded)."""
    return day - timedelta(days=BASELINE_DAYS), day - timedelta(days=1)


def describe(source_id: str, day: date, rows: list[DqResult]) -> str | None:
    """A one-paragraph alert text for the failing drift rows, or None when there are none."""
    failing = [r for r in rows if r["check_name"].startswith("drift.") and not r["success"]]
    if not failing:
        return None
    parts = [
        f"{r['check_name'][6:]} {_fmt(r['observed']['today'])} "
        f"(baseline {_fmt(r['observed']['baseline'])} over {r['observed']['days']} days)"
        for r in failing
    ]
    return f"{source_id} {day}: possible layout change: " + "; ".join(parts)


def _drifted(rule: Rule, value: float, reference: float) -> bool:
    if rule.higher_is_worse:
        return value > reference * (1 + rule.relative) and value - reference > rule.absolute
    return value < reference * (1 - rule.relative) and reference - value > rule.absolute


def _share(rows: list[dict], test) -> float | None:
    return sum(1 for r in rows if test(r)) / len(rows) if rows else None


def _fmt(value) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0%}" if isinstance(value, float) and value <= 1 else f"{value:g}"
