"""Durable jobs, the effects already carried out (idempotency keys), the chat each booking came from, and
whether a customer's phone was proven by the platform.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DUE = sa.text("status = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("phone_proven", sa.Boolean, nullable=False, server_default=sa.false()))
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("channel", sa.String(16), nullable=True))
        batch.add_column(sa.Column("chat_id", sa.String(64), nullable=True))
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("booking_id", sa.Integer, sa.ForeignKey("bookings.id", ondelete="CASCADE"), nullable=True),
        sa.Column("payload", sa.Text, nullable=False, server_default="{}"),
        sa.Column("run_at", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("run", sa.Integer, nullable=False, server_default="1"),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.BigInteger, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.CheckConstraint("status IN ('pending', 'done', 'failed', 'dropped')", name="job_status"),
    )
    op.create_index("ix_jobs_pending_due", "jobs", ["run_at", "id"], sqlite_where=DUE, postgresql_where=DUE)
    op.create_index("ix_jobs_booking_id", "jobs", ["booking_id"])
    op.create_table(
        "effects",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("booking_id", sa.Integer, nullable=True),
        sa.Column("customer_id", sa.Integer, nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("effects")
    op.drop_table("jobs")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("chat_id")
        batch.drop_column("channel")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("phone_proven")
