"""``LocalDayTimetable``: one run per local day, and manual runs that cover the day they name.

Scheduled runs and backfills are those of ``CronDataIntervalTimetable("0 0 * * *", zone)``:
logical date D 00:00 local, data interval [D 00:00, D+1 00:00). For a manual run with a
logical date, Airflow's cron timetable infers the *previous* complete interval (a run for
2024-09-08 would show 2024-09-07 00:00 - 2024-09-08 00:00 in the UI while it loads the 8th);
this one gives the local day that holds the logical date, so the interval Airflow shows is
the day the run loads. A manual run without a logical date has no data interval in Airflow 3:
:func:`mediamon.window.day_from_context` then covers today so far and says so.

Airflow stores a DAG's timetable serialized; a timetable that is not Airflow's own must be
registered by a plugin in every Airflow process. :class:`MediamonTimetables` is that plugin,
registered through the ``airflow.plugins`` entry point of this package (pyproject.toml), so
installing the package is enough (no file in the plugins folder).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from airflow.plugins_manager import AirflowPlugin
from airflow.timetables.base import DataInterval
from airflow.timetables.interval import CronDataIntervalTimetable
from pendulum import instance


class LocalDayTimetable(CronDataIntervalTimetable):
    """Daily at local midnight in ``timezone``; a manual run's interval is its local day.

    ``LocalDayTimetable(timezone)``: ``timezone`` an IANA name (str) or a pendulum zone.
    """

    def __init__(self, timezone, expression: str = "0 0 * * *") -> None:
        super().__init__(expression, timezone)

    @classmethod
    def deserialize(cls, data: dict):
        from airflow._shared.timezones.timezone import parse_timezone

        return cls(parse_timezone(data["timezone"]), data["expression"])

    @property
    def summary(self) -> str:
        return f"each local day ({self._timezone.name})"

    def infer_manual_data_interval(self, *, run_after) -> DataInterval:
        """[00:00, next 00:00) of the local day (in the timetable's zone) holding ``run_after``
        (the manual run's logical date), DST-safe."""
        local = instance(run_after).in_timezone(self._timezone)
        start = datetime.combine(local.date(), time.min, tzinfo=self._timezone)
        end = datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=self._timezone)
        return DataInterval(start=instance(start), end=instance(end))


class MediamonTimetables(AirflowPlugin):
    """Registers :class:`LocalDayTimetable` with Airflow (entry point ``airflow.plugins``)."""

    name = "mediamon_timetables"
    timetables = [LocalDayTimetable]
