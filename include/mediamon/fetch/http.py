"""The HTTP session: timeouts, retries with backoff, a User-Agent, and replay routing.

Retries use urllib3's ``Retry`` (exponential backoff, ``Retry-After`` honoured but capped at
``max_retry_after`` seconds so a server cannot park the crawler) on connection errors and on
429/500/502/503/504, for GET and HEAD only. Every request has a (connect, read) timeout in
seconds; the crawler (:mod:`mediamon.fetch.fetcher`) adds a total time cap, a size cap and a
redirect cap per response. The User-Agent names the project and a contact address
(``MEDIAMON_CONTACT``, :func:`mediamon.config.contact`).

Live requests go through :class:`GuardedAdapter`: its connections resolve the host once, refuse
(before connecting) when any address it resolves to is not public (:mod:`mediamon.fetch.guard`),
and connect to exactly the addresses checked, so a DNS answer that changes between the
crawler's check and the connection (DNS rebinding) cannot reach our network. The hosts and
ports allowed for the crawl (``allowed``, read by :func:`mediamon.fetch.guard.allowed_endpoints`:
a bare host on 80 and 443 only) are exempt; through an HTTP proxy the proxy is connected to
and must enforce the egress rules itself.

When a replay server is configured (``MEDIAMON_REPLAY``), :class:`ReplayAdapter` sends every
request to it over loopback, keeping the original URL: the request line carries the original
path and query, ``Host`` the original host and ``X-Mediamon-Scheme`` the original scheme, as if
DNS resolved every host to the replay server. Responses carry the original URL again, so
redirects and relative links resolve as on the live site.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError
from urllib3.util.retry import Retry

from mediamon import __version__
from mediamon.config import allowed_hosts, contact, replay_url
from mediamon.fetch.guard import address_refusal, allowed_endpoints

TIMEOUT = (5.0, 20.0)  # seconds: connect, read (between two bytes)
TOTAL_TIMEOUT = 60.0  # seconds: one whole response, headers to last byte
MAX_BODY_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 60.0  # seconds: a longer Retry-After is cut to this
SCHEME_HEADER = "X-Mediamon-Scheme"
ACCEPT_ENCODING = "gzip, deflate"


def user_agent(address: str | None = None) -> str:
    """``mediamon/<version> (media monitoring; +<project URL>; <contact>)``."""
    return (
        f"mediamon/{__version__} (media monitoring; +https://github.com/mediamon; "
        f"{address or contact()})"
    )


USER_AGENT = user_agent()


class CappedRetry(Retry):
    """urllib3 Retry whose ``Retry-After`` sleep is at most ``max_retry_after`` seconds."""

    max_retry_after: float = MAX_RETRY_AFTER

    def get_retry_after(self, response) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.max_retry_after)

    def increment(self, *args, **kwargs):
        """As urllib3's; when the retries run out, the :class:`MaxRetryError` raised carries
        the attempts before the last as ``attempts`` (urllib3 ``RequestHistory`` tuples), so
        a request that never got an answer can still record each try."""
        try:
            return super().increment(*args, **kwargs)
        except MaxRetryError as exc:
            exc.attempts = self.history
            raise


def failed_attempts(exc: BaseException) -> tuple:
    """The attempts retried before a requests/urllib3 error that ended them (oldest
    first), as urllib3 ``RequestHistory`` tuples; () when unknown."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, MaxRetryError):
            return getattr(exc, "attempts", ())
        exc = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        seen += 1
    return ()


def retry_policy(
    total: int = 3, backoff_factor: float = 0.5, max_retry_after: float = MAX_RETRY_AFTER
) -> Retry:
    """urllib3 Retry: ``total`` retries, sleeping ``backoff_factor * 2**n`` seconds between,
    or the server's ``Retry-After`` (429/503) when it says so, capped at ``max_retry_after``."""
    cls = type("CappedRetry", (CappedRetry,), {"max_retry_after": float(max_retry_after)})
    return cls(
        total=total,
        backoff_factor=backoff_factor,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class _GuardedConnectionMixin:
    """Resolve once, refuse non-public addresses, connect only to the addresses checked."""

    allowed: set[tuple[str, int]] = set()  # set per adapter: (lower-case host, port) pairs

    def _new_conn(self):
        host = self._dns_host.rstrip(".").lower()
        if self.proxy is not None or (host.strip("[]"), self.port) in self.allowed:
            return super()._new_conn()
        try:
            infos = socket.getaddrinfo(self._dns_host, self.port, 0, socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:
            reason = address_refusal(address)
            if reason:
                raise NewConnectionError(
                    self, f"SSRF guard: {host} resolves to a {reason} (at connect time)"
                )
        original, error = self._dns_host, None
        for address in addresses:
            self._dns_host = address
            try:
                return super()._new_conn()
            except NewConnectionError as exc:  # try the next checked address
                error = exc
            finally:
                self._dns_host = original
        raise error or NewConnectionError(self, f"no address for {host}")


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections enforce the SSRF guard at connect time.

    ``allowed``: allowlist entries (``host``: ports 80 and 443; ``host:port``: that port), kept
    as the (host, port) pairs exempt, a set the crawler may extend
    (:class:`mediamon.fetch.fetcher.Fetcher` adds its source's allowed hosts). Raises
    ValueError for a malformed entry.
    """

    def __init__(self, allowed=(), **kwargs):
        self.allowed: set[tuple[str, int]] = set(allowed_endpoints(allowed))
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        extra = {"allowed": self.allowed}
        http = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), extra)
        https = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection), extra)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }


class ReplayAdapter(HTTPAdapter):
    """Send each request to the replay server at ``base`` while keeping its original URL."""

    def __init__(self, base: str, **kwargs):
        self.base = urlsplit(base)
        super().__init__(**kwargs)

    def send(self, request, **kwargs):
        original = request.url
        parts = urlsplit(original)
        request.url = urlunsplit(
            (self.base.scheme, self.base.netloc, parts.path or "/", parts.query, "")
        )
        request.headers["Host"] = parts.netloc
        request.headers[SCHEME_HEADER] = parts.scheme
        try:
            response = super().send(request, **kwargs)
        finally:
            request.url = original
        response.url = original
        return response


def make_session(
    replay: str | None = None, retries: Retry | None = None, allowed: tuple[str, ...] | None = None
) -> requests.Session:
    """A requests session with the User-Agent, ``Accept-Encoding: gzip, deflate``, the retry
    policy and (if any) replay routing.

    ``replay`` defaults to ``MEDIAMON_REPLAY``. Without replay, requests go through
    :class:`GuardedAdapter` (SSRF guard at connect time) exempting the ``allowed`` hosts and
    ports (default: ``MEDIAMON_ALLOWED_HOSTS``).
    """
    session = requests.Session()
    session.headers["User-Agent"] = user_agent()
    # only what mediamon.inflate undoes (with its cap): never br or zstd, which urllib3 would
    # advertise as soon as brotli or zstandard happens to be installed
    session.headers["Accept-Encoding"] = ACCEPT_ENCODING
    retries = retries or retry_policy()
    replay = replay if replay is not None else replay_url()
    adapter = (
        ReplayAdapter(replay, max_retries=retries)
        if replay
        else GuardedAdapter(allowed_hosts() if allowed is None else allowed, max_retries=retries)
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def allow_hosts(session: requests.Session, hosts) -> None:
    """Exempt ``hosts`` (allowlist entries: ``host`` on 80 and 443, ``host:port``) from the
    connect-time SSRF guard of ``session``'s adapters. Raises ValueError for a malformed
    entry."""
    endpoints = allowed_endpoints(hosts)
    for adapter in session.adapters.values():
        if isinstance(adapter, GuardedAdapter):
            adapter.allowed.update(endpoints)


def is_replaying(session: requests.Session) -> bool:
    """True when ``session`` sends its requests to a replay server (:class:`ReplayAdapter`)."""
    return isinstance(session.get_adapter("http://example.invalid/"), ReplayAdapter)
