"""One step's working state: the session as it changes, and the replies and effects it produces."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from conversations.effects import Effect
from conversations.replies import Option, Reply, Template
from conversations.session import Session
from conversations.texts import catalogue, text
from conversations.view import View
from storage.booking import Booking
from storage.business import Business


@dataclass
class Turn:
    session: Session
    now: datetime
    view: View
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    # What the customer's words were understood as ("Women's haircut, Thu 3 Dec, after 17:00"), until the
    # answer to them has said it back (conversations/days.py).
    understood: str = ""

    @property
    def business(self) -> Business:
        return self.view.business

    @property
    def lang(self) -> str:
        return self.session.lang

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.business.timezone)

    def t(self, key: str, **values: Any) -> str:
        """The sentence `key` in the customer's language, in the business's own words if it has them."""
        return text(self.lang, key, self.business.texts, **values)

    def say(self, key: str, **values: Any) -> None:
        self.tell(self.t(key, **values))

    def tell(self, text: str, template: Template | None = None) -> None:
        """Say a sentence already put together from the catalogue; `template`: the business starts this
        message (not an answer to the customer), as this WhatsApp template outside its 24 hours."""
        self.replies.append(Reply(text, template=template))

    def ask(
        self,
        body: str,
        options: list[tuple[str, str]],
        *,
        share_contact: str = "",
        link: tuple[str, str] | None = None,
        aside: bool = False,
        template: Template | None = None,
    ) -> None:
        """Send `body` with options (action id, label); typed numbers and stale buttons are matched later.
        `share_contact` labels a button that shares the customer's own number, where the platform has one;
        `link` is a (label, URL) to open, shown before the options. `aside`: said beside the question on
        screen (a reminder), whose buttons stay answerable (typed numbers answer these). `template`: what
        WhatsApp sends instead outside its 24 hours, for a message the business starts."""
        seq = self.session.seq + 1
        ids = tuple(f"{seq}|{action}" for action, _ in options)
        earlier = (*self.session.offer, *self.session.earlier) if aside else ()
        self.session = replace(self.session, seq=seq, offer=ids, earlier=earlier, reminded="")
        offered = tuple(Option(i, label) for i, (_, label) in zip(ids, options, strict=True))
        self.replies.append(Reply(body, offered, share_contact=share_contact, link=link, template=template))

    def add_option(self, action: str, label: str, *, first: bool = False) -> bool:
        """Add an option to the question on screen (its message's buttons, and what a typed number picks),
        first or last; False if this turn asked none with options, or asked for words after it."""
        at = next((i for i in reversed(range(len(self.replies))) if self.replies[i].options), None)
        asked = self.replies[at] if at is not None else None
        if at is None or asked is None or tuple(o.id for o in asked.options) != self.session.offer:
            return False
        added = Option(f"{self.session.seq}|{action}", label)
        options = (added, *asked.options) if first else (*asked.options, added)
        self.replies[at] = replace(asked, options=options)
        self.session = replace(self.session, offer=tuple(option.id for option in options))
        return True

    def do(self, effect: Effect) -> None:
        self.effects.append(effect)

    # ------------------------------------------------------------ how things are written for this customer

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def today(self) -> date:
        return self.local(self.now).date()

    def day_name(self, day: date) -> str:
        words = catalogue(self.lang)
        if day == self.today():
            return self.t("today")
        weekday, month = words.WEEKDAYS[day.weekday()], words.MONTHS[day.month - 1]
        return words.DATE_FORMAT.format(weekday=weekday, day=day.day, month=month)

    def when(self, moment: datetime) -> str:
        local = self.local(moment)
        return self.t("at_time", day=self.day_name(local.date()), time=f"{local:%H:%M}")

    def money(self, amount: Decimal) -> str:
        shown = f"{amount:,.2f}".replace(",", " ").removesuffix(".00")
        return f"{shown} {self.business.currency}"

    def service_name(self, service_id: str) -> str:
        return self.business.service(service_id).title(self.lang, self.business.default_language)

    def booking_facts(self, booking: Booking) -> dict[str, str]:
        """What a message says of a booking, by the catalogue's placeholders: service, specialist, when (in
        the business's time zone) and its code."""
        return {
            "service": self.service_name(booking.service),
            "specialist": self.specialist_name(booking.specialist),
            "when": self.when(booking.start),
            "code": booking.code,
        }

    def specialist_name(self, specialist_id: str | None) -> str:
        if specialist_id in (None, "*"):
            return self.t("anyone")
        return self.business.specialist(specialist_id).name
