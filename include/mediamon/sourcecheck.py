"""Source checks: does each registry entry still yield what it promises?

For one source, :func:`check_source` fetches, through the polite
:class:`~mediamon.fetch.fetcher.Fetcher` (SSRF guard, robots.txt when live, per-host delay,
caps, every exchange written to a WARC capture):

- each feed: its candidate URLs in order until one answers and parses as a feed with items
  (the outcome names the candidate that did and why the earlier ones did not);
- each listing (a date archive: today's local page): its headlines, by its selectors or found
  without them (:func:`mediamon.parse.parse_listing`);
- each sitemap: its URLs, or its child sitemaps for an index;
- a sample article: the first link of the source's own site on the lists, which must give a
  title and a publication date.

Each becomes an :class:`Outcome` (ok, items, reason); the :class:`SourceCheck`'s verdict is
``pass`` (every check ok), ``fail`` (no list yielded, or the sample article gave no title or
no date) or ``partial``. The mode is ``live`` when the session reaches the sites and
``offline`` when it replays a capture (``MEDIAMON_REPLAY``). :func:`store_checks` writes the
results to ``source_checks``; :func:`latest_checks` reads the newest per source back.
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mediamon.config import Source, min_delay
from mediamon.fetch.fetcher import CrawlStats, Fetcher, FetchPolicy
from mediamon.fetch.hostlock import host_lock, outlet_host
from mediamon.fetch.http import is_replaying, make_session
from mediamon.fetch.warcstore import CaptureWriter
from mediamon.parse import (
    parse_article,
    parse_feed,
    parse_listing,
    parse_sitemap,
    sitemap_children,
)

log = logging.getLogger(__name__)
VERDICTS = ("pass", "partial", "fail")
DEFAULT_WORKERS = 8  # sources checked side by side (each its own hosts and fetcher)


@dataclass(frozen=True)
class Outcome:
    """One check of a source: ``check`` is ``feed:<id>``, ``listing:<id>``, ``sitemap:<id>``
    or ``article``; ``items`` what it yielded (feed or list items, sitemap URLs or child
    sitemaps; 1 for an article that parsed); ``url`` the URL that answered (or the last
    tried); ``reason`` why it failed, or a note on how it passed ("" when plain)."""

    check: str
    ok: bool
    items: int = 0
    url: str | None = None
    reason: str = ""

    def as_dict(self) -> dict:
        return {"check": self.check, "ok": self.ok, "items": self.items, "url": self.url,
                "reason": self.reason}  # fmt: skip


@dataclass
class SourceCheck:
    """A source's check: when (``checked_at``, UTC), how (``mode``: live/offline), every
    :class:`Outcome`, the sample article's URL, title and date, and the WARC of its
    exchanges (``capture``)."""

    source_id: str
    mode: str
    checked_at: datetime
    outcomes: list[Outcome] = field(default_factory=list)
    sample_url: str | None = None
    sample_title: str | None = None
    sample_published_at: datetime | None = None
    capture: str | None = None

    def tally(self, kind: str) -> tuple[int, int]:
        """(checks ok, checks) of ``kind`` (feed, listing, sitemap)."""
        mine = [o for o in self.outcomes if o.check.startswith(f"{kind}:")]
        return sum(o.ok for o in mine), len(mine)

    @property
    def listing_items(self) -> int:
        """Headlines the listings yielded, all together."""
        return sum(o.items for o in self.outcomes if o.check.startswith("listing:"))

    @property
    def verdict(self) -> str:
        """``pass``, ``partial`` or ``fail`` (see the module's docstring)."""
        if self.outcomes and all(o.ok for o in self.outcomes):
            return "pass"
        lists = [o for o in self.outcomes if o.check != "article"]
        article = next((o for o in self.outcomes if o.check == "article"), None)
        if not any(o.ok for o in lists) or article is None or not article.ok:
            return "fail"
        return "partial"

    @property
    def reason(self) -> str:
        """The failing checks and their reasons, ``"; "``-joined ("" when all passed)."""
        return "; ".join(f"{o.check}: {o.reason}" for o in self.outcomes if not o.ok)

    def row(self) -> dict:
        """The table row of ``mediamon sources check``."""
        feeds, sitemaps = self.tally("feed"), self.tally("sitemap")
        date = self.sample_published_at
        return {
            "source": self.source_id,
            "mode": self.mode,
            "feeds": f"{feeds[0]}/{feeds[1]}",
            "sitemaps": f"{sitemaps[0]}/{sitemaps[1]}",
            "listing items": self.listing_items,
            "sample title": _cut(self.sample_title or "–", 40),
            "sample date": date.isoformat(timespec="minutes") if date else "–",
            "verdict": self.verdict,
            "reason": _cut(self.reason, 70),
        }


class _Witness:
    """A capture writer that keeps how each exchange ended ("HTTP 404 Not Found", or the
    error), in order: the reason a check failed, as the capture records it."""

    def __init__(self, writer: CaptureWriter):
        self.writer = writer
        self.trail: list[tuple[str, str]] = []

    def write_response(self, url, status, reason, headers, *args, **kwargs) -> None:
        said = f"HTTP {status} {reason or ''}".strip()
        if any(k.lower() == "x-mediamon-replay" and v == "miss" for k, v in headers):
            said += " (not in the capture)"  # the replay server's answer, not the site's
        self.trail.append((url, said))
        self.writer.write_response(url, status, reason, headers, *args, **kwargs)

    def write_failure(self, url, error, **kwargs) -> None:
        self.trail.append((url, error))
        self.writer.write_failure(url, error, **kwargs)

    def get(self, fetcher: Fetcher, url: str, kind: str, list_id: str | None = None):
        """(the page or None, why not: the exchange's end, each redirect hop named)."""
        start = len(self.trail)
        page = fetcher.get(url, kind=kind, list_id=list_id)
        if page is not None:
            return page, ""
        hops = [(u, why) for u, why in self.trail[start:] if not u.endswith("/robots.txt")]
        if not hops:
            return None, "not fetched"
        return None, " -> ".join(why if u == url else f"{u}: {why}" for u, why in hops)


def check_source(
    source: Source,
    capture: Path,
    *,
    session=None,
    policy: FetchPolicy | None = None,
    now: datetime | None = None,
) -> SourceCheck:
    """Check ``source`` (feeds, listings, sitemaps, a sample article), recording every
    exchange into the WARC ``capture``. ``session``: a :func:`make_session` (default: live, or
    the replay server when ``MEDIAMON_REPLAY`` is set); ``now``: the check's instant (UTC,
    default the clock), whose local day picks a date archive's page.

    Never raises for what a site answers (each failure is an outcome with its reason); an
    error writing the capture raises OSError.
    """
    session = session or make_session()
    now = now or datetime.now(UTC)
    result = SourceCheck(source.id, "offline" if is_replaying(session) else "live", now)
    with CaptureWriter(capture) as writer:
        witness = _Witness(writer)
        policy = policy or FetchPolicy(max_host_failures=3)
        fetcher = Fetcher(session, witness, CrawlStats(), source, policy)
        links: list[str] = []
        for feed in source.feeds:
            outcome, found = _check_feed(fetcher, witness, source, feed)
            result.outcomes.append(outcome)
            links += found
        for listing in source.listings:
            outcome, found = _check_listing(fetcher, witness, source, listing, now)
            result.outcomes.append(outcome)
            links += found
        for sitemap in source.sitemaps:
            outcome, found = _check_sitemap(fetcher, witness, source, sitemap)
            result.outcomes.append(outcome)
            links += found
        result.outcomes.append(_check_article(fetcher, witness, source, links, result))
    result.capture = str(capture)
    return result


def _check_feed(fetcher, witness, source, feed) -> tuple[Outcome, list[str]]:
    """The feed's candidates in order; the first that yields items passes."""
    failed: list[str] = []
    outcome = Outcome(f"feed:{feed.id}", False, url=feed.url)
    for n, url in enumerate(feed.candidates, start=1):
        outcome, found = _check_list(fetcher, witness, f"feed:{feed.id}", url, "feed", feed.id,
                                     parse_feed, source=source, list_id=feed.id)  # fmt: skip
        if outcome.ok:
            if failed:
                note = f"candidate {n} of {len(feed.candidates)}; before it: " + "; ".join(failed)
                outcome = Outcome(outcome.check, True, outcome.items, url, note)
            return outcome, found
        failed.append(f"{url}: {outcome.reason}")
    if len(failed) > 1:
        outcome = Outcome(outcome.check, False, 0, feed.url, "; ".join(failed))
    return outcome, []


def _check_listing(fetcher, witness, source, listing, now: datetime):
    """A listing's page (a date archive's page of ``now``'s local day)."""
    local = now.astimezone(source.zone)
    url = listing.url.format(date=local) if listing.is_template else listing.url
    return _check_list(fetcher, witness, f"listing:{listing.id}", url, "listing", listing.id,
                       parse_listing, source=source, listing=listing)  # fmt: skip


def _check_list(fetcher, witness, check, url, kind, lid, parse, **kwargs):
    """(outcome, the item URLs) of one feed or listing page (list id ``lid``)."""
    page, why = witness.get(fetcher, url, kind, lid)
    if page is None:
        return Outcome(check, False, url=url, reason=why), []
    try:
        parsed = parse(page.body, page.url, fetched_at=page.fetched_at, **kwargs)
    except Exception as exc:  # a page the parser cannot read is a failed check, not a crash
        return Outcome(check, False, url=url, reason=f"{type(exc).__name__}: {exc}"), []
    refused = getattr(parsed, "refused_reason", None)
    if refused:
        return Outcome(check, False, url=url, reason=f"not a feed: {refused}"), []
    found = [h["url"] for h in parsed.headlines if h.get("url")]
    if not found:
        why = "answered, but no item" + (f" ({parsed.warnings[0]})" if parsed.warnings else "")
        return Outcome(check, False, url=url, reason=why), []
    return Outcome(check, True, len(found), url), found


def _check_sitemap(fetcher, witness, source, sitemap) -> tuple[Outcome, list[str]]:
    """A sitemap passes with URLs, an index with child sitemaps (not followed: one request)."""
    check = f"sitemap:{sitemap.id}"
    page, why = witness.get(fetcher, sitemap.url, "sitemap", sitemap.id)
    if page is None:
        return Outcome(check, False, url=sitemap.url, reason=why), []
    children = sitemap_children(page.body)
    if children:
        return Outcome(check, True, len(children), sitemap.url, "a sitemap index"), []
    try:
        found = parse_sitemap(page.body, page.url, source=source, list_id=sitemap.id,
                              fetched_at=page.fetched_at)  # fmt: skip
    except Exception as exc:
        return Outcome(check, False, url=sitemap.url, reason=f"{type(exc).__name__}: {exc}"), []
    urls = [h["url"] for h in found if h.get("url")]
    if not urls:
        return Outcome(check, False, url=sitemap.url, reason="answered, but no URL"), []
    return Outcome(check, True, len(urls), sitemap.url), urls


def _check_article(fetcher, witness, source, links, result: SourceCheck) -> Outcome:
    """The first link of the source's own site: fetched and parsed, title and date wanted."""
    url = next((u for u in links if source.owns(u)), None)
    if url is None:
        why = "no list yielded a link" if not links else "no link of the source's own site"
        return Outcome("article", False, reason=why)
    result.sample_url = url
    page, why = witness.get(fetcher, url, "article")
    if page is None:
        return Outcome("article", False, url=url, reason=why)
    try:
        record = parse_article(page.body, page.url, source=source, fetched_at=page.fetched_at,
                               content_type=page.content_type)  # fmt: skip
    except Exception as exc:
        return Outcome("article", False, url=url, reason=f"{type(exc).__name__}: {exc}")
    result.sample_title = record["title"]
    result.sample_published_at = record["published_at"]
    missing = [name for name in ("title", "published_at") if not record[name]]
    if missing:
        why = f"no {' and no '.join(m.replace('published_at', 'date') for m in missing)}"
        if record.get("published_at_reason") and "published_at" in missing:
            why += f" ({record['published_at_reason']})"
        return Outcome("article", False, 1, url, why)
    return Outcome("article", True, 1, url)


def check_sources(
    sources: list[Source],
    out_dir: Path,
    *,
    session_factory=make_session,
    workers: int = DEFAULT_WORKERS,
    now: datetime | None = None,
    connect=None,
) -> list[SourceCheck]:
    """:func:`check_source` for each source, in the given order. Outlets run side by side
    (``workers`` threads, each source its own session and fetcher); sources of one outlet host
    (:func:`~mediamon.fetch.hostlock.outlet_host`: Tengrinews ru and kk) run one after the
    other, ``min_delay`` apart, so the per-host politeness holds across them too. With
    ``connect`` (zero-argument callable returning a psycopg2 connection to the warehouse), a
    host's checks run under its advisory lock (:func:`~mediamon.fetch.hostlock.host_lock`), so
    a check never overlaps a crawl of the same host by a DAG run or a backfill. Each capture
    is ``out_dir/<source>-<UTC stamp>.warc.gz``."""
    now = now or datetime.now(UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    by_host: dict[str, list[Source]] = {}
    for source in sources:
        by_host.setdefault(outlet_host(source), []).append(source)

    def one_host(group: list[Source]) -> list[SourceCheck]:
        if connect is None:
            return checks_of(group)
        conn = connect()
        try:
            delay = min_delay(is_replaying(session_factory()))
            with host_lock(conn, outlet_host(group[0]), delay):
                return checks_of(group)
        finally:
            conn.close()

    def checks_of(group: list[Source]) -> list[SourceCheck]:
        done = []
        for n, source in enumerate(group):
            session = session_factory()
            if n:  # the previous source's last request to this host was just now
                time.sleep(min_delay(is_replaying(session)))
            capture = Path(out_dir) / f"{source.id}-{stamp}.warc.gz"
            done.append(check_source(source, capture, session=session, now=now))
        return done

    with ThreadPoolExecutor(max(1, min(workers, len(by_host) or 1))) as pool:
        checked = {c.source_id: c for group in pool.map(one_host, by_host.values()) for c in group}
    return [checked[s.id] for s in sources]


def store_checks(conn, checks: list[SourceCheck]) -> int:
    """Insert ``checks`` into ``source_checks`` (a check already stored, same source,
    instant and mode, is left as it is: idempotent) and commit; returns rows inserted."""
    inserted = 0
    with conn.cursor() as cur:
        for c in checks:
            (feeds_ok, feeds), (sitemaps_ok, sitemaps) = c.tally("feed"), c.tally("sitemap")
            cur.execute(
                "insert into source_checks (source_id, checked_at, mode, verdict, feeds_ok, "
                "feeds_total, sitemaps_ok, sitemaps_total, listing_items, sample_url, "
                "sample_title, sample_published_at, outcomes, capture) values "
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "on conflict do nothing",
                (c.source_id, c.checked_at, c.mode, c.verdict, feeds_ok, feeds, sitemaps_ok,
                 sitemaps, c.listing_items, c.sample_url, c.sample_title,
                 c.sample_published_at, json.dumps([o.as_dict() for o in c.outcomes]),
                 c.capture),
            )  # fmt: skip
            inserted += cur.rowcount
    conn.commit()
    return inserted


def latest_checks(conn) -> dict[str, dict]:
    """The newest ``source_checks`` row per source, and when a live check last passed:
    ``{source_id: {"checked_at", "mode", "verdict", "reason", "live_passed_at"}}``
    (datetimes UTC; ``reason``: the failing checks' reasons, "" when none;
    ``live_passed_at`` None when no live check ever passed)."""
    with conn.cursor() as cur:
        cur.execute(
            "select distinct on (source_id) source_id, checked_at, mode, verdict, outcomes, "
            "(select max(checked_at) from source_checks p where p.source_id = c.source_id "
            " and p.mode = 'live' and p.verdict = 'pass') "
            "from source_checks c order by source_id, checked_at desc"
        )
        rows = cur.fetchall()
    return {
        sid: {"checked_at": at, "mode": mode, "verdict": verdict,
              "reason": "; ".join(f"{o['check']}: {o['reason']}" for o in outcomes
                                  if not o["ok"]),
              "live_passed_at": passed}
        for sid, at, mode, verdict, outcomes, passed in rows
    }  # fmt: skip


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
