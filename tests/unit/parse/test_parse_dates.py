from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from mediamon.parse.dates import ZONE_ABBREVIATIONS, feed_date, local_day, parse_date

ALMATY = "Asia/Almaty"


def offset_hours(dt: datetime) -> float:
    return dt.utcoffset() / timedelta(hours=1)


def test_kazakh_month_name():
    dt = parse_date("8 қыркүйек 2024", tz=ALMATY)
    assert (dt.year, dt.month, dt.day) == (2024, 9, 8)
    assert dt.tzinfo is not None


def test_kazakh_formal_year_first():
    dt = parse_date("2024 жылғы 8 қыркүйек", tz=ALMATY)
    assert dt.date() == date(2024, 9, 8)


def test_russian_month_name_capitalised():
    dt = parse_date("30 Июля 2015", tz="Europe/Moscow")
    assert dt.date() == date(2015, 7, 30)
    assert offset_hours(dt) == 3


def test_russian_label_and_clock_time():
    dt = parse_date("Опубликовано: 06.09.2024, 12:30", tz=ALMATY)
    assert dt == datetime(2024, 9, 6, 12, 30, tzinfo=ZoneInfo(ALMATY))


def test_numeric_date_is_day_first():
    assert parse_date("08.09.2024 14:30", tz=ALMATY).date() == date(2024, 9, 8)


def test_rfc822_two_digit_offset_means_hours():
    dt = parse_date("Thu, 19 Jan 2023 10:45:00 +03", tz=ALMATY)
    assert offset_hours(dt) == 3
    assert dt.astimezone(UTC) == datetime(2023, 1, 19, 7, 45, tzinfo=UTC)


def test_rfc822_minus_zero_is_utc_and_named_zone():
    assert parse_date("Sun, 30 Apr 2023 23:08:47 -0000", tz=ALMATY) == datetime(
        2023, 4, 30, 23, 8, 47, tzinfo=UTC
    )
    msk = parse_date("Thu, 19 Jan 2023 10:45:00 MSK", tz=ALMATY)
    assert offset_hours(msk) == 3


def test_iso_offsets_without_colon_and_two_digits():
    assert offset_hours(parse_date("2020-01-13T17:04:34+0300", tz="UTC")) == 3
    assert offset_hours(parse_date("2023-01-19T10:45:00+03", tz="UTC")) == 3
    assert parse_date("2020-06-07T15:06Z", tz=ALMATY) == datetime(2020, 6, 7, 15, 6, tzinfo=UTC)


def test_unix_epoch_seconds_and_milliseconds():
    # ukrinform prints the same instant as ISO 8601 and as epoch seconds
    iso = parse_date("2020-09-20T23:32:00+03:00", tz="Europe/Kyiv")
    assert parse_date("1600633920", tz="Europe/Kyiv") == iso
    assert parse_date("1600633920000", tz="Europe/Kyiv") == iso


def test_naive_iso_uses_the_iana_zone_history():
    # Kazakhstan moved from UTC+6 to UTC+5 on 2024-03-01
    assert offset_hours(parse_date("2020-05-01T10:00:00", tz=ALMATY)) == 6
    assert offset_hours(parse_date("2024-02-29 10:00", tz=ALMATY)) == 6
    assert offset_hours(parse_date("2024-03-02T10:00:00", tz=ALMATY)) == 5
    assert offset_hours(parse_date("2024-05-01", tz=ALMATY)) == 5


def test_relative_dates_need_a_base():
    assert parse_date("вчера, 14:30", tz=ALMATY) is None
    assert parse_date("21 августа", tz=ALMATY) is None
    base = datetime(2024, 9, 8, 6, 0, tzinfo=UTC)  # 11:00 local
    assert parse_date("вчера, 14:30", tz=ALMATY, relative_base=base) == datetime(
        2024, 9, 7, 14, 30, tzinfo=ZoneInfo(ALMATY)
    )


def test_bare_clock_time_crossing_midnight():
    base = datetime(2018, 3, 18, 19, 20, tzinfo=ZoneInfo(ALMATY))
    assert parse_date("19:18", tz=ALMATY, relative_base=base).date() == date(2018, 3, 18)
    assert parse_date("23:57", tz=ALMATY, relative_base=base).date() == date(2018, 3, 17)


@pytest.mark.parametrize("text", ["", "   ", "Редакция Exclusive", "12", "2024", "n/a", None])
def test_not_a_date(text):
    assert parse_date(text, tz=ALMATY) is None


def test_local_day_in_source_zone():
    late_utc = datetime(2020, 12, 1, 20, 30, tzinfo=UTC)
    assert local_day(late_utc, ALMATY) == date(2020, 12, 2)
    assert local_day(late_utc, "UTC") == date(2020, 12, 1)


def test_kazakh_listing_dates():
    assert parse_date("21 Наурыз, 2018 сағат 17:18", tz=ALMATY) == datetime(
        2018, 3, 21, 17, 18, tzinfo=ZoneInfo(ALMATY)
    )
    base = datetime(2018, 3, 22, 12, 0, tzinfo=UTC)
    assert parse_date("Кеше, 09:15", tz=ALMATY, relative_base=base) == datetime(
        2018, 3, 21, 9, 15, tzinfo=ZoneInfo(ALMATY)
    )


@pytest.mark.parametrize("zone", sorted(ZONE_ABBREVIATIONS))
def test_pages_and_feeds_read_a_zone_abbreviation_alike(zone):
    # one zone table: an RFC 822 date means the same instant in a feed and on a page
    raw = f"Mon, 10 Jun 2024 10:00:00 {zone}"
    page = parse_date(raw, tz=ALMATY)
    feed, flag = feed_date(raw, ALMATY)
    assert page == feed and page.utcoffset() == feed.utcoffset()
    assert flag is None


@pytest.mark.parametrize(
    "text",
    ["15.10.2020 21:55", "27 Apr 2020, 00:14", "1 Декабря 2020 в 14:02", "24 сентября 2018",
     "31.02.2020", "10.15.2015", "15.10.2020 в 21:55", "May 5, 2021"],
)  # fmt: skip
def test_plain_forms_read_without_dateparser_as_dateparser_reads_them(text):
    from mediamon.parse import dates

    fast = dates._plain_date(text, "Asia/Almaty")
    assert fast is None or fast == dates._dateparser(text, "Asia/Almaty", None)
    assert parse_date(text, tz="Asia/Almaty") == dates._dateparser(text, "Asia/Almaty", None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("27 Apr 2020, 00:10 by Полина Лазарева", datetime(2020, 4, 27, 0, 10)),
     ("Венера Ерофеева · 24 сентября 2018", datetime(2018, 9, 24)),
     ("15.10.2020 21:55 78", datetime(2020, 10, 15, 21, 55)),
     # what may change the time keeps the whole string for dateparser
     ("18.11.2019 09:17 PM", datetime(2019, 11, 18, 21, 17))],
)  # fmt: skip
def test_a_day_among_other_words_is_cut_out_and_read(text, expected):
    """A byline, a source or a count around a printed day: the day cut out of it is read
    alone (dateparser fails on the whole string); AM/PM, a zone or seconds around it send
    the whole string to dateparser first. (The same answers as before the cut.)"""
    from mediamon.parse import dates

    assert parse_date(text, tz=ALMATY) == dates._localize(expected, ALMATY)
