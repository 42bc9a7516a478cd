"""Fault-test kit: a loopback HTTP server that misbehaves on purpose, a hosts override, a
whole source-day run through the pipeline stages, and the reconciliation read back from the
warehouse.

The server answers for any host name: tests route names to 127.0.0.1 with
:func:`fake_dns` (a hosts override inside the test process, wrapping
``socket.getaddrinfo``, which both the SSRF guard and urllib3 call), so each source has its
own host name as on the internet, and names under ``.invalid`` (RFC 6761) never resolve.
"""

from __future__ import annotations

import socket
import threading
import tracemalloc
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml
from mediamon import batches, pipeline
from mediamon.config import load_sources
from mediamon.devtools.stack import free_port
from mediamon.fetch.crawl import crawl
from mediamon.fetch.fetcher import CrawlStats, FetchPolicy
from mediamon.fetch.http import make_session, retry_policy
from mediamon.window import local_day_window

DAY = "2024-09-08"
# response headers of the fault server's pages and feeds
HTML = [("Content-Type", "text/html; charset=utf-8")]
RSS = [("Content-Type", "application/rss+xml")]
PUBLISHED = "2024-09-08T10:00:00+05:00"
# Short limits so every fault ends in a second or two (the defaults are minutes), with
# room to spare on a busy machine.
POLICY = FetchPolicy(
    timeout=(2.0, 1.0), total_timeout=2.0, max_bytes=1_000_000, max_redirects=3,
    min_delay=0.0, obey_robots=False, max_host_failures=3,
)  # fmt: skip
MAX_RETRY_AFTER = 1.0

BODY = (
    "Городской акимат сообщил, что ремонт дорог в центре завершат до конца месяца. "
    "Подрядчики работают в две смены, а движение по главным улицам временно ограничено. "
    "Жителей просят заранее планировать поездки и пользоваться общественным транспортом. "
    "По словам представителей акимата, после ремонта на улицах появятся новые тротуары."
)


def article_html(title: str, author: str = "Айгерим Сапарова") -> bytes:
    """An article page our generic extractor reads: title, byline, date, body (Russian)."""
    return (
        f'<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:title" content="{_attr(title)}">'
        f'<meta property="article:published_time" content="{PUBLISHED}">'
        f'<meta name="author" content="{author}"></head><body><article>'
        f'<h1>{title}</h1><p class="author">{author}</p>'
        f'<time datetime="{PUBLISHED}">8 сентября 2024</time>'
        f"<div class='content'><p>{BODY}</p><p>{BODY}</p></div></article></body></html>"
    ).encode()


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def rss(links: list[tuple[str, str]]) -> bytes:
    """An RSS 2.0 feed of (title, link) items, each dated :data:`PUBLISHED`."""
    items = "".join(
        f"<item><title>{_xml(t)}</title><link>{_xml(u)}</link>"
        f"<pubDate>Sun, 08 Sep 2024 05:00:00 GMT</pubDate></item>"
        for t, u in links
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>feed</title>'
        f"{items}</channel></rss>"
    ).encode()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


Route = Callable[["Handler", int], None]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FaultServer

    def log_message(self, *args):
        pass

    def send(self, status: int, body: bytes = b"", headers=()) -> None:
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if not any(k.lower() == "content-length" for k, _ in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        n = self.server.hit(host, self.path)
        route = self.server.routes.get((host, self.path))
        try:
            if route is None:
                self.send(404, b"not here", [("Content-Type", "text/plain")])
            else:
                route(self, n)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self):  # noqa: N802
        """Keep the body in ``server.posts[(host, path)]`` and answer 200 (a webhook)."""
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server._lock:
            self.server.posts.setdefault((host, self.path), []).append(body)
        self.send(200, b"ok", [("Content-Type", "text/plain")])


class FaultServer(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server on 127.0.0.1 (free port); ``routes[(host, path)]`` is called
    with the handler and the how-many-th request this is for that host and path. A POST is
    answered 200 and its body kept in ``posts[(host, path)]``."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[tuple[str, str], Route] = {}
        self.hits: dict[tuple[str, str], int] = {}
        self.posts: dict[tuple[str, str], list[bytes]] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"

    def hit(self, host: str, path: str) -> int:
        with self._lock:
            self.hits[(host, path)] = self.hits.get((host, path), 0) + 1
            return self.hits[(host, path)]

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def fake_dns(monkeypatch, names: dict[str, str]) -> None:
    """Resolve ``names`` (host -> IP) in this process; ``*.invalid`` fails like NXDOMAIN;
    other names resolve as usual (never reached by these tests)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        name = (name or "").lower().rstrip(".")
        if name in names:
            return real(names[name], port, family, type, proto, flags)
        if name.endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, port, family, type, proto, flags)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    return free_port()


def source_entry(sid: str, homepage: str, feed: str, **extra) -> dict:
    return {
        "id": sid, "homepage": homepage, "languages": ["ru"], "timezone": "Asia/Almaty",
        "first_year": 2000, "feeds": [{"id": "rss", "url": feed}], **extra,
    }  # fmt: skip


def write_registry(path: Path, entries: list[dict], monkeypatch) -> Path:
    path.write_text(yaml.safe_dump({"sources": entries}, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("MEDIAMON_SOURCES", str(path))
    load_sources(path)  # fails here, not in a stage, if an entry is malformed
    return path


@dataclass
class SourceRun:
    source_id: str
    stats: CrawlStats | None = None
    loaded: dict | None = None
    error: BaseException | None = None
    capture: str | None = None
    extra: dict = field(default_factory=dict)


@contextmanager
def traced_peak(peaks: dict | None, key: str):
    """Record in ``peaks[key]`` the peak of Python allocations (bytes, :mod:`tracemalloc`)
    inside the block; nothing is traced when ``peaks`` is None."""
    if peaks is None:
        yield
        return
    tracemalloc.start()
    try:
        yield
    finally:
        peaks[key] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def run_day(
    conn, source_ids: list[str], day: str = DAY, policy: FetchPolicy = POLICY,
    peaks: dict | None = None,
):  # fmt: skip
    """fetch → parse → validate → load for each source, as the DAG's mapped tasks do: one
    source's exception is kept in its :class:`SourceRun` and does not stop the others.
    ``peaks``: a dict that receives ``(source, "fetch")`` and ``(source, "process")``, the
    peak of Python allocations in bytes of the fetch and of parse → validate → load."""
    runs = {}
    for sid in source_ids:
        run = runs[sid] = SourceRun(sid)
        try:
            source = pipeline.get_source(sid)
            window = local_day_window(day, source.timezone)
            path = batches.capture_path(sid, day)
            retries = retry_policy(total=2, backoff_factor=0.01, max_retry_after=MAX_RETRY_AFTER)
            with (
                make_session(replay="", retries=retries) as session,
                traced_peak(peaks, (sid, "fetch")),
            ):
                run.stats = crawl(
                    source, path, session=session, policy=policy,
                    window=(window.start, window.end),
                )  # fmt: skip
            run.capture = str(path)
            with traced_peak(peaks, (sid, "process")):
                run.loaded = pipeline.process_capture(sid, day, str(path), conn)
        except Exception as exc:  # noqa: BLE001 - a mapped task fails alone
            conn.rollback()
            run.error = exc
    return runs


def stored_fetches(conn, source_id: str, day: str = DAY) -> dict[str, list[tuple]]:
    """path (URL without scheme and host) -> [(kind, status, error)] in WARC order."""
    with conn.cursor() as cur:
        cur.execute(
            "select url, kind, status, error from fetches where source_id = %s and day = %s "
            "order by warc_offset",
            (source_id, date.fromisoformat(day)),
        )
        rows = cur.fetchall()
    conn.rollback()
    out: dict[str, list[tuple]] = {}
    for url, kind, status, error in rows:
        path = "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url
        out.setdefault(path, []).append((kind, status, error))
    return out


def quarantine_reasons(conn, source_id: str, day: str = DAY) -> dict[str, list[str]]:
    """URL of the quarantined record -> its reasons."""
    with conn.cursor() as cur:
        cur.execute(
            "select record->>'url', reasons from quarantine where source_id = %s and day = %s",
            (source_id, date.fromisoformat(day)),
        )
        rows = cur.fetchall()
    conn.rollback()
    return {url: reasons for url, reasons in rows}


def assert_reconciled(conn, source_id: str, day: str = DAY) -> dict:
    """From the warehouse alone: fetched = loaded + quarantined + refused-with-reason for the
    source-day, and the stored ``batch.reconciliation`` result agrees. Returns the counts."""
    d = date.fromisoformat(day)
    with conn.cursor() as cur:
        cur.execute(
            "select kind, url, status, error from fetches "
            "where source_id = %s and day = %s and kind <> 'robots'",
            (source_id, d),
        )
        fetches = cur.fetchall()
        cur.execute("select url from articles where source_id = %s", (source_id,))
        article_urls = {r[0] for r in cur.fetchall()}
        cur.execute(
            "select coalesce(record->>'kind', 'article'), record->>'url' from quarantine "
            "where source_id = %s and day = %s and record_kind in ('article', 'page')",
            (source_id, d),
        )
        quarantined = set(cur.fetchall())
        cur.execute(
            "select success, evaluated, unexpected, observed from dq_results "
            "where source_id = %s and day = %s and check_name = 'batch.reconciliation'",
            (source_id, d),
        )
        (check,) = cur.fetchall()
    conn.rollback()
    counts = {"fetched": len(fetches), "loaded": 0, "quarantined": 0, "refused": 0}
    for kind, url, status, error in fetches:
        if status is None or not 200 <= status < 300:
            assert status is not None or error, f"refused without a reason: {url}"
            counts["refused"] += 1
        elif (kind, url) in quarantined:
            counts["quarantined"] += 1
        else:
            assert kind != "article" or url in article_urls, f"silently dropped: {url}"
            counts["loaded"] += 1
    assert counts["fetched"] == counts["loaded"] + counts["quarantined"] + counts["refused"]
    success, evaluated, unexpected, observed = check
    assert (success, evaluated, unexpected) == (True, counts["fetched"], 0)
    assert {k: observed[k] for k in counts} == counts
    return counts
