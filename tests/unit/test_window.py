from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from mediamon.window import day_from_context, local_day_window

ALMATY = ZoneInfo("Asia/Almaty")


def test_local_day_uses_the_zone_rules_of_that_day():
    # Kazakhstan moved from UTC+6 to UTC+5 on 2024-03-01: never a fixed offset
    before = local_day_window("2020-12-01", "Asia/Almaty")
    after = local_day_window("2024-09-08", "Asia/Almaty")
    assert before.start == datetime(2020, 11, 30, 18, 0, tzinfo=UTC)
    assert before.end == datetime(2020, 12, 1, 18, 0, tzinfo=UTC)
    assert after.start == datetime(2024, 9, 7, 19, 0, tzinfo=UTC)
    assert (after.end - after.start).total_seconds() == 86400
    assert after.contains(datetime(2024, 9, 8, 23, 59, tzinfo=ALMATY))
    assert not after.contains(datetime(2024, 9, 9, 0, 0, tzinfo=ALMATY))


def test_window_of_today_is_cut_at_now_and_partial():
    now = datetime(2024, 9, 8, 6, 30, tzinfo=UTC)  # 11:30 in Almaty
    window = local_day_window(date(2024, 9, 8), "Asia/Almaty", now=now)
    assert window.partial
    assert window.end == now
    assert not local_day_window(date(2024, 9, 7), "Asia/Almaty", now=now).partial


def test_day_from_scheduled_context_is_the_interval_start_day():
    # a scheduled run of CronDataIntervalTimetable: logical date = interval start (UTC here)
    context = {
        "logical_date": datetime(2024, 9, 7, 19, 0, tzinfo=UTC),
        "data_interval_start": datetime(2024, 9, 7, 19, 0, tzinfo=UTC),
    }
    now = datetime(2024, 9, 9, 1, 0, tzinfo=UTC)
    assert day_from_context(context, now=now) == (date(2024, 9, 8), False)


def test_manual_run_without_logical_date_covers_today_so_far():
    now = datetime(2024, 9, 8, 20, 30, tzinfo=UTC)  # already 9 September in Almaty
    assert day_from_context({}, now=now) == (date(2024, 9, 9), True)
    assert day_from_context({"logical_date": None}, now=now) == (date(2024, 9, 9), True)


def test_new_on_a_local_day_is_read_in_the_sources_zone():
    from mediamon.window import is_new_on

    day = date(2024, 9, 8)
    # 20:30 UTC on the 7th is already the 8th in Almaty: new; 18:00 UTC on the 7th is not
    assert is_new_on(datetime(2024, 9, 7, 20, 30, tzinfo=UTC), day, ALMATY) is True
    assert is_new_on(datetime(2024, 9, 7, 18, 0, tzinfo=UTC), day, ALMATY) is False
    assert is_new_on(None, day, ALMATY) is None
    # published after the day (a backfilled day read from a later capture): not new that day
    assert is_new_on(datetime(2024, 9, 8, 19, 0, tzinfo=UTC), day, ALMATY) is False
