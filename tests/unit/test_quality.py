"""The GX suites decide quarantine row by row; every row ends up accepted or quarantined."""

from datetime import UTC, datetime, timedelta

from mediamon.quality.checks import normalize_title, validate_batch

FETCHED = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)


def article(url, **fields):
    record = {
        "url": url,
        "canonical_url": url,
        "title": "Заголовок",
        "authors": ["Айгуль Сапарова"],
        "authors_status": "present",
        "published_at": FETCHED - timedelta(hours=3),
        "fetched_at": FETCHED,
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
    outcome = validate_batch(articles, [], first_year=2010)
    assert [a["url"] for a in outcome.articles] == ["https://a.kz/1", "https://a.kz/6"]
    reasons = {q["record"]["url"]: q["reasons"] for q in outcome.quarantine}
    assert reasons == {
        "https://a.kz/2": ["published_at missing"],
        "https://a.kz/3": ["published_at after fetch time", "title missing"],
        "https://a.kz/4": ["published_at before 2010"],
        "https://a.kz/5": ["authors_status not stated", "byline holds a date, number or URL"],
        "https://a.kz/1": ["duplicate canonical URL in batch"],
    }
    assert len(outcome.articles) + len(outcome.quarantine) == len(articles)
    by_check = {
        r["check_name"]: (r["success"], r["evaluated"], r["unexpected"]) for r in outcome.dq_results
    }
    assert by_check["article.published_at.present"] == (False, 7, 1)
    assert by_check["article.canonical_url.unique"] == (False, 7, 1)
    assert by_check["article.title.present"] == (False, 7, 1)


def test_duplicate_headlines_keep_the_first_per_list_and_day():
    items = [
        headline(1, "«Коллективное недомогание» Казахстана", "https://a.kz/x"),
        headline(2, "Коллективное  недомогание Казахстана!", "https://a.kz/y"),  # normalized dup
        headline(3, "Другая новость", "https://a.kz/x?utm=1", canonical_url="https://a.kz/x"),
        headline(1, "«Коллективное недомогание» Казахстана", "https://a.kz/x", list_id="ticker"),
        headline(4, None, "https://a.kz/z"),
        headline(1, None, "https://a.kz/s", list_id="sitemap", list_kind="sitemap"),
    ]
    outcome = validate_batch([], items, first_year=2010)
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
    outcome = validate_batch([], [], first_year=2010)
    assert outcome.quarantine == [] and outcome.articles == []
    assert all(r["success"] and r["evaluated"] == 0 for r in outcome.dq_results)
    assert len(outcome.dq_results) == 12


def test_normalize_title_ignores_case_quotes_and_spacing():
    assert normalize_title("«Тенге»  остаётся!") == normalize_title("тенге остаётся")
    assert normalize_title(None) == ""
