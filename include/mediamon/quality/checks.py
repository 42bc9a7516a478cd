"""Row-level data quality with Great Expectations 1.x: expectation suites defined in code.

:func:`validate_batch` takes one source's parsed articles and headlines for one local day,
runs one suite per record kind (``<source>.articles``, ``<source>.headlines``) through a GX
Checkpoint on pandas DataFrames, and splits the rows: a row that fails any expectation goes to
quarantine with every reason; the others are accepted. Each expectation also yields one
``dq_results`` row (check name, rows evaluated, rows failing, the failing share in percent, the
URLs of up to five failing rows). Rows are never dropped silently: accepted + quarantined = parsed.

What a failing check does (quarantine the rows, only warn, or also fail the run) comes from
the severity table of :mod:`mediamon.quality.severity` and the source's registry entry.

Validation results are kept under ``<data dir>/gx/validations`` and rendered as GX Data Docs
in ``<data dir>/data_docs/index.html`` (:mod:`mediamon.quality.data_docs`: the GX context,
its stores and their bounds).

Checks (the rule and why):

- dates: ``published_at`` present (articles); not after the fetch time plus
  :data:`FUTURE_TOLERANCE_S` seconds; not before the source's ``first_year`` (registry);
  ``modified_at`` not before ``published_at``.
- authors (articles): ``authors_status`` is stated (present / absent / editorial); bylines hold
  no digits, URLs, "N ... назад" relative times, navigation words or markup characters; each
  name is 2 to :data:`MAX_AUTHOR_CHARS` characters; a byline is not a fragment of the title.
- duplicate headlines: per source, list and local day, the same normalized title or the same
  canonical URL twice; the first in page order is kept, later ones are quarantined.
- text: a title; an article body of at least :data:`MIN_BODY_CHARS` characters (a paywalled
  article's teaser excepted: ``paywalled`` with a non-empty body); no mojibake
  runs (UTF-8 read as Latin-1: "Ã©", "Ð¿", "Ñ\u0081") and no leaked template placeholders
  (``{{ ... }}``, ``{% ... %}``, ``@foreach``) in titles and bodies; the article's language is
  one of the source's languages.
- URLs: absolute http(s); the host belongs to the source or to one of its
  ``syndication_hosts`` (``"*"`` allows any); one article per canonical URL.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from mediamon.config import Source
from mediamon.quality import severity
from mediamon.quality.data_docs import (
    escape_results,
    gx_context,
    prune_data_docs,
    suite_checkpoint,
)
from mediamon.records import Article, DqResult, Headline, Quarantined

FUTURE_TOLERANCE_S = 600
MIN_BODY_CHARS = 150
MAX_AUTHOR_CHARS = 60
SAMPLE_SIZE = 5
AUTHOR_JUNK = (
    r"(?:\d|https?://|www\.|назад|ago\b|[@#/\\|<>{}\[\]=+*_]"
    r"|\b(?:Главная|Новости|Подробнее|Читать далее|Читайте также|Комментари\w*|Поделиться"
    r"|Share|Home|Read more)\b)"
)
MOJIBAKE = r"(?:[ÃÂ][\u0080-\u00bf]|[ÐÑ][\u0080-\u00bf¸]){2,}"
PLACEHOLDER = r"(?:\{\{.*?\}\}|\{%.*?%\}|\{!!.*?!!\}|@foreach\b|@endforeach\b|@if\s*\()"
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

    articles: list[Article] = field(default_factory=list)
    headlines: list[Headline] = field(default_factory=list)
    quarantine: list[Quarantined] = field(default_factory=list)
    dq_results: list[DqResult] = field(default_factory=list)
    validation_ids: list = field(default_factory=list)  # GX ValidationResultIdentifiers


def duplicate_key(title: str | None) -> str:
    """The key under which one list prints the same headline twice: casefolded, ё → е, every
    run of punctuation and spaces made one space ("" for no title).

    On purpose not :func:`mediamon.text.normalize.normalize_title` (the stored
    ``title_normalized`` and the base of the cross-outlet story key), which also drops rubric
    prefixes and site suffixes: inside one list on one day a rubric tells two items apart
    ("Видео: Тенге упал" is the video beside the story "Тенге упал", both kept), and a site
    suffix is the same on every item of a list, so stripping them here could only merge
    distinct items. Across lists and outlets they are noise, and are stripped there
    (``tests/unit/test_quality.py::test_a_rubric_tells_items_apart_in_a_list_not_across_outlets``).
    """
    text = re.sub(r"[\W_]+", " ", (title or "").casefold().replace("ё", "е"))
    return " ".join(text.split())


def new_today(headlines: list[Headline]) -> DqResult:
    """A ``dq_results`` row counting the day's accepted headlines as new, older or undated
    (their ``is_new``: :func:`mediamon.pipeline.label_headline`); ``older`` counts every
    dated headline not published that day (a backfilled day also sees later ones).

    Older items are not failures (a front page keeps yesterday's stories): they are loaded and
    labelled (``sightings.is_new``); this row says how many, for drift and for analysts.
    """
    labels = [h["is_new"] for h in headlines]
    observed = {
        "new": labels.count(True),
        "older": labels.count(False),
        "undated": labels.count(None),
    }
    return {
        "check_name": "headline.new_today",
        "success": True,
        "evaluated": len(labels),
        "unexpected": observed["older"],
        "severity": "info",
        "observed": observed,
        "unexpected_sample": [
            h.get("url") for h, new in zip(headlines, labels, strict=True) if new is False
        ][:SAMPLE_SIZE],
    }


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


def _text_checks(kind: str, column: str, what: str) -> list[Check]:
    """Encoding accidents and template leaks in one text column."""
    # fmt: off
    return [
        Check(f"{kind}.{column}.no_mojibake", f"mojibake in {what}",
              "ExpectColumnValuesToNotMatchRegex", {"column": column, "regex": MOJIBAKE}),
        Check(f"{kind}.{column}.no_placeholder", f"template placeholder in {what}",
              "ExpectColumnValuesToNotMatchRegex", {"column": column, "regex": PLACEHOLDER}),
    ]
    # fmt: on


def _url_checks(kind: str) -> list[Check]:
    # fmt: off
    return [
        Check(f"{kind}.url.absolute", "URL not absolute http(s)",
              "ExpectColumnValuesToMatchRegex", {"column": "url", "regex": r"^https?://[^/\s]+"}),
        Check(f"{kind}.url.host_of_source", "URL host does not belong to the source",
              "ExpectColumnValuesToBeInSet", {"column": "host_ok", "value_set": [True]}),
    ]
    # fmt: on


def article_checks(source: Source) -> list[Check]:
    """The article suite for ``source`` (first year and languages from the registry)."""
    # fmt: off
    return [
        Check("article.published_at.present", "published_at missing",
              "ExpectColumnValuesToNotBeNull", {"column": "published_epoch"}),
        *_date_checks("article", source.first_year),
        Check("article.modified_at.after_published", "modified_at before published_at",
              "ExpectColumnPairValuesAToBeGreaterThanB",
              {"column_A": "modified_epoch", "column_B": "published_epoch", "or_equal": True,
               "ignore_row_if": "either_value_is_missing"}),
        Check("article.authors.stated", "authors_status not stated",
              "ExpectColumnValuesToBeInSet",
              {"column": "authors_status", "value_set": ["present", "absent", "editorial"]}),
        Check("article.authors.clean", "byline holds a date, number, URL or navigation word",
              "ExpectColumnValuesToNotMatchRegex",
              {"column": "authors_text", "regex": AUTHOR_JUNK}),
        Check("article.authors.length", f"byline name not 2-{MAX_AUTHOR_CHARS} characters",
              "ExpectColumnValuesToBeBetween",
              {"column": "author_chars_max", "min_value": 2, "max_value": MAX_AUTHOR_CHARS}),
        Check("article.authors.not_title", "byline is a fragment of the title",
              "ExpectColumnValuesToBeInSet", {"column": "byline_in_title", "value_set": [False]}),
        Check("article.title.present", "title missing",
              "ExpectColumnValuesToNotBeNull", {"column": "title"}),
        *_text_checks("article", "title", "title"),
        Check("article.body.min_length", f"body shorter than {MIN_BODY_CHARS} characters",
              "ExpectColumnValuesToBeBetween",
              {"column": "body_chars", "min_value": MIN_BODY_CHARS}),
        *_text_checks("article", "body_text", "body"),
        Check("article.language.of_source",
              f"language not among the source's ({', '.join(source.languages)})",
              "ExpectColumnValuesToBeInSet",
              {"column": "language", "value_set": list(source.languages)}),
        *_url_checks("article"),
        Check("article.canonical_url.unique", "duplicate canonical URL in batch",
              "ExpectColumnValuesToBeUnique", {"column": "canonical_url"}, keep_first=True),
    ]
    # fmt: on


def headline_checks(source: Source) -> list[Check]:
    """The headline suite (feeds, listings, sitemaps) for ``source``."""
    # fmt: off
    return [
        Check("headline.title.present", "headline title missing",
              "ExpectColumnValuesToNotBeNull", {"column": "title"}),
        *_text_checks("headline", "title", "title"),
        *_date_checks("headline", source.first_year),
        *_url_checks("headline"),
        Check("headline.duplicate_title", "duplicate headline (same title, list and day)",
              "ExpectColumnValuesToBeUnique", {"column": "title_key"}, keep_first=True),
        Check("headline.duplicate_url", "duplicate headline (same URL, list and day)",
              "ExpectColumnValuesToBeUnique", {"column": "url_key"}, keep_first=True),
    ]
    # fmt: on


def validate_batch(
    articles: list[Article],
    headlines: list[Headline],
    *,
    source: Source,
    run_name: str = "adhoc",
    docs_dir: Path | None = None,
    build_index: bool = True,
) -> Outcome:
    """Validate one source-day batch; records are the parse stage's dicts.

    Datetime fields are tz-aware ``datetime`` objects or None. ``run_name`` names the run in
    the validation store and Data Docs (``/`` is not allowed there). With ``docs_dir``, results
    are stored under it and their Data Docs pages rendered, with the index
    (``docs_dir/data_docs/index.html``) unless ``build_index`` is False (a run of many
    sources builds it once: :func:`mediamon.quality.data_docs.build_data_docs_index`);
    without, they stay in memory.
    Returns an :class:`Outcome`: accepted rows, :class:`~mediamon.records.Quarantined` rows
    (keyed by :func:`quarantine_key`) and one :class:`~mediamon.records.DqResult` per check.
    """
    context = gx_context(str(docs_dir) if docs_dir else None)
    outcome = Outcome()
    table = severity.table_for(source)
    for kind, records, checks, frame in (
        ("article", articles, article_checks(source), _article_frame),
        ("headline", headlines, headline_checks(source), _headline_frame),
    ):
        suite = f"{source.id}.{kind}s"
        reasons = _run(context, suite, records, checks, frame, source, run_name, outcome, table)
        for i, record in enumerate(records):
            if reasons[i]:
                outcome.quarantine.append(
                    {"record_kind": kind, "record_key": quarantine_key(kind, record),
                     "record": record, "reasons": reasons[i]}
                )  # fmt: skip
            elif kind == "article":
                outcome.articles.append(record)
            else:
                outcome.headlines.append(record)
    if docs_dir and outcome.validation_ids:  # this batch's pages; the index once per run
        escape_results(context, outcome.validation_ids)  # scraped values are not markup
        prune_data_docs(Path(docs_dir), [f"{source.id}.{k}s" for k in ("article", "headline")])
        context.build_data_docs(
            site_names=["mediamon"], resource_identifiers=outcome.validation_ids,
            build_index=build_index,
        )  # fmt: skip
    return outcome


def quarantine_key(record_kind: str, record: Article | Headline) -> str:
    """A quarantined row's key: an article's canonical URL (else its URL); a headline's
    ``"<list_id>|<position>|<canonical_url>"``."""
    if record_kind == "article":
        return record.get("canonical_url") or record["url"]
    return f"{record['list_id']}|{record['position']}|{record.get('canonical_url')}"


def _run(context, suite, records, checks, frame, source, run_name, outcome, table):
    """Run one suite; returns, per record, the reasons that send it to quarantine."""
    reasons: list[list[str]] = [[] for _ in records]
    if not records:
        for check in checks:
            level = severity.resolve(check.name, table)
            outcome.dq_results.append(_dq(check, level, True, 0, 0, None, []))
        return reasons
    from great_expectations.core.run_identifier import RunIdentifier

    df = frame(records, source)
    checkpoint = suite_checkpoint(context, suite, checks)
    result = checkpoint.run(
        batch_parameters={"dataframe": df}, run_id=RunIdentifier(run_name=run_name)
    )
    outcome.validation_ids.extend(result.run_results)
    by_check = {}
    for validation in result.run_results.values():
        for expectation_result in validation.results:
            by_check[expectation_result.expectation_config.meta["check"]] = expectation_result
    for check in checks:
        found = by_check[check.name].result
        failing = list(found.get("unexpected_index_list") or [])
        if check.keep_first:
            failing = _later_duplicates(df, check, failing)
        level = severity.resolve(check.name, table)
        if level in ("quarantine", "fail"):  # "warn": the rows load, the result says so
            for index in failing:
                reasons[int(index)].append(check.reason)
        # the sample names the failing rows (their URLs): what an analyst opens next
        sample = [records[int(i)].get("url") for i in failing[:SAMPLE_SIZE]]
        observed = 100.0 * len(failing) / len(df)
        outcome.dq_results.append(
            _dq(check, level, not failing, len(df), len(failing), observed, sample)
        )
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


def _dq(check: Check, level: str, success: bool, evaluated: int, unexpected: int, observed,
        sample) -> dict:  # fmt: skip
    return {
        "check_name": check.name,
        "success": success,
        "evaluated": evaluated,
        "unexpected": unexpected,
        "severity": level,
        "observed": {"unexpected_percent": observed} if observed is not None else None,
        "unexpected_sample": sample,
    }


def _epoch(value: datetime | None) -> float | None:
    return value.timestamp() if value else None


def _host_ok(url: str | None, source: Source) -> bool:
    if "*" in source.syndication_hosts:
        return True
    host = (urlsplit(url or "").hostname or "").lower()
    return host in source.hosts or host in source.syndication_hosts


def _dates(record: dict) -> dict:
    published = record.get("published_at")
    return {
        "published_epoch": _epoch(published),
        "published_year": published.year if published else None,
        "seconds_after_fetch": (published - record["fetched_at"]).total_seconds()
        if published
        else None,
    }


def _article_frame(records: list[Article], source: Source) -> pd.DataFrame:
    rows = []
    for r in records:
        authors = r.get("authors") or []
        title = duplicate_key(r.get("title"))
        rows.append(
            {
                **_dates(r),
                "title": r.get("title") or None,
                "url": r.get("url"),
                "host_ok": _host_ok(r.get("canonical_url") or r.get("url"), source),
                "canonical_url": r.get("canonical_url"),
                # GX set expectations skip nulls: make a missing status a value that fails
                "authors_status": r.get("authors_status") or "(not stated)",
                "authors_text": "; ".join(authors) or None,
                "author_chars_max": max((len(a) for a in authors), default=None),
                "byline_in_title": any(
                    len(a.split()) >= 4 and duplicate_key(a) in title for a in authors
                ),
                "modified_epoch": _epoch(r.get("modified_at")),
                "body_text": r.get("body_text") or None,
                # a paywalled page's teaser is its text: not checked for length (empty still is)
                "body_chars": None
                if r.get("paywalled") and r.get("body_text")
                else len(r.get("body_text") or ""),
                "language": r.get("language"),
            }
        )
    return pd.DataFrame(rows)


def _headline_frame(records: list[Headline], source: Source) -> pd.DataFrame:
    rows = []
    for r in records:
        rows.append(
            {
                **_dates(r),
                # A sitemap entry is a URL with an optional title: only lists that print
                # headlines (feeds, listings) must have one.
                "title": r.get("title")
                or ("(sitemap entry)" if r["list_kind"] == "sitemap" else None),
                "url": r.get("url"),
                "host_ok": _host_ok(r.get("url"), source),
                "title_key": f"{r['list_id']}|{duplicate_key(r.get('title'))}"
                if r.get("title")
                else None,
                "url_key": f"{r['list_id']}|{r.get('canonical_url')}",
            }
        )
    return pd.DataFrame(rows)
