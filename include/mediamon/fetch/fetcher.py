"""The polite HTTP client of a crawl: every request of :func:`mediamon.fetch.crawl.crawl` goes
through :class:`Fetcher`, which records every exchange into the capture and cannot be wedged:

- SSRF guard (:mod:`mediamon.fetch.guard`) on every URL and redirect hop: loopback, private,
  link-local and metadata addresses are refused with a reason unless allowed
  (``Source.allowed_hosts``, ``MEDIAMON_ALLOWED_HOSTS``: by host and port, a bare host on 80
  and 443 only). In replay mode names are not
  resolved (every request goes to the replay server anyway).
- robots.txt (:mod:`mediamon.fetch.robots`, protego), once per host per run, its exchange
  recorded as kind ``robots``; ``Crawl-delay`` honoured. On by default live, off when
  replaying (a capture was recorded under the robots.txt of its day).
- a minimum delay between two requests to one host (``MEDIAMON_MIN_DELAY``: 1 s live, 0 when
  replaying). Discovery (feeds, listings, sitemaps) is serial; the article pages are fetched
  by a thread pool keyed by host: each host's pages one after the other (politeness), hosts
  side by side (``MEDIAMON_FETCH_WORKERS`` threads at most, default
  :data:`DEFAULT_FETCH_WORKERS`), so a day's fetch takes about (pages per host x delay), not
  (all pages x delay). Sources run in parallel as mapped tasks.
- redirects followed by hand, at most :data:`MAX_REDIRECTS`, each hop guarded and recorded.
- a total time cap (from the response headers to its last byte) and a size cap per response,
  streamed and stopped when exceeded; a stalled read ends at the read timeout. A compressed
  body (Content-Encoding gzip, deflate) is capped on its decoded size too: what it would
  inflate to is counted while it streams in (:mod:`mediamon.inflate`, 64 MiB by default), so
  a decompression bomb is refused (``body larger than N bytes once decoded``) before it is
  ever inflated whole.
- a host whose requests fail ``FetchPolicy.max_host_failures`` times in a row (no answer, a
  stalled body, 429/5xx after the retries) is given up for the rest of the crawl: its later
  URLs are recorded as refused with the reason, not requested.
- conditional GET (:mod:`mediamon.fetch.revisits`): ``If-None-Match`` / ``If-Modified-Since``
  from the previous capture of the source when ``Source.conditional_get``; a 304 is recorded,
  and for a list the previous body is written again after it (marked ``X-Mediamon-Revisit``).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from mediamon.config import allowed_hosts, min_delay
from mediamon.fetch.guard import refusal
from mediamon.fetch.http import (
    MAX_BODY_BYTES,
    MAX_REDIRECTS,
    TIMEOUT,
    TOTAL_TIMEOUT,
    allow_hosts,
    failed_attempts,
    is_replaying,
)
from mediamon.fetch.revisits import REVISIT_HEADER, Previous, conditional_headers
from mediamon.fetch.robots import RobotsAnswer, RobotsCache
from mediamon.fetch.warcstore import decode_payload_checked
from mediamon.inflate import (
    DecodedTooLarge,
    InflateError,
    Inflater,
    is_compressed,
    max_decoded_bytes,
)

log = logging.getLogger(__name__)
REDIRECT_CODES = (301, 302, 303, 307, 308)
DEFAULT_FETCH_WORKERS = 64


def fetch_workers() -> int:
    """Threads fetching article pages of different hosts at once: ``MEDIAMON_FETCH_WORKERS``
    (default :data:`DEFAULT_FETCH_WORKERS`; 1 fetches every page in turn)."""
    raw = os.environ.get("MEDIAMON_FETCH_WORKERS")
    try:
        return max(1, int(raw)) if raw else DEFAULT_FETCH_WORKERS
    except ValueError as exc:
        raise ValueError(f"MEDIAMON_FETCH_WORKERS must be an integer, not {raw!r}") from exc


@dataclass
class CrawlStats:
    """Counts for one crawl: exchanges recorded, failures, article candidates found.

    ``refused``: requests not made (SSRF guard, robots.txt), each also a failure.
    ``not_modified``: 304 answers to a conditional GET. ``pages``: list pages per list id.
    ``retries``: attempts urllib3 retried (5xx, 429, connection errors) before the final
    answer; each is recorded too (status, no body) and counted in ``exchanges``.
    """

    exchanges: int = 0
    failures: int = 0
    candidates: int = 0
    skipped_foreign: int = 0
    refused: int = 0
    not_modified: int = 0
    retries: int = 0
    errors: list[str] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Fetched:
    """A final 2xx answer (or a list's revisit after a 304): ``body`` decoded (no
    Content-Encoding), ``fetched_at`` UTC (the recording's instant when replaying)."""

    url: str
    status: int
    content_type: str | None
    body: bytes
    fetched_at: datetime


@dataclass(frozen=True)
class FetchPolicy:
    """Limits and politeness of one crawl. ``None`` fields take the mode's default:
    ``max_bytes`` the module's :data:`MAX_BODY_BYTES` (bytes on the wire),
    ``max_decoded_bytes`` :func:`mediamon.inflate.max_decoded_bytes` (bytes a compressed body
    inflates to), ``min_delay`` :func:`config.min_delay`,
    ``obey_robots`` True live / False when replaying, ``workers`` :func:`fetch_workers`.
    ``max_host_failures``: after that many requests in a row to one host ended without an
    answer, with a body that stalled or outlived the time cap, or with 429/5xx (each after its
    retries), the rest of the crawl's requests to that host are refused with a reason instead
    of made (a host in a 503 storm or trickling every page is not waited on for hours)."""

    timeout: tuple[float, float] = TIMEOUT
    workers: int | None = None  # None: fetch_workers()
    total_timeout: float = TOTAL_TIMEOUT
    max_bytes: int | None = None
    max_decoded_bytes: int | None = None
    max_redirects: int = MAX_REDIRECTS
    min_delay: float | None = None
    obey_robots: bool | None = None
    allowed_hosts: tuple[str, ...] = ()
    max_host_failures: int = 5


class _Serialized:
    """A capture writer whose writes run one thread at a time (WARC records must not mix)."""

    def __init__(self, writer, lock: threading.Lock):
        self._writer, self._lock = writer, lock

    def write_response(self, *args, **kwargs) -> None:
        with self._lock:
            self._writer.write_response(*args, **kwargs)

    def write_failure(self, *args, **kwargs) -> None:
        with self._lock:
            self._writer.write_failure(*args, **kwargs)


class Fetcher:
    """GETs for one crawl: guard, robots, per-host delay, caps, redirects, recording.

    One Fetcher serves several threads: they share the session, the capture (writes
    serialized), the counts (under a lock), robots.txt rules and the per-host clock; give each
    host to one thread so its requests stay in turn.
    """

    def __init__(self, session, writer, stats, source, policy, previous=None):
        self._lock = threading.Lock()
        self.session, self.stats, self.source = session, stats, source
        self.writer = _Serialized(writer, self._lock)
        self.policy = policy
        self.replaying = is_replaying(session)
        self.allowed = {*source.allowed_hosts, *policy.allowed_hosts, *allowed_hosts()}
        allow_hosts(session, self.allowed)
        self.min_delay = (
            policy.min_delay if policy.min_delay is not None else min_delay(self.replaying)
        )
        obey = policy.obey_robots if policy.obey_robots is not None else not self.replaying
        agent = str(session.headers.get("User-Agent", "mediamon"))
        self.robots = RobotsCache(self._robots_fetch, agent) if obey else None
        self.previous = previous or {}
        self._last: dict[str, float] = {}
        self._failing: dict[str, int] = {}  # host -> requests in a row without a good answer

    def _count(self, **deltas: int) -> None:
        with self._lock:
            for name, n in deltas.items():
                setattr(self.stats, name, getattr(self.stats, name) + n)

    # -- politeness ---------------------------------------------------------------------------
    def _wait(self, url: str) -> None:
        host = (urlsplit(url).netloc or "").lower()
        delay = self.min_delay
        if self.robots is not None and urlsplit(url).path != "/robots.txt":
            delay = max(delay, self.robots.crawl_delay(url))
        last = self._last.get(host)
        if last is not None and delay > 0:
            pause = last + delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self._last[host] = time.monotonic()

    def _robots_fetch(self, url: str) -> RobotsAnswer:
        page, status = self._exchange(url, kind="robots", list_id=None, check_robots=False)
        return RobotsAnswer(status, page.body if page else b"")

    def _refusal(self, url: str, check_robots: bool) -> str | None:
        host = (urlsplit(url).hostname or "").lower()
        failures = self._failing.get(host, 0)
        if failures >= self.policy.max_host_failures:
            return (
                f"host {host} given up for this crawl: {failures} requests in a row failed "
                "(no answer, a stalled body or 429/5xx)"
            )
        reason = refusal(url, allowed=self.allowed, resolve=not self.replaying)
        if reason is None and check_robots and self.robots is not None:
            reason = self.robots.refusal(url)
        return reason

    # -- requests -----------------------------------------------------------------------------
    def get(
        self, url: str, *, kind: str, list_id: str | None = None, reason: str | None = None
    ) -> Fetched | None:
        """GET ``url`` and record every hop; the final 2xx page, or None on any failure.
        ``reason``: why the crawl chose this URL, recorded with each hop (WARC
        ``Mediamon-Reason``, ``fetches.reason``)."""
        return self.get_with_status(url, kind=kind, list_id=list_id, reason=reason)[0]

    def get_with_status(
        self, url: str, *, kind: str, list_id: str | None = None, reason: str | None = None
    ) -> tuple[Fetched | None, int | None]:
        """:meth:`get`, and the final HTTP status (None when no answer came)."""
        return self._exchange(url, kind=kind, list_id=list_id, check_robots=True, reason=reason)

    def _note_host_outcome(self, url: str, status: int | None, answered: bool) -> None:
        """Track requests in a row to ``url``'s host that failed (no answer or no complete
        body in time, 429, 5xx)."""
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            if not answered or status == 429 or (status or 0) >= 500:
                self._failing[host] = self._failing.get(host, 0) + 1
            else:
                self._failing[host] = 0

    def _exchange(self, url, *, kind, list_id, check_robots, reason=None):
        """(the final 2xx page or None, the final HTTP status or None)."""
        policy = self.policy
        max_bytes = policy.max_bytes if policy.max_bytes is not None else MAX_BODY_BYTES
        max_decoded = policy.max_decoded_bytes or max_decoded_bytes()
        first = url
        for hop in range(policy.max_redirects + 1):
            fetched_at = datetime.now(UTC)
            refused = self._refusal(url, check_robots)
            if refused:
                self._count(refused=1)
                return self._failed(url, refused, fetched_at, kind, list_id, note=reason), None
            self._wait(url)
            previous = self.previous.get(url) if hop == 0 else None
            headers = conditional_headers(previous)
            started = time.monotonic()
            try:
                response = self.session.get(
                    url, timeout=policy.timeout, stream=True, allow_redirects=False,
                    headers=headers,
                )  # fmt: skip
            except requests.RequestException as exc:
                elapsed_ms = round((time.monotonic() - started) * 1000)
                guarded = _GUARD_AT_CONNECT.search(str(exc))
                if guarded:  # the name resolved differently when connecting (rebinding)
                    self._count(refused=1)
                    return self._failed(
                        url, guarded.group(0), fetched_at, kind, list_id, note=reason
                    ), None
                self._note_host_outcome(url, None, answered=False)
                self._record_attempts(url, failed_attempts(exc), fetched_at, kind, list_id)
                failed = self._failed(url, _err(exc), fetched_at, kind, list_id, elapsed_ms, reason)
                return failed, None
            try:
                # the cap runs from the response's arrival: urllib3's retries and their
                # Retry-After sleeps before it are bounded by the retry policy instead
                deadline = time.monotonic() + policy.total_timeout
                encoding = response.headers.get("Content-Encoding")
                raw, error = _read_capped(response, max_bytes, deadline, encoding, max_decoded)
            finally:
                response.close()
            elapsed_ms = round((time.monotonic() - started) * 1000)
            self._record_retries(url, response, fetched_at, kind, list_id)
            # a body that stalls or outlives the time cap is no answer either (size cap: it is)
            stalled = error is not None and not error.startswith("body larger than")
            self._note_host_outcome(url, response.status_code, answered=not stalled)
            if error:
                return self._failed(url, error, fetched_at, kind, list_id, elapsed_ms, reason), None
            fetched_at = archived_at(response.headers) or fetched_at
            self.writer.write_response(
                url, response.status_code, response.reason, list(response.raw.headers.items()),
                raw, fetched_at=fetched_at, kind=kind, list_id=list_id, elapsed_ms=elapsed_ms,
                why=reason,
            )  # fmt: skip
            self._count(exchanges=1)
            status = response.status_code
            location = response.headers.get("Location")
            if status in REDIRECT_CODES and location:
                url = urljoin(url, location.strip())
                continue
            if status == 304 and previous is not None:
                self._count(not_modified=1)
                return self._revisit(url, previous, fetched_at, kind, list_id, reason), status
            if not 200 <= status < 300:
                log.info("%s %s -> HTTP %s", kind, url, status)
                return None, status
            body, body_error = decode_payload_checked(raw, encoding, max_decoded)
            if body_error:  # recorded as received; the parse stage quarantines it
                log.warning("%s %s: %s", kind, url, body_error)
                self.stats.errors.append(f"{url}: {body_error}")
                return None, status
            content_type = response.headers.get("Content-Type")
            return Fetched(url, status, content_type, body, fetched_at), status
        error = f"more than {policy.max_redirects} redirects from {first}"
        return self._failed(url, error, datetime.now(UTC), kind, list_id, note=reason), None

    def _record_retries(self, url, response, fetched_at, kind, list_id) -> None:
        """Record the attempts urllib3 retried before ``response``: a 5xx/429 as a response
        record with that status and no body (urllib3 drains it), a connection error as a
        failure record. The answer that ends the exchange is recorded after them."""
        retries = getattr(response.raw, "retries", None)
        self._record_attempts(url, getattr(retries, "history", None) or (), fetched_at, kind,
                              list_id)  # fmt: skip

    def _record_attempts(self, url, history, fetched_at, kind, list_id) -> None:
        """Record retried attempts (urllib3 ``RequestHistory``), oldest first."""
        for attempt in history:
            if attempt.status:
                self.writer.write_response(
                    url, attempt.status, "(retried; body not kept)", [], b"",
                    fetched_at=fetched_at, kind=kind, list_id=list_id,
                )  # fmt: skip
            else:
                self.writer.write_failure(
                    url, f"retried after {attempt.error}", fetched_at=fetched_at, kind=kind,
                    list_id=list_id,
                )  # fmt: skip
            self._count(exchanges=1)
            log.info("%s %s retried after %s", kind, url, attempt.status or attempt.error)
        self._count(retries=len(history))

    def _revisit(
        self, url, previous: Previous, fetched_at, kind, list_id, reason=None
    ) -> Fetched | None:
        """A 304 for a list: write the previous body again (marked) so the day keeps it."""
        if previous.body is None:
            return None
        headers = [*previous.headers, (REVISIT_HEADER, "304 Not Modified")]
        self.writer.write_response(
            url, 200, "OK", headers, previous.body, fetched_at=fetched_at, kind=kind,
            list_id=list_id, why=reason,
        )  # fmt: skip
        self._count(exchanges=1)
        content_type = dict((k.lower(), v) for k, v in previous.headers).get("content-type")
        return Fetched(url, 200, content_type, previous.body, fetched_at)

    def _failed(self, url, error, fetched_at, kind, list_id, elapsed_ms=None, note=None) -> None:
        log.warning("%s %s failed: %s", kind, url, error)
        self.writer.write_failure(
            url, error, fetched_at=fetched_at, kind=kind, list_id=list_id, elapsed_ms=elapsed_ms,
            why=note,
        )  # fmt: skip
        self._count(exchanges=1, failures=1)
        self.stats.errors.append(f"{url}: {error}")
        return None


def fetch_articles(fetcher: Fetcher, urls: list[str]) -> None:
    """GET every article URL: one host's URLs in turn, different hosts side by side.

    ``www.x`` and ``x`` count as one host (one site, one politeness budget). With one host the
    capture keeps the candidates' order; with several, hosts' records interleave as they
    arrive (each host's in order).
    """
    by_host: dict[str, list[str]] = {}
    for url in urls:
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        by_host.setdefault(host, []).append(url)
    workers = fetcher.policy.workers or fetch_workers()
    if workers <= 1 or len(by_host) <= 1:
        for url in urls:
            fetcher.get(url, kind="article")
        return
    _widen_pools(fetcher.session, min(workers, len(by_host)))

    def fetch_host(host_urls: list[str]) -> None:
        for url in host_urls:
            fetcher.get(url, kind="article")

    with ThreadPoolExecutor(min(workers, len(by_host)), thread_name_prefix="fetch") as pool:
        for _ in pool.map(fetch_host, by_host.values()):  # re-raises a worker's error
            pass


def _widen_pools(session: requests.Session, size: int) -> None:
    """Let each adapter keep ``size`` connections per pool (requests' default is 10): when
    replaying, every host shares the replay server's one pool."""
    for adapter in set(session.adapters.values()):
        if getattr(adapter, "_pool_maxsize", size) < size:
            adapter.init_poolmanager(size, size)


_GUARD_AT_CONNECT = re.compile(r"SSRF guard: .*? \(at connect time\)")


def _err(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _read_capped(
    response, max_bytes: int, deadline: float, encoding: str | None = None,
    max_decoded: int | None = None,
) -> tuple[bytes, str | None]:  # fmt: skip
    """Stream the body as received (no decoding); (bytes, None), or (b"", error) when it is
    larger than ``max_bytes``, would inflate (Content-Encoding ``encoding``) to more than
    ``max_decoded`` bytes (counted as it arrives, nothing decoded kept), outlives ``deadline``
    (monotonic) or the read fails. A stalled read ends at the read timeout, so the worst case
    is the deadline plus one read timeout. A compressed body that is broken is not an error
    here: it is kept as received and its decoding fails later, with the reason."""
    chunks: list[bytes] = []
    size = 0
    counter = Inflater(encoding, max_decoded, keep=False) if is_compressed(encoding) else None
    try:
        while True:
            if time.monotonic() > deadline:
                return b"", "total time cap exceeded while reading the body"
            chunk = response.raw.read1(64 * 1024, decode_content=False)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                return b"", f"body larger than {max_bytes} bytes"
            chunks.append(chunk)
            if counter is not None:
                try:
                    counter.feed(chunk)
                except DecodedTooLarge as exc:
                    return b"", (
                        f"body larger than {exc.limit} bytes once decoded "
                        f"(Content-Encoding {counter.encoding})"
                    )
                except InflateError:
                    counter = None  # broken: kept raw, refused at decoding with the reason
    except (OSError, urllib3.exceptions.HTTPError, requests.RequestException) as exc:
        return b"", _err(exc)
    if time.monotonic() > deadline:
        return b"", "total time cap exceeded while reading the body"
    return b"".join(chunks), None


def archived_at(headers) -> datetime | None:
    """The ``Memento-Datetime`` of a replayed response (RFC 7089), else None.

    A response served from an archive (our replay server) was fetched when it was recorded:
    that instant, not the replay's wall clock, is the exchange's fetch time.
    """
    value = headers.get("Memento-Datetime")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return None
