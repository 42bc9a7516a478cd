"""``headlines.parse_warnings``: what was repaired or refused in a headline, as on articles.

A feed item's date refused as implausible ("0000-00-00", "-1000000000": no date kept), a lone
surrogate or an invalid UTF-8 byte replaced by U+FFFD, NUL characters removed: each repair is
noted on the headline record (``Headline.warnings``) and kept here, the newest sighting's
(issue 19: never a silent change). Existing rows get an empty array.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("alter table headlines add column parse_warnings text[] not null default '{}'")


def downgrade() -> None:
    op.execute("alter table headlines drop column parse_warnings")
