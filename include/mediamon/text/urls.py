"""URL normalisation shared by the article, feed, listing and sitemap parsers."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

# Query parameters that only track the click, never select content.
_TRACKING_EXACT = frozenset({"fbclid", "gclid", "yclid", "_ga"})
_TRACKING_PREFIXES = ("utm_",)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    key = unquote_plus(name).strip().lower()
    return key in _TRACKING_EXACT or key.startswith(_TRACKING_PREFIXES)


def canonicalize_url(url: str) -> str:
    """Return a normalised form of ``url`` used to recognise the same page.

    Rules, in order: surrounding whitespace is stripped; scheme and host are lower-cased (user
    info, path and query keep their case); the fragment is dropped; the default port (80 for
    http, 443 for https) is dropped; query parameters ``utm_*``, ``fbclid``, ``gclid``,
    ``yclid`` and ``_ga`` are dropped while all other parameters keep their original order and
    their original percent-encoding; a trailing slash is removed from the path except for the
    root path, and an empty path becomes ``/``. ``http`` and ``https`` are NOT merged.

    Input that has no scheme or host (a relative reference) is returned with only the fragment
    and tracking parameters removed. Never raises for a string argument: a URL that
    ``urllib.parse`` cannot split (e.g. a bad IPv6 literal) is returned stripped, as is.
    """
    url = (url or "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    netloc = parts.netloc
    if parts.hostname:
        host = parts.hostname.lower()
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        userinfo = netloc.rpartition("@")[0] if "@" in netloc else ""
        if port is not None and _DEFAULT_PORTS.get(scheme) != port:
            host = f"{host}:{port}"
        netloc = f"{userinfo}@{host}" if userinfo else host
    query = "&".join(
        piece for piece in parts.query.split("&") if piece and not _is_tracking(piece.split("=")[0])
    )
    path = parts.path
    if netloc:
        if not path:
            path = "/"
        elif len(path) > 1:
            path = path.rstrip("/") or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def absolute_url(base: str, href: str | None) -> str | None:
    """Resolve ``href`` against ``base``; None for empty, ``javascript:``, ``mailto:`` or
    fragment-only references (they never point at another page), and for a reference
    ``urllib.parse`` cannot split (a bad IPv6 literal such as ``http://[::1``)."""
    if href is None:
        return None
    href = href.strip()
    if not href or href.startswith("#") or re.match(r"(?i)(javascript|mailto|tel|data):", href):
        return None
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def bare_host(url: str) -> str:
    """The URL's host, lower-cased, without a leading ``www.``; '' when there is none or
    ``urllib.parse`` cannot split the URL."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


def same_site(a: str, b: str, hosts: tuple[str, ...] | None = None) -> bool:
    """True when ``a`` and ``b`` are on the same site.

    Same site means: equal hosts once a leading ``www.`` is dropped, or one host is a
    sub-domain of the other (``rzn.mk.ru`` and ``www.mk.ru``), or both hosts are in ``hosts``
    (the source's declared host names, when known).
    """
    ha, hb = bare_host(a), bare_host(b)
    if not ha or not hb:
        return False
    if ha == hb or ha.endswith("." + hb) or hb.endswith("." + ha):
        return True
    if hosts:
        bare = {h.lower().removeprefix("www.") for h in hosts}
        return ha in bare and hb in bare
    return False
