"""Article versions and takedowns in a real PostgreSQL: an edit keeps both versions (and the
diff shows it), the current version is the latest fetch's whatever the load order, reloading a
day adds nothing, a re-parse replaces its day's reading, a 404/410 marks a takedown."""

from datetime import UTC, date, datetime

from mediamon.cli import main
from mediamon.load.loader import load_batch
from mediamon.revisions import article_history, version_diff
from support import make_source

SOURCE = make_source(sid="demo", homepage="https://demo.kz/", languages=("ru",))
URL = "https://demo.kz/news/2024/09/07/tarify.html"
DAY1, DAY2, DAY3 = date(2024, 9, 7), date(2024, 9, 8), date(2024, 9, 9)
BODY = "Тарифы вырастут на 9 процентов с октября.\n\nТак решило правительство в пятницу."
EDITED = "Тарифы вырастут на 12 процентов с октября.\n\nТак решило правительство в пятницу."


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)


def article(day: date, body: str = BODY, title: str = "Тарифы вырастут") -> dict:
    return {
        "url": URL, "canonical_url": URL, "title": title, "authors": [],
        "authors_status": "absent", "published_at": at(DAY1), "body_text": body,
        "language": "ru", "parser_version": "test", "fetched_at": at(day),
        "body_source": "paragraphs", "paywalled": False, "paywall_evidence": [],
    }  # fmt: skip


def fetch(day: date, status: int, offset: int = 0) -> dict:
    return {
        "url": URL, "kind": "article", "list_id": None, "status": status, "error": None,
        "bytes": 100, "sha256": None, "content_type": "text/html", "fetched_at": at(day),
        "warc_path": f"/raw/demo/{day}.warc.gz", "warc_offset": offset, "elapsed_ms": 5,
    }  # fmt: skip


def load(conn, day: date, articles=(), fetches=()) -> dict:
    return load_batch(
        conn, SOURCE, day, f"mediamon_daily:{day}", fetches=list(fetches),
        articles=list(articles), headlines=[], quarantine=[], dq_results=[],
    )  # fmt: skip


def rows(conn, sql: str) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(sql)
        found = cur.fetchall()
    conn.rollback()
    return found


REVISIONS = (
    "select v.body_text, v.first_seen_day, v.last_seen_day, count(f.*) from article_revisions v "
    "left join article_revision_fetches f using (canonical_url, content_hash) "
    "group by v.canonical_url, v.content_hash order by v.first_fetched_at"
)


def test_an_edit_keeps_both_versions_the_latest_fetch_is_current_and_reloads_add_nothing(db):
    load(db, DAY1, [article(DAY1)], [fetch(DAY1, 200)])
    load(db, DAY2, [article(DAY2, EDITED)], [fetch(DAY2, 200)])
    load(db, DAY3, [article(DAY3, EDITED)], [fetch(DAY3, 200)])
    expected = [(BODY, DAY1, DAY1, 1), (EDITED, DAY2, DAY3, 2)]
    assert rows(db, REVISIONS) == expected
    # reloading every day, the oldest last (a re-parse of the range): nothing added, and the
    # current text stays the latest fetch's
    for day, body in ((DAY3, EDITED), (DAY2, EDITED), (DAY1, BODY)):
        load(db, day, [article(day, body)], [fetch(day, 200)])
    assert rows(db, REVISIONS) == expected
    assert rows(db, "select body_text from articles") == [(EDITED,)]

    history = article_history(db, URL)
    assert [(v.number, v.current) for v in history.versions] == [(1, False), (2, True)]
    assert [f[0] for f in history.versions[1].fetches] == [DAY2, DAY3]
    diff = version_diff(*history.versions)
    assert diff.splitlines() == [
        "--- v1 (2024-09-07)",
        "+++ v2 (2024-09-08)",
        "@@ -1,5 +1,5 @@",
        " Тарифы вырастут",
        " ",
        "-Тарифы вырастут на 9 процентов с октября.",
        "+Тарифы вырастут на 12 процентов с октября.",
        " ",
        " Так решило правительство в пятницу.",
    ]


def test_a_reparse_that_reads_a_day_differently_replaces_that_days_version(db):
    load(db, DAY1, [article(DAY1, BODY + "\n\nЧитайте также: курс тенге")])
    load(db, DAY1, [article(DAY1)])  # a better parser drops the "read also" line
    assert rows(db, REVISIONS) == [(BODY, DAY1, DAY1, 1)]


def test_an_edited_back_story_is_one_version_seen_around_the_other(db):
    for day, body in ((DAY1, BODY), (DAY2, EDITED), (DAY3, BODY)):
        load(db, day, [article(day, body)])
    assert rows(db, REVISIONS) == [(BODY, DAY1, DAY3, 2), (EDITED, DAY2, DAY2, 1)]
    assert [v.current for v in article_history(db, URL).versions] == [True, False]


def test_a_page_answering_404_then_410_is_taken_down_and_cleared_when_it_returns(db):
    load(db, DAY1, [article(DAY1)], [fetch(DAY1, 200)])
    load(db, DAY2, [], [fetch(DAY2, 404)])
    load(db, DAY3, [], [fetch(DAY3, 410)])
    assert rows(db, "select taken_down_at, taken_down_status from articles") == [(at(DAY2), 404)]
    load(db, DAY2, [], [fetch(DAY2, 404)])  # reloading a day changes nothing
    assert rows(db, "select taken_down_at, taken_down_status from articles") == [(at(DAY2), 404)]
    # the text is kept: the takedown is visible, the story not forgotten
    assert rows(db, "select count(*) from article_revisions") == [(1,)]
    load(db, DAY3, [article(DAY3)], [fetch(DAY3, 200)])  # the page is back
    assert rows(db, "select taken_down_at, taken_down_status from articles") == [(None, None)]


def test_mediamon_revisions_prints_the_versions_and_the_diff(db, capsys):
    load(db, DAY1, [article(DAY1)], [fetch(DAY1, 200)])
    load(db, DAY2, [article(DAY2, EDITED, title="Тарифы вырастут сильнее")], [fetch(DAY2, 200)])
    load(db, DAY3, [], [fetch(DAY3, 410, offset=512)])
    assert main(["revisions", URL + "?utm_source=tg"]) == 0  # found by its canonical URL
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{URL}  (demo)"
    assert out[1] == f"taken down: HTTP 410 at {at(DAY3)}"
    assert out[2].split() == ["version", "first_day", "last_day", "fetches", "hash", "current",
                              "title"]  # fmt: skip
    assert out[3].split()[:4] == ["1", "2024-09-07", "2024-09-07", "1"]
    assert out[4].split()[:4] + out[4].split()[5:] == [
        "2", "2024-09-08", "2024-09-08", "1", "*", "Тарифы", "вырастут", "сильнее",
    ]  # fmt: skip
    assert "-Тарифы вырастут" in out and "+Тарифы вырастут сильнее" in out
    assert "+Тарифы вырастут на 12 процентов с октября." in out
    assert main(["revisions", URL, "--diff", "1", "3"]) == 2
    assert "no version 3 (versions 1..2)" in capsys.readouterr().err
    assert main(["revisions", "https://demo.kz/nothing"]) == 1


def test_a_fetch_older_than_the_stored_one_does_not_become_current(db):
    load(db, DAY2, [article(DAY2, EDITED)])
    load(db, DAY1, [article(DAY1)])  # an older day loaded late (a backfill)
    assert rows(db, "select body_text, first_seen, last_seen from articles") == [
        (EDITED, at(DAY1), at(DAY2))
    ]
    history = article_history(db, URL)
    assert [(v.body_text, v.current) for v in history.versions] == [(BODY, False), (EDITED, True)]
    assert history.versions[0].first_fetched_at == at(DAY1)


def test_a_version_is_seen_on_the_days_of_the_data_not_of_the_run(db):
    """The demo capture (fetched on DAY2) replayed as a later day (DAY3): the article was seen
    on DAY2, not on the run's day; one exchange loaded as two days is one fetch. A run of DAY2
    that fetches after DAY2 ended (as a scheduled run does) saw it on DAY2."""
    load(db, DAY2, [article(DAY2)], [fetch(DAY2, 200)])
    load(db, DAY3, [article(DAY2)], [fetch(DAY2, 200)])  # the same capture, a later run
    assert rows(db, REVISIONS) == [(BODY, DAY2, DAY2, 2)]
    (version,) = article_history(db, URL).versions
    assert (version.first_seen_day, version.last_seen_day) == (DAY2, DAY2)
    assert version.fetches == [(DAY2, at(DAY2), URL)]
    late = {**article(DAY2, EDITED), "fetched_at": datetime(2024, 9, 9, 0, 30, tzinfo=UTC)}
    load(db, DAY2, [late])  # 05:30 in Almaty on DAY3, for the run of DAY2
    assert rows(db, REVISIONS) == [(BODY, DAY2, DAY2, 1), (EDITED, DAY2, DAY2, 1)]


def test_the_content_hash_computed_while_staging_is_postgresql_sha256_of_title_and_body(db):
    # computed in Python as the rows are staged; stored hashes were computed in SQL before
    from mediamon.load.revisions import content_hash

    cases = [("Тарифы", BODY), (None, None), ("таб\tи\\слэш", "строка\r\nи 🙂 қазақша")]
    sql = (
        "select encode(sha256(convert_to(coalesce(%s, '') || chr(10) || coalesce(%s, ''), "
        "'UTF8')), 'hex')"
    )
    with db.cursor() as cur:
        for title, body in cases:
            cur.execute(sql, (title, body))
            assert content_hash(title, body) == cur.fetchone()[0]
    db.rollback()
