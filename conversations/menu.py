"""The menu, where every conversation begins and ends, and the rows that lead there from anywhere:
/start, "start over", the language. Each handler returns the state it leaves the conversation in."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from conversations.events import Command
from conversations.session import Draft, State
from conversations.texts import LANGUAGES, NATIVE_NAMES
from conversations.turn import Turn


def show_menu(turn: Turn, rebook: bool = False) -> State:
    """The menu; with `rebook`, "Book again" first (the draft holds the service and specialist to reuse)."""
    options = [("m:book", turn.t("menu_book")), ("m:my", turn.t("menu_my")), ("m:help", turn.t("menu_help"))]
    if rebook:
        options.insert(0, ("m:rebook", turn.t("book_again")))
    if len(turn.business.languages) > 1:
        options.append(("m:lang", turn.t("menu_language")))
    turn.ask(turn.t("menu", business=turn.business.name), options)
    return State.START


def restart(turn: Turn, _: Any = None) -> State:
    turn.session = replace(turn.session, draft=Draft())
    return show_menu(turn)


def welcome(turn: Turn) -> State:
    turn.say("welcome", business=turn.business.name)
    return restart(turn)


def start(turn: Turn, command: Command) -> State:
    """/start: the app's language for someone we do not know yet, then the welcome."""
    lang = (command.language or "")[:2]
    if lang and not turn.session.customer_id and lang in turn.business.languages:
        turn.session = replace(turn.session, lang=lang, lang_by="app")
    return welcome(turn)


def adopt_language(turn: Turn, written: str | None) -> None:
    """The language the customer plainly writes in, when neither the platform nor they chose one (WhatsApp
    never says; Telegram not always): kept in the session, and so for the next messages. A known customer's
    language is theirs already (stored with them), unless it was read from their words in this chat."""
    by, known = turn.session.lang_by, turn.session.customer_id is not None
    chosen = by in ("app", "customer") or (known and by != "text")
    if written and not chosen and written in turn.business.languages and written in LANGUAGES:
        turn.session = replace(turn.session, lang=written, lang_by="text")


def show_language(turn: Turn, _: Any = None) -> State:
    options = [(f"lang:{code}", NATIVE_NAMES[code]) for code in turn.business.languages if code in LANGUAGES]
    turn.ask(turn.t("ask_language"), options)
    return State.LANGUAGE


def set_language(turn: Turn, code: str) -> State:
    if code in LANGUAGES:
        turn.session = replace(turn.session, lang=code, lang_by="customer")
        turn.say("language_set")
    return show_menu(turn)
