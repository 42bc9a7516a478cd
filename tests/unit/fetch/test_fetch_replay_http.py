"""replay + http: real requests over loopback to ReplayServer and to small http.server handlers."""

from __future__ import annotations

import gzip
import json
import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from mediamon.devtools.stack import free_port
from mediamon.fetch.http import SCHEME_HEADER, USER_AGENT, make_session, retry_policy
from mediamon.fetch.replay import ReplayServer
from mediamon.fetch.warcstore import CaptureWriter

T0 = datetime(2024, 9, 8, 14, 0, tzinfo=UTC)
FAST = {"total": 2, "backoff_factor": 0.01}


def _capture(path, records):
    """Write ``(url, status, reason, headers, body)`` responses to a real WARC at ``path``."""
    with CaptureWriter(path) as writer:
        for url, status, reason, headers, body in records:
            writer.write_response(url, status, reason, headers, body, fetched_at=T0, kind="article")
    return path


HTML = [("Content-Type", "text/html; charset=utf-8")]
GONE = [("Content-Type", "text/plain"), ("X-Why", "removed")]
GZIPPED = [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
ZIPPED = gzip.compress(b"<p>zipped</p>" * 50)
SITE = [
    ("https://site.example/a?b=1", 200, "OK", HTML, b"<p>page a, b=1</p>"),
    ("https://site.example/a?b=2", 200, "OK", HTML, b"<p>page a, b=2</p>"),
    ("https://site.example/old", 301, "Moved", [("Location", "https://site.example/new")], b""),
    ("https://site.example/moved", 302, "Found", [("Location", "/new?from=moved")], b""),
    ("https://site.example/new", 200, "OK", HTML, b"<p>new home</p>"),
    ("https://site.example/new?from=moved", 200, "OK", HTML, b"<p>new, from moved</p>"),
    ("http://plain.example/p", 200, "OK", HTML, b"<p>recorded over http</p>"),
    ("https://secure.example/q", 200, "OK", HTML, b"<p>recorded over https</p>"),
    ("https://site.example/gone", 410, "Gone", GONE, b"removed"),
    ("https://site.example/gz", 200, "OK", GZIPPED, ZIPPED),
]  # fmt: skip


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    warc = _capture(tmp_path_factory.mktemp("replay") / "site.warc.gz", SITE)
    with ReplayServer(warc) as server:
        yield server


@pytest.fixture
def session(replay):
    with make_session(replay=replay.url, retries=retry_policy(**FAST)) as s:
        yield s


@pytest.fixture
def no_replay_env(monkeypatch):
    monkeypatch.delenv("MEDIAMON_REPLAY", raising=False)


def _allowed(base: str) -> tuple[str, ...]:
    """The allowlist entry (``127.0.0.1:<port>``) that lets a session past the connect-time
    guard to the server at ``base``."""
    return (base.split("://", 1)[1],)


@contextmanager
def serve(handler):
    """Run ``handler`` (a BaseHTTPRequestHandler class) on 127.0.0.1:<free port> in a thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class EchoHandler(_Quiet):
    """Answers with what it received: request line target and selected headers, as JSON."""

    def do_GET(self):  # noqa: N802
        seen = {
            "target": self.path,
            "host": self.headers.get("Host"),
            "user_agent": self.headers.get("User-Agent"),
            "scheme": self.headers.get(SCHEME_HEADER),
        }
        self._send(200, json.dumps(seen).encode(), "application/json")


def _flaky_handler(failures: int, status: int = 503):
    """A handler class answering ``status`` ``failures`` times, then 200; counts requests."""

    class Flaky(_Quiet):
        requests: list[str] = []

        def _answer(self):
            Flaky.requests.append(self.command)
            if len(Flaky.requests) <= failures:
                self._send(status, b"try later")
            else:
                self._send(200, b"finally")

        def do_GET(self):  # noqa: N802
            self._answer()

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._answer()

    return Flaky


# --- replay ---------------------------------------------------------------------------------


def test_replay_serves_recorded_body_at_original_url(replay, session):
    assert replay.size == len(SITE)
    response = session.get("https://site.example/a?b=1")
    assert response.status_code == 200
    assert response.content == b"<p>page a, b=1</p>"
    assert response.url == "https://site.example/a?b=1"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Length"] == str(len(b"<p>page a, b=1</p>"))
    assert "X-Mediamon-Replay" not in response.headers


def test_query_string_selects_the_page(session):
    assert session.get("https://site.example/a?b=2").content == b"<p>page a, b=2</p>"
    assert session.get("https://site.example/a?b=3").status_code == 404
    assert session.get("https://site.example/a").status_code == 404


def test_unrecorded_url_is_a_404_miss(session):
    response = session.get("https://site.example/never/recorded?x=1")
    assert response.status_code == 404
    assert response.headers["X-Mediamon-Replay"] == "miss"
    assert response.text == "not in capture: https://site.example/never/recorded?x=1\n"
    assert response.url == "https://site.example/never/recorded?x=1"
    other_host = session.get("https://other.example/a?b=1")
    assert (other_host.status_code, other_host.headers["X-Mediamon-Replay"]) == (404, "miss")


def test_recorded_404_like_status_is_replayed_as_recorded(session):
    response = session.get("https://site.example/gone")
    assert (response.status_code, response.reason) == (410, "Gone")
    assert response.headers["X-Why"] == "removed"
    assert response.content == b"removed"
    assert "X-Mediamon-Replay" not in response.headers


def test_recorded_redirect_is_followed_to_the_recorded_target(session):
    response = session.get("https://site.example/old")
    assert response.status_code == 200
    assert response.content == b"<p>new home</p>"
    assert response.url == "https://site.example/new"
    assert [(h.status_code, h.url) for h in response.history] == [(301, "https://site.example/old")]
    assert response.history[0].headers["Location"] == "https://site.example/new"


def test_relative_redirect_resolves_against_the_original_url(session):
    response = session.get("https://site.example/moved")
    assert response.url == "https://site.example/new?from=moved"
    assert response.content == b"<p>new, from moved</p>"
    assert [h.status_code for h in response.history] == [302]


def test_redirect_can_be_left_unfollowed(session):
    response = session.get("https://site.example/old", allow_redirects=False)
    assert response.status_code == 301
    assert response.headers["Location"] == "https://site.example/new"
    assert response.url == "https://site.example/old"


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("https://plain.example/p", b"<p>recorded over http</p>"),
        ("http://plain.example/p", b"<p>recorded over http</p>"),
        ("http://secure.example/q", b"<p>recorded over https</p>"),
        ("https://secure.example/q", b"<p>recorded over https</p>"),
    ],
)
def test_http_and_https_fall_back_to_each_other(session, url, body):
    response = session.get(url)
    assert response.status_code == 200
    assert response.content == body
    assert response.url == url


def test_gzip_payload_is_replayed_as_recorded(session):
    response = session.get("https://site.example/gz", stream=True)
    raw = response.raw.read(decode_content=False)
    assert response.headers["Content-Encoding"] == "gzip"
    assert raw == ZIPPED  # the stored bytes, untouched
    assert gzip.decompress(raw) == b"<p>zipped</p>" * 50
    assert session.get("https://site.example/gz").content == b"<p>zipped</p>" * 50


def test_head_gets_status_and_length_without_body(session):
    response = session.head("https://site.example/a?b=1")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(b"<p>page a, b=1</p>"))
    assert response.content == b""
    assert session.head("https://site.example/nope").status_code == 404


def test_later_capture_wins(tmp_path):
    first = _capture(tmp_path / "1.warc.gz", [("https://x.example/", 200, "OK", HTML, b"old")])
    second = _capture(
        tmp_path / "2.warc.gz",
        [
            ("https://x.example/", 200, "OK", HTML, b"new"),
            ("https://x.example/b", 200, "OK", HTML, b"b"),
        ],
    )
    with ReplayServer([first, second]) as server:
        assert server.size == 2
        with make_session(replay=server.url, retries=retry_policy(**FAST)) as s:
            assert s.get("https://x.example/").content == b"new"
            assert s.get("https://x.example/b").content == b"b"


def test_absolute_form_request_line_works_as_a_proxy(replay, no_replay_env):
    with requests.Session() as s:
        s.trust_env = False
        response = s.get("http://plain.example/p", proxies={"http": replay.url})
    assert response.status_code == 200
    assert response.content == b"<p>recorded over http</p>"


def test_recorded_failure_closes_the_connection(tmp_path):
    warc = tmp_path / "fail.warc.gz"
    with CaptureWriter(warc) as writer:
        writer.write_failure(
            "https://down.example/feed.xml", "ReadTimeout: x", fetched_at=T0, kind="feed"
        )
    with ReplayServer(warc) as server:
        with make_session(replay=server.url, retries=retry_policy(**FAST)) as s:
            with pytest.raises(requests.ConnectionError):
                s.get("https://down.example/feed.xml", timeout=5)


# --- http: the adapter, the User-Agent, retries ------------------------------------------


def test_replay_adapter_sends_original_host_scheme_path_and_user_agent():
    with serve(EchoHandler) as base:
        with make_session(replay=base, retries=retry_policy(**FAST)) as s:
            response = s.get("https://news.example:8443/path/to/page.html?q=1&r=%D0%B0")
    assert response.url == "https://news.example:8443/path/to/page.html?q=1&r=%D0%B0"
    assert response.json() == {
        "target": "/path/to/page.html?q=1&r=%D0%B0",
        "host": "news.example:8443",
        "user_agent": USER_AGENT,
        "scheme": "https",
    }


def test_replay_adapter_sends_root_path_for_empty_path():
    with serve(EchoHandler) as base:
        with make_session(replay=base, retries=retry_policy(**FAST)) as s:
            seen = s.get("http://news.example").json()
    assert (seen["target"], seen["host"], seen["scheme"]) == ("/", "news.example", "http")


def test_user_agent_reaches_a_plain_server(no_replay_env):
    assert USER_AGENT.startswith("mediamon/")
    with serve(EchoHandler) as base:
        with make_session(replay=None, retries=retry_policy(**FAST), allowed=_allowed(base)) as s:
            seen = s.get(f"{base}/ua?x=1").json()
    assert seen["user_agent"] == USER_AGENT
    assert seen["target"] == "/ua?x=1"
    assert seen["scheme"] is None  # no replay routing


def test_make_session_follows_mediamon_replay(replay, monkeypatch):
    monkeypatch.setenv("MEDIAMON_REPLAY", replay.url)
    with make_session(retries=retry_policy(**FAST)) as s:
        response = s.get("https://site.example/a?b=1")
    assert response.content == b"<p>page a, b=1</p>"


def test_retries_503_until_200(no_replay_env):
    handler = _flaky_handler(failures=2)
    with serve(handler) as base:
        with make_session(
            replay=None, retries=retry_policy(total=3, backoff_factor=0.01), allowed=_allowed(base)
        ) as s:
            response = s.get(f"{base}/flaky")
    assert response.status_code == 200
    assert response.text == "finally"
    assert handler.requests == ["GET", "GET", "GET"]


def test_retries_through_the_replay_adapter(no_replay_env):
    handler = _flaky_handler(failures=1, status=502)
    with serve(handler) as base:
        with make_session(replay=base, retries=retry_policy(total=3, backoff_factor=0.01)) as s:
            response = s.get("https://news.example/x")
    assert response.status_code == 200
    assert response.url == "https://news.example/x"
    assert len(handler.requests) == 2


def test_exhausted_retries_return_the_last_error_response(no_replay_env):
    handler = _flaky_handler(failures=100)
    with serve(handler) as base:
        with make_session(
            replay=None, retries=retry_policy(total=2, backoff_factor=0.01), allowed=_allowed(base)
        ) as s:
            response = s.get(f"{base}/down")
    assert response.status_code == 503
    assert response.text == "try later"
    assert len(handler.requests) == 3  # first try + 2 retries


def test_404_and_post_are_not_retried(no_replay_env):
    not_found = _flaky_handler(failures=100, status=404)
    with serve(not_found) as base:
        with make_session(
            replay=None, retries=retry_policy(total=3, backoff_factor=0.01), allowed=_allowed(base)
        ) as s:
            assert s.get(f"{base}/missing").status_code == 404
    assert len(not_found.requests) == 1
    unavailable = _flaky_handler(failures=100)
    with serve(unavailable) as base:
        with make_session(
            replay=None, retries=retry_policy(total=3, backoff_factor=0.01), allowed=_allowed(base)
        ) as s:
            assert s.post(f"{base}/form", data=b"x").status_code == 503
    assert unavailable.requests == ["POST"]


def test_refused_connection_raises_after_retries(no_replay_env):
    port = free_port()
    with make_session(
        replay=None,
        retries=retry_policy(total=1, backoff_factor=0.01),
        allowed=(f"127.0.0.1:{port}",),
    ) as s:
        with pytest.raises(requests.ConnectionError):
            s.get(f"http://127.0.0.1:{port}/feed.xml", timeout=2)
