"""Exports on a real PostgreSQL (:mod:`mediamon.export`, ``mediamon export``): round trips in
the three formats, the day and source filters, empty ranges, the daily partition, and the
command's one-line refusals."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from mediamon.cli import main
from mediamon.export import (
    ExportError,
    arrow_type,
    columns,
    export_day_partition,
    export_dir,
    export_table,
)
from mediamon.report import day_summary

D7, D8, D10 = date(2024, 9, 7), date(2024, 9, 8), date(2024, 9, 10)
T = datetime(2024, 9, 8, 9, 30, tzinfo=UTC)


def _seed(conn) -> None:
    """Two sources; articles fetched on the 7th and 8th, on the 10th, and one never fetched as
    an article; headlines sighted on those days; three story rows."""
    with conn.cursor() as cur:
        cur.execute(
            """
            insert into sources values
              ('exclusive', 'Exclusive', 'https://exclusive.kz/', '{ru,kk}', 'Asia/Almaty', 1990),
              ('tengri', 'Tengri', 'https://tengrinews.kz/', '{ru}', 'Asia/Almaty', 1999);
            insert into fetches (source_id, day, url, kind, list_id, status, bytes, fetched_at,
                                 warc_path, warc_offset) values
              ('exclusive', '2024-09-07', 'https://exclusive.kz/1', 'article', null, 200, 1,
               '2024-09-07T05:00Z', 'w', 1),
              ('exclusive', '2024-09-08', 'https://exclusive.kz/1', 'article', null, 200, 1,
               '2024-09-08T05:00Z', 'w', 2),
              ('exclusive', '2024-09-08', 'https://exclusive.kz/2', 'article', null, 200, 1,
               '2024-09-08T05:00Z', 'w', 3),
              ('tengri', '2024-09-08', 'https://tengrinews.kz/3', 'article', null, 200, 1,
               '2024-09-08T05:00Z', 'w', 4),
              ('exclusive', '2024-09-10', 'https://exclusive.kz/4', 'article', null, 200, 1,
               '2024-09-10T05:00Z', 'w', 5),
              ('exclusive', '2024-09-08', 'https://exclusive.kz/5', 'listing', 'news', 200, 1,
               '2024-09-08T05:00Z', 'w', 6);
            insert into articles (canonical_url, url, source_id, title, authors, authors_status,
                published_at, published_day, modified_at, section, language, body_text,
                parser_version, first_seen, last_seen, dates_disagree, parse_warnings) values
              ('https://exclusive.kz/1', 'https://exclusive.kz/1', 'exclusive',
               'Акимат, "дороги" и бюджет', '{Айгуль Сапарова,Ерлан Ахметов}', 'present',
               '2024-09-07T03:15:00.123456Z', '2024-09-07', '2024-09-08T01:00Z', 'Общество',
               'ru', E'Первая строка,\nвторая; "кавычки"', 'v1', '2024-09-07T05:00Z',
               '2024-09-08T05:00Z', true, '{placeholder_title}'),
              ('https://exclusive.kz/2', 'https://exclusive.kz/2', 'exclusive', 'Жаңалық',
               '{}', 'absent', null, null, null, null, 'kk', null, 'v1', '2024-09-08T05:00Z',
               '2024-09-08T05:00Z', false, '{}'),
              ('https://tengrinews.kz/3', 'https://tengrinews.kz/3', 'tengri', 'Tengri news',
               '{Tengrinews}', 'editorial', '2024-09-08T01:00Z', '2024-09-08', null, 'Мир',
               'ru', 'text', 'v1', '2024-09-08T05:00Z', '2024-09-08T05:00Z', false, '{}'),
              ('https://exclusive.kz/4', 'https://exclusive.kz/4', 'exclusive', 'Later', '{}',
               'absent', '2024-09-10T01:00Z', '2024-09-10', null, null, 'ru', 'later', 'v1',
               '2024-09-10T05:00Z', '2024-09-10T05:00Z', false, '{}'),
              ('https://exclusive.kz/5', 'https://exclusive.kz/5', 'exclusive', 'Never fetched',
               '{}', 'absent', null, null, null, null, 'ru', null, 'v1', '2024-09-08T05:00Z',
               '2024-09-08T05:00Z', false, '{}');
            insert into headlines (source_id, list_id, list_kind, canonical_url, url, title,
                published_at, first_seen_day, last_seen_day, last_position) values
              ('exclusive', 'rss', 'feed', 'https://exclusive.kz/1', 'https://exclusive.kz/1',
               'Акимат и дороги', '2024-09-07T03:15Z', '2024-09-07', '2024-09-08', 3),
              ('tengri', 'main', 'listing', 'https://tengrinews.kz/3', 'https://tengrinews.kz/3',
               null, null, '2024-09-08', '2024-09-08', 1),
              ('exclusive', 'rss', 'feed', 'https://exclusive.kz/4', 'https://exclusive.kz/4',
               'Later', null, '2024-09-10', '2024-09-10', 1);
            insert into sightings (day, source_id, list_id, canonical_url, position) values
              ('2024-09-07', 'exclusive', 'rss', 'https://exclusive.kz/1', 5),
              ('2024-09-08', 'exclusive', 'rss', 'https://exclusive.kz/1', 3),
              ('2024-09-08', 'tengri', 'main', 'https://tengrinews.kz/3', 1),
              ('2024-09-10', 'exclusive', 'rss', 'https://exclusive.kz/4', 1);
            insert into story_clusters values
              ('https://exclusive.kz/1', 'c1', 'exclusive', 'Акимат и дороги', '2024-09-07'),
              ('https://tengrinews.kz/3', 'c1', 'tengri', 'Tengri news', '2024-09-08'),
              ('https://exclusive.kz/4', 'c2', 'exclusive', 'Later', '2024-09-10');
            """
        )
    conn.commit()


@pytest.fixture
def seeded(db):
    _seed(db)
    return db


def _rows(conn, table: str, order: str) -> list[dict]:
    """Every row of ``table`` as dicts, without its tsvector columns (the search index's, which
    exports leave out)."""
    with conn.cursor() as cur:
        cur.execute(
            "select column_name from information_schema.columns where table_name = %s "
            "and data_type <> 'tsvector' order by ordinal_position",
            (table,),
        )
        names = [r[0] for r in cur.fetchall()]
        cur.execute(f"select {', '.join(names)} from {table} order by {order}")
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _expected_articles(conn, first, last, sources=None) -> list[dict]:
    """The articles a run of [first, last] fetched, written here without the module's SQL."""
    articles = _rows(conn, "articles", "id")
    with conn.cursor() as cur:
        cur.execute("select source_id, url, day from fetches where kind = 'article'")
        fetches = cur.fetchall()
    conn.rollback()
    out = []
    for a in articles:
        days = [d for s, u, d in fetches if (s, u) == (a["source_id"], a["url"])]
        days = [d for d in days if first <= d <= last]
        if days and (not sources or a["source_id"] in sources):
            out.append({"run_day": min(days), **a})
    return sorted(out, key=lambda r: (r["run_day"], r["source_id"], r["id"]))


def test_parquet_round_trips_the_articles_with_their_types(seeded, tmp_path):
    path = tmp_path / "a.parquet"
    assert export_table(seeded, "articles", D7, D8, path, fmt="parquet") == 3
    table = pq.read_table(path)
    types = dict(zip(table.schema.names, table.schema.types, strict=True))
    assert types["run_day"] == pa.date32() and types["id"] == pa.int64()
    assert types["published_at"] == pa.timestamp("us", tz="UTC")
    assert types["authors"] == pa.list_(pa.string()) and types["dates_disagree"] == pa.bool_()
    assert types["published_day"] == pa.date32() and types["title"] == pa.string()
    expected = _expected_articles(seeded, D7, D8)
    assert table.to_pylist() == expected
    assert [r["run_day"] for r in expected] == [D7, D8, D8]  # article 1: its first day
    assert expected[0]["published_at"] == datetime(2024, 9, 7, 3, 15, 0, 123456, tzinfo=UTC)
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left


def test_csv_and_jsonl_parse_back_to_the_same_values(seeded, tmp_path):
    expected = _expected_articles(seeded, D7, D8)
    types = {c.name: c.type for c in columns(seeded, "articles")}
    seeded.rollback()

    def typed(name, value):
        t = types[name]
        if value is None or value == "":
            return None
        if pa.types.is_timestamp(t):
            return datetime.fromisoformat(value)
        if pa.types.is_date(t):
            return date.fromisoformat(value)
        if pa.types.is_list(t):
            return json.loads(value) if isinstance(value, str) else value
        if pa.types.is_boolean(t):
            return value if isinstance(value, bool) else value == "true"
        if pa.types.is_integer(t):
            return int(value)
        return value

    export_table(seeded, "articles", D7, D8, tmp_path / "a.csv", fmt="csv")
    with (tmp_path / "a.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(types)
    # CSV has no null: an empty field reads back as null (the seed has no empty string)
    assert [{k: typed(k, v) for k, v in r.items()} for r in rows] == expected

    buffer = io.StringIO()
    assert export_table(seeded, "articles", D7, D8, buffer, fmt="jsonl") == 3
    lines = buffer.getvalue().splitlines()
    assert [{k: typed(k, v) for k, v in json.loads(x).items()} for x in lines] == expected
    assert '"2024-09-07T03:15:00.123456+00:00"' in lines[0]  # ISO 8601 in UTC


def test_the_range_and_the_sources_choose_the_rows(seeded, tmp_path):
    def urls(table, first, last, sources=(), key="canonical_url"):
        buffer = io.StringIO()
        export_table(seeded, table, first, last, buffer, fmt="jsonl", sources=sources)
        return [json.loads(line)[key] for line in buffer.getvalue().splitlines()]

    x = "https://exclusive.kz/"
    assert urls("articles", D8, D8) == [f"{x}1", f"{x}2", "https://tengrinews.kz/3"]
    assert urls("articles", D7, D8, ["tengri"]) == ["https://tengrinews.kz/3"]
    assert urls("articles", D10, D10) == [f"{x}4"]
    assert urls("articles", D7, D10, ["exclusive", "tengri"]) == _urls_of(
        _expected_articles(seeded, D7, D10)
    )
    assert urls("headlines", D7, D8) == [f"{x}1", "https://tengrinews.kz/3"]
    assert urls("headlines", D7, D10, ["exclusive"], key="sighting_days") == [
        ["2024-09-07", "2024-09-08"],
        ["2024-09-10"],
    ]
    assert urls("stories", D8, D10) == ["https://tengrinews.kz/3", f"{x}4"]
    assert urls("stories", D7, D10, ["exclusive"], key="cluster_id") == ["c1", "c2"]
    with pytest.raises(ExportError, match=r"unknown source nope \(the warehouse has: "):
        export_table(seeded, "articles", D7, D8, io.StringIO(), fmt="csv", sources=["nope"])


def _urls_of(rows):
    return [r["canonical_url"] for r in rows]


def test_headlines_parquet_equals_the_table_rows_with_their_sighting_days(seeded, tmp_path):
    path = tmp_path / "h.parquet"
    export_table(seeded, "headlines", D7, D8, path, fmt="parquet")
    table = pq.read_table(path)
    assert table.schema.field("sighting_days").type == pa.list_(pa.date32())
    rows = _rows(seeded, "headlines", "source_id, list_id, canonical_url")
    days = {"https://exclusive.kz/1": [D7, D8], "https://tengrinews.kz/3": [D8]}
    expected = [{"sighting_days": days[r["canonical_url"]], **r} for r in rows
                if r["canonical_url"] in days]  # fmt: skip
    assert table.to_pylist() == expected


def test_an_empty_range_gives_the_header_or_the_schema(seeded, tmp_path):
    first = last = date(2020, 1, 1)
    assert (
        export_table(seeded, "headlines", first, last, tmp_path / "h.parquet", fmt="parquet") == 0
    )
    empty = pq.read_table(tmp_path / "h.parquet")
    assert empty.num_rows == 0
    assert empty.schema == pq.read_schema(tmp_path / "h.parquet")
    assert empty.schema.names[:3] == ["sighting_days", "id", "source_id"]
    buffer = io.StringIO()
    export_table(seeded, "stories", first, last, buffer, fmt="csv")
    assert buffer.getvalue() == "canonical_url,cluster_id,source_id,title,first_day\n"
    buffer = io.StringIO()
    assert export_table(seeded, "articles", first, last, buffer, fmt="jsonl") == 0
    assert buffer.getvalue() == ""


def test_types_map_from_postgresql_and_a_tsvector_is_left_out(seeded, tmp_path):
    assert arrow_type(1184, None) == (pa.timestamp("us", tz="UTC"), "")
    assert arrow_type(1009, 25) == (pa.list_(pa.string()), "")  # text[]
    assert arrow_type(3802, None) == (pa.string(), "::text")  # jsonb as its text
    assert arrow_type(3614, None) is None  # tsvector
    with seeded.cursor() as cur:  # what a search migration and a later jsonb column look like
        cur.execute(
            "alter table articles add column search tsvector generated always as "
            "(to_tsvector('simple', title)) stored, add column extra jsonb, "
            "add column score numeric; "
            'update articles set extra = \'{"a": [1, "б"]}\', score = 1.5'
        )
    seeded.commit()
    path = tmp_path / "a.parquet"
    export_table(seeded, "articles", D8, D8, path, fmt="parquet")
    table = pq.read_table(path)
    assert "search" not in table.schema.names
    assert table.schema.field("extra").type == pa.string()
    assert json.loads(table.column("extra")[0].as_py()) == {"a": [1, "б"]}
    assert table.column("score")[0].as_py() == "1.5"


def test_the_daily_partition_is_hive_laid_out_and_rewritten_to_the_same_bytes(
    seeded, tmp_path, monkeypatch
):
    monkeypatch.setenv("MEDIAMON_EXPORT_DIR", str(tmp_path / "lake"))
    assert export_dir() == tmp_path / "lake"
    done = export_day_partition(seeded, "2024-09-08", "exclusive")
    folder = tmp_path / "lake" / "day=2024-09-08" / "source=exclusive"
    assert done == {"path": str(folder), "articles": 2, "headlines": 1}
    summary = {r["source"]: r for r in day_summary(seeded, "2024-09-08")}
    assert (summary["exclusive"]["articles"], summary["exclusive"]["headlines"]) == (2, 1)
    assert sorted(p.name for p in folder.iterdir()) == ["articles.parquet", "headlines.parquet"]
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    export_day_partition(seeded, D8, "exclusive")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    export_day_partition(seeded, D8, "tengri", tmp_path / "lake")
    export_day_partition(seeded, D7, "tengri", tmp_path / "lake")  # nothing that day: schema only
    lake = tmp_path / "lake"
    articles = ds.dataset(
        sorted(lake.rglob("articles.parquet")), format="parquet", partitioning="hive",
        partition_base_dir=str(lake),
    )  # fmt: skip
    rows = articles.to_table(filter=ds.field("day") == "2024-09-08").to_pylist()
    assert sorted((r["source"], r["canonical_url"]) for r in rows) == [
        ("exclusive", "https://exclusive.kz/1"),
        ("exclusive", "https://exclusive.kz/2"),
        ("tengri", "https://tengrinews.kz/3"),
    ]
    assert pq.read_table(lake / "day=2024-09-07/source=tengri/articles.parquet").num_rows == 0
    monkeypatch.delenv("MEDIAMON_EXPORT_DIR")
    assert export_dir().parts[-2:] == ("var", "exports")  # under the data dir


def test_the_command_streams_csv_to_stdout_and_parquet_to_a_file(seeded, tmp_path, capsys):
    assert main(["export", "--from", "2024-09-07", "--to", "2024-09-08", "--format", "csv",
                 "--table", "stories"]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "canonical_url,cluster_id,source_id,title,first_day",
        "https://exclusive.kz/1,c1,exclusive,Акимат и дороги,2024-09-07",
        "https://tengrinews.kz/3,c1,tengri,Tengri news,2024-09-08",
    ]
    assert (
        err
        == "mediamon export: 2 stories rows of 2024-09-07..2024-09-08 (every source) to stdout\n"
    )
    path = tmp_path / "out" / "a.parquet"
    assert main(["export", "--from", "2024-09-08", "--to", "2024-09-08", "--format", "parquet",
                 "--source", "tengri", "--out", str(path)]) == 0  # fmt: skip
    assert pq.read_table(path).column("canonical_url").to_pylist() == ["https://tengrinews.kz/3"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "unknown format 'xml' (choose csv, parquet, jsonl)"),
        (["--format", "csv", "--to", "2024-09-01"],
         "--to 2024-09-01 is before --from 2024-09-08"),
        (["--format", "csv", "--table", "fetches"],
         "unknown table 'fetches' (choose articles, headlines, stories, mentions)"),
        (["--format", "parquet"], "parquet is binary: give a file with --out PATH"),
        (["--format", "csv", "--source", "nope"],
         "unknown source nope (the warehouse has: exclusive, tengri)"),
    ],
)  # fmt: skip
def test_the_command_refuses_in_one_line_with_exit_2(seeded, capsys, args, message):
    argv = ["export", "--from", "2024-09-08", "--to", "2024-09-08", *args]  # a later --to wins
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"mediamon export: {message}\n")
