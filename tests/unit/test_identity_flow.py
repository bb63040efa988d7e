"""Who a customer is comes from the platform, never from what they type (the conversation's side).

Regression tests for issue 11's release blockers: a stranger typing someone's number must not become them,
and a WhatsApp customer must be saved as a customer like any other."""

from __future__ import annotations

from conversations import effects as fx
from conversations.events import Command, ContactShared
from conversations.session import Session, State
from tests.sample import NOW, salon
from tests.unit.chatter import Chatter

PHONE = "+380501234567"


def _at_phone_question(session: Session | None = None) -> Chatter:
    chatter = Chatter(salon(), NOW, session or Session(lang="en"))
    chatter.send(Command("start"))
    for label in ("Book a visit", "Haircut", "Anna", "Tue 24 Nov", "11:00"):
        chatter.tap(label)
    chatter.say("Olha")
    assert chatter.session.state == State.PHONE
    return chatter


def _saved(chatter: Chatter) -> list[fx.SaveCustomer]:
    return [e for e in chatter.effects if isinstance(e, fx.SaveCustomer)]


def test_the_phone_question_offers_to_share_the_senders_own_number() -> None:
    chatter = _at_phone_question()
    [asked] = [r for r in chatter.last if r.share_contact]
    assert asked.share_contact == "📱 Share my phone number" and not asked.options


def test_a_typed_phone_is_never_proof_of_who_someone_is() -> None:
    chatter = _at_phone_question()
    chatter.say("050 123 45 67")
    assert _saved(chatter) == [fx.SaveCustomer("Olha", PHONE, "en", proven=False)]
    assert chatter.session.phone == PHONE and not chatter.session.phone_proven
    assert chatter.session.state == State.CONFIRM
    assert any(r.done_sharing for r in chatter.last)  # the share button goes away


def test_a_shared_own_contact_proves_the_number() -> None:
    chatter = _at_phone_question()
    chatter.send(ContactShared(PHONE, own=True))
    assert _saved(chatter) == [fx.SaveCustomer("Olha", PHONE, "en", proven=True)]
    assert chatter.session.phone_proven and chatter.session.state == State.CONFIRM


def test_someone_elses_shared_contact_is_only_a_number() -> None:
    chatter = _at_phone_question()
    chatter.send(ContactShared(PHONE, own=False))
    assert _saved(chatter) == [fx.SaveCustomer("Olha", PHONE, "en", proven=False)]
    assert not chatter.session.phone_proven


def test_a_contact_outside_the_phone_question_makes_only_its_owner_known() -> None:
    chatter = Chatter(salon(), NOW, Session(lang="en"))
    chatter.send(Command("start"))
    chatter.send(ContactShared(PHONE, own=False))
    assert _saved(chatter) == [] and "didn't get that" in chatter.text()
    chatter.send(ContactShared(PHONE, own=True))
    assert _saved(chatter) == [fx.SaveCustomer("", PHONE, "en", proven=True)]
    assert chatter.session.state == State.START


def test_a_whatsapp_customer_is_saved_when_they_book() -> None:
    # The runner starts a WhatsApp conversation with the sender's number, proven: no phone question.
    chatter = Chatter(salon(), NOW, Session(lang="en", phone=PHONE, phone_proven=True))
    chatter.send(Command("start"))
    for label in ("Book a visit", "Haircut", "Anna", "Tue 24 Nov", "11:00"):
        chatter.tap(label)
    chatter.say("Olha")
    assert chatter.session.state == State.CONFIRM
    chatter.tap("Confirm")
    saved = _saved(chatter)
    assert saved == [fx.SaveCustomer("Olha", PHONE, "en", proven=True)]
    assert chatter.effects.index(saved[0]) < next(
        i for i, e in enumerate(chatter.effects) if isinstance(e, fx.HoldSlot)
    )


def test_a_telegram_contact_is_the_senders_own_only_when_its_user_id_is_theirs() -> None:
    from bot.channels.telegram import inbound_from_update

    def update(user_id: int | None, phone: str = "380501234567") -> dict[str, object]:
        contact: dict[str, object] = {"phone_number": phone, "first_name": "Olha"}
        if user_id is not None:
            contact["user_id"] = user_id
        message = {"message_id": 5, "date": 1, "chat": {"id": 42, "type": "private"}, "contact": contact}
        message["from"] = {"id": 42, "is_bot": False, "first_name": "Olha"}
        return {"update_id": 9, "message": message}

    def event(u: dict[str, object]) -> object:
        inbound = inbound_from_update(u)
        assert inbound is not None
        return inbound.event

    assert event(update(42)) == ContactShared(PHONE, own=True)
    assert event(update(43)) == ContactShared(PHONE, own=False)  # forwarded from someone else
    assert event(update(None)) == ContactShared(PHONE, own=False)  # a contact with no Telegram account
    assert event(update(42, "+380 50 123 45 67")) == ContactShared(PHONE, own=True)
