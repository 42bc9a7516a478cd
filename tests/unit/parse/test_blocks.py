"""Headline blocks found without selectors (mediamon.parse.blocks), on small hand-written pages.

The pages are invented for these tests (a fictional outlet, dala-news.kz): each holds one trap
of real front pages -- menus and footers with the same markup as news lists, widgets, cut
titles, counters inside links, links in comments, duplicates, a feed of bare times crossing
midnight.
"""

# ruff: noqa: E501  (the hand-written pages keep one link per line)

from __future__ import annotations

import json
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from mediamon.cli import main
from mediamon.parse import parse_listing
from mediamon.parse.blocks import find_headlines, is_headline_text, url_strength

ALMATY = ZoneInfo("Asia/Almaty")
URL = "https://dala-news.kz/"
FETCHED = datetime(2024, 5, 2, 0, 30, tzinfo=ALMATY)
SOURCE = SimpleNamespace(id="dala", name="Dala News", timezone="Asia/Almaty", hosts=())


def listing(**options) -> SimpleNamespace:
    return SimpleNamespace(id="front", url=URL, selectors={}, **options)


def find(html: str, **options):
    return find_headlines(html.encode(), URL, source=SOURCE, listing=listing(**options),
                          fetched_at=FETCHED)  # fmt: skip


def titles(result) -> list[str]:
    return [h["title"] for h in result.headlines]


FRONT = """<html><head><title>Dala News</title></head><body>
<header class="site-header"><ul class="main-menu">
  <li><a href="/politika/">Политика</a></li><li><a href="/ekonomika/">Экономика</a></li>
  <li><a href="/obshestvo/">Общество и люди страны</a></li>
  <li><a href="/2024/05/01/777-big-story-of-the-day.html">Главная история дня в нашей стране</a></li>
</ul></header>
<div class="lead"><h2>Главное</h2>
  <div class="card"><a href="/news/1001-vesna-prishla-v-stepnye-rayony.html">
    <img src="/i/1.jpg" alt=""></a>
    <h3><a href="/news/1001-vesna-prishla-v-stepnye-rayony.html">Весна пришла в степные районы раньше срока</a></h3></div>
  <div class="card"><h3><a href="/news/1002-novyy-most-cherez-reku.html">Новый мост через реку откроют летом</a></h3>
    <a href="/news/1002-novyy-most-cherez-reku.html" class="more">Подробнее</a></div>
  <div class="card"><h3><a href="https://dala-news.kz/news/1003-shkolniki-sobrali-robota.html">Школьники собрали робота для уборки снега</a></h3></div>
</div>
<div class="topics"><a href="/tag/vesennie-polevye-raboty">Полевые работы</a>
  <a href="/tag/novye-mosty-i-dorogi">Мосты и дороги</a></div>
<div class="weather-widget"><ul>
  <li><a href="/pogoda/2024-05-01-almaty-solnechno-i-teplo">Алматы: солнечно и тепло, +24</a></li>
  <li><a href="/pogoda/2024-05-01-astana-veter-i-dozhd">Астана: ветер и дождь, +11</a></li>
</ul></div>
<div class="box"><h4>Сегодня родились</h4><ul>
  <li><a href="/person/12345-ivanov-ivan-ivanovich">Иванов Иван Иванович (1970), аким района</a></li>
  <li><a href="/person/12346-petrova-anna-sergeevna">Петрова Анна Сергеевна (1981), депутат маслихата</a></li>
</ul></div>
<div class="box"><h4>Самое читаемое</h4><ul>
  <li><a href="/news/0991-kak-vybrat-arbuz.html">Как выбрать арбуз без ошибок и потерь</a></li>
  <li><a href="/news/0992-pochemu-koty-spyat.html">Почему коты спят почти весь день</a></li>
</ul></div>
<div class="section"><h4>Спорт</h4>
  <a href="//dala-news.kz/news/1004-nasha-komanda-vyshla-v-final.html" title="Наша команда вышла в финал кубка после серии пенальти">Наша команда вышла в финал кубка после...</a>
  <a href="https://sport.dala-news.kz/news/1005-boksery-uletyat-na-sbory.html">Боксёры улетят на сборы в Турцию<span class="comments">12</span><i class="icon-video"></i></a>
  <a href="https://other-site.kz/news/5555-chuzhaya-novost-o-pogode.html">Чужая новость о погоде на неделе</a>
</div>
<!-- <div class="section"><a href="/news/9999-staraya-skrytaya-novost.html">Старая скрытая новость из шаблона</a></div> -->
<footer><ul><li><a href="/about/kontakty-redaktsii-i-reklama.html">Контакты редакции и реклама на сайте</a></li>
  <li><a href="/news/1001-vesna-prishla-v-stepnye-rayony.html">Весна пришла в степные районы раньше срока</a></li></ul></footer>
</body></html>"""


def test_story_blocks_are_found_and_chrome_skipped():
    result = find(FRONT)
    assert titles(result) == [
        "Весна пришла в степные районы раньше срока",
        "Новый мост через реку откроют летом",
        "Школьники собрали робота для уборки снега",
        "Наша команда вышла в финал кубка после серии пенальти",  # cut title: full text
        "Боксёры улетят на сборы в Турцию",  # comment counter and icon dropped, sub-domain
    ]
    assert [h["position"] for h in result.headlines] == [1, 2, 3, 4, 5]
    first = result.headlines[0]
    assert first["url"] == "https://dala-news.kz/news/1001-vesna-prishla-v-stepnye-rayony.html"
    assert first["canonical_url"] == first["url"] and first["list_kind"] == "listing"
    assert first["source_id"] == "dala" and first["list_id"] == "front"
    assert first["fetched_at"] == FETCHED and first["published_at"] is None
    assert "Главное" in first["block"] and "Спорт" in result.headlines[3]["block"]
    assert any("Сегодня родились" in w for w in result.warnings)
    assert any("Самое читаемое" in w for w in result.warnings)


def test_most_read_widgets_kept_when_configured():
    kept = titles(find(FRONT, blocks="all"))
    assert "Как выбрать арбуз без ошибок и потерь" in kept
    assert "Иванов Иван Иванович (1970), аким района" not in kept  # a widget, always skipped


def test_parse_listing_without_selectors_finds_blocks_and_selectors_still_win():
    no_selectors = parse_listing(FRONT.encode(), URL, source=SOURCE, listing=listing(),
                                 fetched_at=FETCHED)  # fmt: skip
    assert titles(no_selectors) == titles(find(FRONT))
    chosen = SimpleNamespace(id="sport", url=URL, selectors={
        "item": "div.section > a", "title": "a", "link": "a"})  # fmt: skip
    with_selectors = parse_listing(FRONT.encode(), URL, source=SOURCE, listing=chosen,
                                   fetched_at=FETCHED)  # fmt: skip
    assert len(with_selectors.headlines) == 3  # the selectors' items, other site included
    assert "block" not in with_selectors.headlines[0]


DUPLICATES = """<html><body><div class="feed"><ul>
<li><a href="/news/2001-dozhd-v-stolitse.html">Дождь в столице продлится до пятницы</a></li>
<li><a href="https://www.dala-news.kz/news/2001-dozhd-v-stolitse.html">Дождь в столице продлится до пятницы</a></li>
<li><a href="/news/2002-tseny-na-khleb.html?utm_source=main">Цены на хлеб остались прежними</a></li>
<li><a href="/news/2002-tseny-na-khleb.html#comments">Цены на хлеб остались прежними</a></li>
<li><a href="/news/2003-novyy-park.html">В городе откроют новый парк</a></li>
</ul></div></body></html>"""


def test_duplicates_keep_the_first_and_are_reported():
    result = find(DUPLICATES)
    assert titles(result) == [
        "Дождь в столице продлится до пятницы",
        "Цены на хлеб остались прежними",
        "В городе откроют новый парк",
    ]
    assert result.headlines[0]["url"] == "https://dala-news.kz/news/2001-dozhd-v-stolitse.html"
    assert [h["position"] for h in result.headlines] == [1, 2, 3]
    assert any(w.startswith("2 duplicate links dropped") for w in result.warnings)


MIDNIGHT = """<html><body><div class="latest"><h3>Лента новостей</h3><ul>
<li><a href="/news/3004-utrennie-zamorozki.html"><span class="t">00:10</span>Утренние заморозки ожидаются на севере</a></li>
<li><a href="/news/3003-pozdniy-reys.html"><span class="t">23:50</span>Поздний рейс задержали из-за тумана</a></li>
<li><a href="/news/3002-vecherniy-kontsert.html"><span class="t">21:05</span>Вечерний концерт собрал тысячу зрителей</a></li>
</ul></div>
<div class="articles">
<div class="post"><time datetime="2024-04-30T10:00:00+05:00">30.04.2024</time>
  <h2><a href="/news/3001-vesennyaya-yarmarka.html">Весенняя ярмарка открылась на площади</a></h2></div>
<div class="post"><span class="date">29.04.2024 18:40</span>
  <h2><a href="/news/3000-novye-avtobusy.html">Новые автобусы вышли на маршруты</a></h2></div>
<div class="post"><h2><a href="/news/2999-koktemgi-egis.html">Көктемгі егіс жұмыстары басталды</a></h2>
  <span>21 Наурыз, 2024 сағат 17:18</span></div>
<div class="post"><h2><a href="/news/2998-5-prichin.html"><span>5 причин посадить 20 деревьев</span></a></h2></div>
</div></body></html>"""


def test_bare_times_crossing_midnight_and_printed_dates():
    result = find(MIDNIGHT)
    dates = [h["published_at"] for h in result.headlines]
    assert [h["title"] for h in result.headlines][0] == "Утренние заморозки ожидаются на севере"
    assert dates[0] == datetime(2024, 5, 2, 0, 10, tzinfo=ALMATY)
    assert dates[1] == datetime(2024, 5, 1, 23, 50, tzinfo=ALMATY)  # before midnight
    assert dates[2] == datetime(2024, 5, 1, 21, 5, tzinfo=ALMATY)
    assert dates[3] == datetime.fromisoformat("2024-04-30T10:00:00+05:00")
    assert dates[4] is not None and dates[4].astimezone(ALMATY).day == 29
    assert dates[5] == datetime(2024, 3, 21, 17, 18, tzinfo=ALMATY)  # Kazakh month name
    assert result.headlines[6]["title"] == "5 причин посадить 20 деревьев"  # not a date
    assert dates[6] is None
    assert result.headlines[0]["date_flag"] == "zone_assumed"


def test_empty_and_linkless_pages():
    assert find("").headlines == [] and find("<p>нет ссылок</p>").headlines == []
    assert "no headline blocks found on the page" in find("").warnings


@pytest.mark.parametrize(
    ("path", "strength"),
    [
        ("/4909264-v-kazahstane-grazhdane.html", 2),
        ("/54710/almatyny-khalqy-nay-ryz/", 2),
        ("/2024/05/01/story/", 2),
        ("/video/v/75777.html", 2),
        ("/card/zheke-kualik-zhoghalsa-nemese-urlansa/", 1),
        ("/category/zhanalyktar/", 0),
        ("/tag/vybory-prezidenta-rossii-2018/", 0),
        ("/news/", 0),
        ("/", 0),
    ],
)
def test_url_strength(path, strength):
    assert url_strength(path) == strength


@pytest.mark.parametrize(
    ("text", "headline"),
    [
        ("Весна пришла в степные районы", True),
        ("Наурыз мейрамына 30 жыл толды", True),
        ("Подробнее", False),
        ("Толығырақ...", False),
        ("Read more", False),
        ("Все новости", False),
        ("Экономика", False),
    ],
)
def test_headline_text(text, headline):
    assert is_headline_text(text) is headline


def test_cli_parse_listing_without_source(tmp_path, capsys):
    page = tmp_path / "front.html"
    page.write_text(FRONT, encoding="utf-8")
    assert main(["parse-listing", str(page), "--url", URL]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["feed"]["source"] == "dala-news.kz" and out["feed"]["kind"] == "listing"
    assert [i["title"] for i in out["items"]] == titles(find(FRONT))
    assert out["items"][0]["position"] == 1 and out["items"][0]["block"]
    assert main(["parse-listing", str(page)]) == 2  # no --source and no --url
    assert "give --url" in capsys.readouterr().err


def test_cli_parse_listing_dates_bare_times_from_fetched_at(tmp_path, capsys):
    page = tmp_path / "midnight.html"
    page.write_text(MIDNIGHT, encoding="utf-8")
    args = ["parse-listing", str(page), "--url", URL, "--fetched-at", "2024-05-01T19:30:00Z"]
    assert main(args) == 0  # 00:30 of 2 May in Almaty
    items = json.loads(capsys.readouterr().out)["items"]
    assert [i["published_at"] for i in items[:3]] == [
        "2024-05-02T00:10:00+05:00", "2024-05-01T23:50:00+05:00", "2024-05-01T21:05:00+05:00",
    ]  # fmt: skip
    assert main([*args[:-1], "yesterday"]) == 2
    assert "not an ISO 8601 instant" in capsys.readouterr().err
