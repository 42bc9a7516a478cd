"""Loading into a real PostgreSQL: batch dedupe, convergent upserts, per-run replacement."""

from datetime import UTC, date, datetime, timedelta

from mediamon.config import Source
from mediamon.load.loader import dedupe, load_batch

SOURCE = Source(
    id="demo",
    name="Demo",
    homepage="https://demo.kz/",
    languages=("ru",),
    timezone="Asia/Almaty",
    first_year=2010,
    hosts=("demo.kz",),
)
T0 = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)
DAY = date(2024, 9, 8)


def article(url, fetched_at=T0, title="Заголовок"):
    return {
        "url": url,
        "canonical_url": url,
        "title": title,
        "title_source": "h1",
        "authors": ["Айгуль Сапарова"],
        "authors_status": "present",
        "authors_source": "profile",
        "published_at": datetime(2024, 9, 7, 20, 30, tzinfo=UTC),
        "date_source": "time",
        "modified_at": None,
        "section": "Общество",
        "language": "ru",
        "body_text": "…",
        "parser_version": "0.1.0",
        "fetched_at": fetched_at,
    }


def headline(url, position, title="Заголовок"):
    return {
        "list_id": "rss",
        "list_kind": "feed",
        "url": url,
        "canonical_url": url,
        "position": position,
        "title": title,
        "byline": None,
        "published_at": None,
    }


def fetch(offset):
    return {
        "url": f"https://demo.kz/{offset}",
        "kind": "article",
        "list_id": None,
        "status": 200,
        "error": None,
        "bytes": 10,
        "sha256": "ab",
        "content_type": "text/html",
        "fetched_at": T0,
        "warc_path": "/raw/demo/2024-09-08.warc.gz",
        "warc_offset": offset,
    }


def load(conn, run="mediamon_daily:2024-09-08", **batch):
    batch = {
        "fetches": [],
        "articles": [],
        "headlines": [],
        "quarantine": [],
        "dq_results": [],
        **batch,
    }
    return load_batch(conn, SOURCE, DAY, run, **batch)


def rows(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_dedupe_keeps_the_last_row_in_the_place_of_the_first():
    got = dedupe([{"k": 1, "v": "a"}, {"k": 2, "v": "b"}, {"k": 1, "v": "c"}], lambda r: (r["k"],))
    assert got == [{"k": 1, "v": "c"}, {"k": 2, "v": "b"}]


def test_same_key_twice_in_one_batch_loads_once(db):
    # without the batch dedupe PostgreSQL refuses: "cannot affect row a second time"
    counts = load(
        db,
        fetches=[fetch(0), fetch(0), fetch(512)],
        articles=[article("https://demo.kz/a", title="first"), article("https://demo.kz/a")],
        headlines=[headline("https://demo.kz/a", 1), headline("https://demo.kz/a", 2)],
    )
    assert counts["fetches"] == 2 and counts["articles"] == 1 and counts["headlines"] == 1
    assert rows(db, "select title from articles") == [("Заголовок",)]
    assert rows(db, "select position from sightings") == [(2,)]


def test_reloading_converges_first_and_last_seen_and_keeps_the_latest_fetch(db):
    later = T0 + timedelta(days=1)
    load(db, articles=[article("https://demo.kz/a", fetched_at=later)])
    # an older fetch loaded after (a re-parse of an earlier day) does not roll the text back
    load(db, articles=[article("https://demo.kz/a", fetched_at=T0, title="Старый")])
    load(db, articles=[article("https://demo.kz/a", fetched_at=T0, title="Старый")])
    assert rows(db, "select title, first_seen, last_seen, published_day from articles") == [
        ("Заголовок", T0, later, date(2024, 9, 8))  # 20:30 UTC on the 7th is the 8th in Almaty
    ]


def test_a_reload_leaves_unchanged_rows_untouched_and_counts_them(db):
    batch = {
        "fetches": [fetch(0)],
        "articles": [article("https://demo.kz/a"), article("https://demo.kz/b")],
        "headlines": [headline("https://demo.kz/a", 1)],
    }
    first = load(db, **batch)
    versions = "select xmin::text from {} order by 1"
    tables = ("fetches", "articles", "headlines", "headline_revisions")
    before = {t: rows(db, versions.format(t)) for t in tables}
    assert load(db, **batch) == first  # the same counts: rows of the batch, changed or not
    assert {t: rows(db, versions.format(t)) for t in tables} == before  # no row rewritten
    load(db, articles=[article("https://demo.kz/a", title="Новый")])  # a change still lands
    assert rows(db, "select title from articles order by canonical_url") == [
        ("Новый",),
        ("Заголовок",),
    ]


def test_a_reparse_that_changes_the_rows_updates_them_in_place(db):
    a, b = "https://demo.kz/a", "https://demo.kz/b"
    load(db, articles=[article(a)], headlines=[headline(a, 1)])
    [(id_a,)] = rows(db, "select id from articles")
    # the stored row is updated first (one search vector), the new one inserted after it
    load(
        db,
        articles=[article(b), article(a, title="Ремонт дорог")],
        headlines=[headline(a, 1, title="Ремонт дорог")],
    )
    found = "search_tsv @@ to_tsquery('russian', 'ремонт')"
    assert rows(db, f"select id = {id_a}, title, {found} from articles order by id") == [
        (True, "Ремонт дорог", True),
        (False, "Заголовок", False),
    ]
    assert rows(db, f"select title, {found} from headlines") == [("Ремонт дорог", True)]
    assert rows(db, "select title from headline_revisions order by title") == [
        ("Заголовок",),
        ("Ремонт дорог",),
    ]


def test_quarantine_and_dq_results_are_replaced_per_run_and_source(db):
    q = {
        "record_kind": "article",
        "record_key": "https://demo.kz/x",
        "record": {"url": "https://demo.kz/x"},
        "reasons": ["published_at missing"],
    }
    dq = {
        "check_name": "article.published_at.present",
        "success": False,
        "severity": "quarantine",
        "evaluated": 3,
        "unexpected": 1,
    }
    load(db, quarantine=[q], dq_results=[dq])
    load(db, quarantine=[], dq_results=[{**dq, "success": True, "unexpected": 0}])
    load(db, run="mediamon_daily:2024-09-09", quarantine=[q], dq_results=[dq])
    assert rows(db, "select run_key from quarantine") == [("mediamon_daily:2024-09-09",)]
    assert rows(db, "select run_key, success from dq_results order by 1") == [
        ("mediamon_daily:2024-09-08", True),
        ("mediamon_daily:2024-09-09", False),
    ]


def test_a_failing_batch_leaves_nothing_behind(db):
    bad = article("https://demo.kz/b")
    bad["title"] = None  # violates NOT NULL
    try:
        load(db, fetches=[fetch(0)], articles=[bad])
    except Exception as exc:  # psycopg2.errors.NotNullViolation
        assert "null value" in str(exc)
    else:
        raise AssertionError("the NOT NULL violation was not raised")
    assert rows(db, "select count(*) from fetches") == [(0,)]


def test_copy_keeps_awkward_text_exactly(db):
    # the loader streams rows with COPY (text format): escapes must round-trip
    awkward = 'таб\tперевод\nстроки\r\\n не перевод, "кавычки", {скобки}, NULL, \\N'
    a = article("https://demo.kz/awkward", title=awkward)
    a["body_text"] = awkward * 3
    a["authors"] = ['Имя "Прозвище" Фамилия', "back\\slash", "запятая, и {скобка}"]
    q = {
        "record_kind": "article",
        "record_key": "https://demo.kz/q\t1",
        "record": {"title": awkward, "n": 1.5, "list": [None, True]},
        "reasons": ["причина, с запятой", 'и "кавычки"'],
    }
    load(db, articles=[a], quarantine=[q])
    assert rows(db, "select title, body_text, authors from articles") == [
        (awkward, awkward * 3, a["authors"])
    ]
    assert rows(db, "select record_key, record, reasons from quarantine") == [
        (q["record_key"], q["record"], q["reasons"])
    ]


def test_a_reload_rewrites_only_the_sightings_that_changed(db):
    a, b, c = (f"https://demo.kz/{x}" for x in "abc")
    load(db, headlines=[headline(a, 1), headline(b, 2), headline(c, 3)])
    before = dict(rows(db, "select canonical_url, xmin::text from sightings"))
    counts = load(db, headlines=[headline(a, 1), headline(b, 2, title="Новый")])
    assert counts["sightings"] == 2  # c is gone from the day
    assert rows(db, "select canonical_url, position, title from sightings order by 2") == [
        (a, 1, "Заголовок"),
        (b, 2, "Новый"),
    ]
    after = dict(rows(db, "select canonical_url, xmin::text from sightings"))
    assert after[a] == before[a] and after[b] != before[b]
