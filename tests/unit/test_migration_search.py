"""Migration 0008 (search vectors) up and down, on an empty warehouse and on one with rows."""

from __future__ import annotations

from datetime import date

import psycopg2
from mediamon.load.schema import upgrade
from mediamon.search import search
from support import downgrade


def _search_objects(conn) -> dict:
    with conn.cursor() as cur:
        cur.execute(
            "select table_name from information_schema.columns "
            "where column_name = 'search_tsv' order by 1"
        )
        columns = [r[0] for r in cur.fetchall()]
        cur.execute("select count(*) from pg_ts_config where cfgname = 'kazakh'")
        configs = cur.fetchone()[0]
        cur.execute("select indexname from pg_indexes where indexname like '%_search' order by 1")
        indexes = [r[0] for r in cur.fetchall()]
    conn.commit()
    return {"columns": columns, "kazakh": configs, "indexes": indexes}


def test_0008_up_and_down_on_an_empty_warehouse(blank_database):
    upgrade(blank_database)
    conn = psycopg2.connect(blank_database)
    made = {
        "columns": ["articles", "headlines"], "kazakh": 1,
        "indexes": ["articles_search", "headlines_search"],
    }  # fmt: skip
    assert _search_objects(conn) == made
    downgrade(blank_database, "0007")
    assert _search_objects(conn) == {"columns": [], "kazakh": 0, "indexes": []}
    upgrade(blank_database)
    assert _search_objects(conn) == made
    conn.close()


def test_0008_indexes_the_rows_already_stored_and_keeps_them_on_the_way_down(blank_database):
    upgrade(blank_database, "0007")
    conn = psycopg2.connect(blank_database)
    with conn.cursor() as cur:
        cur.execute(
            "insert into sources (id, name, homepage, languages, timezone, first_year) "
            "values ('demo', 'Demo', 'https://demo.kz/', '{ru,kk}', 'Asia/Almaty', 2000)"
        )
        for i, (language, title, body) in enumerate([
            ("ru", "Трамваи вернулись в Алматы", "Первый трамвай вышел на линию утром."),
            ("kk", "Алматыға трамвай оралды", "Бірінші трамвай таңертең шықты."),
        ]):  # fmt: skip
            cur.execute(
                "insert into articles (canonical_url, url, source_id, title, authors_status, "
                "published_day, language, body_text, parser_version, first_seen, last_seen) "
                "values (%s, %s, 'demo', %s, 'absent', %s, %s, %s, 't', now(), now())",
                (f"https://demo.kz/{i}", f"https://demo.kz/{i}", title, date(2024, 9, 8),
                 language, body),
            )  # fmt: skip
        cur.execute(
            "insert into headlines (source_id, list_id, list_kind, canonical_url, url, title, "
            "first_seen_day, last_seen_day, language) values ('demo', 'rss', 'feed', "
            "'https://demo.kz/h', 'https://demo.kz/h', 'Трамвайное депо обновят', "
            "'2024-09-08', '2024-09-08', 'ru')"
        )
    conn.commit()
    upgrade(blank_database)
    hits = search(conn, "трамвай*")
    assert sorted((h.kind, h.url) for h in hits) == [
        ("article", "https://demo.kz/0"), ("article", "https://demo.kz/1"),
        ("headline", "https://demo.kz/h"),
    ]  # fmt: skip
    conn.commit()
    downgrade(blank_database, "0007")
    with conn.cursor() as cur:
        cur.execute("select (select count(*) from articles), (select count(*) from headlines)")
        assert cur.fetchone() == (2, 1)
    conn.close()
