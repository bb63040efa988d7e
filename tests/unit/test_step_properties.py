"""Properties of `step` (issue 11): whatever a customer sends in whatever state, and however the world moves
meanwhile, a step never raises, always answers a customer, and every reply fits the platforms' limits.

A conversation is a random walk (tests/unit/world.py): mostly the buttons offered and the answers asked for,
so that it reaches every state, mixed with odd input (unicode digits, junk, 5,000 characters, forged and old
buttons, unknown commands), time passing, times taken by others, bookings cancelled by staff, the store
refusing, and hold-expiry jobs. The limits are Telegram's (text 1-4096 characters, callback_data 1-64 bytes,
at most 100 buttons: Bot API 10.1 in ../shared/testdata/telegram) and Twilio's (a WhatsApp Body of at most
1,600 characters: ../shared/testdata/twilio/messages-openapi.json); they are checked on what the channels'
renderers make of the replies, as the runner would send them.

HYPOTHESIS_PROFILE=long runs many more examples (tests/conftest.py).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache

from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from bot.calendar import CalendarLinks
from bot.channels.base import TELEGRAM, WHATSAPP, Inbound, Outgoing
from bot.channels.telegram import TelegramRenderer
from bot.channels.whatsapp_twilio import WhatsAppRenderer
from bot.config import load_settings
from conversations import lexicon
from conversations.events import Choice, Command, Event, Text
from conversations.flow import SAME, reaches
from conversations.replies import CALLBACK_DATA_LIMIT, TELEGRAM_TEXT_LIMIT, WHATSAPP_TEXT_LIMIT, Reply
from conversations.session import Session, State, dumps, loads
from conversations.texts import LANGUAGES, text
from storage.booking import Booking
from storage.business import Business
from storage.waiting import ANYONE, Entry
from tests.ics import checked
from tests.sample import KYIV, NOW, at, salon
from tests.unit.world import World

TELEGRAM_BUTTONS_LIMIT = 100  # per inline keyboard (../shared/testdata/telegram/limits.json)
MESSAGE = Inbound(TELEGRAM, "380501234", Text("x"), "1")
PRESSED = Inbound(TELEGRAM, "380501234", Choice("x"), "2", message_id="41", callback_id="cb")
WHATSAPP_CHAT = Inbound(WHATSAPP, "+380501234567", Text("x"), "SM1")
QUICK_REPLIES = {"quick_reply_2": "HX" + "2" * 32, "quick_reply_3": "HX" + "3" * 32}
LINKS = CalendarLinks("0123456789abcdef0123456789abcdef", "https://bot.example.com")

PHRASES = (
    "hi", "hello", "help", "book", "cancel", "reschedule", "my bookings", "start over", "language", "back",
    "yes", "no", "haircut tomorrow at 3", "manicure on friday at 10:00", "стрижка завтра о 15",
    "in 3 days", "after 5", "2099-12-31 10:00", "31.02", "December 5 at 9", "12.50 грн", "later", "/start",
    "", " ", "Olha", "050 123 45 67", "+380501234567", "так", "ok", "перенести", "Friday at 3 instead?",
)  # fmt: skip
ODD_NUMBERS = ("²", "①", "⑦", "٣", "３", "0", "-1", "1.5", "007", "9" * 40, "1)", "2.", " 3 ", "½")
BUTTON_NAMES = ("svc", "stf", "day", "more", "t", "bk", "lang", "m")
ODD_ARGS = ("", "nope", "abc", "0", "-1", "20200101", "99999999", "20261301", "*", "9" * 30, "1e9", "²")
COMMANDS = ("start", "book", "my", "help", "lang", "settings", "")

text_st = st.one_of(
    st.sampled_from(PHRASES),
    st.sampled_from(ODD_NUMBERS),
    st.text(max_size=40),
    st.builds(lambda unit, n: (unit * n)[:5000], st.text(min_size=1, max_size=8), st.integers(200, 5000)),
)
action_st = st.one_of(
    st.builds(
        lambda name, arg: f"{name}:{arg}",
        st.sampled_from(BUTTON_NAMES),
        st.one_of(st.sampled_from(ODD_ARGS), st.integers().map(str), st.text(max_size=12)),
    ),
    st.text(max_size=70),
)
# Pressing what is offered and answering what is asked come up most, so that walks reach every state.
move_st = st.one_of(
    st.tuples(st.just("answer"), st.integers(0, 99)),
    st.tuples(st.just("answer"), st.integers(0, 99)),
    st.tuples(st.just("answer"), st.integers(0, 99)),
    st.tuples(st.just("answer"), st.integers(0, 99)),
    st.tuples(st.just("number"), st.integers(0, 99)),
    st.tuples(st.just("text"), text_st),
    st.tuples(st.just("old button"), st.integers(0, 999)),
    st.tuples(st.just("forged button"), action_st),
    st.tuples(st.just("any button"), st.text(max_size=80)),
    st.tuples(st.just("command"), st.sampled_from(COMMANDS), st.sampled_from((None, "uk", "en", "pt", "x"))),
    st.tuples(st.just("wait"), st.sampled_from((1, 20, 61, 60 * 5, 60 * 24, 60 * 24 * 3, 60 * 24 * 40))),
    st.tuples(st.just("taken"), st.integers(0, 99)),
    st.tuples(st.just("staff cancel"), st.integers(0, 9), st.booleans()),
    st.tuples(st.just("hold due"), st.integers(0, 9)),
    st.tuples(st.just("waitlist offer"), st.integers(0, 9)),
    st.tuples(st.just("reminder due"), st.integers(0, 9)),
    st.tuples(st.just("refuse"), st.sampled_from(("taken", "too_late", "expired", "cancelled", "other"))),
)


@cache
def example_business() -> Business:
    """config.yaml's business: nine services, one with a booking window longer than the rules'."""
    return load_settings("config.yaml", {}).business


def businesses() -> st.SearchStrategy[Business]:
    return st.sampled_from((salon(), example_business()))


def world(business: Business, lang: str, returning: bool) -> World:
    if not returning:
        return World(business, NOW, Session(lang=lang))
    session = Session(lang=lang, name="Olha", phone="+380501234567", customer_id=1)
    made = World(business, NOW, session)
    service = business.services[0]
    for number, start in enumerate((at(25, 11), at(27, 12)), 1):
        made.bookings.append(_booking(number, service.id, service.staff[0], start, service.duration))
    # Waiting for a day: a job may offer it a freed time whatever the customer is doing.
    made.waitlist.append(
        Entry(1, TELEGRAM, "380501234", 1, service.id, ANYONE, date(2026, 11, 26), None, None, NOW)
    )
    return made


def _booking(number: int, service: str, specialist: str, start: datetime, minutes: int) -> Booking:
    return Booking(
        id=number,
        code=f"SEED{number:04d}",
        service=service,
        specialist=specialist,
        customer_id=1,
        start=start,
        end=start + timedelta(minutes=minutes),
        status="confirmed",
        expires_at=None,
        moves=0,
        price=Decimal(100),
        paid=Decimal(0),
        created_at=NOW - timedelta(days=2),
    )


# ---- one move of the walk ------------------------------------------------------------------------------


def play(w: World, move: tuple[object, ...]) -> None:
    kind = move[0]
    customer = _customer_event(w, move)
    if customer is not None:
        if currently_in_test_context():
            event(f"state {w.session.state}")  # shown by --hypothesis-show-statistics
        check(w.send(customer), w, customer=True)
    elif kind == "wait":
        w.wait(int(move[1]))  # type: ignore[call-overload]
    elif kind == "taken":
        starts = _offered_times(w)
        if starts:
            w.occupy(starts[int(move[1]) % len(starts)])  # type: ignore[call-overload]
    elif kind == "staff cancel":
        _staff_cancel(w, int(move[1]), bool(move[2]))  # type: ignore[call-overload]
    elif kind == "hold due":
        check(w.hold_due(int(move[1])), w, customer=False)  # type: ignore[call-overload]
    elif kind == "waitlist offer":
        check(w.waitlist_offer(int(move[1])), w, customer=False)  # type: ignore[call-overload]
    elif kind == "reminder due":
        check(w.reminder_due(int(move[1])), w, customer=False)  # type: ignore[call-overload]
    elif kind == "refuse":
        w.refuse = str(move[1])


def _staff_cancel(w: World, index: int, full_refund: bool) -> None:
    """Staff cancel a booking: one still to come ends cancelled (unless the store refuses) and the customer
    is told once; anything else is left alone, and nothing is said."""
    if not w.bookings:
        return
    target = w.bookings[index % len(w.bookings)]
    to_come, refused = target.is_live(w.now) and target.start > w.now, w.refuse is not None
    replies = w.staff_cancel(index, full_refund)
    check(replies, w, customer=False)
    now = next(b for b in w.bookings if b.id == target.id)
    if to_come and not refused:
        assert now.status == "cancelled" and len(replies) >= 1
        assert w.staff_cancel(index, full_refund) == [], "a booking cancelled already was cancelled again"
    else:
        assert replies == [] and now == target


def _customer_event(w: World, move: tuple[object, ...]) -> Event | None:
    kind, options, seq = move[0], w.options(), w.session.seq
    if kind == "answer":
        if w.session.state in (State.NAME, State.WAITLIST_NAME):
            return Text("Olha Petrenko")
        if w.session.state in (State.PHONE, State.WAITLIST_PHONE):
            return Text("050 123 45 67")
        return Choice(options[int(move[1]) % len(options)]) if options else Text("hi")  # type: ignore[call-overload]
    if kind == "number":
        return Text(str(int(move[1]) % (len(options) + 2)))  # type: ignore[call-overload]
    if kind == "text":
        return Text(str(move[1]))
    if kind == "old button":
        return Choice(w.offered[int(move[1]) % len(w.offered)]) if w.offered else None  # type: ignore[call-overload]
    if kind == "forged button":
        return Choice(f"{seq}|{move[1]}")
    if kind == "any button":
        return Choice(str(move[1]))
    if kind == "command":
        return Command(str(move[1]), move[2])  # type: ignore[arg-type]
    return None


def _offered_times(w: World) -> list[datetime]:
    actions = [option.partition("|")[2] for option in w.options()]
    return [datetime.fromtimestamp(int(a[2:]) * 60, UTC) for a in actions if a.startswith("t:")]


# ---- what must hold after every step ------------------------------------------------------------------


def check(replies: list[Reply], w: World, *, customer: bool) -> None:
    if customer:
        assert replies, "a customer's message went unanswered"
    assert loads(dumps(w.session)) == w.session, "the session would not survive being stored"
    last_options = next((r.options for r in reversed(replies) if r.options), None)
    if last_options is not None:  # a typed number answers what the customer sees last
        assert w.session.offer == tuple(o.id for o in last_options)
    for inbound in (MESSAGE, PRESSED):
        calls = TelegramRenderer().render(replies, inbound)
        assert not customer or any(c.method in ("sendMessage", "editMessageText") for c in calls)
        for call in calls:
            check_telegram(call)
    for renderer in (WhatsAppRenderer(), WhatsAppRenderer(QUICK_REPLIES, calendar_link=LINKS.url)):
        for message in renderer.render(replies, WHATSAPP_CHAT):
            check_whatsapp(message)


def check_telegram(call: Outgoing) -> None:
    if call.method == "answerCallbackQuery":
        return
    if call.method == "sendDocument":  # a booking's calendar file, which a calendar app must read
        document = call.params["document"]
        assert document["upload"].endswith(".ics") and document["type"] == "text/calendar"
        checked(document["text"])
        return
    assert call.method in ("sendMessage", "editMessageText"), call.method
    assert 1 <= len(call.params["text"]) <= TELEGRAM_TEXT_LIMIT
    buttons = [b for row in call.params.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
    assert len(buttons) <= TELEGRAM_BUTTONS_LIMIT
    for button in buttons:
        assert button["text"]
        if "url" in button:  # a link to open (the prepayment's checkout), which carries no data back
            assert button["url"].startswith("https://") and "callback_data" not in button
            continue
        assert 1 <= len(button["callback_data"].encode("utf-8")) <= CALLBACK_DATA_LIMIT


def check_whatsapp(message: Outgoing) -> None:
    if "MediaUrl" in message.params:  # a booking's calendar file, in a message of its own
        assert set(message.params) == {"MediaUrl"} and LINKS.read(_token(message.params["MediaUrl"]))
    elif "Body" in message.params:
        assert 1 <= len(message.params["Body"]) <= WHATSAPP_TEXT_LIMIT
    else:  # a quick-reply template: every variable filled
        variables = json.loads(message.params["ContentVariables"])
        assert all(isinstance(v, str) and v for v in variables.values())


def _token(url: str) -> str:
    return url.removeprefix(f"{LINKS.base}/calendar/").removesuffix(".ics")


# ---- the properties --------------------------------------------------------------------------------------


@given(
    business=businesses(),
    lang=st.sampled_from(LANGUAGES),
    returning=st.booleans(),
    moves=st.lists(move_st, min_size=10, max_size=50),
)
def test_any_event_in_any_state_is_answered_within_the_platforms_limits(
    business: Business, lang: str, returning: bool, moves: list[tuple[object, ...]]
) -> None:
    w = world(business, lang, returning)
    check(w.send(Command("start")), w, customer=True)
    for move in moves:
        play(w, move)


# Symbols, marks and digits int() does not read ("²", "①", "½"): text that means nothing in any language,
# but for the symbols the lexicon gives a meaning ("👍" is yes).
SYMBOL_WORDS = {
    p
    for table in lexicon.INTENTS.values()
    for ps in table.values()
    for p in ps
    if not any(map(str.isalpha, p))
}
nothing_st = st.text(
    alphabet=st.characters(categories=("No", "So", "Sk", "Sm", "Pd", "Ps", "Pe", "Zs")), max_size=30
).filter(lambda s: not s.strip().isdecimal() and not any(word in s for word in SYMBOL_WORDS))
answers_st = st.lists(st.integers(0, 99), max_size=14)


def _walk(business: Business, lang: str, answers: list[int]) -> World:
    """A returning customer who answers the questions by pressing options: somewhere in a conversation."""
    w = world(business, lang, returning=True)
    w.send(Command("start"))
    for answer in answers:
        play(w, ("answer", answer))
    return w


@given(business=businesses(), lang=st.sampled_from(LANGUAGES), answers=answers_st, action=action_st)
def test_a_button_never_offered_is_stale_and_the_question_is_asked_again(
    business: Business, lang: str, answers: list[int], action: str
) -> None:
    w = _walk(business, lang, answers)
    before, option, done = w.session.state, f"{w.session.seq}|{action}", len(w.effects)
    if option in w.session.offer:
        return
    replies = w.send(Choice(option))
    assert replies[0].text.startswith(text(w.session.lang, "stale_button"))
    assert len(replies) >= 2 and w.session.state in reaches(SAME, before) | {State.START}
    assert len(w.effects) == done  # the press did nothing


@given(business=businesses(), lang=st.sampled_from(LANGUAGES), answers=answers_st, said=nothing_st)
def test_text_that_means_nothing_is_not_understood_and_the_question_is_asked_again(
    business: Business, lang: str, answers: list[int], said: str
) -> None:
    w = _walk(business, lang, answers)
    before = w.session.state
    if before in (State.NAME, State.PHONE, State.WAITLIST_NAME, State.WAITLIST_PHONE):
        return  # there any text is a name or a phone number, and is answered as one
    replies = w.send(Text(said))
    assert replies[0].text == text(w.session.lang, "not_understood"), replies
    assert len(replies) >= 2 and w.session.state in reaches(SAME, before) | {State.START}


@given(lang=st.sampled_from(LANGUAGES), answers=answers_st, days=st.integers(1, 400))
def test_a_button_pressed_after_its_day_has_passed_is_stale(lang: str, answers: list[int], days: int) -> None:
    w = _walk(salon(), lang, answers)
    pressed = [o for o in w.options() if o.partition("|")[2].startswith(("day:", "more:", "t:"))]
    if not pressed:
        return
    w.now = datetime.combine(_day_of(pressed[0]) + timedelta(days=days), time(8), KYIV)
    replies = w.send(Choice(pressed[0]))
    assert replies[0].text.startswith(text(w.session.lang, "stale_button"))


def _day_of(option: str) -> date:
    name, _, arg = option.partition("|")[2].partition(":")
    if name == "t":
        return datetime.fromtimestamp(int(arg) * 60, KYIV).date()
    return datetime.strptime(arg, "%Y%m%d").date()


def test_the_walk_reaches_every_state_a_customer_can_be_asked_in() -> None:
    """The random walk above is worth something only if it gets everywhere: a walk that does, by hand."""
    w = world(salon(), "en", returning=False)
    seen = {w.session.state}
    for move in [("answer", 0)] * 12 + [("command", "my", None), ("answer", 0)] * 2:
        play(w, move)
        seen.add(w.session.state)
    w2 = world(salon(), "en", returning=True)
    w2.send(Command("start"))
    for move in [("command", "my", None), ("answer", 0), ("answer", 0), ("answer", 0), ("answer", 0)]:
        play(w2, move)
        seen.add(w2.session.state)
    assert {State.START, State.SERVICE, State.DAY, State.TIME, State.NAME, State.PHONE, State.CONFIRM} <= seen
    assert {State.BOOKINGS, State.BOOKING, State.MOVE_DAY, State.MOVE_TIME} <= seen
