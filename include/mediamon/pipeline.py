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
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import filetype
from psycopg2.extras import execute_values

from mediamon.config import DAILY_DAG_ID, Source, data_dir, load_sources
from mediamon.fetch.crawl import crawl
from mediamon.fetch.warcstore import Exchange, read_capture
from mediamon.parse import parse_article, parse_feed, parse_listing, parse_sitemap
from mediamon.quality import severity
from mediamon.quality.checks import new_today, validate_batch
from mediamon.window import local_day_window

log = logging.getLogger(__name__)
LEAD_CHARS = 3000  # enough for duplicates.LEAD_WORDS words of a lead
DATETIME_FIELDS = ("published_at", "modified_at", "fetched_at", "published_at_alt")


def run_key(day: date | str, dag_id: str = DAILY_DAG_ID) -> str:
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
    A page that cannot be parsed becomes a ``refused`` record with the reason; so does a 2xx
    body that is not a web page (:func:`not_a_page`) or whose Content-Encoding cannot be
    undone (a truncated gzip stream): it is kept raw in the capture, never parsed. Streams:
    one exchange is read from the capture, parsed and written at a time, so memory does not
    grow with the day.
    """
    source = get_source(source_id)
    path = batch_dir(source_id, day) / "parsed.jsonl"
    _write_jsonl(path, _parsed_records(source, capture))
    return str(path)


def _parsed_records(source: Source, capture: str) -> Iterator[tuple[str, dict]]:
    offsets: dict[str, int] = {}
    for exchange in read_capture(capture):
        yield "fetch", _fetch_row(exchange)
        if exchange.kind == "robots":  # politeness, not content
            continue
        if exchange.status is None or not 200 <= exchange.status < 300:
            continue
        problem = exchange.body_error or not_a_page(
            exchange.body, exchange.content_type, gzip_ok=exchange.kind == "sitemap"
        )
        if problem:
            log.warning("%s: refusing %s: %s", source.id, exchange.url, problem)
            yield "refused", _refused("page", exchange.url, exchange, problem)
            continue
        try:
            yield from _parse_exchange(source, exchange, offsets)
        except Exception as exc:  # one bad page must not sink the day: keep it with a reason
            log.exception("%s: cannot parse %s", source.id, exchange.url)
            reason = f"parse error: {type(exc).__name__}: {exc}"
            yield "refused", _refused("page", exchange.url, exchange, reason)


NOT_PAGE_TYPES = ("image", "audio", "video", "font", "model")


def not_a_page(body: bytes, content_type: str | None, *, gzip_ok: bool = False) -> str | None:
    """Why a 2xx body is not an HTML/XML page, or None when it may be one.

    Refused: a declared media type whose top level is image, audio, video, font or model
    (RFC 6838), and a body whose leading bytes are a known binary format (PNG, JPEG, PDF,
    zip, gzip...: sniffed with the ``filetype`` package) whatever the Content-Type claims,
    e.g. an image served as ``text/html``. ``gzip_ok``: a gzip file passes (a sitemap may be
    ``sitemap.xml.gz``, sitemaps.org; the sitemap parser unpacks it).
    """
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    if declared.split("/", 1)[0] in NOT_PAGE_TYPES:
        return f"not a web page: Content-Type {declared}"
    kind = filetype.guess(body[:8192]) if body else None
    if kind is not None and not (gzip_ok and kind.mime == "application/gzip"):
        return f"not a web page: body is {kind.mime} (Content-Type {declared or 'missing'})"
    return None


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
    """Batch-level check: every exchange of the source-day is accounted for, i.e.
    ``fetched = loaded + quarantined + refused``.

    ``fetched``: the exchanges of the capture except robots.txt (politeness, not content),
    failed attempts and redirect hops included. ``refused``: no HTTP answer (timeout, size or
    time cap, SSRF guard, robots.txt...) or a non-2xx status; the fetch row keeps the reason
    (``error`` or ``status``), tallied in ``observed["refused_reasons"]``. ``quarantined``: a
    2xx page with a quarantine row (the page refused at parse, or its article failing a
    check), matched by URL. ``loaded``: any other 2xx list page (its items are loaded or
    quarantined one by one) and an article page whose article is in ``loaded`` (by URL).

    Returns a ``dq_results`` row (``batch.reconciliation``, severity warn); ``unexpected``
    counts 2xx article pages neither loaded nor quarantined (a silent drop), their URLs in
    ``unexpected_sample``.
    """
    loaded_urls = {a["url"] for a in loaded}
    quarantined = {
        (q["record"].get("kind") or "article", q["record"].get("url"))
        for q in quarantine
        if q["record_kind"] in ("article", "page")
    }
    counts = {"fetched": 0, "loaded": 0, "quarantined": 0, "refused": 0}
    reasons: Counter[str] = Counter()
    missing: list[str] = []
    for f in fetches:
        if f["kind"] == "robots":
            continue
        counts["fetched"] += 1
        status = f.get("status")
        if status is None or not 200 <= status < 300:
            counts["refused"] += 1
            reasons[refusal_reason(status, f.get("error"))] += 1
        elif (f["kind"], f["url"]) in quarantined:
            counts["quarantined"] += 1
        elif f["kind"] != "article" or f["url"] in loaded_urls:
            counts["loaded"] += 1
        else:
            missing.append(f["url"])
    return {
        "check_name": "batch.reconciliation",
        "success": not missing,
        "evaluated": counts["fetched"],
        "unexpected": len(missing),
        "severity": "warn",
        "observed": {**counts, "refused_reasons": dict(sorted(reasons.items()))},
        "unexpected_sample": missing[:5],
    }


_URL = re.compile(r"\S+://\S+")


def refusal_reason(status: int | None, error: str | None) -> str:
    """A short class of why an exchange gave no page: ``"HTTP 503"``, ``"SSRF guard"``,
    ``"ConnectionError"``, ``"total time cap exceeded while reading the body"``; URLs are
    cut out so equal reasons count together."""
    if status is not None:
        return f"HTTP {status}"
    text = _URL.sub("<url>", error or "no reason recorded")
    return text.split(": ", 1)[0][:80]


def load_stage(source_id: str, day: str, validated: str, conn) -> dict:
    """Load a validated batch through the psycopg2 connection ``conn``, with drift checks.

    The day's metrics are compared with the source's trailing baseline read from the
    warehouse; failing ``drift.*`` rows are loaded with the other results and sent as an
    alert (:func:`mediamon.alerts.send_alert`). The day's coverage
    (:func:`mediamon.quality.coverage.day_coverage`) is written to ``source_day_coverage``; a
    day the
    source cannot reach keeps its fetches, articles and checks but gets no sightings and no
    metrics (it is not an empty day). Rows, metrics and coverage are written in one
    transaction (:func:`mediamon.load.loader.load_batch`): a load that fails leaves nothing of
    the day visible. Returns ``{"source", "day", <table>: rows written,
    "alerts": [...], "coverage": {...}}``; the day's summary for people is
    :func:`mediamon.report.day_summary`, read back from the warehouse.
    """
    from mediamon.alerts import send_alert
    from mediamon.load.loader import baseline_metrics, load_batch
    from mediamon.quality.coverage import day_coverage
    from mediamon.quality.drift import baseline_window, day_metrics, describe, drift_checks

    source = get_source(source_id)
    local_day = date.fromisoformat(day)
    path = Path(validated)
    # one pass for the day's metrics, coverage and results (small: no page bodies), then the
    # rows are streamed from the file to the loader kind by kind: memory does not grow with
    # the day
    articles, headlines, quarantine, dq, fetches = [], [], [], [], []
    kinds = ("article", "headline", "quarantine", "dq", "fetch")
    for kind, record in _read_jsonl_kinds(path, kinds):
        if kind == "article":
            articles.append(_metric_fields(record))
        elif kind == "headline":
            headlines.append(record)
        elif kind == "quarantine":
            if record["record_kind"] == "article":
                record = {**record, "record": _metric_fields(record["record"])}
            quarantine.append(record)
        elif kind == "fetch":
            fetches.append(record)
        else:
            dq.append(record)
    cov = day_coverage(source, local_day, fetches, headlines)
    del fetches
    metrics = drift = None
    if cov.reachable:
        metrics = day_metrics(articles, headlines, quarantine)
        baseline = baseline_metrics(conn, source_id, *baseline_window(local_day))
        drift = drift_checks(metrics, baseline)
    else:  # not an empty day: no sightings for it, and no metrics to skew the drift baseline
        log.warning("%s %s: %s", source_id, day, cov.reason)
    del articles, headlines, quarantine
    dq = severity.apply(dq + (drift or []), source)
    with source_lock(conn, source_id):
        counts = load_batch(
            conn, source, local_day, run_key(day),
            fetches=_records(path, "fetch"), articles=_records(path, "article"),
            headlines=_records(path, "headline") if cov.reachable else [],
            quarantine=(
                {**q, "record": json.loads(json.dumps(q["record"], default=_json_default))}
                for q in _records(path, "quarantine")
            ),
            dq_results=dq, metrics=metrics.as_row() if metrics else None,
            coverage=cov.as_row(),
        )  # fmt: skip
    if cov.reachable and cov.flagged:
        log.warning("%s %s: coverage flagged: %s", source_id, day, cov.reason)
    alert = describe(source_id, local_day, drift or [])
    if alert:
        send_alert(alert)
    gated = severity.gated(dq)
    if gated:  # after the commit: the data lands, flagged, and the task says so
        raise QualityGateFailed(f"{source_id} {day}: failing checks configured to fail: {gated}")
    return {
        "source": source_id, "day": day, **counts, "alerts": [alert] if alert else [],
        "coverage": cov.as_row(),
    }  # fmt: skip


def process_capture(source_id: str, day: str, capture: str, conn) -> dict:
    """parse → validate → load of one source-day's stored capture (no network); returns
    :func:`load_stage`'s summary. The chain the DAG runs as separate tasks, for callers that
    run it in one process (``mediamon backfill``, the re-parse)."""
    parsed = parse_stage(source_id, day, capture)
    validated = validate_stage(source_id, day, parsed)
    return load_stage(source_id, day, validated, conn)


SOURCE_LOCK = 727_002  # pg_advisory_lock class for one source's loads


@contextmanager
def source_lock(conn, source_id: str):
    """Hold a PostgreSQL session advisory lock for ``source_id`` while loading.

    Runs of different days (``max_active_runs`` > 1, a backfill, a re-parse) upsert the same
    articles and headlines of a source; taking this lock first makes their transactions wait
    for each other instead of deadlocking. Different sources never wait for each other.
    """
    with conn.cursor() as cur:
        cur.execute("select pg_advisory_lock(%s, hashtext(%s))", (SOURCE_LOCK, source_id))
    conn.commit()
    try:
        yield
    finally:
        # a lost connection took its session's locks with it; unlocking would only mask the
        # error that lost it
        if not conn.closed:
            with conn.cursor() as cur:
                cur.execute("select pg_advisory_unlock(%s, hashtext(%s))", (SOURCE_LOCK, source_id))
            conn.commit()


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
        if not conn.closed:  # a lost connection: rolling back would mask the real error
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


def _write_jsonl(path: Path, records: Iterable[tuple[str, dict]]) -> None:
    """Write ``(kind, record)`` pairs as JSON lines, one at a time; the file appears whole
    (renamed from ``.part``) or not at all."""
    tmp = path.with_name(path.name + ".part")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            for kind, record in records:
                f.write(json.dumps([kind, record], ensure_ascii=False, default=_json_default))
                f.write("\n")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)


def _read_jsonl(path: Path) -> list[tuple[str, dict]]:
    return list(_read_jsonl_kinds(path))


def _read_jsonl_kinds(
    path: Path, kinds: tuple[str, ...] | None = None
) -> Iterator[tuple[str, dict]]:
    """``(kind, record)`` pairs of a batch file, datetimes revived, one line at a time; with
    ``kinds``, lines of other kinds are skipped without being decoded."""
    prefixes = tuple(f'["{k}",' for k in kinds) if kinds else None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if prefixes and not line.startswith(prefixes):
                continue
            kind, record = json.loads(line)
            _revive_datetimes(record)
            if kind == "quarantine" and isinstance(record.get("record"), dict):
                _revive_datetimes(record["record"])
            yield kind, record


def _records(path: Path, kind: str) -> Iterator[dict]:
    """The records of one kind of a batch file, streamed."""
    return (record for _, record in _read_jsonl_kinds(path, (kind,)))


class _Length:
    """Stands for a text of ``n`` characters where only its length is read (``len``, truth)."""

    __slots__ = ("n",)

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n


def _metric_fields(article: dict) -> dict:
    """What :func:`mediamon.quality.drift.day_metrics` reads of an article, without its body
    (``body_text`` becomes its length)."""
    return {
        "canonical_url": article.get("canonical_url"),
        "authors": article.get("authors"),
        "published_at": article.get("published_at"),
        "body_text": _Length(len(article.get("body_text") or "")),
    }


def _revive_datetimes(record: dict) -> None:
    """Turn the ISO strings of :data:`DATETIME_FIELDS` back into datetimes, in place."""
    for name in DATETIME_FIELDS:
        if isinstance(record.get(name), str):
            record[name] = datetime.fromisoformat(record[name])
