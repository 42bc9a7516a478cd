"""Credentials come from Airflow connections or the environment and never reach a log.

A failing database connection (refused, malformed URI) and a failing alert webhook (an HTTP
error, a refused connection) are provoked with a recognisable password/token; everything
logged (every logger, DEBUG and up), printed (stdout, stderr) or raised (the traceback as
Airflow would log it) is searched for it. Plus: no ``.env`` example in the repository holds a
value for a secret-like key, and no private key is committed.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import psycopg2
import pytest
from faultkit import closed_port
from mediamon.redact import public_url, redact
from support import ROOT

SECRET = "pw-Zq8-not-for-logs"
TOKEN = "T0KEN9xgY7secret"


def _everything(caplog, capfd, exc: BaseException | None = None) -> str:
    out, err = capfd.readouterr()
    text = caplog.text + out + err
    if exc is not None:
        text += "".join(traceback.format_exception(exc))
    return text


@pytest.fixture
def loud(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def test_failing_db_connection_from_the_airflow_connection_hides_the_password(
    monkeypatch, loud, capfd
):
    from mediamon import tasks

    conn = {"conn_type": "postgres", "host": "127.0.0.1", "port": closed_port(),
            "login": "mediamon", "password": SECRET, "schema": "mediamon"}  # fmt: skip
    monkeypatch.setenv("AIRFLOW_CONN_MEDIAMON_DB", json.dumps(conn))
    with pytest.raises(psycopg2.OperationalError) as info:
        tasks.connect()
    assert "Connection refused" in str(info.value)
    assert SECRET not in _everything(loud, capfd, info.value)


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://mediamon:{SECRET}@[::1/mediamon",  # psycopg2 echoes a malformed URI
        f"postgresql://mediamon:{SECRET}@127.0.0.1:1/mediamon?sslmode=nonsense",
        f"postgresql://mediamon:{SECRET}@127.0.0.1:{closed_port()}/mediamon",
    ],
    ids=["malformed", "bad-sslmode", "refused"],  # stable ids: the same on every test process
)
def test_failing_db_url_hides_the_password(url, loud, capfd):
    from mediamon.load.db import connect

    with pytest.raises(psycopg2.Error) as info:
        connect(url)
    assert SECRET not in _everything(loud, capfd, info.value)


def test_cli_with_a_bad_database_url_prints_no_password(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "MEDIAMON_DATA_DIR": str(tmp_path),
           "MEDIAMON_DATABASE_URL": f"postgresql://mediamon:{SECRET}@[::1/mediamon"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "mediamon.cli", "db", "upgrade"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "invalid dsn" in done.stderr  # it failed for the reason we think
    assert SECRET not in done.stdout + done.stderr


class _Refuse(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def failing_webhook():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refuse)
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("where", ["path", "userinfo", "query", "refused"])
def test_failing_alert_webhook_hides_its_token(where, failing_webhook, monkeypatch, loud, capfd):
    from mediamon.alerts import send_alert

    base = failing_webhook if where != "refused" else f"http://127.0.0.1:{closed_port()}"
    url = {
        "path": f"{base}/hooks/T0/B0/{TOKEN}",
        "userinfo": base.replace("http://", f"http://alerts:{TOKEN}@") + "/hook",
        "query": f"{base}/hook?token={TOKEN}",
        "refused": f"{base}/hooks/T0/B0/{TOKEN}",
    }[where]
    extra = {"conn_type": "http", "extra": {"url": url}}
    monkeypatch.setenv("AIRFLOW_CONN_MEDIAMON_ALERTS", json.dumps(extra))
    assert send_alert("drift: exclusive bylines fell") is False
    text = _everything(loud, capfd)
    assert "alert webhook http://127.0.0.1:" in text  # the failure is logged, the host named
    assert TOKEN not in text


def test_redact_masks_url_credentials():
    url = f"https://bot:{SECRET}@hooks.example/services/{TOKEN}?sig={TOKEN}"
    text = f"POST {url} failed; url: /services/{TOKEN}?sig={TOKEN}; password {SECRET}"
    masked = redact(text, urls=(url,))
    assert SECRET not in masked and TOKEN not in masked
    assert public_url(url) == "https://hooks.example/***"


SECRET_KEY = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|FERNET|PRIVATE)", re.I)
PLACEHOLDER = re.compile(r"^(|<[^>]*>|\$\{[^}]*\}|change[-_ ]?me|\*+|x+|example[\w-]*)$", re.I)


def _tracked() -> list[str]:
    done = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip("not a git checkout: cannot list tracked files")
    return done.stdout.splitlines()


def test_env_examples_hold_no_secret_values():
    env_files = [f for f in _tracked() if re.search(r"(^|/)\.env|\.env(\.\w+)?$", f)]
    for name in env_files:
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            key, sep, value = line.strip().removeprefix("export ").partition("=")
            if not sep or key.startswith("#") or not SECRET_KEY.search(key):
                continue
            assert PLACEHOLDER.match(value.strip().strip("'\"")), f"{name}: {key} has a value"


def test_no_private_key_or_known_token_is_committed():
    pattern = re.compile(
        r"-----BEGIN ([A-Z]+ )?PRIVATE KEY-----|AKIA[0-9A-Z]{16}|xox[abp]-[0-9A-Za-z-]{10,}"
        r"|ghp_[0-9A-Za-z]{36}|hooks\.slack\.com/services/T[0-9A-Z]+/B[0-9A-Z]+/[0-9A-Za-z]+"
    )
    for name in _tracked():
        path = ROOT / name
        if path.suffix in {".gz", ".png", ".jpg", ".warc"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        assert not pattern.search(text), name
