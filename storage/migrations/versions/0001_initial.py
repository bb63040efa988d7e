"""Customers, bookings and the claims that make double booking impossible.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import MAX_CLAIM_SECONDS, UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite has no exclusion constraints; a trigger refuses an overlapping active claim instead. Writers run
# under BEGIN IMMEDIATE, so the check and the insert can never interleave with another writer's.
_OVERLAP = f"""
    SELECT RAISE(ABORT, 'slot_taken') WHERE EXISTS (
        SELECT 1 FROM claims c
        WHERE c.active AND c.resource = NEW.resource AND c.seat = NEW.seat AND c.id IS NOT NEW.id
          AND c.start_ts > NEW.start_ts - {MAX_CLAIM_SECONDS}
          AND c.start_ts < NEW.end_ts AND c.end_ts > NEW.start_ts
    );
"""
# SQLite writers are serialised, so versions can be kept by triggers; PostgreSQL bumps them from the store,
# first thing in each transaction and in resource order, so that the row locks never deadlock.
_BUMP = (
    "INSERT INTO resource_versions (resource, version) VALUES (NEW.resource, 1) "
    "ON CONFLICT (resource) DO UPDATE SET version = version + 1;"
)
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER claims_no_overlap_insert BEFORE INSERT ON claims WHEN NEW.active BEGIN {_OVERLAP} END",
    "CREATE TRIGGER claims_no_overlap_update BEFORE UPDATE OF active, resource, seat, start_ts, end_ts "
    f"ON claims WHEN NEW.active BEGIN {_OVERLAP} END",
    f"CREATE TRIGGER claims_version_insert AFTER INSERT ON claims BEGIN {_BUMP} END",
    f"CREATE TRIGGER claims_version_update AFTER UPDATE OF active, expires_ts ON claims BEGIN {_BUMP} END",
)
POSTGRES_EXCLUSION = (
    "ALTER TABLE claims ADD CONSTRAINT claims_no_overlap EXCLUDE USING gist "
    "(resource WITH =, seat WITH =, int8range(start_ts, end_ts) WITH &&) WHERE (active)"
)


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_customers_phone", "customers", ["phone"])
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("specialist", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=True),
        sa.Column("start", UTCDateTime, nullable=False),
        sa.Column("end", UTCDateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=True),
        sa.Column("moves", sa.Integer, nullable=False, server_default="0"),
        sa.Column("price", sa.Numeric(10, 2), nullable=False, server_default="0"),
        sa.Column("paid", sa.Numeric(10, 2), nullable=False, server_default="0"),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("origin", sa.String(16), nullable=False, server_default="direct"),
        sa.Column("refund", sa.Boolean, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.CheckConstraint("status IN ('held', 'confirmed', 'cancelled', 'expired')", name="status"),
        sa.CheckConstraint('"start" < "end"', name="start_before_end"),
        sa.UniqueConstraint("code", name="uq_bookings_code"),
    )
    op.create_index("ix_bookings_customer_id", "bookings", ["customer_id"])
    op.create_index("ix_bookings_start", "bookings", ["start"])
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("booking_id", sa.Integer, sa.ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("resource", sa.String(160), nullable=False),
        sa.Column("seat", sa.Integer, nullable=False, server_default="0"),
        sa.Column("capacity", sa.Integer, nullable=False, server_default="1"),
        sa.Column("start_ts", sa.BigInteger, nullable=False),
        sa.Column("end_ts", sa.BigInteger, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("expires_ts", sa.BigInteger, nullable=True),
        sa.CheckConstraint("seat >= 0 AND seat < capacity", name="seat_within_capacity"),
        sa.CheckConstraint(
            f"start_ts < end_ts AND end_ts - start_ts <= {MAX_CLAIM_SECONDS}", name="sane_interval"
        ),
    )
    op.create_index("ix_claims_booking_id", "claims", ["booking_id"])
    op.create_index("ix_claims_resource_window", "claims", ["resource", "start_ts", "end_ts"])
    op.create_index(
        "uq_claims_live_seat_start",
        "claims",
        ["resource", "seat", "start_ts"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.create_table(
        "conversations",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.BigInteger, nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "resource_versions",
        sa.Column("resource", sa.String(160), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(POSTGRES_EXCLUSION)


def downgrade() -> None:
    op.drop_table("resource_versions")
    op.drop_table("conversations")
    op.drop_table("claims")
    op.drop_table("bookings")
    op.drop_table("customers")
