"""Outbox: pending messages in the order they were written, from an index of pending rows only.

Taking the next messages to send asks for pending rows in id order; with no index over pending rows in that
order, SQLite read the whole table, sent rows and all (3 ms a claim with 22,000 sent rows, growing with
every message ever sent, inside the one writer's transaction).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_index("ix_outbox_pending_id", "outbox", ["id"], sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade() -> None:
    op.drop_index("ix_outbox_pending_id", table_name="outbox")
