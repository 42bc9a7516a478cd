"""One meaning of a source-day's counts for every reader: the drift metrics
(``source_day_metrics``), the day's summary (``mediamon summary``, ``make run``) and the
monitoring page count the articles and headlines that loaded; quarantined rows are counted
apart. On the demo day: 8 article pages parsed, 1 quarantined (no publication date), 7 loaded;
33 list items, 1 quarantined (dated 2044), 32 loaded."""

from __future__ import annotations

from datetime import date

import psycopg2
from mediamon.backfill import backfill
from mediamon.monitor import overview
from mediamon.report import day_summary
from support import DEMO

DAY = date(2024, 9, 8)


def test_metrics_summary_and_monitoring_page_count_the_same_articles(warehouse, db, replay):
    replay(DEMO)
    (outcome,) = backfill(DAY, DAY, lambda: psycopg2.connect(warehouse))
    assert outcome.status == "loaded"

    with db.cursor() as cur:
        cur.execute(
            "select articles, articles_quarantined, headlines, headlines_quarantined, "
            "date_hit_rate from source_day_metrics where source_id = 'exclusive_demo' "
            "and day = %s",
            (DAY,),
        )
        metrics = cur.fetchone()
    (summary,) = day_summary(db, DAY.isoformat())
    page = overview(db)["sources"][0]["per_day"][DAY.isoformat()]
    db.rollback()

    assert summary["articles"] == page["articles"] == metrics[0] == 7
    assert summary["headlines"] == page["headlines"] == metrics[2] == 32
    assert metrics[1] == metrics[3] == 1  # the undated interview; the feed item dated 2044
    assert summary["quarantined"] == page["quarantined"] == metrics[1] + metrics[3] == 2
    # the rates still see the quarantined rows: the undated article counts against dates
    assert metrics[4] == 7 / 8
