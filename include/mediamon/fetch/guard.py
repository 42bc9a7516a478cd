"""SSRF guard: refuse URLs whose host is (or resolves to) a non-public address.

Links come from pages and feeds that anybody can write, so a link to ``http://127.0.0.1/``,
``http://10.0.0.5/admin`` or the cloud metadata endpoint ``http://169.254.169.254/`` must not
make the crawler fetch it. :func:`refusal` returns the reason a URL is refused, or None.

Live mode resolves the host name (every address it resolves to must be public); replay mode
(the request goes to the local replay server whatever the URL says) does not resolve names,
which are often fictional there (``exclusive.kz.example``), but still refuses literal private
addresses. Hosts in ``allowed`` pass whatever they resolve to. The check is made before each
request and each redirect hop; live connections check again when they connect and connect
only to the addresses checked (:class:`mediamon.fetch.http.GuardedAdapter`), so a DNS answer
that changes in between (DNS rebinding) is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data"}
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not public either


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


def refusal(
    url: str, *, allowed: tuple[str, ...] | set[str] = (), resolve: bool = True
) -> str | None:
    """The reason ``url`` must not be fetched, or None when it may be.

    Refused: a scheme other than http(s), a missing host, a metadata host name, and a host that
    is or (with ``resolve``) resolves to a loopback, private, link-local, CGNAT, multicast,
    reserved or metadata address. A host in ``allowed`` (case-insensitive, ``host`` or
    ``host:port``) is never refused. A name that does not resolve is not refused here: the
    request fails on its own and is recorded as such.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"SSRF guard: scheme {parts.scheme!r} not allowed"
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return "SSRF guard: no host"
    allowed_set = {a.lower() for a in allowed}
    if host in allowed_set or (parts.netloc or "").lower() in allowed_set:
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
        infos = socket.getaddrinfo(host, parts.port or None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    for info in infos:
        reason = address_refusal(str(info[4][0]))
        if reason:
            return f"SSRF guard: {host} resolves to a {reason}"
    return None
