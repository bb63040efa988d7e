"""A process that dies right after a booking change commits, before its turn is saved (SQLite and PostgreSQL).

The platform delivers the same message again, to the restarted process or another one. Every effect of a turn
carries an idempotency key (the message's source key and the effect's place in the turn), so the redelivery
finds the hold, confirmation, move or cancellation it already made and carries on from there: one booking,
the right reply, staff told once. `Died` stands for the process's death: nothing of that process runs after
it, and its database calls fail, so its lease on the conversation is left for the next one to outwait.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

import pytest

from bot.channels.base import Inbound
from bot.notify import staff_notifier
from bot.runner import Runner
from conversations.events import Choice, Command, Event, Text
from storage.booking import Outcome
from storage.business import Business, Contact
from storage.db import Database
from storage.outbox import Outbox
from storage.sessions import LEASE_S
from storage.store import Store
from tests.sample import NOW, salon
from tests.talk import receive

T = TypeVar("T")
LATER = NOW + timedelta(seconds=LEASE_S + 1)  # past the dead process's lease on the conversation
CHAT = "4242"


class Died(BaseException):
    """The process is gone at this point."""


class Mortal:
    """The database as one process sees it: after that process dies, nothing it asks for happens."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.dead = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    async def transaction(self, work: Callable[[Any], T]) -> T:
        if self.dead:
            raise Died("a dead process wrote nothing")
        return await self._db.transaction(work)

    async def query(self, work: Callable[[Any], T]) -> T:
        if self.dead:
            raise Died("a dead process read nothing")
        return await self._db.query(work)


class DyingStore(Store):
    """The store of a process killed right after the change named `point` commits."""

    point = ""

    async def _died(self, point: str, outcome: Awaitable[Outcome]) -> Outcome:
        done = await outcome
        if point == self.point:
            self.db.dead = True  # type: ignore[attr-defined]
            raise Died(f"killed right after {point} committed")
        return done

    async def hold(self, **kwargs: Any) -> Outcome:
        return await self._died("hold", super().hold(**kwargs))

    async def confirm(self, booking_id: int, **kwargs: Any) -> Outcome:
        return await self._died("confirm", super().confirm(booking_id, **kwargs))

    async def move(self, booking_id: int, **kwargs: Any) -> Outcome:
        return await self._died("move", super().move(booking_id, **kwargs))

    async def cancel(self, booking_id: int, **kwargs: Any) -> Outcome:
        return await self._died("cancel", super().cancel(booking_id, **kwargs))


def _business() -> Business:
    business = salon()
    anna = replace(business.staff[0], contacts=(Contact("telegram", "777"),))
    return replace(business, staff=(anna, *business.staff[1:]), admins=(Contact("telegram", "900"),))


class Customer:
    """One Telegram customer; each message has an update id of its own, as Telegram gives them."""

    def __init__(self, runner: Runner) -> None:
        self.runner, self.update, self.options = runner, 1000, list[dict[str, Any]]()

    def next(self, event: Event) -> Inbound:
        self.update += 1
        return Inbound("telegram", CHAT, event, dedup_id=str(self.update), language="en")

    async def send(self, inbound: Inbound, runner: Runner | None = None) -> list[str]:
        sent = await receive(runner or self.runner, inbound)
        self.options = [m.params for m in sent if m.params.get("options")] or self.options
        return [m.params["text"] for m in sent]

    def tap(self, label: str) -> Inbound:
        for params in reversed(self.options):
            ids = params["options"]
            labels = params.get("labels") or []
            for option, shown in zip(ids, labels, strict=False):
                if shown.startswith(label):
                    return self.next(Choice(option))
        raise AssertionError(f"no option {label!r}")


async def _staff_messages(db: Database) -> list[str]:
    rows = await Outbox(db).all()
    return [json.loads(r["params"])["text"] for r in rows if r["chat_id"] in ("777", "900")]


async def _talk(customer: Customer, *steps: str | Event) -> list[str]:
    said: list[str] = []
    for step in steps:
        inbound = customer.tap(step) if isinstance(step, str) else customer.next(step)
        said = await customer.send(inbound)
    return said


BOOK = (Command("start", "en"), "Book a visit", "Haircut", "Anna", "Tue 24 Nov", "11:00")


@pytest.mark.parametrize("point", ["hold", "confirm"])
async def test_a_confirm_redelivered_after_a_crash_books_once(database: Database, point: str) -> None:
    business = _business()
    dying = DyingStore(Mortal(database), business)  # type: ignore[arg-type]
    first = Runner(dying, lambda: NOW, "p1", notify=staff_notifier(business))
    customer = Customer(first)
    await _talk(customer, *BOOK, Text("Olha"), Text("+380501234567"))
    confirm = customer.tap("Confirm")
    dying.point = point
    with pytest.raises(Died):
        await customer.send(confirm)

    restarted = Runner(Store(database, business), lambda: LATER, "p2", notify=staff_notifier(business))
    said = await customer.send(confirm, restarted)  # Telegram delivers the unanswered update again
    assert any("Booked!" in text for text in said), said
    assert not any("taken" in text for text in said)
    bookings = await restarted.store.bookings()
    assert [(b.status, b.specialist) for b in bookings] == [("confirmed", "anna")]
    assert len(await _staff_messages(database)) == 2  # Anna and the admin, once each
    assert await customer.send(confirm, restarted) == []  # and a third delivery is only a repeat


async def test_a_move_redelivered_after_a_crash_moves_once(database: Database) -> None:
    business = _business()
    dying = DyingStore(Mortal(database), business)  # type: ignore[arg-type]
    first = Runner(dying, lambda: NOW, "p1", notify=staff_notifier(business))
    customer = Customer(first)
    await _talk(customer, *BOOK, Text("Olha"), Text("+380501234567"), "Confirm")
    await _talk(customer, "My bookings", "Haircut", "Reschedule", "Wed 25 Nov", "Later times", "12:00")
    move = customer.tap("Confirm")
    dying.point = "move"
    with pytest.raises(Died):
        await customer.send(move)
    staff_before = len(await _staff_messages(database))

    restarted = Runner(Store(database, business), lambda: LATER, "p2", notify=staff_notifier(business))
    said = await customer.send(move, restarted)
    assert any("moved" in text.lower() for text in said), said
    [booking] = await restarted.store.bookings()
    assert (booking.status, booking.moves, booking.start.astimezone(booking.start.tzinfo).day) == (
        "confirmed",
        1,
        25,
    )
    assert len(await _staff_messages(database)) == staff_before + 2


async def test_a_cancel_redelivered_after_a_crash_cancels_once(database: Database) -> None:
    business = _business()
    dying = DyingStore(Mortal(database), business)  # type: ignore[arg-type]
    first = Runner(dying, lambda: NOW, "p1", notify=staff_notifier(business))
    customer = Customer(first)
    await _talk(customer, *BOOK, Text("Olha"), Text("+380501234567"), "Confirm")
    await _talk(customer, "My bookings", "Haircut", "Cancel")
    cancel = customer.tap("Yes, cancel")
    dying.point = "cancel"
    with pytest.raises(Died):
        await customer.send(cancel)
    staff_before = len(await _staff_messages(database))

    restarted = Runner(Store(database, business), lambda: LATER, "p2", notify=staff_notifier(business))
    said = await customer.send(cancel, restarted)
    assert any("cancelled" in text.lower() for text in said), said
    [booking] = await restarted.store.bookings()
    assert booking.status == "cancelled"
    assert len(await _staff_messages(database)) == staff_before + 2


async def test_a_hold_redelivered_after_its_time_slipped_inside_the_notice_still_books_once(
    database: Database,
) -> None:
    """Today's first bookable time (11:00, an hour's notice at 10:00) is held, and the process dies before
    the turn is saved; by the redelivery, half a minute later, 11:00 is inside the notice. The hold it made
    is found all the same: booked, not "too late" with the first hold left to lapse."""
    business = _business()
    dying = DyingStore(Mortal(database), business)  # type: ignore[arg-type]
    first = Runner(dying, lambda: NOW, "p1", notify=staff_notifier(business))
    customer = Customer(first)
    today = (Command("start", "en"), "Book a visit", "Haircut", "Anna")
    await _talk(customer, *today)
    await _talk(customer, next(label for label in _labels(customer) if "23 Nov" in label or "oday" in label))
    assert "11:00" in _labels(customer), _labels(customer)
    await _talk(customer, "11:00", Text("Olha"), Text("+380501234567"))
    confirm = customer.tap("Confirm")
    dying.point = "hold"
    with pytest.raises(Died):
        await customer.send(confirm)

    restarted = Runner(Store(database, business), lambda: LATER, "p2", notify=staff_notifier(business))
    said = await customer.send(confirm, restarted)
    assert any("Booked!" in text for text in said), said
    [booking] = await restarted.store.bookings()
    assert (booking.status, booking.start) == ("confirmed", NOW + timedelta(hours=1))
    assert len(await _staff_messages(database)) == 2


def _labels(customer: Customer) -> list[str]:
    return [str(label) for label in customer.options[-1].get("labels") or []]
