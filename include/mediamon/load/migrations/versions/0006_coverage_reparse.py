"""Coverage of each source's day, and the diff reports of re-parse runs.

- ``source_day_coverage``: one row per source and local day, written when the day loads
  (:mod:`mediamon.quality.coverage`): how many article links dated that day the lists (feeds,
  listings, sitemaps) promised, how many of them were captured, how many list items had no
  date, whether the day could be reached at all (``reachable``; ``reason`` says why not) and
  whether it is ``flagged`` for a backfill (unreachable, or a gap above the threshold). A row
  with ``reachable`` true is also what marks a source-day as finished for ``mediamon
  backfill`` (resume).
- ``reparse_diffs``: one row per re-parse run, source and article field: on how many of the
  source's re-parsed articles the field changed (``mediamon_reparse``).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create table source_day_coverage (
            source_id  text not null references sources (id),
            day        date not null,
            run_key    text not null,
            promised   integer not null,
            captured   integer not null,
            missing    integer not null,
            undated    integer not null,
            reachable  boolean not null,
            flagged    boolean not null,
            reason     text,
            primary key (source_id, day)
        );
        create index source_day_coverage_flagged on source_day_coverage (day) where flagged;

        create table reparse_diffs (
            reparse_key     text not null,
            source_id       text not null references sources (id),
            field           text not null,
            changed         integer not null,
            total           integer not null,
            first_day       date not null,
            last_day        date not null,
            parser_version  text not null,
            created_at      timestamptz not null default now(),
            primary key (reparse_key, source_id, field)
        );
        """
    )


def downgrade() -> None:
    op.execute("drop table reparse_diffs, source_day_coverage")
