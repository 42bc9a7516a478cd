"""The run window: the one place that turns an Airflow run into a local day.

A ``mediamon_daily`` run covers one local day [00:00, 24:00) of each source's IANA zone. The
day is the calendar date of the run's logical date, read in the DAG's zone
(:data:`DEFAULT_ZONE`); with :class:`mediamon.timetable.LocalDayTimetable` the run's data
interval is that day, for scheduled runs, backfills and manual runs with a logical date.
A manual run without a logical date (Airflow 3 then gives no
``logical_date``/``data_interval_*`` in the context) covers "today so far": from local midnight
to the moment of the run, and says so (``partial=True``).

No task reads ``ds`` or ``logical_date`` itself: tasks call :func:`day_from_context` once and
pass the ISO day string on. A range of local days (a backfill, a re-parse, the monitoring
page's window) is :func:`day_range`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# the DAGs' zone (their schedule and run days), and the zone of a page whose source is unknown
DEFAULT_ZONE = "Asia/Almaty"
MAX_DAYS = 366  # the longest range of local days one backfill, re-parse or page covers


class DayRangeError(ValueError):
    """A day range that is reversed (``last`` before ``first``) or longer than
    :data:`MAX_DAYS`; ``reversed`` says which, ``days`` is the count asked (first..last)."""

    def __init__(self, first: date, last: date):
        self.first, self.last = first, last
        self.days = (last - first).days + 1
        self.reversed = last < first
        super().__init__(
            f"{last} is before {first}"
            if self.reversed
            else f"{self.days} days asked; at most {MAX_DAYS}"
        )


@dataclass(frozen=True)
class Window:
    """A half-open interval [start, end) of tz-aware instants, for one source's local day.

    ``day`` is the local calendar day; ``partial`` is True when the window ends before the
    day does (a manual run of "today so far").
    """

    day: date
    start: datetime
    end: datetime
    partial: bool = False

    def contains(self, instant: datetime) -> bool:
        """True when the tz-aware ``instant`` falls inside [start, end)."""
        return self.start <= instant < self.end


def local_day_window(day: date | str, tz: str, *, now: datetime | None = None) -> Window:
    """The window of local ``day`` in IANA zone ``tz``.

    When ``now`` (tz-aware) falls inside that day the window is cut at ``now`` and marked
    partial. Midnights are computed with zoneinfo, so DST and offset changes are honoured.
    """
    if isinstance(day, str):
        day = date.fromisoformat(day)
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    if now is not None and start <= now < end:
        return Window(day=day, start=start, end=now.astimezone(zone), partial=True)
    return Window(day=day, start=start, end=end)


def day_from_context(context: dict, *, now: datetime | None = None) -> tuple[date, bool]:
    """The local day a run covers, from an Airflow task context.

    Returns ``(day, partial)``. ``day`` is the calendar date of the run's ``logical_date`` in
    :data:`DEFAULT_ZONE`. For scheduled runs and backfills that is the data interval's start
    (the day the interval covers); for a manual run with a logical date it is the day the user
    named, which :class:`mediamon.timetable.LocalDayTimetable` also gives as its interval.
    Without a logical date (a manual run in Airflow 3 may have none), ``day`` is today.
    ``partial`` is True when the day has not ended yet at ``now``.
    """
    zone = ZoneInfo(DEFAULT_ZONE)
    now = now or datetime.now(UTC)
    instant = context.get("logical_date") or context.get("data_interval_start")
    day = (instant or now).astimezone(zone).date()
    return day, now.astimezone(zone).date() <= day


def is_new_on(published_at: datetime | None, day: date, zone: ZoneInfo) -> bool | None:
    """Whether an item published at ``published_at`` is new on local ``day`` in ``zone``:
    True on that day only; False before (an older story still listed) and after (a later
    story seen when a past day is run from a newer capture); None when undated."""
    if published_at is None:
        return None
    return published_at.astimezone(zone).date() == day


def day_range(first: date, last: date) -> list[date]:
    """The local days from ``first`` to ``last``, both included, oldest first.

    Raises :class:`DayRangeError` (a ValueError) when ``last`` is before ``first`` or the
    range holds more than :data:`MAX_DAYS` days.
    """
    count = (last - first).days + 1
    if count < 1 or count > MAX_DAYS:
        raise DayRangeError(first, last)
    return [first + timedelta(days=n) for n in range(count)]


def days_touched(start: datetime, end: datetime, zone: ZoneInfo) -> list[date]:
    """The local days in ``zone`` that the instants [``start``, ``end``) touch, oldest first
    (no cap: callers bound what they walk)."""
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
