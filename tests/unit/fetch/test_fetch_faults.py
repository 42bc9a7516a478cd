"""The fetcher against a loopback server that misbehaves on purpose.

Each route is one fault: 500 then 200, 429 with Retry-After, a body that never finishes, a
body that stalls, a 50 MB body, a redirect loop, a redirect to the metadata address, a path
that robots.txt disallows, a 304 on the second request. One crawl meets them all: every
exchange is stored (failures as failure records with the reason), the well-behaved pages load.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from mediamon.config import load_sources
from mediamon.fetch.crawl import crawl
from mediamon.fetch.fetcher import CrawlStats, Fetcher, FetchPolicy
from mediamon.fetch.guard import refusal
from mediamon.fetch.http import make_session, retry_policy, user_agent
from mediamon.fetch.warcstore import CaptureWriter, read_capture

BIG = 50 * 1024 * 1024
ROBOTS = b"User-agent: *\nDisallow: /private/\n\nUser-agent: otherbot\nDisallow: /\n"


class _State:
    def __init__(self):
        self.lock = threading.Lock()
        self.hits: dict[str, list[float]] = {}
        self.headers: dict[str, list[dict]] = {}

    def hit(self, path: str, headers) -> int:
        with self.lock:
            self.hits.setdefault(path, []).append(time.monotonic())
            self.headers.setdefault(path, []).append(dict(headers))
            return len(self.hits[path])


def _feed(base: str, paths: list[str]) -> bytes:
    items = "".join(f"<item><title>Item {p}</title><link>{base}{p}</link></item>" for p in paths)
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"{items}</channel></rss>"
    ).encode()


ARTICLES = [
    "/flaky", "/busy", "/slow", "/stall", "/huge", "/loop", "/to-metadata", "/private/secret",
    "/ok", "/etag",
]  # fmt: skip


def _make_handler(state: _State):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _send(self, status, body=b"", headers=()):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802
            n = state.hit(self.path, self.headers)
            base = f"http://{self.headers['Host']}"
            html = [("Content-Type", "text/html; charset=utf-8")]
            try:
                if self.path == "/robots.txt":
                    self._send(200, ROBOTS, [("Content-Type", "text/plain")])
                elif self.path == "/feed.xml":
                    if self.headers.get("If-None-Match") == '"f1"':
                        self._send(304, b"", [("ETag", '"f1"')])
                    else:
                        rss = [("Content-Type", "application/rss+xml"), ("ETag", '"f1"')]
                        self._send(200, _feed(base, ARTICLES), rss)
                elif self.path == "/flaky":
                    self._send(500 if n == 1 else 200, b"<p>flaky</p>", html)
                elif self.path == "/busy":
                    if n == 1:
                        self._send(429, b"slow down", [("Retry-After", "1")])
                    else:
                        self._send(200, b"<p>busy</p>", html)
                elif self.path == "/slow":  # trickles forever: only the total cap ends it
                    self.send_response(200)
                    self.send_header("Content-Length", str(10**9))
                    self.end_headers()
                    for _ in range(200):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(0.05)
                elif self.path == "/stall":  # headers, then nothing: the read timeout ends it
                    self.send_response(200)
                    self.send_header("Content-Length", "100")
                    self.end_headers()
                    self.wfile.write(b"y" * 10)
                    self.wfile.flush()
                    time.sleep(5)
                elif self.path == "/huge":
                    self.send_response(200)
                    self.send_header("Content-Length", str(BIG))
                    self.end_headers()
                    chunk = b"z" * (1024 * 1024)
                    for _ in range(BIG // len(chunk)):
                        self.wfile.write(chunk)
                elif self.path in ("/loop", "/loop2"):
                    target = "/loop2" if self.path == "/loop" else "/loop"
                    self._send(302, b"", [("Location", target)])
                elif self.path == "/to-metadata":
                    self._send(302, b"", [("Location", "http://169.254.169.254/latest/meta-data/")])
                elif self.path == "/etag":
                    if self.headers.get("If-None-Match") == '"v1"':
                        self._send(304, b"", [("ETag", '"v1"')])
                    else:
                        self._send(200, b"<p>etag</p>", [*html, ("ETag", '"v1"')])
                else:
                    self._send(200, f"<p>{self.path}</p>".encode(), html)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


@pytest.fixture(scope="module")
def server():
    state = _State()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(state))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", state
    httpd.shutdown()
    httpd.server_close()


def _source(tmp_path: Path, base: str, sid: str = "faulty", **extra):
    entry = {
        "id": sid,
        "homepage": f"{base}/",
        "languages": ["en"],
        "timezone": "Asia/Almaty",
        "feeds": [{"id": "rss", "url": f"{base}/feed.xml"}],
        "allowed_hosts": [base.split("://", 1)[1]],  # 127.0.0.1:<port>
        **extra,
    }
    path = tmp_path / f"{sid}.yaml"
    path.write_text(yaml.safe_dump({"sources": [entry]}), encoding="utf-8")
    return load_sources(path)[sid]


POLICY = FetchPolicy(timeout=(2.0, 0.6), total_timeout=1.5, min_delay=0.0, obey_robots=True)


def _session():
    return make_session(replay=None, retries=retry_policy(total=2, backoff_factor=0.01,
                                                          max_retry_after=3))  # fmt: skip


@pytest.fixture(scope="module")
def faulty_crawl(server, tmp_path_factory):
    base, state = server
    tmp_path = tmp_path_factory.mktemp("faulty")
    source = _source(tmp_path, base)
    path = tmp_path / "raw" / "faulty" / "2024-09-08.warc.gz"
    started = time.monotonic()
    with _session() as session:
        stats = crawl(source, path, session=session, policy=POLICY)
    elapsed = time.monotonic() - started
    by_url = {}
    for ex in read_capture(path):
        by_url.setdefault(ex.url.removeprefix(base), []).append(ex)
    return base, state, stats, by_url, elapsed, path


def test_fault_crawl_is_bounded_and_records_everything(faulty_crawl):
    _, _, stats, by_url, elapsed, _ = faulty_crawl
    assert elapsed < 10
    assert stats.exchanges == sum(len(v) for v in by_url.values())
    (robots,) = by_url["/robots.txt"]
    assert (robots.kind, robots.status, robots.body) == ("robots", 200, ROBOTS)
    (ok,) = by_url["/ok"]
    assert (ok.kind, ok.status, ok.body) == ("article", 200, b"<p>/ok</p>")


def test_500_then_200_is_retried(faulty_crawl):
    _, state, _, by_url, _, _ = faulty_crawl
    retried, flaky = by_url["/flaky"]
    assert (retried.status, retried.body) == (500, b"")  # the first attempt, recorded too
    assert (flaky.status, flaky.body) == (200, b"<p>flaky</p>")
    assert len(state.hits["/flaky"]) == 2
    assert faulty_crawl[2].retries >= 2  # /flaky and /busy


def test_429_retry_after_is_honoured(faulty_crawl):
    _, state, _, by_url, _, _ = faulty_crawl
    throttled, busy = by_url["/busy"]
    assert (throttled.status, busy.status) == (429, 200)
    first, second = state.hits["/busy"]
    assert second - first >= 0.9  # Retry-After: 1, not the 0.01 s backoff


def test_never_ending_body_hits_the_total_cap(faulty_crawl):
    _, _, stats, by_url, _, _ = faulty_crawl
    (slow,) = by_url["/slow"]
    assert slow.status is None and slow.error == "total time cap exceeded while reading the body"
    (stall,) = by_url["/stall"]
    assert stall.status is None and "timed out" in stall.error.lower()


def test_50_mb_body_is_cut_at_the_size_cap(faulty_crawl):
    _, _, _, by_url, _, _ = faulty_crawl
    (huge,) = by_url["/huge"]
    assert huge.status is None and huge.error.startswith("body larger than")


def test_redirect_loop_is_capped(faulty_crawl):
    _, _, _, by_url, _, _ = faulty_crawl
    hops = by_url["/loop"] + by_url["/loop2"]
    recorded = [e for e in hops if e.status == 302]
    assert len(recorded) == POLICY.max_redirects + 1
    (failure,) = [e for e in hops if e.status is None]
    assert failure.error.startswith(f"more than {POLICY.max_redirects} redirects")


def test_redirect_to_metadata_address_is_refused(faulty_crawl):
    _, _, stats, by_url, _, _ = faulty_crawl
    (hop,) = by_url["/to-metadata"]
    assert hop.status == 302
    (refused,) = by_url["http://169.254.169.254/latest/meta-data/"]
    assert refused.status is None and refused.error.startswith("SSRF guard: ")
    assert "metadata" in refused.error


def test_robots_disallowed_path_is_not_fetched(faulty_crawl):
    _, state, stats, by_url, _, _ = faulty_crawl
    (refused,) = by_url["/private/secret"]
    assert refused.status is None and refused.error.startswith("disallowed by robots.txt")
    assert "/private/secret" not in state.hits
    assert len(state.hits["/robots.txt"]) == 1  # once per host per run
    assert stats.refused == 2  # robots + metadata


def test_user_agent_names_project_and_contact(faulty_crawl, monkeypatch):
    _, state, _, _, _, _ = faulty_crawl
    agent = state.headers["/feed.xml"][0]["User-Agent"]
    assert agent.startswith("mediamon/") and "@" in agent
    monkeypatch.setenv("MEDIAMON_CONTACT", "ops@mediamon.kz")
    assert "ops@mediamon.kz" in user_agent()


def test_304_on_second_request(faulty_crawl, tmp_path):
    base, state, _, by_url, _, first = faulty_crawl
    source = _source(tmp_path, base)
    second = tmp_path / "raw" / "faulty" / "2024-09-09.warc.gz"
    with _session() as session:
        stats = crawl(source, second, session=session, policy=POLICY, previous_capture=first)
    assert state.headers["/etag"][-1].get("If-None-Match") == '"v1"'
    got = {}
    for ex in read_capture(second):
        got.setdefault(ex.url.removeprefix(base), []).append(ex)
    (etag,) = got["/etag"]
    assert etag.status == 304  # an article: recorded, nothing to re-parse
    # the feed: the 304 is recorded, then yesterday's body again, marked, so today's
    # headlines and article links are still there
    not_modified, revisit = got["/feed.xml"]
    assert (not_modified.status, not_modified.body) == (304, b"")
    assert revisit.status == 200 and revisit.headers["x-mediamon-revisit"] == "304 Not Modified"
    assert revisit.body == by_url["/feed.xml"][0].body
    assert got["/ok"][0].status == 200  # discovered from the revisited feed
    assert stats.not_modified == 2
    # conditional GET off for the source: no validators sent
    source_off = _source(tmp_path, base, sid="liar", conditional_get=False)
    before = len(state.headers["/etag"])
    with _session() as session:
        crawl(source_off, tmp_path / "liar.warc.gz", session=session, policy=POLICY,
              previous_capture=first)  # fmt: skip
    assert "If-None-Match" not in state.headers["/etag"][before]


def test_ssrf_guard_reasons():
    assert refusal("http://127.0.0.1/x").startswith("SSRF guard: 127.0.0.1 is a loopback")
    assert "private" in refusal("http://10.2.3.4/")
    assert "link-local" in refusal("http://169.254.1.1/")
    assert "metadata" in refusal("http://169.254.169.254/latest")
    assert "metadata" in refusal("http://metadata.google.internal/")
    assert "loopback" in refusal("http://localhost:8080/")
    assert "loopback" in refusal("http://[::1]/")
    assert "loopback" in refusal("http://[::ffff:127.0.0.1]/")
    assert refusal("ftp://example.org/").startswith("SSRF guard: scheme")
    assert refusal("http://127.0.0.1:8765/", allowed=("127.0.0.1:8765",)) is None
    assert refusal("http://127.0.0.1/", allowed=("127.0.0.1",)) is None  # 80 and 443 only
    assert "loopback" in refusal("http://127.0.0.1:8765/", allowed=("127.0.0.1",))
    assert refusal("http://exclusive.kz.example/", resolve=False) is None
    assert refusal("http://93.184.216.34/") is None


def test_loopback_feed_without_allowance_is_refused_and_not_requested(server, tmp_path):
    base, state = server
    entry = _source(tmp_path, base)
    source = type(entry)(**{**entry.__dict__, "allowed_hosts": ()})
    hits_before = sum(map(len, state.hits.values()))
    path = tmp_path / "refused.warc.gz"
    with _session() as session:
        stats = crawl(source, path, session=session, policy=POLICY)
    (failure,) = read_capture(path)
    assert failure.kind == "feed" and failure.error.startswith("SSRF guard: 127.0.0.1")
    assert sum(map(len, state.hits.values())) == hits_before
    assert (stats.exchanges, stats.failures, stats.refused) == (1, 1, 1)


def test_robots_crawl_delay_spaces_requests(server, tmp_path):
    base, state = server
    source = _source(tmp_path, base)
    policy = FetchPolicy(timeout=(2.0, 0.6), total_timeout=1.5, min_delay=0.3, obey_robots=True)
    with _session() as session, CaptureWriter(tmp_path / "d.warc.gz") as writer:
        fetcher = Fetcher(session, writer, CrawlStats(), source, policy)
        for path in ("/a", "/b", "/c"):
            assert fetcher.get(base + path, kind="article").status == 200
    times = [state.hits[p][0] for p in ("/a", "/b", "/c")]
    # the client waits 0.3 s between sends; server-side arrival times jitter a little
    assert all(b - a >= 0.2 for a, b in zip(times, times[1:], strict=False))
    assert times[-1] - times[0] >= 0.5


def test_robots_cache_follows_rfc_9309():
    from mediamon.fetch.robots import RobotsAnswer, RobotsCache

    answers = {
        "http://a.example/robots.txt": RobotsAnswer(404),
        "http://b.example/robots.txt": RobotsAnswer(503),
        "http://c.example/robots.txt": RobotsAnswer(None),
        "http://d.example/robots.txt": RobotsAnswer(
            200, b"User-agent: mediamon\nDisallow: /x\nCrawl-delay: 120\n"
        ),
    }
    asked = []

    def fetch(url):
        asked.append(url)
        return answers[url]

    cache = RobotsCache(fetch, user_agent("ops@example.org"))
    assert cache.refusal("http://a.example/anything") is None  # no robots.txt: allowed
    assert "unreachable" in cache.refusal("http://b.example/")  # 5xx: host left alone
    assert "unreachable" in cache.refusal("http://c.example/")  # no answer: the same
    assert cache.refusal("http://d.example/x/1").startswith("disallowed by robots.txt")
    assert cache.refusal("http://d.example/y") is None
    assert cache.crawl_delay("http://d.example/y") == 30.0  # capped
    cache.refusal("http://d.example/z")
    assert len(asked) == 4  # once per host
