"""parse_article on small pages written for these tests (modelled on the seed page's traps)."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from mediamon.parse import PARSER_VERSION, parse_article
from support import make_source as new_source

URL = "https://exclusive.kz/expertiza/obshchestvo/12345/"
ALMATY = ZoneInfo("Asia/Almaty")
KEYS = {
    "url", "canonical_url", "source_id", "title", "title_source", "authors", "authors_status",
    "authors_source", "published_at", "published_at_reason", "date_source", "modified_at",
    "section", "language", "body_text", "parser_version", "byline_kind", "title_language",
    "dates_disagree", "published_at_alt", "published_at_alt_source", "encoding",
    "encoding_repaired", "warnings",
}  # fmt: skip
PROVENANCE = {"body_source", "section_source", "modified_source", "language_source"}
PAYWALL = {"paywalled", "paywall_evidence"}


@pytest.fixture
def make_source():
    return new_source


@pytest.fixture
def source():
    return new_source()


@pytest.fixture
def fetched_at():
    """The fetch instant of these tests: 2024-09-08 11:00 in Almaty, the seed page's "today"."""
    return datetime(2024, 9, 8, 6, 0, tzinfo=UTC)


# Site chrome as on the seed page: the masthead shows the viewing day, a currency widget, and a
# ticker of headlines in Russian and Kazakh.
CHROME = """
<header class="site-header">
  <div class="header-date">воскресенье, 08 сентября 2024</div>
  <div class="currency-rates">USD/KZT: 425.67 EUR/KZT: 496.42 RUR/KZT: 5.81</div>
</header>
<div class="news-ticker">
  <a href="/n/1">Өскеменде жаңа көпір салынады</a>
  <a href="/n/2">Шымкентте су құбыры жөнделіп жатыр</a>
  <a href="/n/3">Цены на гречку снова выросли</a>
</div>
"""
# A section list under the article: each headline printed twice, bylines on some items only.
RELATED = """
<div class="section-list">
  <div class="item"><a href="/o/7"><img alt="Чего ждать от нового бюджета"></a>
    <a href="/o/7">Чего ждать от нового бюджета</a>
    <div class="author">Редакция Exclusive</div></div>
  <div class="item"><a href="/o/8">Почему в регионах не хватает учителей</a>
    <div class="author">Жарас Ахметов</div></div>
  <div class="item"><a href="/o/9">Как меняется рынок аренды жилья в Астане</a></div>
</div>
"""
PARAGRAPHS = """
<p>На прошлой неделе эксперт по госуправлению рассказал нашему изданию, что реформа буксует,
а чиновники отвечают за процедуру, но не за результат.</p>
<p>Разговор с заместителем председателя агентства состоялся в пятницу, 21 августа. Он считает,
что для государственных услуг уже есть стандарты и регламенты.</p>
<p>Похожий спор шел еще 30 июля 2015 года, но тогда до конкретных решений дело не дошло, и
вопрос о численности аппарата остается открытым.</p>
"""


def page(head: str = "", body: str = "", lang: str = "ru") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>Госслужба отвечает на критику | Exclusive</title>{head}</head>"
        f"<body>{CHROME}{body}{RELATED}<footer>© 2024 Exclusive</footer></body></html>"
    ).encode()


@pytest.fixture
def parse(make_source, fetched_at):
    """parse_article on URL with the default test source and fetch time."""

    def run(body: bytes, **kw):
        kw.setdefault("source", make_source())
        kw.setdefault("fetched_at", fetched_at)
        return parse_article(body, URL, **kw)

    return run


def test_record_has_exactly_the_interface_keys(parse):
    html = page(body=f"<h1>Госслужба отвечает на критику</h1>{PARAGRAPHS}")
    rec = parse(html)
    assert set(rec) == KEYS | PROVENANCE | PAYWALL
    assert rec["paywalled"] is False and rec["paywall_evidence"] == []
    assert rec["parser_version"] == PARSER_VERSION
    assert rec["source_id"] == "exclusive"
    assert rec["url"] == URL


def test_chrome_date_is_not_the_publication_date(parse):
    body = f"""<article><h1>Госслужба отвечает на критику</h1>
    <div class="meta"><time datetime="2024-09-06T15:20:00+05:00">6 сентября 2024</time></div>
    {PARAGRAPHS}</article>"""
    rec = parse(page(body=body))
    assert rec["published_at"] == datetime(2024, 9, 6, 15, 20, tzinfo=ALMATY)
    assert rec["date_source"] == "time"
    assert rec["published_at_reason"] is None


def test_chrome_time_element_in_site_header_is_skipped(parse):
    chrome_time = '<header class="site-header"><time datetime="2024-09-08">сегодня</time></header>'
    body = f"""{chrome_time}<div class="content"><h1>Госслужба отвечает на критику</h1>
    {PARAGRAPHS}<div class="post-date"><time datetime="2024-09-06">6 сентября</time></div>
    </div>"""
    rec = parse(page(body=body))
    assert rec["published_at"].date().isoformat() == "2024-09-06"


def test_page_with_only_chrome_and_text_dates_has_no_date_and_says_why(parse):
    rec = parse(
        page(body=f'<div class="content"><h1>Госслужба отвечает на критику</h1>{PARAGRAPHS}</div>')
    )
    assert rec["published_at"] is None
    assert rec["date_source"] is None
    assert rec["published_at_reason"]
    assert "no publication date" in rec["published_at_reason"]
    # nor does it borrow a byline from the section list below the article
    assert rec["authors"] == []
    assert rec["authors_status"] == "absent"
    assert rec["authors_source"] is None
    assert rec["title"] == "Госслужба отвечает на критику"
    assert rec["title_source"] == "h1"
    # the Kazakh ticker does not make the Russian article Kazakh
    assert rec["language"] == "ru"
    assert "госуправлению" in rec["body_text"]
    assert "USD/KZT" not in rec["body_text"]
    assert "\n\n" in rec["body_text"]
    assert not rec["body_text"].startswith("Госслужба отвечает")


def test_jsonld_graph_with_author_objects_and_id_references(parse):
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "@id": "https://exclusive.kz/#site", "name": "Exclusive"},
            {
                "@type": ["NewsArticle"],
                "headline": "Экономика: парадоксы и закономерности",
                "datePublished": "2020-08-28T09:30:00",
                "dateModified": "2020-08-29T10:00:00+06:00",
                "articleSection": ["Экономика"],
                "author": [
                    {"@type": "Person", "givenName": "Айнаш", "familyName": "Мустояпова"},
                    {"@id": "https://exclusive.kz/#/person/2"},
                ],
            },
            {"@type": "Person", "@id": "https://exclusive.kz/#/person/2", "name": "Жарас Ахметов"},
        ],
    }
    head = f'<script type="application/ld+json">{json.dumps(graph, ensure_ascii=False)}</script>'
    rec = parse(page(head=head, body=f"<h1>Экономика</h1>{PARAGRAPHS}"))
    assert rec["title"] == "Экономика: парадоксы и закономерности"
    assert rec["title_source"] == "jsonld"
    assert rec["authors"] == ["Айнаш Мустояпова", "Жарас Ахметов"]
    assert rec["authors_status"] == "present"
    assert rec["authors_source"] == "jsonld"
    # naive JSON-LD time read in Asia/Almaty, which was UTC+6 in 2020
    assert rec["published_at"] == datetime(2020, 8, 28, 3, 30, tzinfo=UTC)
    assert rec["published_at"].utcoffset() == timedelta(hours=6)
    assert rec["date_source"] == "jsonld"
    assert rec["modified_at"] == datetime(2020, 8, 29, 4, 0, tzinfo=UTC)
    assert rec["modified_source"] == "jsonld"
    assert rec["section"] == "Экономика"
    assert rec["section_source"] == "jsonld"


def test_editorial_byline_from_jsonld_organisation(parse):
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Что нас ждет?",
        "author": {"@type": "Organization", "name": "Редакция Exclusive"},
        "datePublished": "2020-08-21",
    }
    head = f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>'
    rec = parse(page(head=head, body=f"<h1>Что нас ждет?</h1>{PARAGRAPHS}"))
    assert rec["authors"] == ["Редакция Exclusive"]
    assert rec["authors_status"] == "editorial"
    assert rec["published_at"] == datetime(2020, 8, 21, tzinfo=ALMATY)


def test_meta_tags_author_and_published_time(parse):
    head = """<meta property="og:title" content="Тенге остается во власти эмоций">
    <meta name="author" content="Автор: Мирас Нурмуханбетов и Мерей Сугирбаева">
    <meta property="article:published_time" content="2024-09-06T10:00:00+05:00">
    <meta property="article:modified_time" content="2024-09-07T08:00:00+05:00">
    <meta property="article:section" content="Экономика">"""
    rec = parse(page(head=head, body=f"<h1>Тенге</h1>{PARAGRAPHS}"))
    assert rec["title"] == "Тенге остается во власти эмоций"
    assert rec["title_source"] == "meta"
    assert rec["authors"] == ["Мирас Нурмуханбетов", "Мерей Сугирбаева"]
    assert rec["authors_source"] == "meta"
    assert rec["published_at"] == datetime(2024, 9, 6, 5, 0, tzinfo=UTC)
    assert rec["date_source"] == "meta"
    assert rec["modified_at"] == datetime(2024, 9, 7, 3, 0, tzinfo=UTC)
    assert rec["modified_source"] == "meta"
    assert rec["section"] == "Экономика"
    assert rec["section_source"] == "meta"


def test_agency_byline_in_meta_is_editorial(parse):
    head = '<meta name="author" content="Kazinform">'
    rec = parse(page(head=head, body=f"<h1>Новость агентства</h1>{PARAGRAPHS}"))
    assert rec["authors"] == ["Kazinform"]
    assert rec["authors_status"] == "editorial"


def test_site_profile_selectors_win(parse, make_source):
    profile = {
        "title": "h1.article-title",
        "byline": ".article-author",
        "date": ".article-date",
        "body": ".article-text",
        "section": ".crumbs .sec",
    }
    head = '<meta property="og:title" content="Заголовок для соцсетей">'
    body = f"""<div class="crumbs"><a class="sec" href="/s">Общество</a></div>
    <h1 class="article-title">Агентство: эксперименты над госаппаратом недопустимы</h1>
    <div class="article-author">Мерей Сугирбаева</div>
    <div class="article-date">Вчера, 14:30</div>
    <div class="article-text">{PARAGRAPHS}</div>"""
    rec = parse(page(head=head, body=body), source=make_source(article=profile))
    assert rec["title"] == "Агентство: эксперименты над госаппаратом недопустимы"
    assert rec["title_source"] == "profile"
    assert rec["authors"] == ["Мерей Сугирбаева"]
    assert rec["authors_source"] == "profile"
    # relative to the fetch (2024-09-08 11:00 in Almaty, UTC+5 since March 2024)
    assert rec["published_at"] == datetime(2024, 9, 7, 14, 30, tzinfo=ALMATY)
    assert rec["published_at"].utcoffset() == timedelta(hours=5)
    assert rec["date_source"] == "profile"
    assert rec["section"] == "Общество"
    assert rec["section_source"] == "profile"
    assert rec["body_text"].count("\n\n") == 2
    assert rec["body_source"] == "profile"
    assert rec["body_text"].startswith("На прошлой неделе")


def test_date_after_the_fetch_is_refused(parse):
    head = '<meta property="article:published_time" content="2031-01-01T00:00:00+05:00">'
    rec = parse(page(head=head, body=f"<h1>Из будущего</h1>{PARAGRAPHS}"))
    assert rec["published_at"] is None
    assert rec["published_at_reason"]


def test_canonical_same_site_only(parse):
    head = '<link rel="canonical" href="/expertiza/obshchestvo/12345/?utm_source=fb#top">'
    rec = parse(page(head=head, body="<h1>Т</h1>"))
    assert rec["canonical_url"] == "https://exclusive.kz/expertiza/obshchestvo/12345"
    head = '<link rel="canonical" href="https://aggregator.example.com/story/1">'
    rec = parse(page(head=head, body="<h1>Т</h1>"))
    assert rec["canonical_url"] == "https://exclusive.kz/expertiza/obshchestvo/12345"


def test_windows_1251_decoded_from_http_charset_and_from_meta(parse):
    html = (
        "<html><head><title>Цены на сахар выросли</title></head><body>"
        "<h1>Цены на сахар выросли</h1><p>Сахар подорожал на 61% за год.</p></body></html>"
    )
    raw = html.encode("cp1251")
    rec = parse(raw, content_type="text/html; charset=windows-1251")
    assert rec["title"] == "Цены на сахар выросли"
    with_meta = html.replace("<head>", '<head><meta charset="windows-1251">').encode("cp1251")
    assert parse(with_meta)["title"] == "Цены на сахар выросли"


def test_kazakh_article_on_a_russian_template(parse):
    text = """<p>Алматы қаласында жаңа саябақ ашылды. Қала әкімдігінің мәліметінше, саябақта
    балалар алаңы мен велосипед жолдары бар. Тұрғындар жаңа демалыс орнына риза екенін айтты.</p>
    <p>Саябақтың ауданы он гектардан асады, оның аумағында мыңнан астам ағаш отырғызылды.</p>"""
    rec = parse(page(body=f"<h1>Алматыда жаңа саябақ ашылды</h1>{text}", lang="ru-RU"))
    assert rec["language"] == "kk"


def test_provenance_of_language_body_and_absent_fields(parse):
    declared = parse(page(body=f"<h1>Тенге</h1>{PARAGRAPHS}"))
    assert declared["language"] == "ru" and declared["language_source"] == "declared"
    assert declared["body_source"] in {"trafilatura", "paragraphs"}
    assert declared["modified_at"] is None and declared["modified_source"] is None
    assert declared["section"] is None and declared["section_source"] is None
    contradicted = parse(page(body=f"<h1>Тенге</h1>{PARAGRAPHS}", lang="en"))
    assert contradicted["language"] == "ru" and contradicted["language_source"] == "text"
    empty = parse(b"")
    assert empty["body_text"] == "" and empty["body_source"] is None
    assert empty["language"] is None and empty["language_source"] is None
