"""``source_day_metrics`` counts loaded rows; quarantined rows are counted apart.

- ``articles`` and ``headlines`` now count the rows that loaded (what the day's summary,
  :func:`mediamon.report.day_summary`, and the monitoring page call articles and headlines);
  until 0007 they also counted the rows sent to quarantine.
- ``articles_quarantined``, ``headlines_quarantined``: the source-day's rows of that kind sent
  to quarantine. The rates (author fill, date hit, median body, duplicates) are still measured
  over both, loaded and quarantined: a layout change that sends rows to quarantine must show
  in them.

Existing rows are split with the day's ``quarantine`` rows (which the same load wrote).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        alter table source_day_metrics
            add column articles_quarantined integer not null default 0,
            add column headlines_quarantined integer not null default 0;

        update source_day_metrics m set
            articles_quarantined = q.articles, headlines_quarantined = q.headlines,
            articles = greatest(0, m.articles - q.articles),
            headlines = greatest(0, m.headlines - q.headlines)
        from (
            select source_id, day,
                   count(*) filter (where record_kind = 'article') as articles,
                   count(*) filter (where record_kind = 'headline') as headlines
            from quarantine group by source_id, day
        ) q
        where q.source_id = m.source_id and q.day = m.day;

        alter table source_day_metrics
            alter column articles_quarantined drop default,
            alter column headlines_quarantined drop default;
        """
    )


def downgrade() -> None:
    op.execute(
        """
        update source_day_metrics set articles = articles + articles_quarantined,
            headlines = headlines + headlines_quarantined;
        alter table source_day_metrics
            drop column articles_quarantined, drop column headlines_quarantined;
        """
    )
