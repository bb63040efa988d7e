"""Whole conversations through the runner against the real store (SQLite file and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.runner import Runner
from conversations.events import Choice, Command, Text
from conversations.replies import Reply
from payments.liqpay import LiqPayAccount
from storage.db import Database
from storage.store import Store
from tests.sample import NOW, at, salon
from tests.talk import say


@pytest.fixture
def store(database: Database) -> Store:
    return Store(database, salon())


def _option(replies: list[Reply], label: str) -> str:
    for reply in reversed(replies):
        for option in reply.options:
            if option.label.startswith(label):
                return option.id
    raise AssertionError(f"no {label!r} in {[o.label for r in replies for o in r.options]}")


async def _to_summary(runner: Runner, key: str, *labels: str) -> list[Reply]:
    """Start, tap `labels` (by default a haircut with Anna on Tuesday at 11:00), give name and phone."""
    replies = await say(runner, key, Command("start", language="en"))
    for label in labels or ("Book a visit", "Haircut", "Anna", "Tue 24 Nov", "11:00"):
        replies = await say(runner, key, Choice(_option(replies, label)))
    replies = await say(runner, key, Text("Olha"))
    return await say(runner, key, Text("+380 50 123 4567"))


async def _book(runner: Runner, key: str) -> list[Reply]:
    replies = await _to_summary(runner, key)
    return await say(runner, key, Choice(_option(replies, "Confirm")))


async def test_a_booking_made_in_conversation_is_a_confirmed_row(store: Store) -> None:
    replies = await _book(Runner(store, lambda: NOW), "console:olha")
    assert any("Booked!" in r.text for r in replies)
    [booking] = await store.bookings()
    assert (booking.service, booking.specialist, booking.start, booking.status) == (
        "haircut",
        "anna",
        at(24, 11),
        "confirmed",
    )
    assert booking.customer_id is not None
    # The phone was typed: contact data for the booking, never a key anyone else could be found by.
    assert await store.customer_by_phone("+380501234567") is None


async def test_a_restarted_runner_continues_the_conversation(store: Store) -> None:
    first = Runner(store, lambda: NOW)
    replies = await say(first, "tg:1", Command("start", language="en"))
    replies = await say(first, "tg:1", Choice(_option(replies, "Book a visit")))
    second = Runner(store, lambda: NOW)  # a new process, or the same one after a restart
    replies = await say(second, "tg:1", Choice(_option(replies, "Haircut")))
    assert "Who would you like for Haircut?" in replies[-1].text


async def test_a_double_tap_books_once(store: Store) -> None:
    runner = Runner(store, lambda: NOW)
    key = "tg:2"
    replies = await _to_summary(runner, key)
    confirm = _option(replies, "Confirm")
    both = await asyncio.gather(say(runner, key, Choice(confirm)), say(runner, key, Choice(confirm)))
    texts = [r.text for replies in both for r in replies]
    assert sum("Booked!" in t for t in texts) == 1
    assert any("earlier message" in t for t in texts)
    assert len(await store.bookings()) == 1


async def test_two_processes_never_both_advance_one_conversation(store: Store) -> None:
    one, two = Runner(store, lambda: NOW, owner="p1"), Runner(store, lambda: NOW, owner="p2")
    replies = await say(one, "tg:3", Command("start", language="en"))
    book = _option(replies, "Book a visit")
    both = await asyncio.gather(say(one, "tg:3", Choice(book)), say(two, "tg:3", Choice(book)))
    texts = [r.text for replies in both for r in replies]
    # One of them advanced the conversation; the other then found the button already used.
    assert sum("earlier message" in t for t in texts) == 1
    assert [r.text for r in both[0] + both[1]].count("Which service would you like?") == 2


async def test_a_time_taken_by_someone_else_is_not_booked(store: Store) -> None:
    runner = Runner(store, lambda: NOW)
    key = "tg:4"
    replies = await say(runner, key, Command("start", language="en"))
    for label in ("Book a visit", "Haircut", "Anna", "Tue 24 Nov"):
        replies = await say(runner, key, Choice(_option(replies, label)))
    eleven = _option(replies, "11:00")
    assert (await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)).ok
    replies = await say(runner, key, Choice(eleven))
    assert "no longer free" in replies[0].text
    assert len(await store.bookings()) == 1


async def test_a_hold_lost_between_summary_and_confirm_offers_the_nearest(store: Store) -> None:
    runner = Runner(store, lambda: NOW)
    key = "tg:5"
    replies = await _to_summary(runner, key)
    assert (await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)).ok
    replies = await say(runner, key, Choice(_option(replies, "Confirm")))
    assert any("just taken" in r.text for r in replies)
    assert len(await store.bookings()) == 1


async def test_move_and_cancel_through_the_conversation(store: Store) -> None:
    runner = Runner(store, lambda: NOW)
    key = "tg:6"
    await _book(runner, key)
    replies = await say(runner, key, Text("reschedule"))
    for label in ("Wed 25 Nov", "Later times", "15:00", "Confirm"):  # a dozen times a page
        replies = await say(runner, key, Choice(_option(replies, label)))
    [moved] = await store.bookings()
    assert (moved.start, moved.moves, moved.status) == (at(25, 15), 1, "confirmed")
    replies = await say(runner, key, Text("cancel"))
    replies = await say(runner, key, Choice(_option(replies, "Yes, cancel")))
    [cancelled] = await store.bookings()
    assert cancelled.status == "cancelled" and cancelled.refund is False
    assert (await store.hold(service="haircut", specialist="anna", start=at(25, 15), now=NOW)).ok


async def test_without_a_payment_provider_a_prepaid_service_is_booked_to_pay_at_the_visit(
    store: Store,
) -> None:
    runner = Runner(store, lambda: NOW)  # no LiqPay account configured
    replies = await _to_summary(runner, "tg:8", "Book a visit", "Colouring", "Tue 24 Nov", "10:00")
    replies = await say(runner, "tg:8", Choice(_option(replies, "Confirm")))
    [booked] = await store.bookings()
    assert booked.status == "confirmed" and any("Booked!" in r.text for r in replies)


async def test_a_prepaid_service_waits_for_payment_as_a_hold(store: Store) -> None:
    account = LiqPayAccount("sandbox_i000", "secret", sandbox=True, api_base="https://liqpay.example")
    runner = Runner(store, lambda: NOW, liqpay=account)
    key = "tg:7"
    replies = await _to_summary(runner, key, "Book a visit", "Colouring", "Tue 24 Nov", "10:00")
    replies = await say(runner, key, Choice(_option(replies, "Confirm")))
    [held] = await store.bookings()
    assert held.status == "held" and held.expires_at == NOW + timedelta(minutes=30)
    assert held.price == Decimal(2400)
    [asked] = [r for r in replies if r.link]
    assert asked.link is not None and asked.link[1].startswith("https://liqpay.example/api/3/checkout?data=")
    assert held.code in asked.text
    replies = await say(runner, key, Choice(_option(replies, "Cancel")))
    [cancelled] = await store.bookings()
    assert cancelled.status == "cancelled"


async def test_a_customer_staff_tagged_no_prepay_is_not_asked_to_prepay(store: Store) -> None:
    account = LiqPayAccount("sandbox_i000", "secret", sandbox=True, api_base="https://liqpay.example")
    runner = Runner(store, lambda: NOW, liqpay=account)
    key = "telegram:9"
    await _book(runner, key)  # a haircut: the customer is known from now on
    [first] = await store.bookings()
    assert first.customer_id is not None
    await store.tag([first.customer_id], "no-prepay")
    replies = await say(runner, key, Command("start", language="en"))
    for label in ("Book a visit", "Colouring", "Tue 24 Nov", "15:00"):
        replies = await say(runner, key, Choice(_option(replies, label)))
    assert not any("prepayment" in r.text for r in replies)  # the summary asks none
    replies = await say(runner, key, Choice(_option(replies, "Confirm")))
    assert any("Booked!" in r.text for r in replies)
    colouring = next(b for b in await store.bookings() if b.service == "colouring")
    assert colouring.status == "confirmed" and colouring.paid == 0
