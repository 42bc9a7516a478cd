"""Row-level data quality with Great Expectations 1.x: expectation suites defined in code.

:func:`validate_batch` takes one source's parsed articles and headlines for one local day,
runs the suites on pandas DataFrames in an ephemeral GX context, and splits the rows: a row
that fails any expectation goes to quarantine with every reason; the others are accepted.
Each expectation also yields one ``dq_results`` row (check name, rows evaluated, rows
failing). Rows are never dropped silently: accepted + quarantined = parsed.

Checks (the rule and why):

- dates: ``published_at`` present (articles); not after the fetch time plus
  :data:`FUTURE_TOLERANCE_S` seconds; not before the source's ``first_year`` (registry).
- authors (articles): ``authors_status`` is stated (present / absent / editorial); bylines hold
  no digits, URLs or "N ... назад" relative-time fragments (signs of a date or link leaking in).
- duplicate headlines: per source, list and local day, the same normalized title or the same
  canonical URL twice; the first in page order is kept, later ones are quarantined.
- articles: a title, and one row per canonical URL.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import pandas as pd

FUTURE_TOLERANCE_S = 600
AUTHOR_JUNK = r"(?:\d|https?://|www\.|назад|ago\b)"
log = logging.getLogger(__name__)
# GX logs hundreds of "Skipping registering function ..." lines at import under Airflow's INFO
# logging, and would send usage analytics: keep task logs readable and the network quiet.
logging.getLogger("great_expectations").setLevel(logging.WARNING)
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@dataclass(frozen=True)
class Check:
    """One named expectation and the reason text a failing row gets.

    ``expectation`` names a class of ``great_expectations.expectations`` and ``kwargs`` its
    arguments; ``keep_first`` (uniqueness checks): the first occurrence is not a failure.
    """

    name: str
    reason: str
    expectation: str
    kwargs: dict
    keep_first: bool = False

    def build(self):
        import great_expectations as gx

        cls = getattr(gx.expectations, self.expectation)
        return cls(**self.kwargs, meta={"check": self.name})


@dataclass
class Outcome:
    """What validation decided for one source's batch."""

    articles: list[dict] = field(default_factory=list)
    headlines: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    dq_results: list[dict] = field(default_factory=list)


def normalize_title(title: str | None) -> str:
    """Casefolded title with quotes, punctuation and repeated spaces removed (for dedupe)."""
    text = re.sub(r"[\W_]+", " ", (title or "").casefold())
    return " ".join(text.split())


def _date_checks(kind: str, first_year: int) -> list[Check]:
    """Dates of either record kind: not after the fetch, not before the source existed."""
    # fmt: off
    return [
        Check(f"{kind}.published_at.not_future", "published_at after fetch time",
              "ExpectColumnValuesToBeBetween",
              {"column": "seconds_after_fetch", "max_value": FUTURE_TOLERANCE_S}),
        Check(f"{kind}.published_at.after_first_year", f"published_at before {first_year}",
              "ExpectColumnValuesToBeBetween",
              {"column": "published_year", "min_value": first_year}),
    ]
    # fmt: on


def article_checks(first_year: int) -> list[Check]:
    """The article suite; ``first_year`` is the source's first year (registry)."""
    # fmt: off
    return [
        Check("article.published_at.present", "published_at missing",
              "ExpectColumnValuesToNotBeNull", {"column": "published_epoch"}),
        *_date_checks("article", first_year),
        Check("article.authors.stated", "authors_status not stated",
              "ExpectColumnValuesToBeInSet",
              {"column": "authors_status", "value_set": ["present", "absent", "editorial"]}),
        Check("article.authors.clean", "byline holds a date, number or URL",
              "ExpectColumnValuesToNotMatchRegex",
              {"column": "authors_text", "regex": AUTHOR_JUNK}),
        Check("article.title.present", "title missing",
              "ExpectColumnValuesToNotBeNull", {"column": "title"}),
        Check("article.canonical_url.unique", "duplicate canonical URL in batch",
              "ExpectColumnValuesToBeUnique", {"column": "canonical_url"}, keep_first=True),
    ]
    # fmt: on


def headline_checks(first_year: int) -> list[Check]:
    """The headline suite (feeds, listings, sitemaps)."""
    # fmt: off
    return [
        Check("headline.title.present", "headline title missing",
              "ExpectColumnValuesToNotBeNull", {"column": "title"}),
        *_date_checks("headline", first_year),
        Check("headline.duplicate_title", "duplicate headline (same title, list and day)",
              "ExpectColumnValuesToBeUnique", {"column": "title_key"}, keep_first=True),
        Check("headline.duplicate_url", "duplicate headline (same URL, list and day)",
              "ExpectColumnValuesToBeUnique", {"column": "url_key"}, keep_first=True),
    ]
    # fmt: on


def validate_batch(articles: list[dict], headlines: list[dict], *, first_year: int) -> Outcome:
    """Validate one source-day batch; records are the parse stage's dicts.

    Datetime fields are tz-aware ``datetime`` objects or None. Returns an :class:`Outcome`
    whose ``dq_results`` rows carry ``check_name, success, evaluated, unexpected``.
    """
    outcome = Outcome()
    for kind, records, checks, frame in (
        ("article", articles, article_checks(first_year), _article_frame),
        ("headline", headlines, headline_checks(first_year), _headline_frame),
    ):
        reasons = _run(kind, records, checks, frame, outcome.dq_results)
        for i, record in enumerate(records):
            if reasons[i]:
                outcome.quarantine.append(
                    {"record_kind": kind, "record": record, "reasons": reasons[i]}
                )
            elif kind == "article":
                outcome.articles.append(record)
            else:
                outcome.headlines.append(record)
    return outcome


def _run(kind, records, checks, frame, dq_results) -> list[list[str]]:
    reasons: list[list[str]] = [[] for _ in records]
    if not records:
        for check in checks:
            dq_results.append(_dq(check, True, 0, 0))
        return reasons
    df = frame(records)
    result = _validator(kind, checks).run(
        batch_parameters={"dataframe": df}, result_format={"result_format": "COMPLETE"}
    )
    by_type = {}
    for expectation_result in result.results:
        config = expectation_result.expectation_config
        by_type[config.meta["check"]] = expectation_result
    for check in checks:
        outcome = by_type[check.name]
        failing = list(outcome.result.get("unexpected_index_list") or [])
        if check.keep_first:
            failing = _later_duplicates(df, check, failing)
        for index in failing:
            reasons[int(index)].append(check.reason)
        dq_results.append(_dq(check, not failing, len(df), len(failing)))
    return reasons


def _later_duplicates(df: pd.DataFrame, check: Check, failing: list) -> list[int]:
    column = check.kwargs["column"]
    seen: set = set()
    later = []
    for index in sorted(int(i) for i in failing):
        value = df.at[index, column]
        if value in seen:
            later.append(index)
        seen.add(value)
    return later


def _dq(check: Check, success: bool, evaluated: int, unexpected: int) -> dict:
    return {
        "check_name": check.name,
        "success": success,
        "evaluated": evaluated,
        "unexpected": unexpected,
        "severity": "quarantine",
    }


_validators: dict[tuple, object] = {}


def _validator(kind: str, checks: list[Check]):
    """A GX ValidationDefinition for ``checks`` (built once per process and check set)."""
    import great_expectations as gx

    key = (kind, tuple((c.name, repr(c.kwargs)) for c in checks))
    if key in _validators:
        return _validators[key]
    context = _context()
    name = f"{kind}_{len(_validators)}"
    asset = context.data_sources.get("mediamon").add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe(name)
    suite = gx.ExpectationSuite(name=name)
    for check in checks:
        suite.add_expectation(check.build())
    suite = context.suites.add(suite)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch, suite=suite)
    )
    _validators[key] = definition
    return definition


@cache
def _context():
    """An ephemeral GX context (nothing written to disk), analytics and progress bars off."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.data_sources.add_pandas("mediamon")
    return context


def _epoch(value: datetime | None) -> float | None:
    return value.timestamp() if value else None


def _article_frame(records: list[dict]) -> pd.DataFrame:
    rows = []
    for r in records:
        published = r.get("published_at")
        rows.append(
            {
                "title": r.get("title") or None,
                "canonical_url": r.get("canonical_url"),
                # GX set expectations skip nulls: make a missing status a value that fails
                "authors_status": r.get("authors_status") or "(not stated)",
                "authors_text": "; ".join(r.get("authors") or []) or None,
                "published_epoch": _epoch(published),
                "published_year": published.year if published else None,
                "seconds_after_fetch": (published - r["fetched_at"]).total_seconds()
                if published
                else None,
            }
        )
    return pd.DataFrame(rows)


def _headline_frame(records: list[dict]) -> pd.DataFrame:
    rows = []
    for r in records:
        published = r.get("published_at")
        rows.append(
            {
                # A sitemap entry is a URL with an optional title: only lists that print
                # headlines (feeds, listings) must have one.
                "title": r.get("title")
                or ("(sitemap entry)" if r["list_kind"] == "sitemap" else None),
                "title_key": f"{r['list_id']}|{normalize_title(r.get('title'))}"
                if r.get("title")
                else None,
                "url_key": f"{r['list_id']}|{r.get('canonical_url')}",
                "published_year": published.year if published else None,
                "seconds_after_fetch": (published - r["fetched_at"]).total_seconds()
                if published
                else None,
            }
        )
    return pd.DataFrame(rows)
