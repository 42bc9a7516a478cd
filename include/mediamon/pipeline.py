"""The daily chain for one source and one local day: fetch → parse → validate → load, then
the day's stories across sources.

Each stage is a plain function that takes references (a source id, an ISO day, file paths)
and returns a reference, so the same calls serve an Airflow task, the CLI and a test. Bodies
never travel between stages: the fetch stage writes a capture, the parse and validate stages
write batch files (:mod:`mediamon.batches`: where the files live and their format; the
records in them: :mod:`mediamon.records`), the load stage writes PostgreSQL
(:mod:`mediamon.load`).

A run is identified by :func:`run_key` (DAG, day), never by Airflow's run id, so a scheduled
run, a manual run and a backfill of the same day write the same rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from mediamon.batches import (
    PARSED,
    VALIDATED,
    batch_dir,
    capture_path,
    json_safe,
    read_batch,
    records_of,
    write_batch,
)
from mediamon.config import (
    DAILY_DAG_ID,
    Listing,
    Source,
    data_dir,
    load_sources,
    min_delay,
    replay_url,
)
from mediamon.fetch.crawl import crawl
from mediamon.fetch.hostlock import host_lock, outlet_host
from mediamon.fetch.warcstore import Exchange, read_capture
from mediamon.load.loader import baseline_metrics, load_batch
from mediamon.load.lock import source_lock
from mediamon.load.probe import ROW_ERRORS, unloadable
from mediamon.load.stories import story_items, write_clusters
from mediamon.parse import parse_article, parse_feed, parse_listing, parse_sitemap
from mediamon.quality import severity
from mediamon.quality.batch import not_a_page, reconcile
from mediamon.quality.checks import Outcome, new_today, quarantine_key
from mediamon.quality.coverage import Coverage, day_coverage
from mediamon.quality.drift import (
    DayMetrics,
    baseline_window,
    day_metrics,
    describe,
    drift_checks,
    metric_fields,
)
from mediamon.quality.duplicates import cluster
from mediamon.quality.isolate import validate_isolating
from mediamon.quality.storable import split_unindexable
from mediamon.records import DqResult, Fetch, Headline, Quarantined, Refusal
from mediamon.text.language import detect_headline_language
from mediamon.text.normalize import normalize_title
from mediamon.window import is_new_on, local_day_window

log = logging.getLogger(__name__)


def run_key(day: date | str, dag_id: str = DAILY_DAG_ID) -> str:
    """The identity of a run: ``"<dag_id>:<YYYY-MM-DD>"``."""
    return f"{dag_id}:{day}"


def get_source(source_id: str) -> Source:
    """The registry entry for ``source_id``; KeyError names the registry when unknown."""
    sources = load_sources()
    if source_id not in sources:
        raise KeyError(f"unknown source {source_id!r} (registry has {sorted(sources)})")
    return sources[source_id]


# -- fetch -----------------------------------------------------------------------------------
def fetch_stage(source_id: str, day: str, *, force: bool = False, lock_conn=None) -> str:
    """Fetch ``source_id`` for local ``day`` into its capture; returns the capture path.

    A day that already has a capture is not fetched again unless ``force``. Listings are
    walked back until their items are older than the day's window; conditional GETs use the
    validators of the previous day's capture. ``lock_conn`` (a psycopg2 connection): crawl
    under the outlet host's advisory lock (:mod:`mediamon.fetch.hostlock`), one crawler per
    host across runs and workers.
    """
    path = capture_path(source_id, day)
    if path.exists() and not force:
        log.info("%s %s: capture exists, not fetching again: %s", source_id, day, path)
        return str(path)
    source = get_source(source_id)
    window = local_day_window(day, source.timezone)
    previous = capture_path(source_id, date.fromisoformat(day) - timedelta(days=1))
    polite = nullcontext()
    if lock_conn is not None:
        polite = host_lock(lock_conn, outlet_host(source), min_delay(replay_url() is not None))
    with polite:
        stats = crawl(source, path, window=(window.start, window.end), previous_capture=previous)
    log.info(
        "%s %s: %d exchanges (%d without response, %d refused, %d not modified, %d retried), "
        "%d article candidates, %d off-site links",
        source_id, day, stats.exchanges, stats.failures, stats.refused, stats.not_modified,
        stats.retries, stats.candidates, stats.skipped_foreign,
    )  # fmt: skip
    return str(path)


# -- parse -----------------------------------------------------------------------------------
def parse_stage(source_id: str, day: str, capture: str) -> str:
    """Parse every exchange of a capture into records; returns the batch file path.

    The batch holds ``fetch``, ``article``, ``headline`` and ``refused`` records
    (:mod:`mediamon.batches`). A page that cannot be parsed becomes a ``refused`` record with
    the reason; so does a 2xx body that is not a web page
    (:func:`mediamon.quality.batch.not_a_page`) or whose Content-Encoding cannot be undone (a
    truncated gzip stream): it is kept raw in the capture, never parsed. Streams: one
    exchange is read from the capture, parsed and written at a time, so memory does not grow
    with the day.
    """
    source = get_source(source_id)
    path = batch_dir(source_id, day) / PARSED
    write_batch(path, _parsed_records(source, capture), poison=_unserializable)
    return str(path)


def _unserializable(kind: str, record: dict, exc: Exception) -> tuple[str, Refusal]:
    """The refusal that stands in the parsed batch for a record that cannot be serialized
    (:func:`mediamon.batches.write_batch`): that one record is quarantined with the reason."""
    reason = f"cannot serialize the {kind} record: {type(exc).__name__}: {exc}"[:500]
    if kind == "headline":
        key = f"{record.get('list_id')}|{record.get('position')}|{record.get('list_url')}"
        return "refused", {
            "record_kind": "headline", "record_key": key, "url": str(record.get("list_url")),
            "kind": str(record.get("list_kind")), "list_id": record.get("list_id"),
            "reason": reason, "title": None, "position": record.get("position"),
        }  # fmt: skip
    url = str(record.get("url"))
    return "refused", {
        "record_kind": "page", "record_key": url, "url": url,
        "kind": "article" if kind == "article" else str(record.get("kind")),
        "list_id": record.get("list_id"), "reason": reason,
    }  # fmt: skip


def _parsed_records(source: Source, capture: str) -> Iterator[tuple[str, dict]]:
    """``(kind, record)`` pairs of a capture, one exchange at a time."""
    offsets: dict[str, int] = {}
    for exchange in read_capture(capture):
        yield "fetch", fetch_record(exchange)
        if exchange.kind in ("robots", "homepage"):  # politeness, links: not content
            continue
        if exchange.status is None or not 200 <= exchange.status < 300:
            continue
        problem = exchange.body_error or not_a_page(
            exchange.body, exchange.content_type, gzip_ok=exchange.kind == "sitemap"
        )
        if problem:
            log.warning("%s: refusing %s: %s", source.id, exchange.url, problem)
            yield "refused", refused_record("page", exchange.url, exchange, problem)
            continue
        try:
            yield from _parse_exchange(source, exchange, offsets)
        except Exception as exc:  # one bad page must not sink the day: keep it with a reason
            log.exception("%s: cannot parse %s", source.id, exchange.url)
            reason = f"parse error: {type(exc).__name__}: {exc}"
            yield "refused", refused_record("page", exchange.url, exchange, reason)


def _parse_exchange(
    source: Source, ex: Exchange, offsets: dict[str, int]
) -> list[tuple[str, dict]]:
    """The records of one 2xx exchange; ``offsets``: the positions already read per listing
    (a listing's pages continue its numbering)."""
    if ex.kind == "article":
        record = parse_article(
            ex.body, ex.url, source=source, fetched_at=ex.fetched_at, content_type=ex.content_type
        )
        record["fetched_at"] = ex.fetched_at
        return [("article", record)]
    if ex.kind == "feed":
        result = parse_feed(
            ex.body, ex.url, source=source, list_id=ex.list_id, fetched_at=ex.fetched_at
        )
        if result.refused_reason:
            return [("refused", refused_record("page", ex.url, ex, result.refused_reason))]
        if not result.headlines and not result.skipped:  # nothing to load: say why, visibly
            why = "; ".join(result.warnings) or "the document holds no item"
            return [("refused", refused_record("page", ex.url, ex, f"feed has no items: {why}"))]
    elif ex.kind == "listing":
        listing = next((x for x in source.listings if x.id == ex.list_id), None)
        if listing is None and any(f.id == ex.list_id for f in source.feeds):
            # a feed's fallback to the homepage's headlines, read without selectors
            listing = Listing(ex.list_id, ex.url, {})
        if listing is None:  # a capture recorded under another registry
            why = f"listing {ex.list_id!r} is not in the registry's entry of {source.id}"
            return [("refused", refused_record("page", ex.url, ex, why))]
        offset = offsets.get(ex.list_id, 0)
        result = parse_listing(
            ex.body, ex.url, source=source, listing=listing, fetched_at=ex.fetched_at,
            position_offset=offset,
        )  # fmt: skip
        offsets[ex.list_id] = offset + len(result.headlines) + len(result.skipped)
    elif ex.kind == "sitemap":
        found = parse_sitemap(
            ex.body, ex.url, source=source, list_id=ex.list_id, fetched_at=ex.fetched_at
        )
        return [("headline", h) for h in found]
    else:
        raise ValueError(f"unknown exchange kind {ex.kind!r}")
    for warning in result.warnings:
        log.warning("%s %s %s: %s", source.id, ex.kind, ex.url, warning)
    refused = [
        ("refused", refused_record(
            "headline", f"{ex.list_id}|{item['position']}|{ex.url}", ex, item["reason"],
            title=item["title"], position=item["position"],
        ))
        for item in result.skipped
    ]  # fmt: skip
    return [("headline", h) for h in result.headlines] + refused


def refused_record(kind: str, key: str, ex: Exchange, reason: str, **extra) -> Refusal:
    """A record the parse stage could not produce, kept for quarantine with its reason."""
    return {
        "record_kind": kind, "record_key": key, "url": ex.url, "kind": ex.kind,
        "list_id": ex.list_id, "reason": reason, **extra,
    }  # fmt: skip


def fetch_record(ex: Exchange) -> Fetch:
    """The batch record of one exchange (a ``fetches`` row without source and day)."""
    return {
        "url": ex.url,
        "kind": ex.kind,
        "list_id": ex.list_id,
        "status": ex.status,
        "error": ex.error,
        "bytes": ex.raw_bytes,
        "sha256": ex.sha256 or None,
        "content_type": ex.content_type,
        "fetched_at": ex.fetched_at,
        "warc_path": ex.warc_path,
        "warc_offset": ex.offset,
        "elapsed_ms": ex.elapsed_ms,
        "reason": ex.reason,
    }


# -- validate --------------------------------------------------------------------------------
def validate_stage(source_id: str, day: str, batch: str) -> str:
    """Run the expectation suites over a parsed batch; returns the validated batch path.

    Rows whose keys are too long to index (:func:`mediamon.quality.storable.split_unindexable`),
    rows that make the suites raise (:func:`mediamon.quality.isolate.validate_isolating`),
    rows failing a check and the parse stage's refusals become ``quarantine`` rows; accepted
    headlines get the fields of :func:`label_headline`; the batch checks
    (:func:`mediamon.quality.batch.reconcile`, :func:`mediamon.quality.checks.new_today`)
    join the results. Renders the batch's Data Docs pages; the index is rebuilt once per run
    (:func:`mediamon.quality.data_docs.build_data_docs_index`, called by the run's summary).
    """
    source = get_source(source_id)
    records = list(read_batch(Path(batch)))
    fetches = [r for kind, r in records if kind == "fetch"]
    articles, headlines, unindexable, indexable = split_unindexable(
        [r for kind, r in records if kind == "article"],
        [r for kind, r in records if kind == "headline"],
        quarantine_key,
    )
    outcome = validate_isolating(
        articles, headlines,
        source=source, run_name=f"{DAILY_DAG_ID}_{day}", docs_dir=data_dir(), build_index=False,
    )  # fmt: skip
    outcome.quarantine += unindexable
    outcome.dq_results.append(indexable)
    quarantine = _quarantine_rows([r for kind, r in records if kind == "refused"], outcome)
    local_day = date.fromisoformat(day)
    headlines = [label_headline(h, source, local_day) for h in outcome.headlines]
    outcome.dq_results.append(reconcile(fetches, outcome.articles, quarantine))
    outcome.dq_results.append(new_today(headlines))
    out = [("fetch", r) for r in fetches]
    out += [("article", r) for r in outcome.articles]
    out += [("headline", r) for r in headlines]
    out += [("quarantine", r) for r in quarantine]
    out += [("dq", r) for r in outcome.dq_results]
    path = Path(batch).with_name(VALIDATED)
    write_batch(path, out)
    return str(path)


def label_headline(headline: Headline, source: Source, day: date) -> Headline:
    """``headline`` with the fields the warehouse keeps beside the parser's: ``language`` (of
    the title alone, among the source's languages), ``title_normalized`` (its comparison
    form; the source's name, id and hosts count as site suffixes) and ``is_new`` (published
    on local ``day``; None when undated: :func:`mediamon.window.is_new_on`)."""
    title = headline.get("title")
    return {
        **headline,
        "language": detect_headline_language(title, source.languages),
        "title_normalized": normalize_title(title, [source.name, source.id, *source.hosts]),
        "is_new": is_new_on(headline.get("published_at"), day, source.zone),
    }


def _quarantine_rows(refused: list[Refusal], outcome: Outcome) -> list[Quarantined]:
    """The parse stage's refusals, then the rows failing a check."""
    rows: list[Quarantined] = [
        {"record_kind": r["record_kind"], "record_key": r["record_key"], "record": r,
         "reasons": [r["reason"]]}
        for r in refused
    ]  # fmt: skip
    return rows + outcome.quarantine


# -- load ------------------------------------------------------------------------------------
class QualityGateFailed(RuntimeError):
    """A check of severity ``fail`` (:mod:`mediamon.quality.severity`) failed; the data was
    loaded, flagged."""


def load_stage(source_id: str, day: str, validated: str, conn) -> dict:
    """Load a validated batch through the psycopg2 connection ``conn``, with drift checks.

    Steps: the day's small rows are read once (:func:`_day_rows`); its coverage
    (:func:`mediamon.quality.coverage.day_coverage`) and metrics and drift against the
    source's trailing baseline (:func:`_drift`) are computed; the results get their
    severities; the batch is loaded under the source's lock
    (:func:`mediamon.load.lock.source_lock`) in one transaction
    (:func:`mediamon.load.loader.load_batch`: a load that fails leaves nothing of the day
    visible); failing ``drift.*`` rows are sent as an alert (:func:`_report`); a failing
    check of severity ``fail`` then raises :class:`QualityGateFailed` (:func:`_gate`).

    Poison isolation: when the load fails on a row-level error (:data:`mediamon.load.probe.
    ROW_ERRORS`), the records the warehouse refuses alone are moved to quarantine with the
    reason (the batch file is rewritten, the reconciliation recomputed) and the rest is
    loaded; only an error no single record causes fails the source-day.

    A day the source cannot reach keeps its fetches, articles and checks but gets no
    sightings and no metrics (it is not an empty day). Returns ``{"source", "day", <table>:
    rows written, "alerts": [...], "coverage": {...}}``; the day's summary for people is
    :func:`mediamon.report.day_summary`, read back from the warehouse.
    """
    source = get_source(source_id)
    local_day = date.fromisoformat(day)
    path = Path(validated)
    try:
        return _load_stage(source, local_day, path, conn)
    except ROW_ERRORS:
        if not _quarantine_unloadable(conn, source, local_day, path):
            raise  # no record fails alone: the batch as a whole cannot load
        return load_stage(source_id, day, validated, conn)  # without them (each pass drops one+)


def _quarantine_unloadable(conn, source: Source, day: date, path: Path) -> int:
    """Rewrite the validated batch at ``path`` with the articles and headlines the warehouse
    refuses when written alone (:func:`mediamon.load.probe.unloadable`) moved to quarantine
    with the reason, and the reconciliation recomputed; returns how many were moved."""
    records = list(read_batch(path))
    loadable = [(i, k, r) for i, (k, r) in enumerate(records) if k in ("article", "headline")]
    refused = unloadable(conn, source, day, [(k, r) for _, k, r in loadable])
    if not refused:
        return 0
    moved = {}
    for index, reason in refused:
        i, kind, record = loadable[index]
        log.warning("%s %s: quarantining %s %s: %s", source.id, day, kind, record.get("url"),
                    reason)  # fmt: skip
        moved[i] = ("quarantine", {"record_kind": kind, "reasons": [reason], "record": record,
                                   "record_key": quarantine_key(kind, record)})  # fmt: skip
    out = [moved.get(i, pair) for i, pair in enumerate(records)]
    check = reconcile(
        [r for k, r in out if k == "fetch"], [r for k, r in out if k == "article"],
        [r for k, r in out if k == "quarantine"],
    )  # fmt: skip
    out = [("dq", check) if k == "dq" and r["check_name"] == check["check_name"] else (k, r)
           for k, r in out]  # fmt: skip
    write_batch(path, out)
    return len(moved)


def _load_stage(source: Source, local_day: date, path: Path, conn) -> dict:
    """:func:`load_stage` of one validated batch, as it is."""
    source_id, day = source.id, local_day.isoformat()
    rows = _day_rows(path)
    coverage = day_coverage(source, local_day, rows.fetches, rows.headlines)
    metrics, drift = _drift(conn, source, local_day, rows, coverage)
    dq = severity.apply(rows.dq + drift, source)
    del rows  # the rows themselves are streamed from the file
    with source_lock(conn, source_id):
        counts = _load(conn, source, local_day, path, coverage, dq, metrics)
    alert = _report(source_id, local_day, coverage, drift)
    _gate(source_id, day, dq)
    return {
        "source": source_id, "day": day, **counts, "alerts": [alert] if alert else [],
        "coverage": coverage.as_row(),
    }  # fmt: skip


@dataclass
class _DayRows:
    """The small part of a validated batch (no page bodies): what coverage, metrics and the
    results read. Articles, also in quarantine rows, as
    :func:`mediamon.quality.drift.metric_fields`."""

    fetches: list[Fetch] = field(default_factory=list)
    articles: list[dict] = field(default_factory=list)
    headlines: list[Headline] = field(default_factory=list)
    quarantine: list[Quarantined] = field(default_factory=list)
    dq: list[DqResult] = field(default_factory=list)


def _day_rows(path: Path) -> _DayRows:
    """One pass over a validated batch for its :class:`_DayRows`."""
    rows = _DayRows()
    for kind, record in read_batch(path, ("article", "headline", "quarantine", "dq", "fetch")):
        if kind == "article":
            rows.articles.append(metric_fields(record))
        elif kind == "headline":
            rows.headlines.append(record)
        elif kind == "quarantine":
            if record["record_kind"] == "article":
                record = {**record, "record": metric_fields(record["record"])}
            rows.quarantine.append(record)
        elif kind == "fetch":
            rows.fetches.append(record)
        else:
            rows.dq.append(record)
    return rows


def _drift(
    conn, source: Source, day: date, rows: _DayRows, coverage: Coverage
) -> tuple[DayMetrics | None, list[DqResult]]:
    """The day's metrics and its ``drift.*`` rows against the source's baseline in the
    warehouse; none for a day the source could not be reached (not an empty day: no
    metrics to skew the baseline)."""
    if not coverage.reachable:
        log.warning("%s %s: %s", source.id, day, coverage.reason)
        return None, []
    metrics = day_metrics(rows.articles, rows.headlines, rows.quarantine)
    baseline = baseline_metrics(conn, source.id, *baseline_window(day))
    return metrics, drift_checks(metrics, baseline)


def _load(
    conn, source: Source, day: date, path: Path, coverage: Coverage, dq: list[DqResult],
    metrics: DayMetrics | None,
) -> dict[str, int]:  # fmt: skip
    """:func:`mediamon.load.loader.load_batch` with the rows streamed from the batch file kind
    by kind (memory does not grow with the day); an unreachable day loads no headlines."""
    return load_batch(
        conn, source, day, run_key(day),
        fetches=records_of(path, "fetch"), articles=records_of(path, "article"),
        headlines=records_of(path, "headline") if coverage.reachable else [],
        quarantine=(
            {**q, "record": json_safe(q["record"])} for q in records_of(path, "quarantine")
        ),
        dq_results=dq, metrics=metrics.as_row() if metrics else None,
        coverage=coverage.as_row(),
    )  # fmt: skip


def _report(source_id: str, day: date, coverage: Coverage, drift: list[DqResult]) -> str | None:
    """Log a flagged coverage and send the drift alert; returns the alert text, if any."""
    if coverage.reachable and coverage.flagged:
        log.warning("%s %s: coverage flagged: %s", source_id, day, coverage.reason)
    alert = describe(source_id, day, drift)
    if alert:
        from mediamon.alerts import send_alert  # imports Airflow (about 2 s): only to send

        send_alert(alert)
    return alert


def _gate(source_id: str, day: str, dq: list[DqResult]) -> None:
    """Raise :class:`QualityGateFailed` when a check of severity ``fail`` failed (after the
    commit: the data lands, flagged, and the task says so)."""
    gated = severity.gated(dq)
    if gated:
        raise QualityGateFailed(f"{source_id} {day}: failing checks configured to fail: {gated}")


def process_capture(source_id: str, day: str, capture: str, conn) -> dict:
    """parse → validate → load of one source-day's stored capture (no network); returns
    :func:`load_stage`'s summary. The chain the DAG runs as separate tasks, for callers that
    run it in one process (``mediamon backfill``, the re-parse)."""
    parsed = parse_stage(source_id, day, capture)
    validated = validate_stage(source_id, day, parsed)
    return load_stage(source_id, day, validated, conn)


# -- stories ---------------------------------------------------------------------------------
def cluster_stage(day: str, conn) -> dict:
    """Cluster the day's headlines of every source into stories (near-duplicates).

    Reads the items of local ``day`` (:func:`mediamon.load.stories.story_items`), clusters
    them (:func:`mediamon.quality.duplicates.cluster`) and writes ``story_clusters``
    (:func:`mediamon.load.stories.write_clusters`, one transaction). Returns
    ``{"headlines", "clusters", "cross_source"}``: items clustered, clusters with two or
    more items, and those spanning two or more sources.
    """
    local_day = date.fromisoformat(day)
    items = story_items(conn, local_day)
    assigned = cluster(items)
    write_clusters(conn, local_day, items, assigned)
    source_of = {i.key: i.source_id for i in items}
    members: dict[str, set[str]] = {}
    sizes: dict[str, int] = {}
    for key, cid in assigned.items():
        members.setdefault(cid, set()).add(source_of[key])
        sizes[cid] = sizes.get(cid, 0) + 1
    return {
        "headlines": len(assigned),
        "clusters": sum(1 for n in sizes.values() if n > 1),
        "cross_source": sum(1 for s in members.values() if len(s) > 1),
    }
