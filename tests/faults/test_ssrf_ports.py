"""SSRF allowlist by host AND port: allowing a host never opens its other ports.

``allowed_hosts: [vm]`` lets the crawler reach ``vm`` on ports 80 and 443 only; ``vm:8080``
allows exactly that port. The rule holds before the request, at each redirect hop and when
connecting. Through the pipeline: a host allowed on the fault server's port whose page
redirects to its own port 5432 (the real PostgreSQL on 127.0.0.1) is refused with the reason
recorded, and a source allowed only as ``host:port`` loads end to end over loopback.
"""

from __future__ import annotations

import pytest
import requests
from faultkit import (
    HTML,
    RSS,
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
from mediamon.fetch.http import make_session, retry_policy

POSTGRES, REDIS = 5432, 6379  # the real servers of the test machine, on 127.0.0.1


@pytest.mark.parametrize(
    ("url", "allowed", "refused"),
    [
        ("http://127.0.0.1/", ["127.0.0.1"], False),  # a bare host: 80 ...
        ("https://127.0.0.1/", ["127.0.0.1"], False),  # ... and 443
        ("http://127.0.0.1:80/x", ["127.0.0.1"], False),
        ("http://127.0.0.1:443/x", ["127.0.0.1"], False),
        ("http://127.0.0.1:5432/", ["127.0.0.1"], True),  # never its other ports
        ("https://127.0.0.1:6379/", ["127.0.0.1"], True),
        ("http://127.0.0.1:8080/", ["127.0.0.1:8080"], False),  # host:port: that port ...
        ("http://127.0.0.1/", ["127.0.0.1:8080"], True),  # ... only
        ("http://127.0.0.1:8081/", ["127.0.0.1:8080"], True),
        ("http://[::1]:8080/", ["[::1]:8080"], False),
        ("http://[::1]/", ["::1"], False),
        ("http://[::1]:5432/", ["::1", "[::1]:8080"], True),
        ("http://localhost:8080/", ["LOCALHOST:8080"], False),  # case-insensitive
        ("http://localhost.:8080/", ["localhost:8080"], False),
        ("http://localhost:5432/", ["localhost"], True),
        ("http://127.0.0.1:99999/", ["127.0.0.1"], True),  # no such port
    ],
)
def test_an_allowed_host_is_allowed_on_its_ports_only(url, allowed, refused):
    reason = refusal(url, allowed=allowed)
    assert (reason is not None) == refused, reason
    if refused:
        assert reason.startswith("SSRF guard: ")


def test_allowlist_entries_are_read_as_host_and_port():
    from mediamon.fetch.guard import allowed_endpoints

    assert allowed_endpoints(["VM", "db.internal:5432", "[fd00::1]:8443", "::1"]) == {
        ("vm", 80), ("vm", 443), ("db.internal", 5432), ("fd00::1", 8443), ("::1", 80),
        ("::1", 443),
    }  # fmt: skip
    for bad in ["vm:", "vm:http", "vm:0", "vm:65536", "[::1", ":80", "a b"]:
        with pytest.raises(ValueError, match="allowed host"):
            allowed_endpoints([bad])


def test_connect_time_guard_keeps_the_port(server, monkeypatch):
    """The adapter alone (no check before the request): an allowed name connects on its
    allowed port only, so the database port stays unreachable even if a check were missed."""
    fake_dns(monkeypatch, {"vm.test": "127.0.0.1"})
    server.routes[("vm.test", "/fine")] = lambda h, n: h.send(200, b"fine", HTML)
    no_retry = retry_policy(total=0)
    with make_session(replay="", retries=no_retry, allowed=("vm.test",)) as session:
        for port in (POSTGRES, REDIS, server.port):
            with pytest.raises(requests.ConnectionError) as caught:
                session.get(f"http://vm.test:{port}/", timeout=3)
            assert "SSRF guard: vm.test resolves to a loopback address 127.0.0.1 (at connect " in (
                str(caught.value)
            )
    allowed = (f"vm.test:{server.port}",)
    with make_session(replay="", retries=no_retry, allowed=allowed) as session:
        assert session.get(server.url("vm.test", "/fine"), timeout=3).content == b"fine"
        with pytest.raises(requests.ConnectionError, match="SSRF guard"):
            session.get(f"http://vm.test:{POSTGRES}/", timeout=3)


@pytest.fixture(scope="module")
def ports_day(server, module_db, module_env, tmp_path_factory):
    db = module_db[1]
    fake_dns(module_env, {"vm.test": "127.0.0.1", "site.test": "127.0.0.1"})
    port, routes = server.port, server.routes
    # "vm": the case, the host allowed bare (and on the fault server's port)
    vm_links = [("go-db", server.url("vm.test", "/go-db")),
                ("db", f"http://vm.test:{POSTGRES}/db-direct"),
                ("redis", f"http://vm.test:{REDIS}/redis-direct"),
                ("fine", server.url("vm.test", "/vm-fine"))]  # fmt: skip
    routes[("vm.test", "/rss.xml")] = lambda h, n: h.send(200, rss(vm_links), RSS)
    routes[("vm.test", "/go-db")] = lambda h, n: h.send(
        302, b"", [("Location", f"http://vm.test:{POSTGRES}/db-redirect")]
    )
    routes[("vm.test", "/vm-fine")] = lambda h, n: h.send(200, article_html("Всё в порядке"), HTML)
    # "exact": allowed only as host:port, the form that used to be refused when connecting
    site_links = [("one", server.url("site.test", "/one")),
                  ("off-port", server.url("site.test", "/go-other-port"))]  # fmt: skip
    routes[("site.test", "/rss.xml")] = lambda h, n: h.send(200, rss(site_links), RSS)
    routes[("site.test", "/one")] = lambda h, n: h.send(200, article_html("Прямая ссылка"), HTML)
    routes[("site.test", "/go-other-port")] = lambda h, n: h.send(
        302, b"", [("Location", f"http://site.test:{POSTGRES}/site-db")]
    )
    entries = [
        source_entry("vm", "http://vm.test/", server.url("vm.test", "/rss.xml"),
                     allowed_hosts=["vm.test", f"vm.test:{port}"]),
        source_entry("exact", "http://site.test/", server.url("site.test", "/rss.xml"),
                     allowed_hosts=[f"site.test:{port}"]),
    ]  # fmt: skip
    write_registry(tmp_path_factory.mktemp("reg") / "sources.yaml", entries, module_env)
    runs = run_day(db, ["vm", "exact"])
    assert {sid: r.error for sid, r in runs.items()} == {"vm": None, "exact": None}
    return db, stored_fetches(db, "vm"), stored_fetches(db, "exact")


LOOPBACK = "SSRF guard: {} resolves to a loopback address 127.0.0.1"


def test_a_redirect_to_the_database_port_of_an_allowed_host_is_refused(ports_day):
    _, vm, _ = ports_day
    assert vm["/go-db"] == [("article", 302, None)]
    assert vm["/db-redirect"] == [("article", None, LOOPBACK.format("vm.test"))]
    assert vm["/db-direct"] == [("article", None, LOOPBACK.format("vm.test"))]
    assert vm["/redis-direct"] == [("article", None, LOOPBACK.format("vm.test"))]
    assert vm["/vm-fine"] == [("article", 200, None)]


def test_host_port_allowed_works_end_to_end(ports_day):
    db, _, exact = ports_day
    assert exact["/rss.xml"] == [("feed", 200, None)]
    assert exact["/one"] == [("article", 200, None)]
    assert exact["/go-other-port"] == [("article", 302, None)]
    assert exact["/site-db"] == [("article", None, LOOPBACK.format("site.test"))]
    with db.cursor() as cur:
        cur.execute("select source_id, title from articles order by source_id")
        assert cur.fetchall() == [("exact", "Прямая ссылка"), ("vm", "Всё в порядке")]
    db.rollback()


def test_the_ports_day_reconciles(ports_day):
    db, _, _ = ports_day
    # vm: feed + article loaded; the 302, and 3 refusals (redirect target, 2 direct links)
    assert assert_reconciled(db, "vm") == {
        "fetched": 6, "loaded": 2, "quarantined": 0, "refused": 4,
    }  # fmt: skip
    assert assert_reconciled(db, "exact") == {
        "fetched": 4, "loaded": 2, "quarantined": 0, "refused": 2,
    }  # fmt: skip
