"""A customer's conversation in a world that moves on its own, for property tests of the pure flow.

Like tests/unit/chatter.py it answers the effects a step asks for the way the store would, but the world
also changes under the customer between messages: time passes (offered days go by, holds run out), someone
else takes a time, staff cancel a booking, the store refuses a change, a hold's expiry job comes due. The
view `step` gets is the widest the runner can build (today to the end of the longest booking window, the
customer's bookings loaded), so any exception out of `step` is a bug: the runner would have nothing to load.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from conversations import effects as fx
from conversations import events as ev
from conversations.flow import step
from conversations.replies import Reply
from conversations.session import Session
from conversations.view import View, window_days
from storage.availability import claims_for
from storage.booking import Booking
from storage.business import Business
from storage.waiting import LEFT, Entry


@dataclass
class World:
    business: Business
    now: datetime
    session: Session = field(default_factory=Session)
    bookings: list[Booking] = field(default_factory=list)
    busy: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    refuse: str | None = None  # the store refuses the next change with this reason
    last: list[Reply] = field(default_factory=list)  # the replies to the last customer event
    offered: list[str] = field(default_factory=list)  # every option id ever sent, oldest first
    effects: list[fx.Effect] = field(default_factory=list)
    waitlist: list[Entry] = field(default_factory=list)  # the customer's entries, as the store keeps them

    def view(self) -> View:
        today = self.now.astimezone(ZoneInfo(self.business.timezone)).date()
        live = tuple(b for b in self.bookings if b.end > self.now)  # as the runner reads them: since now
        last = today + timedelta(days=window_days(self.business))
        waiting = tuple(e for e in self.waitlist if e.is_open(today))
        return View(self.business, self.now, today, last, self.busy, live, waitlist=waiting)

    def send(self, event: ev.Event) -> list[Reply]:
        """`event` and the results of the effects it leads to, as the runner steps through them."""
        replies: list[Reply] = []
        pending = [event]
        for _ in range(8):  # the runner's MAX_STEPS
            if not pending:
                break
            self.session, said, effects = step(self.session, pending.pop(0), self.now, self.view())
            replies += said
            self.effects += effects
            pending += [result for effect in effects if (result := self._answer(effect)) is not None]
        self.offered += [option.id for reply in replies for option in reply.options]
        self.last = replies
        return replies

    def options(self) -> list[str]:
        return [option.id for reply in self.last for option in reply.options]

    # ------------------------------------------------------------ the world moving on

    def wait(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    def occupy(self, start: datetime) -> None:
        """Someone else books every specialist at `start` for every service: that time is gone."""
        for service in self.business.services:
            for specialist in service.staff:
                for resource, lo, hi in claims_for(self.business, service, specialist, start):
                    self.busy.setdefault(resource, []).append((lo, hi))
                    self.busy[resource].sort()

    def staff_cancel(self, index: int, full_refund: bool = False) -> list[Reply]:
        """Staff cancel one of the customer's bookings (`slotbot cancel`), whatever has become of it and
        whatever the customer is doing: the event enters the conversation like any other."""
        if not self.bookings:
            return []
        asked = self.bookings[index % len(self.bookings)]
        return self.send(ev.StaffCancels(asked, "staff said so", full_refund))

    def waitlist_offer(self, index: int) -> list[Reply]:
        """A waitlist job offers one of the customer's entries a time on its day, whatever they are doing."""
        open_ = [e for e in self.waitlist if e.ended_at is None]
        if not open_:
            return []
        entry = open_[index % len(open_)]
        start = datetime.combine(entry.day, entry.earliest or time(12), ZoneInfo(self.business.timezone))
        return self.send(ev.WaitlistOffer(entry, start))

    def reminder_due(self, index: int) -> list[Reply]:
        """A reminder job of one of the customer's bookings comes due, whatever has become of it."""
        if not self.bookings:
            return []
        return self.send(ev.ReminderDue(self.bookings[index % len(self.bookings)], 1440))

    def hold_due(self, index: int) -> list[Reply]:
        """The expiry job of one of the customer's bookings comes due, whatever its state."""
        if not self.bookings:
            return []
        return self.send(ev.HoldDue(self.bookings[index % len(self.bookings)]))

    # ------------------------------------------------------------ the store

    def _answer(self, effect: fx.Effect) -> ev.Event | None:
        if isinstance(effect, fx.SaveCustomer):
            self.session = replace(self.session, customer_id=1)
            return None
        if isinstance(effect, fx.JoinWaitlist | fx.LeaveWaitlist):
            return self._waitlist(effect)
        reason, self.refuse = self.refuse, None
        if isinstance(effect, fx.HoldSlot):
            return ev.HoldFailed(reason) if reason else ev.Held(self._hold(effect))
        if isinstance(effect, fx.TakeOffer):
            entry = next((e for e in self.waitlist if e.id == effect.entry_id), None)
            if reason or entry is None:
                return ev.OfferGone(effect.start)
            who = entry.who
            return ev.OfferTaken(self._hold(fx.HoldSlot(entry.service, who, effect.start)), entry)
        found = next((b for b in self.bookings if b.id == getattr(effect, "booking_id", None)), None)
        if isinstance(effect, fx.ConfirmVisit):  # never refused: recorded once, on a booking still to come
            self.refuse = reason
            first = found is not None and found.status == "confirmed" and found.customer_confirmed_at is None
            if found is not None and first:
                found = self._swap(replace(found, customer_confirmed_at=self.now))
            return ev.VisitConfirmed(found, first)
        staff = isinstance(effect, fx.CancelBooking) and effect.by_staff
        if reason or found is None:  # staff's cancel refused: the runner says nothing
            return None if staff else ev.Refused(reason or "not_found")
        if isinstance(effect, fx.ConfirmBooking):
            return ev.Confirmed(self._swap(replace(found, status="confirmed")))
        if isinstance(effect, fx.CancelBooking):
            gone = self._swap(replace(found, status="cancelled", paid=found.paid - effect.refund_amount))
            if effect.by_staff:
                return ev.Cancelled(gone, by_staff=True, reason=effect.reason, refund=effect.refund_amount)
            return ev.Cancelled(gone)
        if isinstance(effect, fx.MoveBooking):
            moved = replace(found, start=effect.start, end=effect.start + (found.end - found.start))
            return ev.Moved(self._swap(replace(moved, moves=found.moves + 1)))
        if isinstance(effect, fx.RequestPrepayment):
            pay_by = (found.expires_at or self.now) - timedelta(minutes=1)
            return ev.PaymentLink(found, f"https://pay.example/{found.code}", effect.amount, pay_by)
        if isinstance(effect, fx.ExpireHold):
            if found.state(self.now) != "expired":
                return ev.Refused(found.status)
            return ev.Expired(self._swap(replace(found, status="expired")))
        raise AssertionError(f"an effect the world does not know: {effect!r}")

    def _waitlist(self, effect: fx.JoinWaitlist | fx.LeaveWaitlist) -> ev.Event:
        if isinstance(effect, fx.LeaveWaitlist):
            gone = next((e for e in self.waitlist if e.id == effect.entry_id), None)
            self.waitlist = [
                replace(e, ended_at=self.now, ended_why=LEFT) if e is gone else e for e in self.waitlist
            ]
            return ev.WaitlistLeft(gone)
        wish = effect.wish
        entry = Entry(
            id=len(self.waitlist) + 1,
            channel="telegram",
            chat_id="380501234",
            customer_id=self.session.customer_id,
            service=wish.service,
            specialist=wish.specialist,
            day=wish.day,
            earliest=wish.earliest,
            latest=wish.latest,
            created_at=self.now,
        )
        self.waitlist.append(entry)
        return ev.WaitlistJoined(entry)

    def _hold(self, effect: fx.HoldSlot) -> Booking:
        service = self.business.service(effect.service)
        rules = self.business.rules
        minutes = rules.payment_hold_minutes if service.prepayment > 0 else rules.hold_minutes
        made = Booking(
            id=len(self.bookings) + 1,
            code=f"CODE{len(self.bookings) + 1:04d}",
            service=service.id,
            specialist=effect.specialist or service.staff[0],
            customer_id=self.session.customer_id,
            start=effect.start,
            end=effect.start + timedelta(minutes=service.duration),
            status="held",
            expires_at=self.now + timedelta(minutes=minutes),
            moves=0,
            price=service.price,
            paid=Decimal(0),
            created_at=self.now,
        )
        self.bookings.append(made)
        return made

    def _swap(self, new: Booking) -> Booking:
        self.bookings = [new if b.id == new.id else b for b in self.bookings]
        return new
