"""The stages of a ``dag.test()`` run as they progress, read from Airflow's metadata database.

``mediamon run`` runs ``mediamon_daily`` in a child process whose logs go to a file; this
module polls the run's task instances (table ``task_instance``) and prints one line per task
that ends (mapped ones named by source), with a bar of what runs now on a terminal.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime

from mediamon.config import DAILY_DAG_ID

FINAL = {"success", "failed", "upstream_failed", "skipped", "removed"}
SHOWN = FINAL | {"up_for_retry"}  # a retry is worth a line: the run takes longer


@dataclass(frozen=True)
class TaskState:
    """One task instance of the run: ``name`` is the task id, the source for a mapped one;
    ``seconds`` its duration once it ended (None before)."""

    task_id: str
    map_index: int
    source: str | None
    state: str | None
    seconds: float | None


def metadata_dsn(sqlalchemy_url: str) -> str:
    """A psycopg2 DSN from Airflow's SQLAlchemy URL (``postgresql+psycopg2://…``)."""
    scheme, rest = sqlalchemy_url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


def latest_run_id(conn) -> int:
    """The highest ``dag_run.id`` so far (0 on an empty table): runs after it are new."""
    with conn.cursor() as cur:
        cur.execute("select coalesce(max(id), 0) from dag_run")
        (found,) = cur.fetchone()
    conn.rollback()
    return found


def run_states(conn, logical_date: datetime, after_id: int) -> tuple[str | None, list[TaskState]]:
    """``(run state, task states)`` of the ``mediamon_daily`` run of ``logical_date`` created
    after run ``after_id``; ``(None, [])`` while it does not exist yet."""
    with conn.cursor() as cur:
        cur.execute(
            "select id, state, run_id from dag_run where dag_id = %s and logical_date = %s"
            " and id > %s order by id desc limit 1",
            (DAILY_DAG_ID, logical_date, after_id),
        )
        run = cur.fetchone()
        if not run:
            conn.rollback()
            return None, []
        cur.execute(
            "select task_id, map_index, rendered_map_index, state,"
            " extract(epoch from end_date - start_date) from task_instance"
            " where dag_id = %s and run_id = %s order by end_date nulls last, task_id, map_index",
            (DAILY_DAG_ID, run[2]),
        )
        rows = cur.fetchall()
    conn.rollback()
    states = [
        TaskState(task, index, rendered if index >= 0 else None, state,
                  float(seconds) if seconds is not None and state in FINAL else None)
        for task, index, rendered, state, seconds in rows
    ]  # fmt: skip
    return run[1], states


class ProgressView:
    """Prints a line when a task of the run ends (or is retried), and on a terminal a bar of
    the tasks done out of ``total`` with what runs now. ``sources`` names mapped instances by
    their map index until Airflow has rendered their name."""

    def __init__(self, title: str, sources: list[str], total: int, stream=None):
        from tqdm import tqdm

        self.sources = sources
        self.stream = stream or sys.stdout
        self.seen: dict[tuple[str, int], str | None] = {}
        self.bar = tqdm(
            total=total, desc=title, unit="task", file=self.stream, leave=False,
            disable=not self.stream.isatty(), bar_format="{desc}: {n}/{total} tasks{postfix}",
        )  # fmt: skip

    def name(self, ts: TaskState) -> str:
        """``stage`` for an unmapped task, ``source  stage`` for a mapped one."""
        stage = ts.task_id.rpartition(".")[2]
        if ts.map_index < 0:
            return stage
        source = ts.source or (
            self.sources[ts.map_index] if ts.map_index < len(self.sources) else ts.map_index
        )
        return f"{source}  {stage}"

    def update(self, states: list[TaskState]) -> None:
        """Print what changed since the last call."""
        for ts in states:
            key = (ts.task_id, ts.map_index)
            if self.seen.get(key) == ts.state:
                continue
            self.seen[key] = ts.state
            if ts.state in SHOWN:
                took = f"{ts.seconds:6.1f} s" if ts.seconds is not None else ""
                line = f"  {self.name(ts):<28} {ts.state:<15} {took}".rstrip()
                self.bar.write(line, file=self.stream)
        running = [self.name(ts) for ts in states if ts.state == "running"]
        self.bar.n = sum(ts.state in FINAL for ts in states)
        self.bar.total = max(self.bar.total, len(states))
        self.bar.set_postfix_str(f"running: {', '.join(running)}" if running else "")

    def close(self) -> None:
        self.bar.close()
