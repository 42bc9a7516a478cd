"""The daily chain for one source and one local day: fetch → parse → validate → load.

Each stage is a plain function that takes references (a source id, an ISO day, file paths)
and returns a reference, so the same calls serve an Airflow task, the CLI and a test. Bodies
never travel between stages: the fetch stage writes a capture (WARC) under
``raw/<source>/<day>.warc.gz``; the parse stage writes ``batches/<day>/<source>/parsed.jsonl``;
the validate stage writes ``validated.jsonl`` beside it; the load stage writes PostgreSQL.

A run is identified by :func:`run_key` (DAG, day), never by Airflow's run id, so a scheduled
run, a manual run and a backfill of the same day write the same rows.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from pathlib import Path

from psycopg2.extras import execute_values

from mediamon.config import Source, data_dir, load_sources
from mediamon.fetch.crawl import crawl
from mediamon.fetch.warcstore import Exchange, read_capture
from mediamon.parse import parse_article, parse_feed, parse_listing, parse_sitemap
from mediamon.quality import severity
from mediamon.quality.checks import new_today, validate_batch
from mediamon.window import local_day_window

log = logging.getLogger(__name__)
LEAD_CHARS = 3000  # enough for duplicates.LEAD_WORDS words of a lead
DATETIME_FIELDS = ("published_at", "modified_at", "fetched_at", "published_at_alt")


def run_key(day: date | str, dag_id: str = "mediamon_daily") -> str:
    """The identity of a run: ``"<dag_id>:<YYYY-MM-DD>"``."""
    return f"{dag_id}:{day}"


def capture_path(source_id: str, day: date | str) -> Path:
    """Where the raw store keeps a source's capture of a local day (a gzipped WARC)."""
    return data_dir() / "raw" / source_id / f"{day}.warc.gz"


def batch_dir(source_id: str, day: date | str) -> Path:
    """The folder (created) for a source-day's intermediate batch files (JSON lines)."""
    path = data_dir() / "batches" / str(day) / source_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def get_source(source_id: str) -> Source:
    """The registry entry for ``source_id``; KeyError names the registry when unknown."""
    sources = load_sources()
    if source_id not in sources:
        raise KeyError(f"unknown source {source_id!r} (registry has {sorted(sources)})")
    return sources[source_id]


def fetch_stage(source_id: str, day: str, *, force: bool = False) -> str:
    """Fetch ``source_id`` for local ``day`` into its capture; returns the capture path.

    A day that already has a capture is not fetched again unless ``force``. Listings are
    walked back until their items are older than the day's window; conditional GETs use the
    validators of the previous day's capture.
    """
    path = capture_path(source_id, day)
    if path.exists() and not force:
        log.info("%s %s: capture exists, not fetching again: %s", source_id, day, path)
        return str(path)
    source = get_source(source_id)
    window = local_day_window(day, source.timezone)
    previous = capture_path(source_id, date.fromisoformat(day) - timedelta(days=1))
    stats = crawl(source, path, window=(window.start, window.end), previous_capture=previous)
    log.info(
        "%s %s: %d exchanges (%d without response, %d refused, %d not modified, %d retried), "
        "%d article candidates, %d off-site links",
        source_id, day, stats.exchanges, stats.failures, stats.refused, stats.not_modified,
        stats.retries, stats.candidates, stats.skipped_foreign,
    )  # fmt: skip
    return str(path)


def parse_stage(source_id: str, day: str, capture: str) -> str:
    """Parse every exchange of a capture into records; returns the batch file path.

    The batch holds ``fetch``, ``article``, ``headline`` and ``refused`` records (JSON lines).
    A page that cannot be parsed becomes a ``refused`` record with the reason.
    """
    source = get_source(source_id)
    records: list[tuple[str, dict]] = []
    offsets: dict[str, int] = {}
    for exchange in read_capture(capture):
        records.append(("fetch", _fetch_row(exchange)))
        if exchange.kind == "robots":  # politeness, not content
            continue
        if exchange.status is None or not 200 <= exchange.status < 300:
            continue
        try:
            records += _parse_exchange(source, exchange, offsets)
        except Exception as exc:  # one bad page must not sink the day: keep it with a reason
            log.exception("%s: cannot parse %s", source_id, exchange.url)
            reason = f"parse error: {type(exc).__name__}: {exc}"
            records.append(("refused", _refused("page", exchange.url, exchange, reason)))
    path = batch_dir(source_id, day) / "parsed.jsonl"
    _write_jsonl(path, records)
    return str(path)


def _parse_exchange(source: Source, ex: Exchange, offsets: dict[str, int]):
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
            return [("refused", _refused("page", ex.url, ex, result.refused_reason))]
        if not result.headlines and not result.skipped:  # nothing to load: say why, visibly
            why = "; ".join(result.warnings) or "the document holds no item"
            return [("refused", _refused("page", ex.url, ex, f"feed has no items: {why}"))]
    elif ex.kind == "listing":
        listing = next(x for x in source.listings if x.id == ex.list_id)
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
        ("refused", _refused("headline", f"{ex.list_id}|{item['position']}|{ex.url}", ex,
                             item["reason"], title=item["title"], position=item["position"]))
        for item in result.skipped
    ]  # fmt: skip
    return [("headline", h) for h in result.headlines] + refused


def _refused(kind: str, key: str, ex: Exchange, reason: str, **extra) -> dict:
    """A record the parse stage could not produce, kept for quarantine with its reason."""
    return {
        "record_kind": kind, "record_key": key, "url": ex.url, "kind": ex.kind,
        "list_id": ex.list_id,
        "reason": reason, **extra,
    }  # fmt: skip


def validate_stage(source_id: str, day: str, batch: str) -> str:
    """Run the expectation suites over a parsed batch; returns the validated batch path.

    Renders the batch's Data Docs pages; the index is rebuilt once per run
    (:func:`mediamon.quality.checks.build_data_docs_index`, called by the run's summary).
    """
    source = get_source(source_id)
    records = _read_jsonl(Path(batch))
    articles = [r for kind, r in records if kind == "article"]
    headlines = [r for kind, r in records if kind == "headline"]
    outcome = validate_batch(
        articles, headlines, source=source, run_name=f"mediamon_daily_{day}",
        docs_dir=data_dir(), build_index=False,
    )  # fmt: skip
    quarantine = [
        {"record_kind": r["record_kind"], "record_key": r["record_key"], "record": r,
         "reasons": [r["reason"]]}
        for kind, r in records
        if kind == "refused"
    ]  # fmt: skip
    for row in outcome.quarantine:
        record = row["record"]
        if row["record_kind"] == "article":
            key = record.get("canonical_url") or record["url"]
        else:
            key = f"{record['list_id']}|{record['position']}|{record.get('canonical_url')}"
        quarantine.append({**row, "record_key": key})
    fetches = [r for kind, r in records if kind == "fetch"]
    outcome.dq_results.append(reconcile(fetches, outcome.articles, quarantine))
    outcome.dq_results.append(new_today(outcome.headlines, date.fromisoformat(day), source.zone))
    out = [("fetch", r) for r in fetches]
    out += [("article", r) for r in outcome.articles]
    out += [("headline", r) for r in outcome.headlines]
    out += [("quarantine", r) for r in quarantine]
    out += [("dq", r) for r in outcome.dq_results]
    path = Path(batch).with_name("validated.jsonl")
    _write_jsonl(path, out)
    return str(path)


def reconcile(fetches: list[dict], loaded: list[dict], quarantine: list[dict]) -> dict:
    """Batch-level check: every article page fetched (2xx) is loaded, quarantined or refused.

    Returns a ``dq_results`` row (``batch.reconciliation``); ``unexpected`` is the number of
    pages not accounted for (negative: more rows than pages, e.g. two URLs of one article).
    """
    pages = sum(1 for f in fetches if f["kind"] == "article" and 200 <= (f["status"] or 0) < 300)
    accounted = len(loaded) + sum(
        1 for q in quarantine
        if q["record_kind"] == "article"
        or (q["record_kind"] == "page" and q["record"].get("kind") == "article")
    )  # fmt: skip
    return {
        "check_name": "batch.reconciliation",
        "success": pages == accounted,
        "evaluated": pages,
        "unexpected": pages - accounted,
        "severity": "warn",
        "observed": {"article_pages": pages, "loaded_or_quarantined": accounted},
        "unexpected_sample": [],
    }


def load_stage(source_id: str, day: str, validated: str, conn) -> dict:
    """Load a validated batch through the psycopg2 connection ``conn``, with drift checks.

    The day's metrics are compared with the source's trailing baseline read from the
    warehouse; failing ``drift.*`` rows are loaded with the other results and sent as an
    alert (:func:`mediamon.alerts.send_alert`). Returns ``{"source", "day", <table>: rows
    written, "alerts": [...]}``; the day's summary for people is
    :func:`mediamon.report.day_summary`, read back from the warehouse.
    """
    from mediamon.alerts import send_alert
    from mediamon.load.loader import baseline_metrics, load_batch
    from mediamon.quality.drift import baseline_window, day_metrics, describe, drift_checks

    source = get_source(source_id)
    local_day = date.fromisoformat(day)
    by_kind: dict[str, list[dict]] = {}
    for kind, record in _read_jsonl(Path(validated)):
        by_kind.setdefault(kind, []).append(record)
    articles, headlines = by_kind.get("article", []), by_kind.get("headline", [])
    quarantine = by_kind.get("quarantine", [])
    metrics = day_metrics(articles, headlines, quarantine)
    drift = drift_checks(metrics, baseline_metrics(conn, source_id, *baseline_window(local_day)))
    dq = severity.apply(by_kind.get("dq", []) + drift, source)
    counts = load_batch(
        conn, source, local_day, run_key(day),
        fetches=by_kind.get("fetch", []), articles=articles, headlines=headlines,
        quarantine=[
            {**q, "record": json.loads(json.dumps(q["record"], default=_json_default))}
            for q in quarantine
        ],
        dq_results=dq, metrics=metrics.as_row(),
    )  # fmt: skip
    alert = describe(source_id, local_day, drift)
    if alert:
        send_alert(alert)
    gated = severity.gated(dq)
    if gated:  # after the commit: the data lands, flagged, and the task says so
        raise QualityGateFailed(f"{source_id} {day}: failing checks configured to fail: {gated}")
    return {"source": source_id, "day": day, **counts, "alerts": [alert] if alert else []}


class QualityGateFailed(RuntimeError):
    """A check of severity ``fail`` (:mod:`mediamon.quality.severity`) failed; the data was
    loaded, flagged."""


def cluster_stage(day: str, conn) -> dict:
    """Cluster the day's headlines of every source into stories (near-duplicates).

    Items: the headlines sighted on local ``day`` and the articles fetched that day, plus those
    clustered in the two days before (so today's reprint joins yesterday's story), each with
    the first :data:`LEAD_CHARS` characters of its article's body when the warehouse has it
    (the body rule of :mod:`mediamon.quality.duplicates` reads the lead only). Writes
    ``story_clusters`` (upsert by canonical URL, keeping the first day) in one transaction;
    returns ``{"headlines", "clusters", "cross_source"}``: items clustered, clusters with two
    or more items, and those spanning two or more sources.
    """
    from mediamon.quality.duplicates import Item, cluster

    local_day = date.fromisoformat(day)
    with conn.cursor() as cur:
        cur.execute(
            """
            select u.canonical_url, u.source_id, u.title, u.cluster_id,
                   left(a.body_text, %(lead_chars)s)
            from (
                select distinct on (h.canonical_url) h.canonical_url, h.source_id, h.title,
                       c.cluster_id
                from sightings s
                join headlines h using (source_id, list_id, canonical_url)
                left join story_clusters c on c.canonical_url = h.canonical_url
                where s.day = %(day)s and h.title is not null
                union
                select distinct on (a.canonical_url) a.canonical_url, a.source_id, a.title,
                       c.cluster_id
                from articles a
                join fetches f on f.source_id = a.source_id and f.url = a.url
                    and f.day = %(day)s and f.kind = 'article'
                left join story_clusters c on c.canonical_url = a.canonical_url
                union
                select canonical_url, source_id, title, cluster_id from story_clusters
                where first_day between %(day)s - 2 and %(day)s - 1
            ) u
            left join articles a on a.canonical_url = u.canonical_url
            """,
            {"day": local_day, "lead_chars": LEAD_CHARS},
        )
        rows = cur.fetchall()
    items = [Item(key=r[0], source_id=r[1], title=r[2], cluster_id=r[3], body=r[4]) for r in rows]
    assigned = cluster(items)
    by_key = {i.key: i for i in items}
    try:
        with conn.cursor() as cur:
            execute_values(
                cur,
                """
                insert into story_clusters (canonical_url, cluster_id, source_id, title, first_day)
                values %s
                on conflict (canonical_url) do update set cluster_id = excluded.cluster_id,
                    title = excluded.title,
                    first_day = least(story_clusters.first_day, excluded.first_day)
                """,
                [(k, assigned[k], by_key[k].source_id, by_key[k].title, local_day)
                 for k in sorted(assigned)],
            )  # fmt: skip
        conn.commit()
    except Exception:
        conn.rollback()
        raise
    members: dict[str, set[str]] = {}
    sizes: dict[str, int] = {}
    for key, cid in assigned.items():
        members.setdefault(cid, set()).add(by_key[key].source_id)
        sizes[cid] = sizes.get(cid, 0) + 1
    return {
        "headlines": len(assigned),
        "clusters": sum(1 for n in sizes.values() if n > 1),
        "cross_source": sum(1 for s in members.values() if len(s) > 1),
    }


def _fetch_row(ex: Exchange) -> dict:
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
    }


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _write_jsonl(path: Path, records: list[tuple[str, dict]]) -> None:
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8") as f:
        for kind, record in records:
            f.write(json.dumps([kind, record], ensure_ascii=False, default=_json_default))
            f.write("\n")
    tmp.replace(path)


def _read_jsonl(path: Path) -> list[tuple[str, dict]]:
    records = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            kind, record = json.loads(line)
            _revive_datetimes(record)
            if kind == "quarantine" and isinstance(record.get("record"), dict):
                _revive_datetimes(record["record"])
            records.append((kind, record))
    return records


def _revive_datetimes(record: dict) -> None:
    """Turn the ISO strings of :data:`DATETIME_FIELDS` back into datetimes, in place."""
    for name in DATETIME_FIELDS:
        if isinstance(record.get(name), str):
            record[name] = datetime.fromisoformat(record[name])
