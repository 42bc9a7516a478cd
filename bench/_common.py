"""Shared pieces of the bench scripts: result rows, the JSON file, the table, scratch databases.

Every bench writes ``bench/results/<name>.json``: a list of rows
``{"benchmark", "metric", "value", "unit", "limit", "ratio", "target", "met"}`` (see
HELPERS.md); ``bench/report.py`` prints them all as one table.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL_FIXTURES = (ROOT.parent / "shared" / "fixtures" / "real").resolve()  # others' pages, gold
DEMO_CAPTURE = ROOT / "include" / "mediamon" / "demo" / "exclusive"


def default_capture() -> Path:
    """The shared real pages when present (their MANIFEST.tsv), else the demo capture."""
    return REAL_FIXTURES if (REAL_FIXTURES / "MANIFEST.tsv").exists() else DEMO_CAPTURE


RESULTS = ROOT / "bench" / "results"


def row(
    benchmark: str,
    metric: str,
    value: float,
    unit: str,
    *,
    limit: float | None = None,
    ratio: float | None = None,
    target: str | None = None,
    met: bool | None = None,
) -> dict:
    """One result row; ``ratio`` is value against ``limit`` (the physical floor) when given."""
    return {
        "benchmark": benchmark, "metric": metric, "value": round(float(value), 4), "unit": unit,
        "limit": None if limit is None else round(float(limit), 4),
        "ratio": None if ratio is None else round(float(ratio), 4),
        "target": target, "met": met,
    }  # fmt: skip


def save(name: str, rows: list[dict], *, quick: bool = False) -> Path:
    """Write ``rows`` to ``bench/results/<name>.json`` (``<name>.quick.json`` for --quick, so
    a smoke run never replaces real figures) and print them as a table."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}{'.quick' if quick else ''}.json"
    path.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(format_table(rows))
    print(f"-> {path.relative_to(ROOT)}")
    return path


def format_table(rows: list[dict]) -> str:
    """Rows as a fixed-width text table."""
    header = ("benchmark", "metric", "value", "unit", "limit", "ratio", "target", "met")
    lines = [header]
    for r in rows:
        met = {True: "yes", False: "NO", None: ""}[r.get("met")]
        lines.append((
            r["benchmark"], r["metric"], _num(r["value"]), r["unit"], _num(r.get("limit")),
            _num(r.get("ratio")), r.get("target") or "", met,
        ))  # fmt: skip
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(str(v).rjust(w) if i in (2, 4, 5) else str(v).ljust(w)
                  for i, (v, w) in enumerate(zip(line, widths, strict=True))).rstrip()
        for line in lines
    )  # fmt: skip


def _num(value) -> str:
    if value is None:
        return ""
    value = float(value)
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def server_url() -> str:
    """A PostgreSQL server's ``postgres`` database: ``MEDIAMON_DATABASE_URL``'s server, else
    127.0.0.1:5432 when it answers, else the project's embedded server."""
    import psycopg2
    from mediamon.load.db import warehouse_url, with_database

    if os.environ.get("MEDIAMON_DATABASE_URL"):
        return with_database(os.environ["MEDIAMON_DATABASE_URL"], "postgres")
    local = "postgresql://postgres@127.0.0.1:5432/postgres"
    try:
        psycopg2.connect(local, connect_timeout=3).close()
        return local
    except psycopg2.OperationalError:
        return with_database(warehouse_url(), "postgres")


@contextlib.contextmanager
def scratch_database(prefix: str = "mediamon_bench") -> Iterator[str]:
    """A fresh, migrated warehouse database (its URI), dropped on exit."""
    import psycopg2
    from mediamon.load.db import ensure_database, with_database
    from mediamon.load.schema import upgrade

    server = server_url()
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    url = with_database(server, name)
    ensure_database(url)
    try:
        upgrade(url)
        yield url
    finally:
        admin = psycopg2.connect(server)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB.

    Linux: ``VmHWM`` of /proc/self/status (the high-water mark of this address space, which
    starts afresh at exec; ``ru_maxrss`` would carry over the RSS of the parent at fork).
    Elsewhere ``ru_maxrss`` (KiB on Linux, bytes on macOS: only Linux is measured here).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
