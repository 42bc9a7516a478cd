"""Two `mediamon run`s at once (issue 20 item 4): the second of the same day says which
process runs it and exits before touching Airflow; a run of another day waits its turn."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

from mediamon.cli import main
from mediamon.devtools.runner import run_lock

HOLD = (
    "import sys, time; from datetime import date; from mediamon.devtools.runner import run_lock\n"
    "with run_lock(date(2024, 9, 8)):\n"
    "    print('held', flush=True); time.sleep(120)\n"
)


def _holder(tmp_path):
    env = {**os.environ, "MEDIAMON_DATA_DIR": str(tmp_path)}
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD], env=env, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "held"
    return child


def test_a_second_run_of_the_same_day_names_the_first_and_exits(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MEDIAMON_DATA_DIR", str(tmp_path))
    # no database, no Airflow: the lock is taken before anything starts
    monkeypatch.setenv("MEDIAMON_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    child = _holder(tmp_path)
    try:
        assert main(["run", "--date", "2024-09-08"]) == 1
        err = capsys.readouterr().err
        assert f"another run of 2024-09-08 is in progress (pid {child.pid})" in err
        assert "Traceback" not in err
    finally:
        child.kill()
        child.wait()


def test_a_run_of_another_day_waits_for_the_lock(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIAMON_DATA_DIR", str(tmp_path))
    child = _holder(tmp_path)
    said = []

    def waiting(message: str) -> None:
        said.append(message)
        child.kill()  # the first run ends: the lock is free

    try:
        with run_lock(date(2024, 9, 7), on_wait=waiting) as path:
            assert path.read_text() == f"{os.getpid()} 2024-09-07"
    finally:
        child.kill()
        child.wait()
    assert said == [f"waiting for the run of 2024-09-08 (pid {child.pid})"]
    with run_lock(date(2024, 9, 8)):  # released on exit
        pass
