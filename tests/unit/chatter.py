"""A hand-written fake of the runner for pure flow tests: it answers effects the way the store would."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from conversations import effects as fx
from conversations import events as ev
from conversations.flow import step
from conversations.replies import Reply
from conversations.session import Session
from conversations.view import View, ViewMiss
from storage.attempt import Report, Verdict
from storage.availability import claims_for
from storage.booking import Booking
from storage.business import Business
from storage.waiting import LEFT, Entry

SNAPSHOT_DAYS = 14  # what the runner loads first (bot/runner.py)


def booking(business: Business, service: str, specialist: str, start: datetime, **changes: object) -> Booking:
    made = Booking(
        id=1,
        code="ABCD2345",
        service=service,
        specialist=specialist,
        customer_id=1,
        start=start,
        end=start + timedelta(minutes=business.service(service).duration),
        status="confirmed",
        expires_at=None,
        moves=0,
        price=business.service(service).price,
        paid=Decimal(0),
        created_at=start - timedelta(days=3),
    )
    return replace(made, **changes)  # type: ignore[arg-type]


@dataclass
class Chatter:
    """One customer talking to the pure flow; effects succeed unless `refuse` names a reason. Like the
    store, it expires only a hold still unpaid past its time, and refuses to expire anything else."""

    business: Business
    now: datetime
    session: Session = field(default_factory=Session)
    bookings: list[Booking] = field(default_factory=list)
    busy: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    refuse: str | None = None
    effects: list[fx.Effect] = field(default_factory=list)
    last: list[Reply] = field(default_factory=list)
    waitlist: list[Entry] = field(default_factory=list)  # the customer's entries, as the store keeps them

    def view(self, days: int = 91) -> View:
        today = self.now.astimezone(ZoneInfo(self.business.timezone)).date()
        last = today + timedelta(days=days - 1)
        waiting = tuple(self.waitlist)
        return View(self.business, self.now, today, last, self.busy, tuple(self.bookings), waitlist=waiting)

    def send(self, event: ev.Event) -> list[Reply]:
        """Like the runner: each message starts with no calendar loaded, and a step that asks about a day
        outside what is loaded runs again with more days (14, then the booking window); beyond the window
        the runner apologises (`recover`), and so does this."""
        replies: list[Reply] = []
        pending = [event]
        view = self.view(days=0)
        while pending:
            event = pending.pop(0)
            while True:
                try:
                    self.session, said, effects = step(self.session, event, self.now, view)
                    break
                except ViewMiss as miss:
                    view = self._wider(view, miss.day)
            replies += said
            for effect in effects:
                self.effects.append(effect)
                result = self._answer(effect)
                if result is not None:
                    pending.append(result)
            if effects:  # like the runner: the customer's bookings (and waitlist) are read again
                view = replace(view, bookings=tuple(self.bookings), waitlist=tuple(self.waitlist))
        self.last = replies
        return replies

    def _wider(self, view: View, day: date) -> View:
        window = self.business.rules.max_advance_days + 1
        days = min(max((day - view.first_day).days + SNAPSHOT_DAYS, SNAPSHOT_DAYS), window)
        if view.last_day >= view.first_day + timedelta(days=days - 1):
            raise AssertionError(
                f"the step asked for {day}, beyond the booking window: the runner apologises"
            )
        return self.view(days)

    def say(self, text: str) -> list[Reply]:
        return self.send(ev.Text(text))

    def tap(self, label: str) -> list[Reply]:
        """Press the button labelled `label` (or starting with it) on the last message with options."""
        for reply in reversed(self.last):
            for option in reply.options:
                if option.label == label or option.label.startswith(label):
                    return self.send(ev.Choice(option.id))
        raise AssertionError(f"no button {label!r} in {[o.label for r in self.last for o in r.options]}")

    def labels(self) -> list[str]:
        return [o.label for r in self.last for o in r.options]

    def text(self) -> str:
        return "\n".join(r.text for r in self.last)

    def _record(self, report: Report) -> ev.Event | None:
        """As the store records what LiqPay said: paid confirms the booking, failed is news."""
        held = self.bookings[-1]
        if report.verdict == Verdict.PAID:
            paid = report.amount or Decimal(0)
            return ev.Paid(self._swap(replace(held, status="confirmed", expires_at=None, paid=paid)), paid)
        if report.verdict == Verdict.FAILED:
            return ev.PaymentFailed(held)
        return None

    def _answer(self, effect: fx.Effect) -> ev.Event | None:
        if isinstance(effect, fx.SaveCustomer):
            self.session = replace(self.session, customer_id=1)
            return None
        if isinstance(effect, fx.RequestPrepayment):
            held = self._find(effect.booking_id)
            assert held.expires_at is not None
            pay_by = held.expires_at - timedelta(minutes=1)
            return ev.PaymentLink(held, f"https://pay.example/{held.code}", effect.amount, pay_by)
        if isinstance(effect, fx.RecordPayment):
            return self._record(effect.report)
        if isinstance(effect, fx.JoinWaitlist | fx.LeaveWaitlist):
            return self._waitlist(effect)
        if isinstance(effect, fx.TakeOffer):
            entry = next(e for e in self.waitlist if e.id == effect.entry_id)
            if self.refuse:
                return ev.OfferGone(effect.start)
            held = self._answer(fx.HoldSlot(entry.service, entry.who, effect.start))
            assert isinstance(held, ev.Held)
            return ev.OfferTaken(held.booking, entry)
        if isinstance(effect, fx.ConfirmVisit):
            # Like the store: recorded the first time, on a booking still to come.
            current = self._find(effect.booking_id)
            first = current.status == "confirmed" and current.customer_confirmed_at is None
            if first:
                current = self._swap(replace(current, customer_confirmed_at=self.now))
            return ev.VisitConfirmed(current, first)
        if self.refuse:
            return ev.HoldFailed(self.refuse) if isinstance(effect, fx.HoldSlot) else ev.Refused(self.refuse)
        if isinstance(effect, fx.HoldSlot):
            service = self.business.service(effect.service)
            rules = self.business.rules
            minutes = rules.payment_hold_minutes if service.prepayment > 0 else rules.hold_minutes
            made = booking(
                self.business,
                effect.service,
                effect.specialist or "anna",
                effect.start,
                status="held",
                expires_at=self.now + timedelta(minutes=minutes),
            )
            self.bookings.append(made)
            return ev.Held(made)
        if isinstance(effect, fx.ConfirmBooking):
            done = replace(self._find(effect.booking_id), status="confirmed")
            return ev.Confirmed(self._swap(done))
        if isinstance(effect, fx.CancelBooking):
            # Like the store: what goes back no longer counts as paid; staff's cancel is news of its own.
            old = self._find(effect.booking_id)
            gone = replace(
                old, status="cancelled", paid=old.paid - effect.refund_amount, revision=old.revision + 1
            )
            by = (
                {"by_staff": True, "reason": effect.reason, "refund": effect.refund_amount}
                if effect.by_staff
                else {}
            )
            return ev.Cancelled(self._swap(gone), **by)  # type: ignore[arg-type]
        if isinstance(effect, fx.MoveBooking):
            old = self._find(effect.booking_id)
            moved = replace(
                old, start=effect.start, end=effect.start + (old.end - old.start), moves=old.moves + 1
            )
            return ev.Moved(self._swap(moved))
        if isinstance(effect, fx.ExpireHold):
            current = self._find(effect.booking_id)
            if current.state(self.now) != "expired":
                return ev.Refused(current.status)
            return ev.Expired(self._swap(replace(current, status="expired")))
        raise AssertionError(effect)

    def _waitlist(self, effect: fx.JoinWaitlist | fx.LeaveWaitlist) -> ev.Event:
        """As the store keeps the list: one open entry per service, specialist and day; leaving ends one."""
        if isinstance(effect, fx.LeaveWaitlist):
            gone = next((e for e in self.waitlist if e.id == effect.entry_id), None)
            self.waitlist = [e for e in self.waitlist if e is not gone]
            return ev.WaitlistLeft(gone and replace(gone, ended_at=self.now, ended_why=LEFT))
        wish = effect.wish
        key = (wish.service, wish.specialist, wish.day)
        same = next((e for e in self.waitlist if (e.service, e.specialist, e.day) == key), None)
        entry = Entry(
            id=same.id if same else len(self.waitlist) + 1,
            channel="telegram",
            chat_id="42",
            customer_id=self.session.customer_id,
            service=wish.service,
            specialist=wish.specialist,
            day=wish.day,
            earliest=wish.earliest,
            latest=wish.latest,
            created_at=self.now,
        )
        self.waitlist = [e for e in self.waitlist if e is not same] + [entry]
        return ev.WaitlistJoined(entry)

    def _find(self, booking_id: int) -> Booking:
        return next(b for b in self.bookings if b.id == booking_id)

    def _swap(self, new: Booking) -> Booking:
        self.bookings = [new if b.id == new.id else b for b in self.bookings]
        return new

    def occupy(self, specialist: str, service: str, start: datetime) -> None:
        """Someone else's booking: its claims go into the busy snapshot."""
        for resource, lo, hi in claims_for(self.business, self.business.service(service), specialist, start):
            self.busy.setdefault(resource, []).append((lo, hi))
            self.busy[resource].sort()
