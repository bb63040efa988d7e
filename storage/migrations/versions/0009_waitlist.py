"""The waitlist: customers waiting for a time on a full day, and the freed times offered to them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("ended_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "waitlist",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=True),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("specialist", sa.String(64), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("earliest", sa.Integer, nullable=True),
        sa.Column("latest", sa.Integer, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("ended_at", UTCDateTime, nullable=True),
        sa.Column("ended_why", sa.String(16), nullable=True),
    )
    wish = ["channel", "chat_id", "service", "specialist", "day"]
    op.create_index(
        "uq_waitlist_open_wish", "waitlist", wish, unique=True, sqlite_where=OPEN, postgresql_where=OPEN
    )
    op.create_index("ix_waitlist_open_day", "waitlist", ["day"], sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_index("ix_waitlist_customer_id", "waitlist", ["customer_id"])
    op.create_table(
        "waitlist_offers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("waitlist.id", ondelete="CASCADE"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("start_ts", sa.BigInteger, nullable=False),
        sa.Column("job", sa.String(32), nullable=False),
        sa.Column("offered_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("channel", "chat_id", "service", "start_ts"),
    )
    op.create_index("ix_waitlist_offers_job", "waitlist_offers", ["job"])


def downgrade() -> None:
    op.drop_table("waitlist_offers")
    op.drop_table("waitlist")
