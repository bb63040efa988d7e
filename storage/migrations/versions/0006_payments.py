"""Payment attempts: one row per LiqPay order, with the money it brought in and gave back.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    money = sa.Numeric(10, 2)
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.String(64), nullable=False, unique=True),
        sa.Column("booking_id", sa.Integer, sa.ForeignKey("bookings.id"), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("amount", money, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("status", sa.String(32), nullable=True),
        sa.Column("payment_id", sa.BigInteger, nullable=True),
        sa.Column("paid", money, nullable=False, server_default="0"),
        sa.Column("paid_at", UTCDateTime, nullable=True),
        sa.Column("refund_wanted", money, nullable=False, server_default="0"),
        sa.Column("refunded", money, nullable=False, server_default="0"),
        sa.Column("refunded_at", UTCDateTime, nullable=True),
        sa.Column("pay_by", UTCDateTime, nullable=True),
        sa.Column("received", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.CheckConstraint("state IN ('open', 'paid', 'failed', 'refunded')", name="payment_state"),
        sa.CheckConstraint("amount > 0 AND paid >= 0", name="money_positive"),
        sa.CheckConstraint("refunded <= paid AND refund_wanted <= paid", name="refund_within_paid"),
        sa.UniqueConstraint("booking_id", "attempt"),
    )
    op.create_index("ix_payments_booking_id", "payments", ["booking_id"])


def downgrade() -> None:
    op.drop_table("payments")
