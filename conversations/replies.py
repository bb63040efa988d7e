"""What the bot says: channel-neutral text plus options, which each channel renders its own way."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

TELEGRAM_TEXT_LIMIT = 4096
WHATSAPP_TEXT_LIMIT = 1600
CALLBACK_DATA_LIMIT = 64  # bytes, UTF-8


@dataclass(frozen=True)
class Option:
    id: str
    label: str


@dataclass(frozen=True)
class CalendarEntry:
    """A booking as the calendar file sent with its confirmation, move or cancellation: what the file says,
    worded for the customer (conversations/calendar_entry.py). The file itself is made by bot/calendar.py;
    each channel carries it its own way (a document on Telegram, a link to it on WhatsApp)."""

    booking_id: int
    code: str  # the booking's code: the file's name, its UID, and in its description
    revision: int  # the file's SEQUENCE: raised by every move and cancellation
    start: datetime  # aware
    end: datetime
    cancelled: bool
    summary: str  # the service and specialist
    description: str  # the booking code and the business's contact
    location: str  # the business's address (or its name)
    business: str  # the business's name: with the code, the UID that stays the booking's across moves
    language: str  # the customer's language: the file served later for a link is worded the same way
    stamp: datetime  # when it was said (DTSTAMP)

    @property
    def filename(self) -> str:
        return f"booking-{self.code}.ics"


@dataclass(frozen=True)
class Template:
    """A message the business starts (a reminder) as the approved WhatsApp template to send instead of its
    text outside WhatsApp's 24 hours: the template's kind (its Content SID is in config) and its numbered
    variables; the ids of the reply's options follow them, in order (the template's quick-reply buttons)."""

    kind: str
    variables: tuple[str, ...]
    language: str = ""  # the language it is said in: an approved template is approved in one language


@dataclass(frozen=True)
class Reply:
    text: str
    options: tuple[Option, ...] = ()
    # Attach to the message that carried the pressed button instead of sending a new one, where possible.
    edit: bool = False
    # A button that shares the customer's own phone number, where the platform has one (Telegram); its label.
    share_contact: str = ""
    # The number is taken: the share button offered before goes away (Telegram).
    done_sharing: bool = False
    # A link to open (the prepayment's checkout): its label and URL. A button on Telegram, a line of text
    # on WhatsApp and in the terminal; never one of the numbered options.
    link: tuple[str, str] | None = None
    # The booking this reply confirms, moves or cancels, as a calendar file to add it to a calendar with.
    calendar: CalendarEntry | None = None
    # Said by the business, not in answer to the customer (a reminder): the WhatsApp template for it.
    template: Template | None = None

    @property
    def stands_alone(self) -> bool:
        """Sent as a message of its own: it carries buttons, or changes the keyboard under the chat."""
        return bool(self.options or self.share_contact or self.done_sharing or self.link or self.template)


def split_text(text: str, limit: int) -> list[str]:
    """Split a long text into parts of at most `limit` characters, preferring paragraph and line breaks."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        cut = cut if cut > 0 else limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return [part for part in parts if part]


def joined(replies: Iterable[Reply], limit: int) -> list[Reply]:
    """The replies as few messages as they fit in: a reply without options runs on into the next one.

    One message arrives at once where several would be paced a second apart in the same chat (Telegram),
    and each costs the business (WhatsApp)."""
    out: list[Reply] = []
    for reply in replies:
        last = out[-1] if out else None
        if last is not None and _runs_on(last, reply, limit):
            calendar = last.calendar or reply.calendar  # the file still follows the text that tells it
            text = f"{last.text}\n\n{reply.text}"
            out[-1] = replace(reply, text=text, edit=last.edit or reply.edit, calendar=calendar)
        else:
            out.append(reply)
    return out


def _runs_on(last: Reply, reply: Reply, limit: int) -> bool:
    both_have_files = last.calendar is not None and reply.calendar is not None
    return not last.stands_alone and not both_have_files and len(last.text) + 2 + len(reply.text) <= limit
