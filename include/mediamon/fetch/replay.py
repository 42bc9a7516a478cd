"""A replay server: serves recorded responses at their original URLs over loopback.

The server loads one or more WARC captures and answers each request with the recorded
response for the original URL, rebuilt from the request: the scheme from the
``X-Mediamon-Scheme`` header (sent by :class:`mediamon.fetch.http.ReplayAdapter`), the host
from ``Host``, the path and query from the request line. Absolute-form request lines (an HTTP
proxy request, RFC 9112 section 3.2.2) work too. Each answer carries ``Memento-Datetime``
(RFC 7089: when the response was archived, i.e. the record's WARC-Date), so the fetcher dates
the exchange when it was recorded, not when it was replayed. A URL that was never recorded
gets a 404 with an ``X-Mediamon-Replay: miss`` header; a recorded failure (no response) closes
the connection, as the live site did.

``latency`` (seconds, default 0) delays every answer, as a distant or slow site would: with a
thread per connection, requests to different hosts wait side by side, so a crawler that fetches
hosts concurrently finishes sooner than one that fetches them in turn.

It binds 127.0.0.1 only: it is a test and demo fixture, not a public server.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from warcio.archiveiterator import ArchiveIterator

from mediamon.fetch.http import SCHEME_HEADER
from mediamon.fetch.warcstore import HOP_BY_HOP, KIND_HEADER


@dataclass(frozen=True)
class Recorded:
    """One recorded response: status line parts, headers and the payload as received."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    payload: bytes
    recorded_at: str = ""  # RFC 1123 date, for Memento-Datetime


FAILED = Recorded(0, "recorded failure: no response", [], b"")


def load_index(paths: list[Path]) -> dict[str, Recorded]:
    """Map each recorded URL (``scheme://host/path?query``) to its response; later wins.

    A recorded failure (a ``metadata`` record of :mod:`mediamon.fetch.warcstore`) maps to
    :data:`FAILED`.
    """
    index: dict[str, Recorded] = {}
    for path in paths:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "metadata" and record.rec_headers.get_header(KIND_HEADER):
                    index[_key(record.rec_headers.get_header("WARC-Target-URI"))] = FAILED
                    continue
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                url = _key(record.rec_headers.get_header("WARC-Target-URI"))
                status_line = record.http_headers.statusline
                code, _, reason = status_line.partition(" ")
                headers = [
                    (k, v) for k, v in record.http_headers.headers if k.lower() not in HOP_BY_HOP
                ]
                payload = record.raw_stream.read()
                index[url] = Recorded(
                    int(code), reason, headers, payload,
                    _http_date(record.rec_headers.get_header("WARC-Date")),
                )  # fmt: skip
    return index


def _http_date(warc_date: str | None) -> str:
    if not warc_date:
        return ""
    instant = datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
    return format_datetime(instant.astimezone(UTC), usegmt=True)


def _key(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(
        (parts.scheme.lower(), (parts.netloc or "").lower(), parts.path or "/", parts.query, "")
    )


class _Handler(BaseHTTPRequestHandler):
    server_version = "mediamon-replay"
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # buffer headers and body into one write: no Nagle/delayed-ACK stall
    # ... and TCP_NODELAY for bodies larger than that buffer (8 KiB): without it the last
    # segment waits for the client's delayed ACK, about 40 ms a page
    disable_nagle_algorithm = True
    index: dict[str, Recorded] = {}
    latency: float = 0.0
    served: list[str] = []  # one per request, in arrival order (the server's request log)
    arrived: list[float] = []  # time.monotonic() of each request's arrival

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        arrived = time.monotonic()
        if self.latency > 0:
            time.sleep(self.latency)
        if self.path.startswith(("http://", "https://")):
            url = self.path
        else:
            scheme = self.headers.get(SCHEME_HEADER, "http")
            url = f"{scheme}://{self.headers.get('Host', '')}{self.path}"
        self.served.append(f"{self.command} {url}")
        self.arrived.append(arrived)
        recorded = self.index.get(_key(url))
        if recorded is None:
            other = (
                url.replace("https://", "http://", 1)
                if url.startswith("https")
                else (url.replace("http://", "https://", 1))
            )
            recorded = self.index.get(_key(other))
        if recorded is None:
            body = f"not in capture: {url}\n".encode()
            self.send_response(404)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Mediamon-Replay", "miss")
            self.end_headers()
            if send_body:
                self.wfile.write(body)
            self.wfile.flush()
            return
        if recorded is FAILED:
            self.close_connection = True  # as the live site did: no response at all
            return
        self.send_response(recorded.status, recorded.reason)
        for key, value in recorded.headers:
            if key.lower() not in ("content-length", "memento-datetime"):
                self.send_header(key, value)
        if recorded.recorded_at:
            self.send_header("Memento-Datetime", recorded.recorded_at)
        self.send_header("Content-Length", str(len(recorded.payload)))
        self.end_headers()
        if send_body:
            self.wfile.write(recorded.payload)
        self.wfile.flush()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet by default
        pass


class ReplayServer:
    """A running replay server on 127.0.0.1; ``url`` is its base URL.

    Use as a context manager, or call :meth:`start` / :meth:`stop`. ``port=0`` picks a free
    port. ``latency``: seconds every answer waits before it is sent (0: none).
    """

    def __init__(self, captures: list[Path] | Path, port: int = 0, latency: float = 0.0):
        paths = [captures] if isinstance(captures, Path | str) else list(captures)
        index = load_index([Path(p) for p in paths])
        handler = type(
            "Handler", (_Handler,),
            {"index": index, "latency": float(latency), "served": [], "arrived": []},
        )  # fmt: skip
        self.requests: list[str] = handler.served  # "GET <url>" per request received
        self.arrivals: list[float] = handler.arrived  # time.monotonic() of each arrival
        self.size = len(handler.index)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self._server.serve_forever()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
