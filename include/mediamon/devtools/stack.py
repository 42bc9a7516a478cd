"""``make up`` / ``make down``: Airflow's services on the project's database, in the background.

:func:`up` starts, on the same PostgreSQL as ``make run`` (the embedded server unless
``MEDIAMON_DATABASE_URL`` is set; see :func:`mediamon.devtools.runner.airflow_env`):

- a replay server for a capture (default: the demo), unless ``live`` is asked for, so runs
  triggered in the UI fetch over loopback and never reach the internet;
- ``airflow api-server`` (UI, REST API and task execution API) on ``port``, ``airflow
  scheduler``, ``airflow dag-processor`` and ``airflow triggerer``;
- with ``executor="local"`` (the default), the scheduler runs the tasks with the LocalExecutor,
  sources side by side: pools ``cpu`` (one slot per core) and ``fetch`` (16), ``parallelism``
  their sum (see :mod:`mediamon.devtools.local_executor`);
- with ``executor="celery"``, the scheduler runs the CeleryExecutor and two ``airflow celery
  worker`` processes serve its queues ``fetch`` and ``default`` (the broker is the machine's
  Redis; see :mod:`mediamon.devtools.celery_workers`).

Every process runs in its own session (process group); its pid goes to
``<stack dir>/<name>.pid`` and its output to ``<stack dir>/<name>.log``. :func:`down` stops
exactly the processes those pid files name (SIGTERM to the group, SIGKILL after a grace
period), after checking that the pid still runs the command it started (a recycled pid is
left alone). The stack directory is ``$MEDIAMON_DATA_DIR/stack`` (``var/stack``).

The simple auth manager logs users in: user ``admin`` (role admin) with a password it
generates on first start and keeps in ``$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated``
(``var/airflow/...``); :func:`up` prints that path, never the password.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from mediamon.config import DAILY_DAG_ID, data_dir, load_sources
from mediamon.devtools import celery_workers, local_executor
from mediamon.devtools.runner import DEMO_CAPTURE, airflow_env, prepare_capture

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
EXECUTORS = ("local", "celery")
STOP_GRACE_SECONDS = 30.0


class StackError(RuntimeError):
    """A service did not start or become healthy; the message names it and its log file."""


@dataclass(frozen=True)
class Stack:
    """A started stack: where it answers and where its files are."""

    url: str  # the UI, e.g. http://localhost:8080
    directory: Path  # pid and log files
    password_file: Path  # the simple auth manager's generated passwords (JSON: user -> password)
    replay_url: str | None  # the replay server, None for live sites
    executor: str = "local"  # "local" or "celery"
    workers: tuple[str, ...] = ()  # the Celery workers' node names (queue-tag@host)


def stack_dir() -> Path:
    """Folder of the pid and log files: ``$MEDIAMON_DATA_DIR/stack``."""
    return data_dir() / "stack"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def up(
    port: int = 8080,
    capture: Path | None = None,
    live: bool = False,
    unpause: bool = True,
    timeout: float = 300.0,
    executor: str = "local",
) -> Stack:
    """Start the stack and wait until the UI answers and the DAGs are parsed; returns it.

    ``port``: the api-server's TCP port (UI at ``http://localhost:<port>``). ``capture``: a
    folder of saved pages or a WARC to replay (default the demo); ``live`` fetches the
    registry's live sites instead. ``unpause``: unpause the mediamon DAGs (the scheduler then
    runs the latest complete local day, and the asset-scheduled DAGs follow it). Log-server
    ports are picked free unless set in the environment. ``executor``: ``"local"`` (the
    scheduler runs the tasks) or ``"celery"`` (two Celery workers on the broker
    ``$MEDIAMON_CELERY_BROKER``, started once the services are healthy and waited for). Raises
    :class:`StackError` when a stack already runs from this folder, when the broker does not
    answer, or when a service exits or is not healthy within ``timeout`` seconds (the services
    started so far are stopped again); ValueError for an unknown ``executor``.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, not {executor!r}")
    if executor == "celery" and (
        problem := celery_workers.broker_problem(celery_workers.broker_url())
    ):
        raise StackError(f"{problem}: start Redis or set {celery_workers.BROKER_ENV}")
    directory = stack_dir()
    running = [p.stem for p in _pid_files(directory) if _alive(p)]
    if running:
        raise StackError(f"a stack already runs from {directory} ({', '.join(running)}): make down")
    directory.mkdir(parents=True, exist_ok=True)

    os.environ["AIRFLOW__API__PORT"] = str(port)
    env = {**os.environ, **airflow_env()}
    env.setdefault("AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT", str(free_port()))
    env.setdefault("AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT", str(free_port()))
    env.setdefault("AIRFLOW__API__WORKERS", "1")
    # with unpause, DAGs new to the metadata DB start unpaused; _wait_dags unpauses the others
    env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "False" if unpause else "True"
    if executor == "celery":
        env.update(celery_workers.executor_env(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]))
    else:
        env.update(local_executor.executor_env())
    bin_dir = Path(sys.executable).parent
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"

    replay_url = None
    try:
        if live:  # the registry in force, before Airflow starts (a capture's: prepare_capture)
            load_sources()
        else:
            built = prepare_capture(capture or DEMO_CAPTURE)
            replay_port = free_port()
            serve = [str(bin_dir / "mediamon"), "capture", "serve", str(built)]
            _spawn(directory, "replay", [*serve, "--port", str(replay_port)], env)
            replay_url = f"http://127.0.0.1:{replay_port}"
            env["MEDIAMON_REPLAY"] = replay_url
            env["MEDIAMON_SOURCES"] = str(built / "sources.yaml")
        subprocess.run([str(bin_dir / "airflow"), "db", "migrate"], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        subprocess.run([str(bin_dir / "mediamon"), "db", "upgrade"], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        _place_tasks(directory, env, executor)
        for name in COMPONENTS:
            argv = [str(bin_dir / "airflow"), name]
            if name == "api-server":  # loopback only unless AIRFLOW_HOST says otherwise
                argv += ["--port", str(port), "--host", os.environ.get("AIRFLOW_HOST", "127.0.0.1")]
            _spawn(directory, name, argv, env)
        url = f"http://localhost:{port}"
        _wait_healthy(directory, url, timeout)
        workers = _start_workers(directory, env, str(port), timeout) if executor == "celery" else ()
        _wait_dags(directory, env, timeout, unpause)
    except BaseException:
        down(quiet=True)
        raise
    home = Path(env["AIRFLOW_HOME"])
    passwords = home / "simple_auth_manager_passwords.json.generated"
    if passwords.exists():  # Airflow writes it world-readable (0644): the admin's password
        passwords.chmod(0o600)
    return Stack(url, directory, passwords, replay_url, executor, workers)


def _place_tasks(directory: Path, env: dict, executor: str) -> None:
    """LocalExecutor: create the pools ``cpu`` and ``fetch`` and write the policy that puts
    tasks in them by queue (before the dag-processor starts). Celery: remove that policy (the
    workers bound each queue)."""
    home = Path(env["AIRFLOW_HOME"])
    if executor == "celery":
        local_executor.remove_policy(home)
        return
    pools = local_executor.pools_file(directory / "pools.json")
    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow, "pools", "import", str(pools)], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    if not local_executor.write_policy(home):
        print(f"{local_executor.policy_path(home)} is not mediamon's: tasks stay in default_pool")


def _start_workers(directory: Path, env: dict, tag: str, timeout: float) -> tuple[str, ...]:
    """Start one ``airflow celery worker`` per queue, each with its own node name and
    log-server port (the ``default`` worker takes the stack's); wait until each says it is
    ready in its log. Returns their node names."""
    airflow = str(Path(sys.executable).with_name("airflow"))
    nodes = []
    for worker in celery_workers.workers():
        port = env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"]
        if worker.queue != celery_workers.DEFAULT_QUEUE:
            port = str(free_port())
        name = f"celery-{worker.queue}"
        log = directory / f"{name}.log"
        offset = log.stat().st_size if log.exists() else 0
        worker_env = {**env, **celery_workers.worker_env(worker, tag, int(port))}
        _spawn(directory, name, celery_workers.worker_command(airflow, worker, tag), worker_env)
        nodes.append((worker.node(tag), log, offset))
    deadline = time.monotonic() + timeout
    for node, log, offset in nodes:
        while f"{node} ready." not in _read_from(log, offset):
            _check_running(directory)
            if time.monotonic() > deadline:
                raise StackError(f"Celery worker {node} not ready after {timeout:.0f} s: see {log}")
            time.sleep(1)
    return tuple(node for node, _, _ in nodes)


def _read_from(path: Path, offset: int) -> str:
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read().decode(errors="replace")


def down(quiet: bool = False) -> list[str]:
    """Stop the processes :func:`up` started (by their pid files); returns their names."""
    directory = stack_dir()
    stopped = []
    files = _pid_files(directory)
    for pid_file in files:  # SIGTERM to every group first, then wait for all
        if _alive(pid_file):
            _signal_group(pid_file, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for pid_file in files:
        while _alive(pid_file) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid_file):
            _signal_group(pid_file, signal.SIGKILL)
        stopped.append(pid_file.stem)
        pid_file.unlink(missing_ok=True)
        if not quiet:
            print(f"stopped {pid_file.stem}")
    return stopped


def _spawn(directory: Path, name: str, argv: list[str], env: dict) -> None:
    log = open(directory / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child from here
    proc = subprocess.Popen(
        argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    log.close()
    started = _proc_stat(proc.pid)[1]
    (directory / f"{name}.pid").write_text(
        json.dumps({"pid": proc.pid, "started": started, "argv": argv}), encoding="utf-8"
    )


def _pid_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.pid")) if directory.exists() else []


def _alive(pid_file: Path) -> bool:
    """True when the pid of ``pid_file`` still runs the process that was started: same
    start time (``/proc/<pid>/stat`` field 22), so a recycled pid is never taken for it."""
    try:
        data = json.loads(pid_file.read_text(encoding="utf-8"))
        state, started = _proc_stat(int(data["pid"]))
    except (OSError, ValueError, KeyError):
        return False
    return state != "Z" and started == data.get("started")  # Z: exited, not yet reaped


def _proc_stat(pid: int) -> tuple[str, int]:
    """(state, start time in clock ticks since boot) of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    return fields[0], int(fields[19])


def _signal_group(pid_file: Path, sig: int) -> None:
    pid = int(json.loads(pid_file.read_text(encoding="utf-8"))["pid"])
    try:
        os.killpg(pid, sig)  # started with start_new_session: its pgid is its pid
    except ProcessLookupError:
        pass


def _check_running(directory: Path) -> None:
    for pid_file in _pid_files(directory):
        if not _alive(pid_file):
            log = pid_file.with_suffix(".log")
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise StackError(f"{pid_file.stem} exited; its log ({log}) ends:\n{tail}")


def _wait_healthy(directory: Path, url: str, timeout: float) -> None:
    """Wait until /api/v2/monitor/health reports every component healthy."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        _check_running(directory)
        try:
            with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=5) as resp:
                health = json.load(resp)
            states = {k: (v or {}).get("status") for k, v in health.items()}
            if all(s == "healthy" for s in states.values()):
                return
            last = str(states)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last = str(exc)
        time.sleep(1)
    raise StackError(f"Airflow at {url} not healthy after {timeout:.0f} s: {last}")


def _wait_dags(directory: Path, env: dict, timeout: float, unpause: bool) -> None:
    """Wait until the dag-processor has stored ``mediamon_daily``; then, when asked, unpause
    every ``mediamon_*`` DAG already in the metadata DB (a previous ``make run`` left them
    paused). Reads Airflow's ``dag`` table with psycopg2, every second (a child importing
    Airflow's ORM to ask cost seconds of CPU a try, beside the services starting up)."""
    import psycopg2

    from mediamon.devtools.progress import metadata_dsn

    deadline = time.monotonic() + timeout
    conn = psycopg2.connect(metadata_dsn(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]))
    try:
        while time.monotonic() < deadline:
            _check_running(directory)
            with conn, conn.cursor() as cur:  # one transaction, committed
                cur.execute("select to_regclass('dag') is not null")
                found = []
                if cur.fetchone()[0]:
                    cur.execute("select dag_id from dag where dag_id like 'mediamon\\_%'")
                    found = [dag_id for (dag_id,) in cur.fetchall()]
                if DAILY_DAG_ID in found:
                    if unpause:
                        cur.execute(
                            "update dag set is_paused = false where dag_id = any(%s)", (found,)
                        )
                    return
            time.sleep(1)
    finally:
        conn.close()
    raise StackError(
        f"{DAILY_DAG_ID} not parsed after {timeout:.0f} s: see {directory}/dag-processor.log"
    )


def api_token(url: str, password_file: Path) -> str:
    """A JWT for the stack's ``admin`` (password read from ``password_file``, the stack's
    JSON of passwords) from the api-server at ``url``. Raises urllib.error.URLError."""
    password = json.loads(password_file.read_text(encoding="utf-8"))["admin"]
    body = json.dumps({"username": "admin", "password": password}).encode()
    req = urllib.request.Request(f"{url}/auth/token", body, {"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)["access_token"]


def trigger_daily(url: str, token: str, day: date | str) -> str:
    """Trigger :data:`~mediamon.config.DAILY_DAG_ID` for local ``day`` (its logical date is
    the day's start, UTC+5) through the REST API; returns the run id."""
    body = json.dumps({"logical_date": f"{day}T00:00:00+05:00", "conf": {}}).encode()
    req = urllib.request.Request(
        f"{url}/api/v2/dags/{DAILY_DAG_ID}/dagRuns", body,
        {"content-type": "application/json", "authorization": f"Bearer {token}"},
    )  # fmt: skip
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)["dag_run_id"]
