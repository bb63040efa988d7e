"""Outbox indexes over pending rows only: sent messages pile up and no query looks at them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_index("ix_outbox_chat", table_name="outbox")
    op.create_index(
        "ix_outbox_pending_due",
        "outbox",
        ["not_before", "id"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_index(
        "ix_outbox_pending_chat",
        "outbox",
        ["channel", "chat_id", "id"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_pending_chat", table_name="outbox")
    op.drop_index("ix_outbox_pending_due", table_name="outbox")
    op.create_index("ix_outbox_due", "outbox", ["status", "not_before"])
    op.create_index("ix_outbox_chat", "outbox", ["channel", "chat_id", "id"])
