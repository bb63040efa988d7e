"""The one way in for every event: lock → load session → step → carry out effects → one save.

Whatever moves a conversation or a booking enters through `Runner.enter`: a customer's message (Telegram,
WhatsApp, the terminal), a due job (a hold's expiry), a payment result, a staff action (`slotbot cancel`).
Each is an `Inbound` carrying its source and the source's own key for it (Telegram update_id, Twilio
MessageSid, a job's id and run, a booking and its revision), which is also its deduplication key: a repeated
event changes nothing and sends nothing twice.
This is the only place where the pure conversation meets the store: it builds the view `step` reads, carries
out the effects `step` asks for, each under an idempotency key (the source key and the effect's place in the
turn), and feeds their results back to `step` as events until nothing is left to do.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.channels.base import CONSOLE, NOWHERE, Inbound, Outgoing, Renderer
from conversations import effects as fx
from conversations import events as ev
from conversations.flow import recover, step
from conversations.replies import Reply
from conversations.session import Session, dumps, loads
from conversations.view import AgendaMiss, BookingsMiss, DayBookings, View, ViewMiss, Visitor, window_days
from payments import liqpay
from payments.liqpay import LiqPayAccount
from storage import identities, outbox
from storage.attempt import Change, Paying, Report
from storage.booking import Booking, Outcome
from storage.sessions import Duplicate, Lease, Sessions
from storage.store import Store
from storage.waiting import BOOKED, Entry
from storage.waitlist import Waitlist

log = logging.getLogger("slotbot.runner")

# Turns what the store reported during a step (held, confirmed, cancelled, moved) into staff messages.
Notifier = Callable[[list[ev.Event], Session], list[tuple[str, str, str, dict[str, Any]]]]

SNAPSHOT_DAYS = 14
MAX_STEPS = 8  # a message and the results of its effects; more would mean a loop
LEASE_WAIT_S = 15.0  # longer than a lease (storage/sessions.py): a dead process's runs out meanwhile
LEASE_POLL_S = 0.05
SESSIONS_KEPT = 20_000  # conversations whose last saved session this process keeps in memory


@dataclass
class _KeyLock:
    """One conversation's lock, dropped when nobody holds or waits for it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class Handoff(Protocol):
    """Where the runner hands the messages a turn queued: the outbox sender of this process."""

    owner: str

    @property
    def accepting(self) -> bool: ...
    def submit(self, messages: Iterable[outbox.Message]) -> None: ...
    def wake(self) -> None: ...


class ConversationBusy(Exception):
    """Another process kept the conversation longer than we could wait."""


class _Stale(Exception):
    """The conversation moved on, or is leased by another process, since the turn read it: try again."""

    def __init__(self, *, busy: bool) -> None:
        super().__init__()
        self.busy = busy  # leased by someone else: worth a pause before trying again


@dataclass(frozen=True)
class Turned:
    """What one event came to: the conversation's replies, and the platform calls queued for them."""

    replies: list[Reply]
    outgoing: list[Outgoing]


NOTHING = Turned([], [])


class Runner:
    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        owner: str | None = None,
        *,
        renderers: dict[str, Renderer] | None = None,
        notify: Notifier | None = None,
        handoff: Handoff | None = None,
        liqpay: LiqPayAccount | None = None,
    ) -> None:
        self.store = store
        self.liqpay = liqpay  # None: no online prepayments (bookings are confirmed, paid at the visit)
        # channel -> how replies become its platform calls (shared with the composition root, which adds them)
        self.renderers = renderers if renderers is not None else {}
        self.notify = notify
        self.handoff = handoff
        self.sessions = Sessions(store.db)
        self.waitlist = Waitlist(store.db)
        self.business = store.business
        self.clock = clock
        self.owner = owner or uuid.uuid4().hex[:16]
        self._locks: dict[str, _KeyLock] = {}
        # The last session this process saved per conversation, by version. On SQLite one process writes,
        # so its copy is used as is (a failed save over it says otherwise); where several processes share
        # conversations (PostgreSQL behind a load balancer) every turn reads the version first.
        self._sessions: dict[str, tuple[int, Session]] = {}
        self._trust_kept = store.db.one_process
        self._zone = ZoneInfo(self.business.timezone)

    async def enter(self, inbound: Inbound) -> Turned:
        """Handle one event of one conversation: drop a repeat of an event already handled, run the step and
        its effects, and write the session, the messages to send (rendered for the conversation's channel),
        the record of the event's source key and, for a customer's message, the chat's identity, in one
        transaction. Returns the replies and the platform calls queued for them."""
        if inbound.channel == NOWHERE:
            return await self._turns(inbound)  # no conversation to lock
        async with self._one_at_a_time(inbound.key):
            return await self._turns(inbound)

    @asynccontextmanager
    async def _one_at_a_time(self, key: str) -> AsyncIterator[None]:
        # A double tap arrives as two requests at once; they queue here before touching the database.
        entry = self._locks.setdefault(key, _KeyLock())
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._locks[key]

    async def _turns(self, inbound: Inbound) -> Turned:
        """`_turn` until it is not stale, waiting while another process holds the conversation."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LEASE_WAIT_S
        while True:
            try:
                return await self._turn(inbound)
            except _Stale as stale:
                self._sessions.pop(inbound.key, None)
                if loop.time() > deadline:
                    raise ConversationBusy(inbound.key) from None
                if stale.busy:
                    await asyncio.sleep(LEASE_POLL_S)
            except Duplicate:
                log.info("dropped a repeated %s event %s", inbound.origin, inbound.dedup_id)
                return NOTHING

    async def _turn(self, inbound: Inbound) -> Turned:
        """One try at a turn: step from the session as last known, then save it over that version in one
        transaction with what the event brings (the outbox, the record of its source key, the identity). A
        step with effects first leases the conversation at that version. Raises _Stale if the conversation
        moved on meanwhile. An event with no conversation (NOWHERE) saves no session and says nothing."""
        key = inbound.key
        transient = inbound.channel == NOWHERE
        version, session = (None, Session(lang=self.business.default_language))
        if not transient:
            version, session = await self._session(key, inbound)
        lease: Lease | None = None

        async def before_effects() -> None:
            nonlocal lease
            seen = None
            if inbound.dedup_id:
                seen = partial(identities.seen, channel=inbound.origin, external_id=inbound.dedup_id)
            if transient:
                if seen is not None and await self.store.db.query(seen):
                    raise Duplicate(key)
                return
            lease = await self.sessions.lease_if(key, version, owner=self.owner, now=self.clock(), seen=seen)
            if lease is None:
                raise _Stale(busy=True)

        try:
            session, replies, results = await self._run(session, inbound, before_effects)
            now = self.clock()
            renderer = self.renderers.get(inbound.channel)
            outgoing = renderer.render(replies, inbound) if renderer is not None and not transient else []
            queued = [(o.channel, o.chat_id, o.method, o.params) for o in outgoing]
            queued += self.notify(results, session) if self.notify else []
            claimed: list[outbox.Message] = []
            also = self._records(inbound, session, now, queued, claimed)
            if transient:
                await self.store.db.transaction(also)
                saved = None
            elif lease is None:
                saved = await self.sessions.commit(
                    key, version, dumps(session), owner=self.owner, now=now, also=also
                )
                if saved is None:
                    raise _Stale(busy=False)
            elif await self.sessions.save(lease, dumps(session), now=now, also=also):
                saved = lease.version + 1
            else:
                log.warning("conversation %s: lease lost before saving; the step is not saved", key)
                return NOTHING
        except BaseException:
            if lease is not None:
                await self.sessions.release(lease)
            raise
        if saved is not None:
            self._keep(key, saved, session)
        if self.handoff is not None:
            # Ours to send now; what waits behind a chat's earlier messages is claimed from the store.
            self.handoff.submit(claimed)
            if len(claimed) < len(queued):
                self.handoff.wake()
        return Turned(replies, outgoing)

    def _records(
        self,
        inbound: Inbound,
        session: Session,
        now: datetime,
        queued: list[tuple[str, str, str, dict[str, Any]]],
        claimed: list[outbox.Message],
    ) -> Callable[[Connection], None]:
        """What an event writes with its step: the record of its source key (a repeat raises Duplicate), for a
        customer's message the chat's identity (when they last wrote: WhatsApp's 24 hours count from it), and
        the outbox, whose rows handed to this process's sender land in `claimed`."""
        handoff = self.handoff
        lease_to = handoff.owner if handoff is not None and handoff.accepting else None

        def write(conn: Connection) -> None:
            dedup = inbound.dedup_id
            if dedup and not identities.remember(conn, inbound.origin, dedup, now):
                raise Duplicate(inbound.key)
            if inbound.from_customer:
                identities.touch(
                    conn,
                    inbound.channel,
                    inbound.chat_id,
                    now,
                    customer_id=session.customer_id,
                    language=session.lang,
                )
            claimed[:] = outbox.enqueue(conn, queued, now, lease_to=lease_to)

        return write

    async def _session(self, key: str, inbound: Inbound) -> tuple[int | None, Session]:
        """The conversation's version (None: not stored yet) and session, from this process's copy if it
        can be trusted, else from the store. In the terminal, `slotbot chat --lang` is the customer's
        choice, also for a conversation kept from an earlier run."""
        version, session = await self._stored_session(key, inbound)
        chosen = inbound.language if inbound.channel == CONSOLE else None
        if chosen in self.business.languages and chosen != session.lang:
            session = replace(session, lang=chosen, lang_by="app")
        return version, session

    async def _stored_session(self, key: str, inbound: Inbound) -> tuple[int | None, Session]:
        kept = self._sessions.get(key)
        if kept is not None and self._trust_kept:
            return kept
        stored = await self.sessions.read(key)
        if stored is None:
            return None, await self._new_session(inbound)
        if stored.leased_by_other(self.owner, self.clock()):
            raise _Stale(busy=True)
        if kept is not None and kept[0] == stored.version:
            return kept
        if stored.data is None:  # created by a lease whose step never saved
            return stored.version, await self._new_session(inbound)
        return stored.version, loads(stored.data)

    def _keep(self, key: str, version: int, session: Session) -> None:
        kept = self._sessions
        kept.pop(key, None)
        kept[key] = (version, session)
        if len(kept) > SESSIONS_KEPT:
            del kept[next(iter(kept))]  # the least recently saved

    async def _new_session(self, inbound: Inbound) -> Session:
        """A first message: the app's language if offered, and what we know of the person already."""
        business = self.business
        offered = inbound.language if inbound.language in business.languages else None
        # The app's language, where the platform gives it, stands until the customer asks for another.
        by = "app" if offered else ""
        if inbound.channel == CONSOLE:
            return Session(lang=offered or business.default_language, lang_by=by)
        # A phone the platform gives (WhatsApp's sender) is the customer's own.
        phone, proven = inbound.phone or "", bool(inbound.phone)
        session = Session(
            lang=offered or business.default_language, phone=phone, phone_proven=proven, lang_by=by
        )
        known = await self.store.customer_for_chat(inbound.channel, inbound.chat_id, inbound.phone)
        if known is not None:
            session = replace(
                session, customer_id=known.id, name=known.name, phone=known.phone or session.phone
            )
            session = replace(session, lang=known.language or session.lang)
        return session

    async def _run(
        self,
        session: Session,
        inbound: Inbound,
        before_effects: Callable[[], Awaitable[None]] | None = None,
    ) -> tuple[Session, list[Reply], list[ev.Event]]:
        """Step through the event and the results of its effects; also returns those results.
        `before_effects` runs once, before the first effect is carried out."""
        now = self.clock()
        # No snapshot of the calendar yet: most turns (a name, a phone, the menu) never look at it, and the
        # first question about a day raises ViewMiss, which loads one.
        today = self._today(now)
        # A staff contact's own chat, as the platform names it, has an agenda.
        staff = self.business.staff_chat(inbound.channel, inbound.chat_id) if inbound.from_customer else None
        view = View(self.business, now, today, today - timedelta(days=1), {}, _unread(session), staff=staff)
        pending: list[ev.Event] = [inbound.event]
        replies: list[Reply] = []
        results: list[ev.Event] = []
        done = 0  # effects carried out so far: an effect's place in the turn, for its idempotency key
        for _ in range(MAX_STEPS):
            if not pending:
                break
            session, said, effects, view = await self._step(session, pending.pop(0), now, view)
            replies += said
            if effects and before_effects is not None:
                await before_effects()
                before_effects = None
            for effect in effects:
                done += 1
                key = f"{inbound.origin}:{inbound.dedup_id}#{done}" if inbound.dedup_id else None
                session, result = await self._carry_out(session, effect, now, key, inbound)
                if result is not None:
                    pending.append(result)
                    results.append(result)
            if effects:  # the bookings changed; the snapshot of claims (and so the slots) is as it was
                view = replace(view, bookings=_unread(session))
        return session, replies, results

    async def _step(
        self, session: Session, event: ev.Event, now: datetime, view: View
    ) -> tuple[Session, list[Reply], list[fx.Effect], View]:
        # step is pure, so when it asks for a day outside the snapshot we widen the view and run it again.
        while True:
            try:
                new, replies, effects = step(session, event, now, view)
                return new, replies, effects, view
            except BookingsMiss:
                bookings, visits, tags = await self._bookings(session, now)
                waiting = await self._waiting(session, now)
                view = replace(view, bookings=bookings, visits=visits, tags=tags, waitlist=waiting)
                continue
            except AgendaMiss as asked:
                view = replace(view, agenda=await self._day_bookings(asked.day))
                continue
            except ViewMiss as miss:
                wider = await self._wider(view, miss.day, now)
                if wider is not None:
                    view = wider
                    continue
                log.error("conversation step asked for %s, beyond the booking window", miss.day)
            except Exception:
                # A bug in the conversation (an illegal transition, a handler that failed).
                log.exception("conversation step failed in state %s on %s", session.state, ev.kind(event))
            # An apology and the menu, never an error the platform would deliver again and again.
            new, replies, effects = recover(session, now, view)
            return new, replies, effects, view

    async def _wider(self, view: View, day: date, now: datetime) -> View | None:
        """The view with enough days to answer about `day`; None if it has all the window already."""
        window = window_days(self.business) + 1  # a service's own window may be longer than the rules'
        days = min(max((day - view.first_day).days + SNAPSHOT_DAYS, SNAPSHOT_DAYS), window)
        if view.last_day >= view.first_day + timedelta(days=days - 1):
            return None
        busy = await self.store.busy(now=now, first_day=view.first_day, days=days)
        last = view.first_day + timedelta(days=days - 1)
        # The same customer (bookings, visits, tags, waitlist), more days of the calendar: no slots cached.
        return replace(view, last_day=last, busy=busy, _cache={}, _starts={})

    def _today(self, now: datetime) -> date:
        return now.astimezone(self._zone).date()

    async def _bookings(
        self, session: Session, now: datetime
    ) -> tuple[tuple[Booking, ...], int, tuple[str, ...]]:
        """The customer's bookings from now on, how many visits they made before, and staff's tags."""
        if session.customer_id is None:
            return (), 0, ()
        bookings = await self.store.bookings(customer_id=session.customer_id, since=now)
        visits, tags = await self.store.history(session.customer_id, now=now)
        return tuple(bookings), visits, tags

    async def _day_bookings(self, day: date) -> DayBookings:
        """Every booking starting on local `day` and who made them, for a staff chat's agenda."""
        zone = self._zone
        opens = datetime.combine(day, time(0), zone)
        closes = datetime.combine(day + timedelta(days=1), time(0), zone)
        found = await self.store.bookings(starting=(opens, closes))
        customers = await self.store.customers([b.customer_id for b in found if b.customer_id is not None])
        visitors = {c.id: Visitor(c.name, c.phone or "") for c in customers.values()}
        return DayBookings(day, tuple(found), visitors)

    async def _waiting(self, session: Session, now: datetime) -> tuple[Entry, ...]:
        """The customer's waitlist entries still open (shown with their bookings)."""
        if session.customer_id is None:
            return ()
        return tuple(await self.waitlist.waiting(session.customer_id, today=self._today(now)))

    # ---------------------------------------------------------------- effects

    async def _carry_out(
        self, session: Session, effect: fx.Effect, now: datetime, key: str | None, inbound: Inbound
    ) -> tuple[Session, ev.Event | None]:
        """Carry out one effect under its idempotency key; the new session and the event it resulted in."""
        store = self.store
        if isinstance(effect, fx.SaveCustomer):
            # A typed phone number is contact data, never proof of who someone is: a customer of its own.
            # Only a number the platform vouches for (WhatsApp's sender, a Telegram user's own contact)
            # joins this chat to the customer who has it already.
            known = await store.customer_by_phone(effect.phone) if effect.proven else None
            customer = known or await store.add_customer(
                now=now,
                name=effect.name,
                phone=effect.phone,
                language=effect.language,
                proven=effect.proven,
                key=key,
            )
            return replace(session, customer_id=customer), None
        if isinstance(effect, fx.HoldSlot):
            return session, await self._hold(session, effect, now, key, inbound)
        if isinstance(effect, fx.ConfirmBooking):
            return session, _result(await store.confirm(effect.booking_id, now=now, key=key), ev.Confirmed)
        if isinstance(effect, fx.CancelBooking):
            outcome = await store.cancel(
                effect.booking_id, now=now, refund=effect.refund, refund_amount=effect.refund_amount, key=key
            )
            if effect.by_staff:
                return session, _by_staff(outcome, effect)
            return session, _result(outcome, ev.Cancelled)
        if isinstance(effect, fx.MoveBooking):
            outcome = await store.move(
                effect.booking_id, start=effect.start, now=now, specialist=effect.specialist, key=key
            )
            return session, _result(outcome, ev.Moved)
        if isinstance(effect, fx.ExpireHold):
            return session, _result(await store.expire(effect.booking_id, now=now, key=key), ev.Expired)
        if isinstance(effect, fx.RequestPrepayment):
            return session, await self._payment_link(session, effect, now, key)
        if isinstance(effect, fx.RecordPayment):
            paying = await store.record_payment(effect.report, now=now, key=key)
            _log_payment(effect.report, paying)
            return session, paid_event(paying)
        if isinstance(effect, fx.JoinWaitlist | fx.LeaveWaitlist | fx.TakeOffer):
            return session, await self._waitlist(session, effect, now, key, inbound)
        if isinstance(effect, fx.ConfirmVisit):
            booking, first = await store.confirm_visit(effect.booking_id, now=now, key=key)
            return session, ev.VisitConfirmed(booking, first)
        raise TypeError(f"unknown effect {effect!r}")

    async def _payment_link(
        self, session: Session, effect: fx.RequestPrepayment, now: datetime, key: str | None
    ) -> ev.Event:
        """A payment attempt for the held booking and its checkout link (LiqPay stops taking it a moment
        before the hold expires)."""
        account = self.liqpay
        if account is None:
            return ev.PaymentsOff()
        booking = await self.store.booking(effect.booking_id)
        if booking is None or booking.expires_at is None:
            return ev.PaymentNotStarted("not_found" if booking is None else booking.state(now))
        deadline = liqpay.pay_by(booking.expires_at)
        attempt = await self.store.start_payment(
            booking.id, amount=effect.amount, pay_by=deadline, now=now, key=key
        )
        if isinstance(attempt, str):
            return ev.PaymentNotStarted(attempt)
        order = liqpay.Order(
            attempt.order_id, attempt.amount, attempt.currency, effect.description, deadline, session.lang
        )
        return ev.PaymentLink(booking, liqpay.checkout(account, order).url, attempt.amount, deadline)

    async def _waitlist(
        self,
        session: Session,
        effect: fx.JoinWaitlist | fx.LeaveWaitlist | fx.TakeOffer,
        now: datetime,
        key: str | None,
        inbound: Inbound,
    ) -> ev.Event:
        """The waitlist's effects, for this conversation: join it (a job looks near the time wished for at
        once, another ends the entry with its day), leave it, or hold a freed time offered from it through
        the ordinary hold, which ends the entry."""
        chat = (inbound.channel, inbound.chat_id)
        if isinstance(effect, fx.LeaveWaitlist):
            gone = await self.waitlist.leave(
                effect.entry_id, chat=chat, customer_id=session.customer_id, now=now
            )
            return ev.WaitlistLeft(gone)
        if isinstance(effect, fx.JoinWaitlist):
            wish, zone = effect.wish, self._zone
            near = datetime.combine(wish.day, wish.earliest or wish.latest or time(12), zone)
            opens = datetime.combine(wish.day, time(0), zone)
            day = (opens, datetime.combine(wish.day + timedelta(days=1), time(0), zone))
            customer = session.customer_id
            joined = await self.waitlist.join(
                wish, chat=chat, customer_id=customer, day=day, near=near, now=now, key=key
            )
            return ev.WaitlistJoined(joined)
        entry = await self.waitlist.entry(effect.entry_id)
        if entry is None or (entry.channel, entry.chat_id) != chat or entry.ended_why not in (None, BOOKED):
            return ev.OfferGone(effect.start)
        hold = fx.HoldSlot(entry.service, entry.who, effect.start)
        held = await self._hold(session, hold, now, key, inbound)
        if not isinstance(held, ev.Held):
            return ev.OfferGone(effect.start)
        await self.waitlist.end(entry.id, BOOKED, now=now)
        return ev.OfferTaken(held.booking, entry)

    async def _hold(
        self, session: Session, effect: fx.HoldSlot, now: datetime, key: str | None, inbound: Inbound
    ) -> ev.Event:
        service = self.business.service(effect.service)
        minutes = (
            self.business.rules.payment_hold_minutes
            if service.prepayment > 0
            else self.business.rules.hold_minutes
        )
        outcome = await self.store.hold(
            service=effect.service,
            start=effect.start,
            now=now,
            customer_id=session.customer_id,
            specialist=effect.specialist,
            ttl=timedelta(minutes=minutes),
            key=key,
            chat=None if inbound.channel == NOWHERE else (inbound.channel, inbound.chat_id),
        )
        if outcome.ok and outcome.booking is not None:
            return ev.Held(outcome.booking)
        return ev.HoldFailed(outcome.reason or "taken")


def paid_event(paying: Paying) -> ev.Event | None:
    """What a recorded payment report means for the conversation; None when nothing is worth saying."""
    booking, attempt, change = paying.booking, paying.attempt, paying.change
    if booking is None or attempt is None:
        return None
    if change == Change.PAID:
        return ev.Paid(booking, attempt.paid)
    if change == Change.TOO_LATE:
        return ev.PaidTooLate(booking, attempt.paid)
    if change in (Change.FOR_NOTHING, Change.PAID_TWICE, Change.MISMATCH):
        return ev.PaymentReturned(booking, attempt.paid)
    if change == Change.FAILED:
        return ev.PaymentFailed(booking)
    if change == Change.REFUNDED:
        return ev.Refunded(booking, attempt.refunded)
    return None  # pending, or a repeat


# Money nobody asked for (it goes back through a refund job), or about no order of ours: an operator may ask.
_UNASKED = (Change.TOO_LATE, Change.FOR_NOTHING, Change.PAID_TWICE, Change.MISMATCH, Change.UNKNOWN_ORDER)


def _log_payment(report: Report, paying: Paying) -> None:
    """One line for each report recorded: the order, what LiqPay said, and what it came to (a warning when
    the money is to go back)."""
    level = logging.WARNING if paying.change in _UNASKED else logging.INFO
    amount = f"{report.amount} {report.currency}" if report.amount is not None else "no amount"
    log.log(
        level,
        "liqpay %s %s (%s, via %s): %s",
        report.order_id,
        report.status,
        amount,
        report.via,
        paying.change,
    )


def _unread(session: Session) -> tuple[()] | None:
    """A view's bookings before any step asked for them: none to read for an unknown customer, else not
    read yet (the step raises BookingsMiss if it needs them)."""
    return () if session.customer_id is None else None


def _by_staff(outcome: Outcome, effect: fx.CancelBooking) -> ev.Event | None:
    """Staff's cancellation, as the customer hears of it; refused (no longer live meanwhile): nothing."""
    if not outcome.ok or outcome.booking is None:
        return None
    return ev.Cancelled(outcome.booking, by_staff=True, reason=effect.reason, refund=effect.refund_amount)


def _result(
    outcome: Outcome, done: type[ev.Confirmed] | type[ev.Cancelled] | type[ev.Moved] | type[ev.Expired]
) -> ev.Event:
    if outcome.ok and outcome.booking is not None:
        return done(outcome.booking)
    return ev.Refused(outcome.reason or "other")
