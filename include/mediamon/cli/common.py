"""What the commands share: the registry's source ids checked, a capture replayed, the
warehouse brought up to date, the day's summary printed."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from mediamon.cli.usage import UsageError
from mediamon.config import RegistryError, load_sources, registry_path, select_sources
from mediamon.load.db import connect
from mediamon.report import day_summary, format_summary
from mediamon.window import DEFAULT_ZONE


def known_sources(only: list[str]) -> list[str]:
    """``select_sources(only)``; an id the registry lacks is a :class:`UsageError`."""
    known = list(load_sources())
    unknown = [x for x in dict.fromkeys(only) if x not in known]
    if unknown:
        listed = ", ".join(known) if len(known) <= 10 else "`mediamon sources check` lists them"
        raise UsageError(
            f"--source {', '.join(unknown)}: not in the registry {registry_path()} "
            f"({len(known)} sources: {listed})"
        )
    return select_sources(only)


def replay(capture: Path):
    """:func:`~mediamon.devtools.runner.start_replay`; a path that is no capture is a
    :class:`UsageError` (a malformed registry in it stays a RegistryError)."""
    from mediamon.devtools.runner import start_replay

    asked = os.environ.get("MEDIAMON_SOURCES")
    try:
        server = start_replay(capture)
    except RegistryError:
        raise
    except ValueError as exc:
        raise UsageError(f"--capture {exc}") from None
    if asked and Path(asked).resolve() != Path(os.environ["MEDIAMON_SOURCES"]).resolve():
        print(f"MEDIAMON_SOURCES={asked} set aside: the capture brings its own registry "
              f"({os.environ['MEDIAMON_SOURCES']})")  # fmt: skip
    return server


def migrated(url: str) -> str:
    """``url`` after applying any pending migration (idempotent): a warehouse made by an
    older version answers the read commands instead of failing on a missing table."""
    from mediamon.load.schema import upgrade

    upgrade(url)
    return url


def day_or_today(value: date | None) -> date:
    """``value``, or today in the DAG's zone."""
    return value or datetime.now(ZoneInfo(DEFAULT_ZONE)).date()


def print_summary(day: date) -> None:
    with connect(os.environ["MEDIAMON_DATABASE_URL"]) as conn:
        print(f"\nmediamon {day}: per source\n{format_summary(day_summary(conn, day.isoformat()))}")
    conn.close()
