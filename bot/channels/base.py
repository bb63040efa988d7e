"""What every channel adapter speaks: an inbound message as an `Inbound`, outbound ones as `Outgoing`.

An adapter only translates: a platform update into an `Inbound` (whose `event` is a conversation event),
and the conversation's replies into `Outgoing` messages, which the runner writes to the outbox in the same
transaction as the session and the sender delivers later (bot/outbox.py). Five to fifty lines per direction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from conversations.events import Event
from conversations.replies import Reply

TELEGRAM = "telegram"
WHATSAPP = "whatsapp"
CONSOLE = "console"
NOWHERE = ""  # an event about a booking with no chat to talk in (made by staff, say): nothing is said

# Sources of events that are not a customer's message (a customer's message comes from its channel).
JOB = "job"
STAFF = "staff"  # an operator's command (`slotbot cancel`)


@dataclass(frozen=True)
class Inbound:
    """One event for one conversation, from wherever it came: a customer's message, a due job, a payment.

    `channel` and `chat_id` name the conversation (and where replies go); `source` says who sent the event
    when it is not the customer on that channel; `dedup_id` is the source's own key for the event, which makes
    it happen once: a redelivered or repeated event changes nothing and sends nothing twice."""

    channel: str  # TELEGRAM, WHATSAPP, CONSOLE, or NOWHERE
    chat_id: str  # Telegram chat id, or the WhatsApp number as E.164 ("+380501234567")
    event: Event
    dedup_id: str | None = None  # Telegram update_id, Twilio MessageSid, a job's id and run
    name: str | None = None  # the name the platform shows (first name, ProfileName)
    language: str | None = None  # the app's language where the platform says (Telegram language_code)
    phone: str | None = None  # a phone number the platform vouches for (WhatsApp), E.164
    message_id: str | None = None  # Telegram: the message whose button was pressed (to edit in place)
    callback_id: str | None = None  # Telegram: the callback query to answer
    source: str | None = None  # JOB, STAFF, the payment provider; None: the customer

    @property
    def key(self) -> str:
        """The conversation this event belongs to."""
        return f"{self.channel}:{self.chat_id}"

    @property
    def from_customer(self) -> bool:
        return self.source is None

    @property
    def origin(self) -> str:
        """Whose key `dedup_id` is: the channel for a customer's message, else the source."""
        return self.source or self.channel


@dataclass(frozen=True)
class Outgoing:
    """One platform call to make, e.g. Telegram ("sendMessage", {...}) or Twilio ("message", {...})."""

    channel: str
    chat_id: str
    method: str
    params: dict[str, Any] = field(default_factory=dict)


class Renderer(Protocol):
    """Turns the conversation's replies to one inbound message into platform calls."""

    def render(self, replies: list[Reply], inbound: Inbound) -> list[Outgoing]: ...


@dataclass(frozen=True)
class Delivery:
    """What a sender reports for one outgoing message."""

    ok: bool
    retry_after: float | None = None  # seconds: the platform asked us to slow down, or a transient failure
    error: str | None = None  # a permanent failure, recorded and not retried


class Sender(Protocol):
    channel: str

    async def send(self, message: Outgoing) -> Delivery: ...
