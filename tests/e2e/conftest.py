"""Whole runs: a capture replayed over loopback, mediamon_daily through dag.test()."""

from __future__ import annotations

import pytest
from mediamon.fetch.capture import build_capture
from mediamon.fetch.replay import ReplayServer


@pytest.fixture
def replay(monkeypatch, tmp_path_factory):
    """Build a capture from a folder, serve it, and point the pipeline at it."""
    servers = []

    def start(folder):
        out = tmp_path_factory.mktemp("capture")
        warc = build_capture(folder, out)
        server = ReplayServer(warc).start()
        servers.append(server)
        monkeypatch.setenv("MEDIAMON_REPLAY", server.url)
        monkeypatch.setenv("MEDIAMON_SOURCES", str(out / "sources.yaml"))
        return server

    yield start
    for server in servers:
        server.stop()
