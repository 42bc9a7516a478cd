"""Article extraction fields: byline kind, date provenance and disagreement, encoding repair.

- ``byline_kind``: person / editorial / agency / press_service (null without a byline), next
  to ``authors_status`` (present / absent / editorial), which the quality suite checks.
- ``published_at_reason``: why ``published_at`` is null.
- ``dates_disagree``: two date rules disagreed; ``published_at_alt`` and
  ``published_at_alt_source`` hold the less reliable one (``published_at`` the kept one).
- ``title_language``: language of the headline alone (ru / kk / ...).
- ``encoding`` (codec used) and ``encoding_repaired``: the declared charset did not fit the
  bytes and another was used.
- ``parse_warnings``: what the parser noticed (placeholders, repairs, disagreements).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        alter table articles
            add column byline_kind              text,
            add column published_at_reason      text,
            add column dates_disagree           boolean not null default false,
            add column published_at_alt         timestamptz,
            add column published_at_alt_source  text,
            add column title_language           text,
            add column encoding                 text,
            add column encoding_repaired        boolean not null default false,
            add column parse_warnings           text[] not null default '{}',
            add constraint articles_byline_kind_check check (
                byline_kind in ('person', 'editorial', 'agency', 'press_service')
            );
        """
    )


def downgrade() -> None:
    op.execute(
        """
        alter table articles
            drop constraint articles_byline_kind_check,
            drop column parse_warnings,
            drop column encoding_repaired,
            drop column encoding,
            drop column title_language,
            drop column published_at_alt_source,
            drop column published_at_alt,
            drop column dates_disagree,
            drop column published_at_reason,
            drop column byline_kind;
        """
    )
