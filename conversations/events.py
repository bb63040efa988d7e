"""What can happen to a conversation: the customer's messages, and the results of effects carried out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from storage.attempt import Report
from storage.booking import Booking
from storage.waiting import Entry


@dataclass(frozen=True)
class Text:
    """Free text the customer typed (a number answers the options on the last message)."""

    text: str


@dataclass(frozen=True)
class Choice:
    """A button pressed: `option` is the id of an option the bot offered, as sent back by the platform."""

    option: str


@dataclass(frozen=True)
class Command:
    """A command such as /start, /book, /my, /help, /lang; `language` is the app's language if known."""

    name: str
    language: str | None = None


@dataclass(frozen=True)
class ContactShared:
    """A phone number shared through the platform's button (Telegram's request_contact), as E.164. `own` when
    the contact is the sender's own account: Telegram's proof that the number is theirs."""

    phone: str
    own: bool


@dataclass(frozen=True)
class Held:
    booking: Booking


@dataclass(frozen=True)
class HoldFailed:
    reason: str


@dataclass(frozen=True)
class Confirmed:
    booking: Booking


@dataclass(frozen=True)
class Cancelled:
    """The store cancelled the booking. `by_staff`: staff did (StaffCancels), with their `reason` and the
    `refund` decided; the customer hears it wherever they are, not as the answer to their own cancel."""

    booking: Booking
    by_staff: bool = False
    reason: str = ""
    refund: Decimal = Decimal(0)


@dataclass(frozen=True)
class StaffCancels:
    """Staff cancel a booking (`slotbot cancel CODE`): `booking` as the store had it when they asked, which
    the flow checks against its own view; `full_refund`: all that was paid goes back, whatever the window."""

    booking: Booking
    reason: str = ""
    full_refund: bool = False


@dataclass(frozen=True)
class Moved:
    booking: Booking


@dataclass(frozen=True)
class Refused:
    """A cancel, move or confirm the store refused, with its reason ("taken", "expired", ...)."""

    reason: str


@dataclass(frozen=True)
class HoldDue:
    """A hold's time to pay or finish ran out (a durable job came due): `booking` as the store has it now,
    so the flow decides from the truth (paid meanwhile: nothing to do)."""

    booking: Booking


@dataclass(frozen=True)
class Expired:
    """The store recorded an unpaid hold as expired; its time is free for others again."""

    booking: Booking


@dataclass(frozen=True)
class ReminderDue:
    """A reminder of a visit came due (a durable job, `offset` minutes before it as configured): `booking`
    as the store had it when the job ran, which the flow checks against its own view before saying it."""

    booking: Booking
    offset: int


@dataclass(frozen=True)
class VisitConfirmed:
    """The store's answer to ConfirmVisit: the booking as it now is, and `first` when this answer is the one
    that recorded the confirmation (staff are told) rather than a repeat; a booking no longer to come is
    not confirmed, which its status says (None: there is no such booking)."""

    booking: Booking | None
    first: bool


@dataclass(frozen=True)
class PaymentLink:
    """The prepayment's checkout link, made for the held `booking`: `amount` to pay by `pay_by` (aware)."""

    booking: Booking
    url: str
    amount: Decimal
    pay_by: datetime


@dataclass(frozen=True)
class PaymentsOff:
    """No payment provider is set up: the prepayment cannot be taken online."""


@dataclass(frozen=True)
class PaymentNotStarted:
    """No payment attempt could be started: the booking is no longer live, or is paid already."""

    reason: str


@dataclass(frozen=True)
class PaymentReported:
    """LiqPay said something of a payment (a callback, or the answer to a status check or a refund)."""

    report: Report


@dataclass(frozen=True)
class Paid:
    """The prepayment is in and the booking confirmed (a late one took its time back)."""

    booking: Booking
    amount: Decimal


@dataclass(frozen=True)
class PaidTooLate:
    """Paid after the hold ran out, and its time was taken meanwhile: the money goes back."""

    booking: Booking
    amount: Decimal


@dataclass(frozen=True)
class PaymentReturned:
    """A payment that was not needed (a second one, another amount, for a cancelled booking) goes back."""

    booking: Booking
    amount: Decimal


@dataclass(frozen=True)
class PaymentFailed:
    booking: Booking


@dataclass(frozen=True)
class Refunded:
    """Money went back to the customer (a refund made)."""

    booking: Booking
    amount: Decimal


@dataclass(frozen=True)
class WaitlistJoined:
    """The customer is on the waitlist (a new entry, or new times for the one they had)."""

    entry: Entry


@dataclass(frozen=True)
class WaitlistLeft:
    """The customer took an entry off the list (None: it was not theirs)."""

    entry: Entry | None


@dataclass(frozen=True)
class WaitlistOffer:
    """A time was freed that fits an entry (a waitlist job found it free): `start`, of the entry's service."""

    entry: Entry
    start: datetime


@dataclass(frozen=True)
class OfferTaken:
    """The customer pressed "Book it" first: the freed time is held for them (the ordinary hold)."""

    booking: Booking
    entry: Entry


@dataclass(frozen=True)
class OfferGone:
    """Someone else was first to the freed time (or it was taken otherwise); the entry stays on the list."""

    start: datetime


Event = (
    Text
    | Choice
    | Command
    | ContactShared
    | Held
    | HoldFailed
    | Confirmed
    | Cancelled
    | StaffCancels
    | Moved
    | Refused
    | HoldDue
    | Expired
    | ReminderDue
    | VisitConfirmed
    | PaymentLink
    | PaymentsOff
    | PaymentNotStarted
    | PaymentReported
    | Paid
    | PaidTooLate
    | PaymentReturned
    | PaymentFailed
    | Refunded
    | WaitlistJoined
    | WaitlistLeft
    | WaitlistOffer
    | OfferTaken
    | OfferGone
)


def kind(event: Event) -> str:
    """The name the transition table knows an event by (a cancellation by staff is news of its own, not the
    answer to the customer's "yes, cancel")."""
    if isinstance(event, Cancelled) and event.by_staff:
        return "staffcancelled"
    return type(event).__name__.lower()
