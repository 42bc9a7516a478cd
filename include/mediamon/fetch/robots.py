"""robots.txt, per host and per run, read with protego.

:class:`RobotsCache` fetches ``/robots.txt`` once per scheme and host during a run (through a
caller-supplied function, so the exchange is recorded in the capture like any other) and
answers :meth:`RobotsCache.allowed` and :meth:`RobotsCache.crawl_delay`.

What an answer means follows RFC 9309 (section 2.3.1): 2xx is parsed; 4xx (no robots.txt)
allows everything; 5xx or no answer at all (network error) disallows everything on the host for
this run ("unreachable"), so a site in trouble is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

MAX_CRAWL_DELAY = 30.0  # seconds: a larger Crawl-delay is capped (and logged by the caller)
MAX_ROBOTS_BYTES = 512 * 1024  # RFC 9309: parse at least the first 500 KiB


@dataclass(frozen=True)
class RobotsAnswer:
    """What a host's robots.txt fetch gave: ``status`` (None: no response), ``body``."""

    status: int | None
    body: bytes = b""


@dataclass
class _Rules:
    parser: Protego | None
    mode: str  # "parsed", "allow-all", "unreachable"


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


class RobotsCache:
    """robots.txt rules per ``scheme://host[:port]``, fetched at most once per instance.

    ``fetch(robots_url)`` returns a :class:`RobotsAnswer`; ``user_agent`` is matched against
    the groups of the file (protego matches the product token, e.g. ``mediamon``).
    """

    def __init__(self, fetch: Callable[[str], RobotsAnswer], user_agent: str):
        self._fetch = fetch
        self.user_agent = user_agent
        self._rules: dict[str, _Rules] = {}

    def _for(self, url: str) -> _Rules:
        key = robots_url(url)
        if key not in self._rules:
            answer = self._fetch(key)
            if answer.status is None or answer.status >= 500:
                rules = _Rules(None, "unreachable")
            elif 200 <= answer.status < 300:
                text = answer.body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
                rules = _Rules(Protego.parse(text), "parsed")
            else:
                rules = _Rules(None, "allow-all")
            self._rules[key] = rules
        return self._rules[key]

    def refusal(self, url: str) -> str | None:
        """Why robots.txt forbids ``url`` (a reason string), or None when it is allowed."""
        if urlsplit(url).path == "/robots.txt":
            return None
        rules = self._for(url)
        if rules.mode == "unreachable":
            return f"robots.txt unreachable ({robots_url(url)}): host skipped for this run"
        if rules.parser is not None and not rules.parser.can_fetch(url, self.user_agent):
            return f"disallowed by robots.txt ({robots_url(url)})"
        return None

    def sitemaps(self, url: str) -> list[str]:
        """The ``Sitemap:`` URLs of the robots.txt of ``url``'s host, in file order ([] when
        it has none or gave no parsable file)."""
        rules = self._for(url)
        return list(rules.parser.sitemaps) if rules.parser is not None else []

    def crawl_delay(self, url: str) -> float:
        """The host's Crawl-delay (or 1/request-rate) in seconds, capped; 0 when none."""
        rules = self._for(url)
        if rules.parser is None:
            return 0.0
        delay = rules.parser.crawl_delay(self.user_agent) or 0.0
        rate = rules.parser.request_rate(self.user_agent)
        if rate is not None and rate.requests:
            delay = max(delay, rate.seconds / rate.requests)
        return min(float(delay), MAX_CRAWL_DELAY)
