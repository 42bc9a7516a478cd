"""SSRF: links that lead into our own network are refused with a reason, never requested.

Literal addresses of every non-public kind, and names that resolve to them through a hosts
override in the test process (a public-looking name answering 127.0.0.1, a name with one
public and one private address, a name whose answer changes between the crawler's check and
the connection: DNS rebinding), directly and after redirects. Only hosts the source allows
are exempt. Then the day is loaded and reconciled: each refusal is a fetch row with its
reason.
"""

from __future__ import annotations

import socket

import pytest
from faultkit import (
    HTML,
    article_html,
    assert_reconciled,
    fake_dns,
    rss,
    run_day,
    source_entry,
    stored_fetches,
    write_registry,
)
from mediamon.fetch.guard import refusal

PUBLIC = "93.184.216.34"  # never connected to: the tests only resolve to it


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://127.1/", "loopback"),  # inet_aton short forms
        ("http://2130706433/", "loopback"),
        ("http://0x7f000001/", "loopback"),
        ("http://0177.0.0.1/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[2002:7f00:1::1]/", "loopback"),  # 6to4 around 127.0.0.1
        ("http://localhost./", "loopback"),
        ("http://10.0.0.5/admin", "private"),
        ("http://172.16.3.4/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://[fd12:3456::1]/", "private"),
        ("http://0.0.0.0/", "private"),
        ("http://100.64.0.1/", "shared (CGNAT)"),
        ("http://169.254.10.10/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://224.0.0.251/", "multicast"),
        ("http://[ff02::1]/", "multicast"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://169.254.169.254./latest/meta-data/", "cloud metadata"),
        ("http://[::ffff:169.254.169.254]/", "cloud metadata"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "cloud metadata"),
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata host"),
        ("file:///etc/passwd", "scheme"),
        ("gopher://127.0.0.1:6379/_INFO", "scheme"),
    ],
)
def test_non_public_targets_are_refused(url, kind):
    reason = refusal(url)
    assert reason is not None and reason.startswith("SSRF guard: ") and kind in reason


def test_dns_tricks_are_refused(monkeypatch):
    fake_dns(monkeypatch, {"news.example.com": "127.0.0.1", "cdn.example.com": "10.1.2.3",
                           "public.example.com": PUBLIC})  # fmt: skip
    assert refusal("http://news.example.com/") == (
        "SSRF guard: news.example.com resolves to a loopback address 127.0.0.1"
    )
    assert "private address 10.1.2.3" in refusal("https://cdn.example.com/x")
    assert refusal("http://public.example.com/") is None
    # only what the source allows is exempt
    assert refusal("http://news.example.com/", allowed=("news.example.com",)) is None
    assert refusal("http://news.example.com/", allowed=("other.example.com",)) is not None


def test_a_name_with_one_private_address_among_public_ones_is_refused(monkeypatch):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "mixed.example.com":
            return [*real(PUBLIC, port, *args, **kwargs), *real("10.9.9.9", port, *args, **kwargs)]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert "private address 10.9.9.9" in refusal("http://mixed.example.com/")


@pytest.fixture(scope="module")
def ssrf_day(server, module_db, module_env, tmp_path_factory):
    db = module_db[1]
    resolved: dict[str, int] = {}
    real = socket.getaddrinfo
    names = {"site.test": "127.0.0.1", "evil.example.com": "127.0.0.1",
             "other.test": "127.0.0.1"}  # fmt: skip

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = (host.decode() if isinstance(host, bytes) else host or "").lower()
        if name == "rebind.example.com":  # public for the check, loopback for the connection
            resolved[name] = resolved.get(name, 0) + 1
            target = PUBLIC if resolved[name] == 1 else "127.0.0.1"
            return real(target, port, family, type, proto, flags)
        if name in names:
            return real(names[name], port, family, type, proto, flags)
        return real(host, port, family, type, proto, flags)

    module_env.setattr(socket, "getaddrinfo", getaddrinfo)
    port = server.port
    routes = server.routes
    redirects = {
        "/go-evil": f"http://evil.example.com:{port}/inside",
        "/go-metadata": "http://[fd00:ec2::254]/latest/meta-data/",
        "/go-localhost": f"http://localhost:{port}/inside",
        "/go-decimal": f"http://2130706433:{port}/inside",
        "/go-site": "/fine",  # a redirect inside the allowed host is followed
    }
    links = [(p, server.url("site.test", p)) for p in [*redirects, "/fine-direct"]]
    links += [
        ("other", server.url("other.test", "/inside")),
        ("rebind", server.url("rebind.example.com", "/inside")),
        ("private literal", "http://10.0.0.5/admin"),
    ]
    routes[("site.test", "/rss.xml")] = lambda h, n: h.send(
        200, rss(links), [("Content-Type", "application/rss+xml")]
    )
    for path, target in redirects.items():
        routes[("site.test", path)] = lambda h, n, t=target: h.send(302, b"", [("Location", t)])
    routes[("site.test", "/fine")] = lambda h, n: h.send(200, article_html("Всё в порядке"), HTML)
    routes[("site.test", "/fine-direct")] = lambda h, n: h.send(
        200, article_html("Прямая ссылка"), HTML
    )
    for host in ("evil.example.com", "localhost", "2130706433", "other.test",
                 "rebind.example.com"):  # fmt: skip
        routes[(host, "/inside")] = lambda h, n: h.send(200, b"internal secret", HTML)
    entry = source_entry(
        "guarded", "http://site.test/", server.url("site.test", "/rss.xml"),
        allowed_hosts=[f"site.test:{port}"],  # a bare host would open 80 and 443 only
        extra_hosts=["other.test", "rebind.example.com", "10.0.0.5"],
    )  # fmt: skip
    write_registry(tmp_path_factory.mktemp("reg") / "sources.yaml", [entry], module_env)
    runs = run_day(db, ["guarded"])
    assert runs["guarded"].error is None
    return db, stored_fetches(db, "guarded")


def test_nothing_inside_is_ever_requested(ssrf_day, server):
    inside = {k: v for k, v in server.hits.items() if k[1] == "/inside"}
    assert inside == {}


def test_redirects_into_our_network_are_refused_at_the_hop(ssrf_day):
    _, fetches = ssrf_day
    for path in ("/go-evil", "/go-metadata", "/go-localhost", "/go-decimal"):
        assert fetches[path] == [("article", 302, None)]
    refused = [e for rows in fetches.values() for e in rows if e[1] is None]
    reasons = sorted(e[2] for e in refused)
    assert any("evil.example.com resolves to a loopback address 127.0.0.1" in r for r in reasons)
    assert any("fd00:ec2::254 is a cloud metadata address" in r for r in reasons)
    assert any(r == "SSRF guard: localhost is loopback" for r in reasons)
    assert all(r.startswith("SSRF guard: ") for r in reasons)


def test_only_allowed_hosts_are_exempt(ssrf_day):
    db, fetches = ssrf_day
    assert fetches["/go-site"] == [("article", 302, None)]
    assert fetches["/fine"] == [("article", 200, None)]
    assert fetches["/fine-direct"] == [("article", 200, None)]
    ((kind, status, error),) = fetches["/admin"]
    assert error == "SSRF guard: 10.0.0.5 is a private address 10.0.0.5"
    other = [e for e in fetches["/inside"] if "other.test" in (e[2] or "")]
    assert other == [("article", None, "SSRF guard: other.test resolves to a loopback "
                                       "address 127.0.0.1")]  # fmt: skip
    with db.cursor() as cur:
        cur.execute("select title from articles order by title")
        assert cur.fetchall() == [("Всё в порядке",), ("Прямая ссылка",)]
    db.rollback()


def test_dns_rebinding_is_refused_at_connect_time(ssrf_day):
    _, fetches = ssrf_day
    rebound = [e for e in fetches["/inside"] if "rebind.example.com" in (e[2] or "")]
    assert rebound == [(
        "article", None,
        "SSRF guard: rebind.example.com resolves to a loopback address 127.0.0.1 "
        "(at connect time)",
    )]  # fmt: skip


def test_ssrf_day_reconciles(ssrf_day):
    db, _ = ssrf_day
    counts = assert_reconciled(db, "guarded")
    # loaded: the feed and 2 articles; refused: 5 redirect hops (HTTP 302) and 7 targets
    assert counts == {"fetched": 15, "loaded": 3, "quarantined": 0, "refused": 12}
