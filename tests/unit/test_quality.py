"""The GX suites decide quarantine row by row; every row ends up accepted or quarantined."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from mediamon.quality.checks import duplicate_key, validate_batch
from support import make_source

FETCHED = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)
SOURCE = make_source(sid="demo", homepage="https://a.kz/", first_year=2010)
BODY = "Маслихат одобрил поправки в бюджет города. " * 6


def article(url, **fields):
    record = {
        "url": url,
        "canonical_url": url,
        "title": "Заголовок новости",
        "authors": ["Айгуль Сапарова"],
        "authors_status": "present",
        "published_at": FETCHED - timedelta(hours=3),
        "modified_at": None,
        "fetched_at": FETCHED,
        "body_text": BODY,
        "language": "ru",
    }
    return {**record, **fields}


def headline(position, title, url, list_id="rss", **fields):
    record = {
        "list_id": list_id,
        "list_kind": "feed",
        "position": position,
        "title": title,
        "url": url,
        "canonical_url": url,
        "published_at": None,
        "fetched_at": FETCHED,
    }
    return {**record, **fields}


def reasons_by_url(outcome):
    return {q["record"]["url"]: q["reasons"] for q in outcome.quarantine}


def test_each_failing_article_is_quarantined_with_every_reason():
    articles = [
        article("https://a.kz/1"),
        article("https://a.kz/2", published_at=None),
        article("https://a.kz/3", published_at=FETCHED + timedelta(days=400), title=None),
        article("https://a.kz/4", published_at=datetime(1999, 5, 1, tzinfo=UTC)),
        article("https://a.kz/5", authors=["12 сентября 2024"], authors_status=None),
        article("https://a.kz/1"),  # the same canonical URL again
        article("https://a.kz/6", authors=[], authors_status="absent"),
    ]
    outcome = validate_batch(articles, [], source=SOURCE)
    assert [a["url"] for a in outcome.articles] == ["https://a.kz/1", "https://a.kz/6"]
    assert reasons_by_url(outcome) == {
        "https://a.kz/2": ["published_at missing"],
        "https://a.kz/3": ["published_at after fetch time", "title missing"],
        "https://a.kz/4": ["published_at before 2010"],
        "https://a.kz/5": [
            "authors_status not stated",
            "byline holds a date, number, URL or navigation word",
        ],
        "https://a.kz/1": ["duplicate canonical URL in batch"],
    }
    assert len(outcome.articles) + len(outcome.quarantine) == len(articles)
    by_check = {
        r["check_name"]: (r["success"], r["evaluated"], r["unexpected"]) for r in outcome.dq_results
    }
    assert by_check["article.published_at.present"] == (False, 7, 1)
    assert by_check["article.canonical_url.unique"] == (False, 7, 1)
    assert by_check["article.title.present"] == (False, 7, 1)
    sample = {r["check_name"]: r["unexpected_sample"] for r in outcome.dq_results}
    assert sample["article.authors.clean"] == ["https://a.kz/5"]
    assert sample["article.canonical_url.unique"] == ["https://a.kz/1"]
    observed = {r["check_name"]: r["observed"] for r in outcome.dq_results}
    assert observed["article.published_at.present"] == {"unexpected_percent": 100 / 7}


def test_text_url_language_and_byline_rules():
    articles = [
        article("https://a.kz/mojibake", title="Ð\u009cÐ°Ñ\u0081Ð»Ð¸Ñ\u0085Ð°Ñ\u0082"),
        article("https://a.kz/template", body_text=BODY + "{{ $news->body }}"),
        article("https://a.kz/short", body_text="Коротко."),
        article("https://a.kz/lang", language="en"),
        article("https://elsewhere.kz/x"),
        article("https://a.kz/nav", authors=["Читать далее"]),
        article("https://a.kz/long", authors=["А" * 80]),
        article(
            "https://a.kz/frag",
            title="Министр энергетики Ерлан Нурланович Аккенженов ответил на вопросы",
            authors=["Ерлан Нурланович Аккенженов ответил"],
        ),
        article("https://a.kz/mod", modified_at=FETCHED - timedelta(days=2)),
        article("https://a.kz/ok", modified_at=FETCHED),
    ]
    outcome = validate_batch(articles, [], source=SOURCE)
    assert [a["url"] for a in outcome.articles] == ["https://a.kz/ok"]
    assert reasons_by_url(outcome) == {
        "https://a.kz/mojibake": ["mojibake in title"],
        "https://a.kz/template": ["template placeholder in body"],
        "https://a.kz/short": ["body shorter than 150 characters"],
        "https://a.kz/lang": ["language not among the source's (ru, kk)"],
        "https://elsewhere.kz/x": ["URL host does not belong to the source"],
        "https://a.kz/nav": ["byline holds a date, number, URL or navigation word"],
        "https://a.kz/long": ["byline name not 2-60 characters"],
        "https://a.kz/frag": ["byline is a fragment of the title"],
        "https://a.kz/mod": ["modified_at before published_at"],
    }


def test_syndication_hosts_allow_foreign_links():
    source = make_source(sid="demo", homepage="https://a.kz/", syndication_hosts=("*",))
    outcome = validate_batch([article("https://elsewhere.kz/x")], [], source=source)
    assert outcome.quarantine == []


def test_duplicate_headlines_keep_the_first_per_list_and_day():
    items = [
        headline(1, "«Коллективное недомогание» Казахстана", "https://a.kz/x"),
        headline(2, "Коллективное  недомогание Казахстана!", "https://a.kz/y"),  # normalized dup
        headline(3, "Другая новость", "https://a.kz/x?utm=1", canonical_url="https://a.kz/x"),
        headline(1, "«Коллективное недомогание» Казахстана", "https://a.kz/x", list_id="ticker"),
        headline(4, None, "https://a.kz/z"),
        headline(1, None, "https://a.kz/s", list_id="sitemap", list_kind="sitemap"),
    ]
    outcome = validate_batch([], items, source=SOURCE)
    kept = [(h["list_id"], h["position"]) for h in outcome.headlines]
    assert kept == [("rss", 1), ("ticker", 1), ("sitemap", 1)]
    reasons = {
        (q["record"]["list_id"], q["record"]["position"]): q["reasons"] for q in outcome.quarantine
    }
    assert reasons == {
        ("rss", 2): ["duplicate headline (same title, list and day)"],
        ("rss", 3): ["duplicate headline (same URL, list and day)"],
        ("rss", 4): ["headline title missing"],
    }


def test_empty_batch_passes_every_check():
    outcome = validate_batch([], [], source=SOURCE)
    assert outcome.quarantine == [] and outcome.articles == []
    assert all(r["success"] and r["evaluated"] == 0 for r in outcome.dq_results)
    assert len(outcome.dq_results) == 27


def test_results_are_rendered_as_data_docs(tmp_path):
    validate_batch([article("https://a.kz/1")], [], source=SOURCE, run_name="r1", docs_dir=tmp_path)
    index = tmp_path / "data_docs" / "index.html"
    assert index.exists()
    pages = list(
        (tmp_path / "data_docs" / "validations" / "demo" / "articles" / "r1").rglob("*.html")
    )
    assert len(pages) == 1


def test_a_run_renders_its_pages_then_the_index_once(tmp_path):
    from mediamon.quality.data_docs import build_data_docs_index

    assert build_data_docs_index(tmp_path) is None  # nothing validated yet
    for sid in ("one", "two"):
        validate_batch([article("https://a.kz/1")], [], source=replace(SOURCE, id=sid),
                       run_name="r1", docs_dir=tmp_path, build_index=False)  # fmt: skip
    assert len(list((tmp_path / "data_docs" / "validations").rglob("*.html"))) == 2
    assert not (tmp_path / "data_docs" / "index.html").exists()
    index = build_data_docs_index(tmp_path).read_text(encoding="utf-8")
    assert "one.articles" in index and "two.articles" in index


def test_data_docs_keep_a_bounded_history(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIAMON_DATA_DOCS_KEEP_RUNS", "2")
    day = "mediamon_daily_2024-09-0{}".format
    for run in (day(6), day(7), day(7), day(5), day(8)):  # a re-run, a late backfill
        validate_batch([article("https://a.kz/1")], [], source=SOURCE, run_name=run,
                       docs_dir=tmp_path)  # fmt: skip
    for root, ext in (("gx/validations", "json"), ("data_docs/validations", "html")):
        folder = tmp_path / root / "demo" / "articles"
        found = sorted(p.relative_to(folder).parts[0] for p in folder.rglob(f"*.{ext}"))
        assert found == [day(7), day(8)], root  # one page per kept run, the latest days
    index = (tmp_path / "data_docs" / "index.html").read_text(encoding="utf-8")
    assert day(8) in index and day(7) in index and day(6) not in index and day(5) not in index


def test_duplicate_key_ignores_case_quotes_spacing_and_yo():
    assert duplicate_key("«Тенге»  остаётся!") == duplicate_key("тенге остается")
    assert duplicate_key(None) == ""


def test_a_rubric_tells_items_apart_in_a_list_not_across_outlets():
    """Why the in-list duplicate key and the stored/story normalizer differ (see duplicate_key)."""
    from mediamon.quality.duplicates import same_story, story_key
    from mediamon.text.normalize import normalize_title

    items = [
        headline(1, "Видео: Тенге упал", "https://a.kz/video/1", list_id="main"),
        headline(2, "Тенге упал", "https://a.kz/news/1", list_id="main"),
        headline(
            3,
            "«Тенге» упал!",
            "https://a.kz/news/1?utm_source=tg",
            list_id="main",
            canonical_url="https://a.kz/news/2",
        ),  # fmt: skip
    ]
    outcome = validate_batch([], items, source=SOURCE)
    # in one list, the video and the story are two items; the third prints the story again
    assert [h["position"] for h in outcome.headlines] == [1, 2]
    assert reasons_by_url(outcome) == {
        "https://a.kz/news/1?utm_source=tg": ["duplicate headline (same title, list and day)"]
    }
    # merging the normalizers would have quarantined the video as a duplicate of the story
    assert normalize_title("Видео: Тенге упал") == normalize_title("Тенге упал")
    # across outlets, the rubric and a site suffix are noise: one story
    assert same_story(story_key("Видео: Тенге упал"), story_key("Тенге упал | Exclusive.kz"))


def test_older_headlines_are_counted_not_failed():
    from datetime import date

    from mediamon.pipeline import label_headline
    from mediamon.quality.checks import new_today

    items = [
        headline(1, "Сегодня", "https://a.kz/1", published_at=datetime(2024, 9, 8, 5, tzinfo=UTC)),
        headline(2, "Вчера", "https://a.kz/2", published_at=datetime(2024, 9, 7, 5, tzinfo=UTC)),
        headline(3, "Без даты", "https://a.kz/3"),
    ]
    row = new_today([label_headline(h, SOURCE, date(2024, 9, 8)) for h in items])
    assert row["success"] is True and row["severity"] == "info"
    assert row["observed"] == {"new": 1, "older": 1, "undated": 1}
    assert row["unexpected_sample"] == ["https://a.kz/2"]
