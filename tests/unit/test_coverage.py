from datetime import UTC, datetime

from mediamon.config import Listing
from mediamon.quality.coverage import day_coverage
from support import make_source

SITE = "https://exclusive.kz/"
SOURCE = make_source()
READ_LATER = datetime(2024, 9, 10, 6, 0, tzinfo=UTC)  # two days after the day in question
DAY = "2024-09-08"  # Almaty: [2024-09-07 19:00Z, 2024-09-08 19:00Z)


def _fetch(url, kind, status=200, at=READ_LATER, list_id=None):
    return {"url": url, "kind": kind, "status": status, "fetched_at": at, "list_id": list_id}


def _item(n, published_at):
    return {"url": f"{SITE}news/{n}", "published_at": published_at}


def test_promised_versus_captured_and_the_gap_flag():
    lists = [_fetch(f"{SITE}rss", "feed", list_id="rss")]
    items = [_item(n, datetime(2024, 9, 8, 5, n, tzinfo=UTC)) for n in range(10)]
    items += [_item(99, datetime(2024, 9, 7, 12, 0, tzinfo=UTC)), _item(98, None)]
    items.append({"url": "https://other.kz/x", "published_at": items[0]["published_at"]})
    pages = [_fetch(f"{SITE}news/{n}", "article") for n in range(9)]
    pages.append(_fetch(f"{SITE}news/9", "article", status=404))
    cov = day_coverage(SOURCE, DAY, lists + pages, items, threshold=0.1)
    # 10 own links dated the 8th (the 7th's item, the undated one and the foreign host are not)
    assert (cov.promised, cov.captured, cov.missing, cov.undated) == (10, 9, 1, 1)
    assert cov.reachable and not cov.flagged  # 10 % missing is not above 10 %
    cov = day_coverage(SOURCE, DAY, lists + pages[:7], items, threshold=0.1)
    assert cov.flagged and cov.reason == "3 of 10 promised articles not captured"


def test_a_past_day_is_reached_only_by_lists_that_go_back_to_it():
    lists = [_fetch(f"{SITE}rss", "feed", list_id="rss")]
    newer = [_item(1, datetime(2024, 9, 9, 4, 0, tzinfo=UTC))]
    cov = day_coverage(SOURCE, DAY, lists, newer)
    assert not cov.reachable and cov.flagged
    assert cov.reason == (
        "cannot reach this day: read on 2024-09-10, its lists reach back only to "
        "2024-09-09 09:00, and no date archive or sitemap covers the day"
    )
    older = newer + [_item(2, datetime(2024, 9, 7, 10, 0, tzinfo=UTC))]
    assert day_coverage(SOURCE, DAY, lists, older).reachable  # the list goes back past it
    # lists without any date cannot tell: loaded, but flagged with the reason
    undated = day_coverage(SOURCE, DAY, lists, [_item(3, None)])
    assert undated.reachable and undated.flagged
    assert undated.reason == "cannot tell whether its lists reach this day: they print no dates"
    # read while the day was running (the raw store of a daily run): reached
    during = [_fetch(f"{SITE}rss", "feed", at=datetime(2024, 9, 8, 10, tzinfo=UTC), list_id="rss")]
    assert day_coverage(SOURCE, DAY, during, newer).reachable
    # read before the day began (a recording of the 8th replayed as the 12th): unreachable
    replayed = day_coverage(SOURCE, "2024-09-12", during, newer + older)
    assert not replayed.reachable and replayed.flagged
    assert replayed.reason == (
        "cannot reach this day: its lists were read on 2024-09-08, before the day began"
    )
    # every list page failed (the site was down): unreachable
    down = day_coverage(SOURCE, DAY, [_fetch(f"{SITE}rss", "feed", status=503)], [])
    assert not down.reachable and down.reason == "cannot reach this day: no list page answered"
    # a batch without any list fetch (not a crawl's) cannot be judged: loaded, flagged
    assert day_coverage(SOURCE, DAY, [], []).reachable


def test_a_date_archive_page_of_the_day_reaches_it():
    from dataclasses import replace

    archive = Listing(id="archive", url=SITE + "{date:%Y/%m/%d}/", selectors={}, max_pages=1)
    source = replace(SOURCE, listings=(archive,))
    page = [_fetch(f"{SITE}2024/09/08/", "listing", list_id="archive")]
    assert day_coverage(source, DAY, page, [_item(1, None)]).reachable
