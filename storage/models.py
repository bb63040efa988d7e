"""The tables of the shared availability store (SQLAlchemy Core).

The rule that no two live bookings overlap is enforced on `claims`, not on `bookings`: a booking claims one
row per resource it occupies (a specialist, a room, or one seat of a class session), and the database refuses
two active claims on the same resource and seat whose blocked times overlap (migration 0001 adds the
trigger on SQLite and the exclusion constraint on PostgreSQL). Claim times are UTC epoch seconds, so
comparisons are integer comparisons on both backends.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)

# Longest blocked interval a claim may have; the SQLite overlap trigger relies on it to scan a bounded range.
MAX_CLAIM_SECONDS = 86_400

BOOKING_STATUSES = ("held", "confirmed", "cancelled", "expired")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; SQLite stores them as naive UTC text."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, server_default=""),
    Column("phone", String(32), nullable=True),
    Column("language", String(8), nullable=True),
    # The platform vouched for `phone` (a WhatsApp sender, a Telegram user's own contact): only such a
    # customer is ever found by phone. A typed number is contact data for a booking, not proof of anyone.
    Column("phone_proven", Boolean, nullable=False, server_default=text("false")),
    # What staff said of the customer, space-separated (`no-prepay`: never asked to prepay).
    Column("tags", Text, nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_customers_phone", "phone"),
)

bookings = Table(
    "bookings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("service", String(64), nullable=False),
    Column("specialist", String(64), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=True),
    Column("start", UTCDateTime, nullable=False),
    Column("end", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("moves", Integer, nullable=False, server_default="0"),
    Column("price", Numeric(10, 2), nullable=False, server_default="0"),
    Column("paid", Numeric(10, 2), nullable=False, server_default="0"),
    Column("note", Text, nullable=False, server_default=""),
    # How the booking came about: "direct", or "package" / "coupon" / "approval", which the customer may
    # not change themselves.
    Column("origin", String(16), nullable=False, server_default="direct"),
    # Recorded when cancelled: whether the prepayment is to be refunded under the business's rules.
    Column("refund", Boolean, nullable=True),
    # Raised on every change a customer would want their calendar to follow (a move, a cancellation): an
    # iCalendar file's SEQUENCE for the booking's one UID.
    Column("revision", Integer, nullable=False, server_default="0"),
    # When the customer confirmed they are coming (answering a reminder); staff see it.
    Column("customer_confirmed_at", UTCDateTime, nullable=True),
    # The chat the booking was made from: where the bot tells the customer what happens to it later.
    Column("channel", String(16), nullable=True),
    Column("chat_id", String(64), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("status IN ('held', 'confirmed', 'cancelled', 'expired')", name="status"),
    CheckConstraint('"start" < "end"', name="start_before_end"),
    Index("ix_bookings_customer_id", "customer_id"),
    Index("ix_bookings_start", "start"),
)

claims = Table(
    "claims",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("booking_id", Integer, ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False),
    Column("resource", String(160), nullable=False),
    Column("seat", Integer, nullable=False, server_default="0"),
    Column("capacity", Integer, nullable=False, server_default="1"),
    Column("start_ts", BigInteger, nullable=False),
    Column("end_ts", BigInteger, nullable=False),
    Column("active", Boolean, nullable=False),
    # Set while the booking is an unpaid hold: past it the claim no longer counts, with no cleanup needed.
    Column("expires_ts", BigInteger, nullable=True),
    CheckConstraint("seat >= 0 AND seat < capacity", name="seat_within_capacity"),
    CheckConstraint(f"start_ts < end_ts AND end_ts - start_ts <= {MAX_CLAIM_SECONDS}", name="sane_interval"),
    Index("ix_claims_booking_id", "booking_id"),
    Index(
        "uq_claims_live_seat_start",
        "resource",
        "seat",
        "start_ts",
        unique=True,
        sqlite_where=text("active"),
        postgresql_where=text("active"),
    ),
    Index("ix_claims_resource_window", "resource", "start_ts", "end_ts"),
)

# One row per conversation (channel + chat). `version` rises with every saved step, and a short lease
# lets one process at a time advance a conversation, so two can never both answer one message.
conversations = Table(
    "conversations",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("data", Text, nullable=True),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", BigInteger, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Bumped in every write transaction that changes a resource's live claims (first thing in it, in resource
# order, so that on PostgreSQL it doubles as a per-resource lock). Readers cache claims per resource and
# reload only those whose version moved, which keeps slot searches cheap on a busy calendar.
resource_versions = Table(
    "resource_versions",
    metadata,
    Column("resource", String(160), primary_key=True),
    Column("version", BigInteger, nullable=False),
)

# Inbound messages already handled, by the platform's own id (Telegram update_id, Twilio MessageSid): a
# redelivery finds its row and is dropped.
inbound = Table(
    "inbound",
    metadata,
    Column("channel", String(16), primary_key=True),
    Column("external_id", String(64), primary_key=True),
    Column("received_at", UTCDateTime, nullable=False),
)

# Who a chat is: the customer behind a Telegram chat or a WhatsApp number, and when they last wrote (WhatsApp
# lets a business send free-form messages only within 24 hours of that).
identities = Table(
    "identities",
    metadata,
    Column("channel", String(16), primary_key=True),
    Column("chat_id", String(64), primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=True),
    Column("language", String(8), nullable=True),
    Column("last_inbound_at", UTCDateTime, nullable=True),
    Index("ix_identities_customer_id", "customer_id"),
)

# Messages to send, written in the same transaction as the step that produced them and delivered by the
# outbox sender (bot/outbox.py), so that a restart or an outage delays a message but never loses it.
PENDING = text("status = 'pending'")
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("chat_id", String(64), nullable=False),
    Column("method", String(64), nullable=False),
    Column("params", Text, nullable=False),
    Column("status", String(8), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("not_before", BigInteger, nullable=False),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", BigInteger, nullable=True),
    Column("error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    CheckConstraint("status IN ('pending', 'sent', 'failed')", name="outbox_status"),
    # Only pending rows are ever looked up; sent ones pile up and stay out of these indexes.
    Index("ix_outbox_pending_due", "not_before", "id", sqlite_where=PENDING, postgresql_where=PENDING),
    # The claim's order (by id): without it SQLite scans every row ever sent.
    Index("ix_outbox_pending_id", "id", sqlite_where=PENDING, postgresql_where=PENDING),
    Index(
        "ix_outbox_pending_chat", "channel", "chat_id", "id", sqlite_where=PENDING, postgresql_where=PENDING
    ),
)

# Work that falls due later (a hold's expiry; reminders and payment checks next), written in the same
# transaction as the change that makes it due, and claimed by one process at a time with a lease. A job is
# re-checked against its booking when it runs, so a job for a booking that changed meanwhile does nothing.
JOB_STATUSES = ("pending", "done", "failed", "dropped")
DUE = text("status = 'pending'")
jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("booking_id", Integer, ForeignKey("bookings.id", ondelete="CASCADE"), nullable=True),
    Column("payload", Text, nullable=False, server_default="{}"),
    Column("run_at", BigInteger, nullable=False),  # epoch seconds
    Column("status", String(8), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # Bumped when an operator runs a failed job again: with the id, the key that makes a run happen once.
    Column("run", Integer, nullable=False, server_default="1"),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", BigInteger, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(f"status IN {JOB_STATUSES!r}", name="job_status"),
    Index("ix_jobs_pending_due", "run_at", "id", sqlite_where=DUE, postgresql_where=DUE),
    Index("ix_jobs_booking_id", "booking_id"),
)

# Effects already carried out, by idempotency key (the event's source key and the effect's place in its
# turn), written in the same transaction as the effect: an event delivered again after a crash finds the
# hold, confirmation or move it already made and carries on from there instead of doing it twice.
effects = Table(
    "effects",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("booking_id", Integer, nullable=True),
    Column("customer_id", Integer, nullable=True),
    Column("outcome", String(32), nullable=True),  # what it came to, where that was more than the booking
    Column("created_at", UTCDateTime, nullable=False),
)

# One row per payment attempt (LiqPay's order): the money it brought in and gave back, and every document
# LiqPay sent about it, as received, for audit. A booking may have several (a failed one, then another);
# its own `paid` is what they keep in all. The checks make "never refund more than was paid" the database's.
PAYMENT_STATES = ("open", "paid", "failed", "refunded")
payments = Table(
    "payments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", String(64), nullable=False, unique=True),
    Column("booking_id", Integer, ForeignKey("bookings.id"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("amount", Numeric(10, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("state", String(8), nullable=False),
    Column("status", String(32), nullable=True),  # LiqPay's last status recorded
    Column("payment_id", BigInteger, nullable=True),
    Column("paid", Numeric(10, 2), nullable=False, server_default="0"),
    Column("paid_at", UTCDateTime, nullable=True),
    Column("refund_wanted", Numeric(10, 2), nullable=False, server_default="0"),
    Column("refunded", Numeric(10, 2), nullable=False, server_default="0"),
    Column("refunded_at", UTCDateTime, nullable=True),
    Column("pay_by", UTCDateTime, nullable=True),  # the checkout's expired_date
    Column("received", Text, nullable=False, server_default=""),  # one JSON line per document received
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(f"state IN {PAYMENT_STATES!r}", name="payment_state"),
    CheckConstraint("amount > 0 AND paid >= 0", name="money_positive"),
    CheckConstraint("refunded <= paid AND refund_wanted <= paid", name="refund_within_paid"),
    UniqueConstraint("booking_id", "attempt"),
    Index("ix_payments_booking_id", "booking_id"),
)

# Customers waiting for a time on a day that was full, or for a time that was taken (issue 13): one row per
# wish, until the customer leaves the list, holds a freed time from it, or its day passes (`ended_why`).
# Times are minutes since local midnight. One open entry per chat, service, specialist ("*": anyone) and day.
OPEN = text("ended_at IS NULL")
waitlist = Table(
    "waitlist",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("chat_id", String(64), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=True),
    Column("service", String(64), nullable=False),
    Column("specialist", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("earliest", Integer, nullable=True),
    Column("latest", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("ended_why", String(16), nullable=True),
    Index(
        "uq_waitlist_open_wish",
        "channel",
        "chat_id",
        "service",
        "specialist",
        "day",
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    ),
    Index("ix_waitlist_open_day", "day", sqlite_where=OPEN, postgresql_where=OPEN),
    Index("ix_waitlist_customer_id", "customer_id"),
)

# Each freed time offered to a waiting customer, recorded by the job run that offered it (`job`: its key):
# the unique constraint is "never the same time twice" (per chat and service); a job run again after a crash
# finds its own offers and enters them again, which the runner drops if they were told already.
waitlist_offers = Table(
    "waitlist_offers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entry_id", Integer, ForeignKey("waitlist.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("chat_id", String(64), nullable=False),
    Column("service", String(64), nullable=False),
    Column("start_ts", BigInteger, nullable=False),
    Column("job", String(32), nullable=False),
    Column("offered_at", UTCDateTime, nullable=False),
    UniqueConstraint("channel", "chat_id", "service", "start_ts"),
    Index("ix_waitlist_offers_job", "job"),
)
