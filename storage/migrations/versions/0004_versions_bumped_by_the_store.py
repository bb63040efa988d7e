"""SQLite: resource versions are bumped by the store, as on PostgreSQL, not by triggers on `claims`.

One function (storage/transactions.py: `touch`) now bumps them on both backends, so the triggers that did it
on SQLite go. The triggers that refuse overlapping claims (`claims_no_overlap_*`) stay: they are SQLite's
guarantee against double booking.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As migration 0001 created them, copied here so that this migration means the same whatever 0001 becomes.
_BUMP = (
    "INSERT INTO resource_versions (resource, version) VALUES (NEW.resource, 1) "
    "ON CONFLICT (resource) DO UPDATE SET version = version + 1;"
)
VERSION_TRIGGERS = {
    "claims_version_insert": f"CREATE TRIGGER claims_version_insert AFTER INSERT ON claims BEGIN {_BUMP} END",
    "claims_version_update": (
        f"CREATE TRIGGER claims_version_update AFTER UPDATE OF active, expires_ts ON claims BEGIN {_BUMP} END"
    ),
}


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if _sqlite():
        for name in VERSION_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def downgrade() -> None:
    if _sqlite():
        for statement in VERSION_TRIGGERS.values():
            op.execute(statement)
