"""`make up` for real, then a real browser on it.

One stack for the module (``mediamon up`` on free ports, its own warehouse and Airflow
databases, the demo capture replayed): the scheduler runs mediamon_daily (unpaused on
start), whose loads emit asset events that trigger mediamon_stories. Then headless Chromium
(Debian's, driven by Playwright; no browser download) logs in, finds mediamon_daily, triggers
a run, waits for it, opens the graph and the monitoring page, and compares the page's numbers
with the warehouse; then searches from the search page and opens an article. ``mediamon
down`` must leave none of the stack's processes running.

Screenshots go to ``var/test-artifacts/ui/`` (printed at the end of the browser test).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psycopg2
import pytest
from support import ROOT, drop_db, server_db

ARTIFACTS = ROOT / "var" / "test-artifacts" / "ui"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
EVIL = "<script>window.__pwned = 1</script> Заголовок & <b>жирный</b>"
RUN_TIMEOUT = 600  # seconds for a run on a busy 2-core machine


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


class Api:
    """Airflow's REST API with the admin's token."""

    def __init__(self, url: str, password: str):
        self.url = url
        body = json.dumps({"username": "admin", "password": password}).encode()
        req = urllib.request.Request(
            f"{url}/auth/token", body, {"content-type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            self.token = json.load(resp)["access_token"]

    def get(self, path: str, **query) -> dict:
        url = f"{self.url}/api/v2{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        req = urllib.request.Request(url, headers={"authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.load(resp)

    def wait_run(
        self, dag_id: str, pred, timeout: float = RUN_TIMEOUT, state: str = "success"
    ) -> dict:
        """The first run of ``dag_id`` for which ``pred(run)`` holds, once it ended in
        ``state`` (ending in the other final state fails the test)."""
        deadline = time.monotonic() + timeout
        runs: list = []
        while time.monotonic() < deadline:
            runs = [r for r in self.get(f"/dags/{dag_id}/dagRuns")["dag_runs"] if pred(r)]
            for run in runs:
                assert run["state"] in (state, "queued", "running"), (
                    f"{dag_id} run {run['state']}, not {state}: {run['dag_run_id']}"
                )
                if run["state"] == state:
                    return run
            time.sleep(3)
        raise AssertionError(f"no {state} {dag_id} run in {timeout} s: {runs}")

    def wait_idle(self, dag_id: str, timeout: float = RUN_TIMEOUT) -> None:
        """Wait until no run of ``dag_id`` is queued or running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.get(f"/dags/{dag_id}/dagRuns")["dag_runs"]
            if all(r["state"] in ("success", "failed") for r in runs):
                return
            time.sleep(3)
        raise AssertionError(f"{dag_id} still has runs going after {timeout} s")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """``mediamon up`` on free ports with private databases; ``mediamon down`` afterwards.

    The scheduler starts the latest day's run at once (unpaused): the browser test triggers
    its own run meanwhile, and the next test checks the scheduled one.
    """
    from mediamon.devtools.stack import free_port
    from mediamon.load.db import airflow_connection_json
    from mediamon.load.schema import upgrade

    tmp = tmp_path_factory.mktemp("stack")
    tag = uuid.uuid4().hex[:8]
    names = (f"mediamon_test_ui_{tag}", f"airflow_test_ui_{tag}")
    warehouse, metadata = (server_db(n) for n in names)
    upgrade(warehouse)
    env = {
        **os.environ,
        "MEDIAMON_DATA_DIR": str(tmp / "var"),
        "AIRFLOW_HOME": str(tmp / "airflow"),
        "MEDIAMON_DATABASE_URL": warehouse,
        "AIRFLOW_CONN_MEDIAMON_DB": airflow_connection_json(warehouse),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata.replace(
            "postgresql://", "postgresql+psycopg2://", 1
        ),
    }
    for key in ("AIRFLOW__API__PORT", "AIRFLOW__API__BASE_URL", "MEDIAMON_REPLAY"):
        env.pop(key, None)
    port = free_port()
    out = subprocess.run(
        [_bin("mediamon"), "up", "--port", str(port)], env=env, cwd=ROOT, capture_output=True,
        text=True, timeout=600,
    )  # fmt: skip
    stack_dir = tmp / "var" / "stack"
    pids = {p.stem: json.loads(p.read_text())["pid"] for p in stack_dir.glob("*.pid")}
    try:
        assert out.returncode == 0, out.stdout + out.stderr
        password_file = tmp / "airflow" / "simple_auth_manager_passwords.json.generated"
        assert str(password_file) in out.stdout  # says where the password is...
        assert password_file.stat().st_mode & 0o077 == 0  # ...readable by its owner only
        password = json.loads(password_file.read_text())["admin"]
        assert password not in out.stdout + out.stderr  # ...never what it is
        url = f"http://localhost:{port}"
        assert url in out.stdout
        yield {"url": url, "env": env, "api": Api(url, password), "password": password,
               "warehouse": warehouse, "pids": pids, "dir": stack_dir}  # fmt: skip
    finally:
        subprocess.run([_bin("mediamon"), "down"], env=env, cwd=ROOT, capture_output=True)
        for url in (warehouse, metadata):
            drop_db(url)


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium: `make sysdeps` (as root) "
                    "installs Debian's chromium")  # fmt: skip
def test_browser_login_trigger_graph_and_monitoring_page(stack):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    url, api = stack["url"], stack["api"]
    before = {r["dag_run_id"] for r in api.get("/dags/mediamon_daily/dagRuns")["dag_runs"]}
    shots = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{url}/mediamon/")  # not logged in: sent to the login page
            page.wait_for_url("**/auth/login**")
            page.locator("input[name=username]").fill("admin")
            page.locator("input[name=password]").fill(stack["password"])
            page.locator("button[type=submit]").click()
            page.wait_for_url(lambda u: "/auth/login" not in u, timeout=60_000)

            page.goto(f"{url}/dags")
            expect(page.get_by_text("mediamon_daily").first).to_be_visible(timeout=60_000)
            page.goto(f"{url}/dags/mediamon_daily")
            page.get_by_role("button", name="Trigger Dag").click()
            dialog = page.get_by_role("dialog")
            dialog.get_by_role("button", name="Trigger").click()
            expect(dialog).to_be_hidden(timeout=30_000)
            shots["dag"] = _shot(page, "dag.png")

            # today, over the demo recorded on 2024-09-08: unreachable, and the run says so
            run = api.wait_run(
                "mediamon_daily", lambda r: r["dag_run_id"] not in before, state="failed"
            )
            assert run["run_type"] == "manual"
            run_id = urllib.parse.quote(run["dag_run_id"], safe="")
            page.goto(f"{url}/dags/mediamon_daily/runs/{run_id}")
            page.get_by_role("button", name="Show Graph").first.click()
            expect(page.get_by_text("cluster_stories").first).to_be_visible(timeout=30_000)
            page.wait_for_timeout(1500)  # let the graph lay itself out
            shots["graph"] = _shot(page, "graph.png")

            api.wait_idle("mediamon_daily")  # the scheduled run too: the numbers hold still
            day = _inject_headline(stack["warehouse"])
            page.goto(f"{url}/plugin/mediamon")  # the UI's "mediamon" entry (an iframe)
            frame = page.frame_locator("iframe").first
            expect(frame.get_by_text("mediamon monitoring")).to_be_visible(timeout=30_000)
            for img in frame.locator("img[data-chart]").all():
                expect(img).to_have_js_property("complete", True, timeout=30_000)
            page.wait_for_timeout(500)
            shots["monitor_in_ui"] = _shot(page, "monitor_in_ui.png")

            page.goto(f"{url}/mediamon/")
            expect(page.locator("h1")).to_have_text("mediamon monitoring")
            for img in page.locator("img[data-chart]").all():  # the charts loaded and drew
                assert img.evaluate("i => i.complete && i.naturalWidth > 0")
            assert page.locator("img[data-chart]").count() == 2
            headline = page.locator("td.headline", has_text="<script>")
            expect(headline).to_have_text(EVIL)  # shown as text, character for character
            assert page.evaluate("() => window.__pwned") is None
            shown = _page_numbers(page)
            assert shown == _db_numbers(stack["warehouse"])
            assert shown[("exclusive_demo", day)]["fetched"] == 25
            assert shown[("exclusive_demo", day)]["articles"] == 7  # README's demo summary
            shots["monitor"] = _shot(page, "monitor.png", full_page=True)

            # the search page, from the monitoring page's link: the hostile headline is text,
            # only the matched word is marked; an article hit opens the article's row
            page.locator("a#search").click()
            page.locator("input[name=q]").fill("жирный")
            page.locator("#search-form button[type=submit]").click()
            hit = page.locator("#hits tr[data-kind=headline]")
            expect(hit.locator(".title")).to_have_text(EVIL)
            expect(hit.locator(".snippet mark")).to_have_text("жирный")
            assert page.evaluate("() => window.__pwned") is None
            page.locator("input[name=q]").fill("автобусных маршрутов")
            page.locator("#search-form button[type=submit]").click()
            title = page.locator("#hits tr[data-kind=article] a.title").first
            expected_title = title.inner_text()
            shots["search"] = _shot(page, "search.png", full_page=True)
            title.click()
            expect(page.locator("h1#title")).to_have_text(expected_title)
            expect(page.locator("#body")).not_to_be_empty()
        finally:
            browser.close()
    print("\nscreenshots:\n" + "\n".join(f"  {k}: {v}" for k, v in shots.items()))


def test_up_runs_the_daily_dag_names_instances_and_triggers_stories(stack):
    api = stack["api"]
    assert set(stack["pids"]) == {"api-server", "scheduler", "dag-processor", "triggerer", "replay"}
    dags = {d["dag_id"]: d for d in api.get("/dags")["dags"]}
    assert not dags["mediamon_daily"]["is_paused"]
    assert not dags["mediamon_stories"]["is_paused"]
    assert not [d for d in dags if not d.startswith("mediamon_")]  # no example DAGs

    # the latest complete day, over the demo recorded on 2024-09-08: its lists were read before
    # that day began, so the day is unreachable and the run fails saying so (issue 20 item 6);
    # the loads still ran (fetches, articles, checks), without sightings
    run = api.wait_run("mediamon_daily", lambda r: r["run_type"] == "scheduled", state="failed")
    run_id = urllib.parse.quote(run["dag_run_id"], safe="")
    mapped = api.get(f"/dags/mediamon_daily/dagRuns/{run_id}/taskInstances/source.load/listMapped")
    assert [t["rendered_map_index"] for t in mapped["task_instances"]] == ["exclusive_demo"]

    events = api.get("/assets/events", source_dag_id="mediamon_daily")["asset_events"]
    extra = next(e["extra"] for e in events if e["source_run_id"] == run["dag_run_id"])
    with psycopg2.connect(stack["warehouse"]) as conn, conn.cursor() as cur:
        cur.execute(
            "select (select count(*) from fetches where source_id = %(s)s and day = %(d)s), "
            "(select count(*) from quarantine where source_id = %(s)s and day = %(d)s), "
            "(select count(*) from sightings where source_id = %(s)s and day = %(d)s)",
            {"s": "exclusive_demo", "d": extra["day"]},
        )
        fetched, quarantined, sightings = cur.fetchone()
    conn.close()
    assert extra["source_id"] == "exclusive_demo"
    assert (extra["fetches"], extra["quarantine"], extra["sightings"]) == (
        fetched, quarantined, sightings,
    )  # fmt: skip
    assert fetched == 25 and extra["articles"] == 7  # the demo capture (README)
    assert sightings == 0
    with psycopg2.connect(stack["warehouse"]) as conn, conn.cursor() as cur:
        cur.execute("select reachable, reason from source_day_coverage where day = %s",
                    (extra["day"],))  # fmt: skip
        assert cur.fetchall() == [
            (
                False,
                "cannot reach this day: its lists were read on 2024-09-08, before the day began",
            )
        ]
    conn.close()

    # every loaded day is clustered again by an asset-triggered mediamon_stories run
    deadline, clustered = time.monotonic() + RUN_TIMEOUT, set()
    while extra["day"] not in clustered and time.monotonic() < deadline:
        for run in api.get("/dags/mediamon_stories/dagRuns")["dag_runs"]:
            if run["run_type"] == "asset_triggered" and run["state"] == "success":
                path = urllib.parse.quote(run["dag_run_id"], safe="")
                tis = api.get(
                    f"/dags/mediamon_stories/dagRuns/{path}/taskInstances/cluster/listMapped"
                )
                clustered |= {t["rendered_map_index"] for t in tis["task_instances"]}
        time.sleep(2)
    assert extra["day"] in clustered


def test_down_stops_every_process_of_the_stack(stack):
    pids = stack["pids"]
    assert all(_alive(pid) for pid in pids.values())
    out = subprocess.run([_bin("mediamon"), "down"], env=stack["env"], cwd=ROOT,
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert sorted(line.split()[-1] for line in out.stdout.splitlines()) == sorted(pids)
    assert not [name for name, pid in pids.items() if _alive(pid)]
    # nor any child they started: every one inherited the stack's AIRFLOW_HOME
    marker = f"AIRFLOW_HOME={stack['env']['AIRFLOW_HOME']}".encode() + b"\0"
    left = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if marker in (proc / "environ").read_bytes() + b"\0" and _alive(int(proc.name)):
                left.append((proc.name, (proc / "cmdline").read_bytes()[:80]))
        except OSError:
            continue
    assert not left
    assert not list(stack["dir"].glob("*.pid"))


def _shot(page, name: str, full_page: bool = False) -> Path:
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def _inject_headline(warehouse: str) -> str:
    """A headline with markup on the latest day, as a hostile site could publish it."""
    with psycopg2.connect(warehouse) as conn, conn.cursor() as cur:
        cur.execute("select max(day) from fetches")
        day = cur.fetchone()[0]
        url = "https://exclusive.kz.example/news/injected"
        cur.execute(
            "insert into headlines (source_id, list_id, list_kind, canonical_url, url, title, "
            "first_seen_day, last_seen_day) values ('exclusive_demo', 'injected', 'listing', "
            "%s, %s, %s, %s, %s)", (url, url, EVIL, day, day),
        )  # fmt: skip
        cur.execute(
            "insert into sightings (day, source_id, list_id, canonical_url, position, title) "
            "values (%s, 'exclusive_demo', 'injected', %s, 1, %s)", (day, url, EVIL),
        )  # fmt: skip
    conn.close()
    return day.isoformat()


def _page_numbers(page) -> dict:
    rows = page.locator("#per-day tr[data-source]").all()
    out = {}
    for row in rows:
        key = (row.get_attribute("data-source"), row.get_attribute("data-day"))
        cells = {m: row.locator(f'[data-metric="{m}"]').inner_text()
                 for m in ("fetched", "articles", "headlines", "quarantined")}  # fmt: skip
        out[key] = {m: int(v) for m, v in cells.items()}
    return out


def _db_numbers(warehouse: str) -> dict:
    out: dict = {}
    with psycopg2.connect(warehouse) as conn, conn.cursor() as cur:
        queries = {
            "fetched": "select source_id, day, count(*) from fetches group by 1, 2",
            # articles loaded from the day's fetched article pages (as `make run` counts them)
            "articles": "select f.source_id, f.day, count(distinct a.canonical_url) "
            "from articles a join fetches f on f.source_id = a.source_id and f.url = a.url "
            "and f.kind = 'article' group by 1, 2",
            "headlines": "select source_id, day, count(*) from sightings group by 1, 2",
            "quarantined": "select source_id, day, count(*) from quarantine group by 1, 2",
        }
        for metric, sql in queries.items():
            cur.execute(sql)
            for source, day, n in cur.fetchall():
                slot = out.setdefault((source, day.isoformat()), dict.fromkeys(queries, 0))
                slot[metric] = n
    conn.close()
    return out
