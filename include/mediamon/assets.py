"""The data-aware side of the DAGs: the asset a source's loaded day is, and its events.

Each mapped ``load`` task of ``mediamon_daily`` that succeeds emits one event on
:data:`SOURCE_DAY` whose ``extra`` says which source and local day landed and how many rows
each table received (:func:`record_load`). DAGs scheduled on the asset (``mediamon_stories``)
read the days back from their triggering events (:func:`loaded_days`). Any DAG that loads a
source's day (a reparse, a backfill) should emit the same event, so downstream work follows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from airflow.sdk import Asset

SOURCE_DAY = Asset(name="mediamon_source_day", uri="mediamon://warehouse/source_day")


def record_load(outlet_events: Any, summary: Mapping[str, Any]) -> dict:
    """Set the extra of this task's :data:`SOURCE_DAY` event from a load summary; returns it.

    ``outlet_events``: the task context's ``outlet_events``. ``summary``: what
    :func:`mediamon.tasks.load` returns (``{"source", "day", <table>: rows written,
    "alerts": [...]}``). The extra holds ``source_id``, ``day`` (YYYY-MM-DD, the outlet's
    local day), the integer row counts per table and ``alerts`` (how many drift alerts).
    """
    extra: dict[str, Any] = {"source_id": summary["source"], "day": summary["day"]}
    extra.update({k: v for k, v in summary.items() if isinstance(v, int) and k != "day"})
    extra["alerts"] = len(summary.get("alerts") or [])
    outlet_events[SOURCE_DAY].extra = extra
    return extra


def loaded_days(triggering_asset_events: Mapping[Any, Iterable[Any]]) -> list[str]:
    """The local days (YYYY-MM-DD, sorted, unique) named by the :data:`SOURCE_DAY` events.

    ``triggering_asset_events``: the context's mapping of asset to its events (each with an
    ``extra`` dict). Events without a ``day`` (emitted by hand, e.g. from the UI's "Create
    asset event") are skipped.
    """
    days = set()
    for asset, events in triggering_asset_events.items():
        if getattr(asset, "name", None) != SOURCE_DAY.name:
            continue
        for event in events:
            day = (event.extra or {}).get("day")
            if isinstance(day, str):
                days.add(day)
    return sorted(days)
