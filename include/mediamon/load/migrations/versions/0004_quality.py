"""Data quality: what each check observed, a sample of the failing rows, per-day metrics.

- ``dq_results.observed`` (jsonb): the check's observed value, e.g. ``{"unexpected_percent":
  12.5}`` for row checks, ``{"article_pages": 8, "loaded_or_quarantined": 8}`` for the batch
  reconciliation; null when nothing was evaluated.
- ``dq_results.unexpected_sample`` (jsonb list): the URLs of up to five failing rows, for a
  first look without opening quarantine.
- ``source_day_metrics``: one row per source and local day (articles, headlines, author fill
  rate, date hit rate, median body length, duplicate rate), the baseline the drift checks
  compare a day with (:mod:`mediamon.quality.drift`).
- ``story_clusters``: near-duplicate headlines across outlets (:mod:`mediamon.quality.duplicates`):
  one row per canonical URL with its persistent ``cluster_id``.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        alter table dq_results
            add column observed jsonb,
            add column unexpected_sample jsonb not null default '[]'::jsonb;

        create table source_day_metrics (
            source_id          text not null references sources (id),
            day                date not null,
            articles           integer not null,
            headlines          integer not null,
            author_fill_rate   double precision,
            date_hit_rate      double precision,
            median_body_chars  double precision,
            duplicate_rate     double precision,
            primary key (source_id, day)
        );

        create table story_clusters (
            canonical_url  text primary key,
            cluster_id     text not null,
            source_id      text not null references sources (id),
            title          text not null,
            first_day      date not null
        );
        create index story_clusters_cluster on story_clusters (cluster_id);
        create index story_clusters_day on story_clusters (first_day);
        """
    )


def downgrade() -> None:
    op.execute(
        "drop table story_clusters, source_day_metrics; "
        "alter table dq_results drop column observed, drop column unexpected_sample"
    )
