"""Stored XSS through Data Docs (issue 19 item 4): a scraped byline that is markup goes
through parse → validate → load, fails a check, and is printed in the GX Data Docs page,
escaped; the plugin serves Data Docs with a Content-Security-Policy that runs no script and
sandboxes the page."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import pytest
from faultkit import DAY, article_html, rss, source_entry, write_registry
from mediamon import batches, pipeline
from mediamon.config import data_dir
from mediamon.fetch.warcstore import CaptureWriter

BASE = "http://xss.test"
EVIL = "<img src=x onerror=alert(1)>"
AT = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def docs(module_env, module_db, tmp_path_factory):
    entries = [source_entry("xss", f"{BASE}/", f"{BASE}/rss.xml")]
    write_registry(tmp_path_factory.mktemp("reg") / "sources.yaml", entries, module_env)
    path = batches.capture_path("xss", DAY)
    with CaptureWriter(path) as writer:
        writer.write_response(
            f"{BASE}/rss.xml", 200, "OK", [("Content-Type", "application/rss+xml")],
            rss([(f"Заголовок {EVIL}", f"{BASE}/a")]), fetched_at=AT, kind="feed",
            list_id="rss",
        )  # fmt: skip
        writer.write_response(
            f"{BASE}/a", 200, "OK", [("Content-Type", "text/html; charset=utf-8")],
            article_html("Новость дня", author=EVIL.replace('"', "")), fetched_at=AT,
            kind="article",
        )  # fmt: skip
    pipeline.process_capture("xss", DAY, str(path), module_db[1])
    root = data_dir() / "data_docs"
    return root, sorted(root.joinpath("validations", "xss").rglob("*.html"))


def test_the_byline_is_printed_escaped_never_as_markup(docs):
    _, pages = docs
    assert pages
    texts = [p.read_text(encoding="utf-8") for p in pages]
    assert not any("<img src=x" in t for t in texts)
    assert any("&lt;img src=x onerror=alert(1)&gt;" in t for t in texts)  # shown, as text


def test_data_docs_are_served_with_a_csp_that_runs_no_script(docs, module_env):
    from fastapi.testclient import TestClient
    from support import ROOT

    sys.path.insert(0, str(ROOT / "plugins"))
    import mediamon_monitor

    root, pages = docs
    app = mediamon_monitor.app
    auth = app.router.dependencies[0].dependency  # Airflow's login: tested in tests/ui
    app.dependency_overrides[auth] = lambda: None
    try:
        client = TestClient(app)
        page = client.get("/data-docs/" + pages[0].relative_to(root).as_posix())
    finally:
        app.dependency_overrides.clear()
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert csp.startswith("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'")
    assert csp.endswith("; sandbox") and "script-src" not in csp  # default-src 'none' covers it
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<img src=x" not in page.text
