"""SSRF guard: refuse URLs whose host is (or resolves to) a non-public address.

Links come from pages and feeds that anybody can write, so a link to ``http://127.0.0.1/``,
``http://10.0.0.5/admin`` or the cloud metadata endpoint ``http://169.254.169.254/`` must not
make the crawler fetch it. :func:`refusal` returns the reason a URL is refused, or None.

Live mode resolves the host name (every address it resolves to must be public); replay mode
(the request goes to the local replay server whatever the URL says) does not resolve names,
which are often fictional there (``exclusive.kz.example``), but still refuses literal private
addresses. The allowlist (``allowed``: a source's ``allowed_hosts``, ``MEDIAMON_ALLOWED_HOSTS``)
exempts a host on given ports only (:func:`allowed_endpoints`): a bare ``host`` on 80 and 443,
``host:port`` on exactly that port, so allowing a machine never opens its database or other
services. The check is made before each request and each redirect hop; live connections
check again (host and port) when they connect and connect only to the addresses checked
(:class:`mediamon.fetch.http.GuardedAdapter`), so a DNS answer that changes in between (DNS
rebinding) is refused too.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data"}
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not public either
DEFAULT_PORTS = (80, 443)  # what a bare allowed host name opens
SCHEME_PORTS = {"http": 80, "https": 443}
_ENTRY = re.compile(  # [IPv6] or host, then an optional :port
    r"\[(?P<v6>[0-9a-f:.%]+)\](?::(?P<v6port>\d+))?|(?P<host>[^\s:/\[\]@]+)(?::(?P<port>\d+))?"
)


def allowed_endpoints(entries: Iterable[str]) -> frozenset[tuple[str, int]]:
    """The (host, port) pairs an allowlist opens: ``host`` allows ports 80 and 443,
    ``host:port`` exactly that port; an IPv6 address as ``[::1]:8080``, ``[::1]`` or ``::1``.
    Hosts are lower-cased, a trailing dot dropped. Raises ValueError naming a malformed entry
    (no host, a port that is not 1-65535)."""
    pairs: set[tuple[str, int]] = set()
    for entry in entries:
        text = entry.strip().lower()
        if text.count(":") > 1 and not text.startswith("["):
            text = f"[{text}]"  # a bare IPv6 address
        match = _ENTRY.fullmatch(text)
        port_text = match and (match["v6port"] or match["port"])
        port = int(port_text) if port_text else None
        if not match or (port is not None and not 1 <= port <= 65535):
            raise ValueError(
                f"allowed host {entry!r}: expected host, host:port or [IPv6]:port "
                "with a port from 1 to 65535"
            )
        host = (match["v6"] or match["host"]).rstrip(".")
        pairs.update((host, p) for p in ((port,) if port else DEFAULT_PORTS))
    return frozenset(pairs)


def address_refusal(address: str) -> str | None:
    """Why an IP address is not a public one (``"loopback address 127.0.0.1"``), or None."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"not an IP address: {address}"
    if isinstance(ip, ipaddress.IPv6Address):
        # an IPv4 address inside IPv6 (mapped ::ffff:a.b.c.d, 6to4 2002::/16, Teredo
        # 2001::/32, RFC 4291/3056/4380) is judged as that IPv4 address
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            reason = address_refusal(str(embedded))
            if reason or ip.ipv4_mapped:
                return reason
    if ip == ipaddress.ip_address("169.254.169.254") or ip == ipaddress.ip_address("fd00:ec2::254"):
        return f"cloud metadata address {ip}"
    for test, label in (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_private, "private"),
        (ip in _SHARED if ip.version == 4 else False, "shared (CGNAT)"),
        (ip.is_multicast, "multicast"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_reserved, "reserved"),
    ):
        if test:
            return f"{label} address {ip}"
    return None


def refusal(url: str, *, allowed: Iterable[str] = (), resolve: bool = True) -> str | None:
    """The reason ``url`` must not be fetched, or None when it may be.

    Refused: a scheme other than http(s), a missing host, a metadata host name, and a host that
    is or (with ``resolve``) resolves to a loopback, private, link-local, CGNAT, multicast,
    reserved or metadata address. A host and port that ``allowed`` opens (allowlist entries,
    see :func:`allowed_endpoints`: a bare host on 80 and 443 only) is never refused. A name
    that does not resolve is not refused here: the request fails on its own and is recorded
    as such. Raises ValueError for a malformed ``allowed`` entry.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"SSRF guard: scheme {parts.scheme!r} not allowed"
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return "SSRF guard: no host"
    try:
        port = parts.port or SCHEME_PORTS[parts.scheme]
    except ValueError:
        return f"SSRF guard: invalid port in {parts.netloc}"
    if (host, port) in allowed_endpoints(allowed):
        return None
    if host in METADATA_HOSTS:
        return f"SSRF guard: metadata host {host}"
    if host == "localhost" or host.endswith(".localhost"):
        return f"SSRF guard: {host} is loopback"
    try:
        ipaddress.ip_address(host)
        literal = True
    except ValueError:
        literal = False
    if literal:
        reason = address_refusal(host)
        return f"SSRF guard: {host} is a {reason}" if reason else None
    if not resolve:
        return None
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    for info in infos:
        reason = address_refusal(str(info[4][0]))
        if reason:
            return f"SSRF guard: {host} resolves to a {reason}"
    return None
