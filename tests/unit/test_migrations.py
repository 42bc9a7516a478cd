"""Migrations that rewrite rows: a warehouse at the revision before, with rows, then upgraded."""

from __future__ import annotations

from datetime import date

import psycopg2
from mediamon.load.schema import upgrade

DAY = date(2024, 9, 8)


def test_0007_splits_the_stored_metrics_into_loaded_and_quarantined_rows(blank_database):
    upgrade(blank_database, "0006")
    conn = psycopg2.connect(blank_database)
    with conn.cursor() as cur:
        cur.execute(
            "insert into sources (id, name, homepage, languages, timezone, first_year) "
            "values ('demo', 'Demo', 'https://demo.kz/', '{ru}', 'Asia/Almaty', 2000)"
        )
        # until 0007 the counts included the quarantined rows: 8 articles, 33 headlines
        cur.execute(
            "insert into source_day_metrics (source_id, day, articles, headlines) values "
            "('demo', %s, 8, 33), ('demo', %s, 5, 20)",
            (DAY, date(2024, 9, 7)),
        )
        for kind, key in [("article", "a"), ("headline", "h"), ("page", "p")]:
            cur.execute(
                "insert into quarantine (run_key, source_id, day, record_kind, record_key, "
                "record, reasons) values ('mediamon_daily:2024-09-08', 'demo', %s, %s, %s, "
                "'{}', '{x}')",
                (DAY, kind, key),
            )
    conn.commit()
    upgrade(blank_database)
    with conn.cursor() as cur:
        cur.execute(
            "select day, articles, articles_quarantined, headlines, headlines_quarantined "
            "from source_day_metrics order by day"
        )
        rows = cur.fetchall()
    conn.close()
    assert rows == [
        (date(2024, 9, 7), 5, 0, 20, 0),  # nothing quarantined that day
        (DAY, 7, 1, 32, 1),  # a refused page is neither an article nor a headline
    ]


def test_head_is_read_from_the_revision_files_as_alembic_reads_it():
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from mediamon.load.schema import MIGRATIONS, head_revision

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_a_warehouse_at_head_is_not_migrated_again(blank_database, monkeypatch):
    from alembic import command
    from mediamon.load.schema import current_revision, head_revision

    conn = psycopg2.connect(blank_database)
    assert current_revision(conn) is None  # no alembic_version table yet
    upgrade(blank_database, "0008")
    assert current_revision(conn) == "0008"
    upgrade(blank_database)  # behind: alembic runs
    assert current_revision(conn) == head_revision()
    conn.close()

    def refuse(*args, **kwargs):
        raise AssertionError("alembic was asked to migrate a warehouse at head")

    monkeypatch.setattr(command, "upgrade", refuse)
    upgrade(blank_database)  # at head: one query, no alembic
