"""Source checks: does each registry entry still yield (``mediamon sources check``)?

- ``source_checks``: one row per source and check run (:mod:`mediamon.sourcecheck`):
  ``checked_at`` (UTC), ``mode`` (``live``: the sites themselves through the polite fetcher;
  ``offline``: a capture replayed on loopback), the ``verdict`` (``pass``: every feed,
  listing and sitemap yielded items and a sample article gave a title and a date;
  ``partial``: something yielded, something did not; ``fail``: no list yielded, or the
  sample article did not parse), the counts shown in the command's table and ``outcomes``,
  every check with its outcome and reason as ``[{"check", "ok", "items", "url",
  "reason"}]``; ``capture``: the WARC holding the check's exchanges. No foreign key to
  ``sources``: an outlet is checked before it ever loads.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create table source_checks (
            source_id            text not null,
            checked_at           timestamptz not null,
            mode                 text not null check (mode in ('live', 'offline')),
            verdict              text not null check (verdict in ('pass', 'partial', 'fail')),
            feeds_ok             integer not null,
            feeds_total          integer not null,
            sitemaps_ok          integer not null,
            sitemaps_total       integer not null,
            listing_items        integer not null,
            sample_url           text,
            sample_title         text,
            sample_published_at  timestamptz,
            outcomes             jsonb not null,
            capture              text,
            primary key (source_id, checked_at, mode)
        );
        create index source_checks_latest on source_checks (source_id, checked_at desc);
        """
    )


def downgrade() -> None:
    op.execute("drop table source_checks")
