"""Watchlist mentions (:mod:`mediamon.mentions`): ``mentions``, ``mention_days``,
``mention_alerts``.

- ``mentions``: one row per item (an article, or a headline whose article is not loaded),
  watchlist term and place (``title``; ``lead``: the body's first 300 characters, the lead of
  the search index; ``body``: the rest), with ``count`` (> 0, occurrences there), a
  ``snippet`` (the match in ``[...]``), the item's ``source_id``, ``url`` and ``day`` (the
  local day search gives it: an article's publication day, else the day it was first seen).
  An item's rows are deleted and written again whenever a day that loaded it is evaluated, so
  a day evaluated twice leaves the same rows. Deleting an article or headline deletes its rows.
- ``mention_days`` (view): per local day, outlet and term, ``items`` (articles and
  headlines that mention it: the daily count alerts compare) and ``occurrences``.
- ``mention_alerts``: the spikes alerted, one per (day, term) at most: running a day again
  sends nothing twice.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create table mentions (
            article_id   bigint references articles (id) on delete cascade,
            headline_id  bigint references headlines (id) on delete cascade,
            term_id      text not null,
            place        text not null check (place in ('title', 'lead', 'body')),
            source_id    text not null references sources (id),
            day          date not null,
            url          text not null,
            count        integer not null check (count > 0),
            snippet      text not null,
            check ((article_id is null) <> (headline_id is null))
        );
        create unique index mentions_key on mentions
            (article_id, headline_id, term_id, place) nulls not distinct;
        create index mentions_headline on mentions (headline_id) where headline_id is not null;
        create index mentions_term_day on mentions (term_id, day, source_id);

        create view mention_days as
            select day, source_id, term_id,
                count(distinct coalesce(article_id, -headline_id)) as items,
                sum(count)::bigint as occurrences
            from mentions group by day, source_id, term_id;

        create table mention_alerts (
            day            date not null,
            term_id        text not null,
            items          integer not null,
            baseline_mean  double precision not null,
            baseline_std   double precision not null,
            baseline_days  integer not null,
            threshold      double precision not null,
            text           text not null,
            created_at     timestamptz not null default now(),
            primary key (day, term_id)
        );
        """
    )


def downgrade() -> None:
    op.execute("drop table mention_alerts; drop view mention_days; drop table mentions;")
