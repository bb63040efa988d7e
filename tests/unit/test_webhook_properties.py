"""Properties of the webhooks (issue 11): any body and any headers, on each webhook, never get a 5xx.

Requests go over a real socket to the app's server, whose hooks feed a real runner and store on SQLite
(tests/unit/hooks.py), so a failure anywhere behind a webhook (the adapter, the runner, the conversation,
the store) would show. Unauthenticated requests must be refused (403, or 400 for a Twilio body that is not
a form), authenticated ones of any shape acknowledged, and nothing may be logged with a traceback.

HYPOTHESIS_PROFILE=long runs many more examples (tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fakes.telegram_api import callback_update, message_update
from tests.unit.hooks import SECRET, Served, serving, signed
from tests.unit.test_step_properties import text_st

CHATS = (380501234, 380501235, -1001234567890)
NUMBERS = ("+380501234567", "+14155550100", "+48601234567")
UPDATE_IDS = itertools.count(10_000)


class Harness:
    """The server on an event loop of its own (hypothesis runs each example as a plain function), and the
    error records logged meanwhile."""

    def __init__(self, directory: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self._serving = serving(directory)
        self.served: Served = self.loop.run_until_complete(self._serving.__aenter__())
        self.errors: list[logging.LogRecord] = []
        self._handler = _Collect(self.errors)
        logging.getLogger().addHandler(self._handler)

    def run(self, work: Any) -> Any:
        self.errors.clear()
        result = self.loop.run_until_complete(work)
        assert not self.errors, [f"{r.name}: {r.getMessage()}" for r in self.errors]
        return result

    def close(self) -> None:
        logging.getLogger().removeHandler(self._handler)
        self.loop.run_until_complete(self._serving.__aexit__(None, None, None))
        self.loop.close()


class _Collect(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    harness = Harness(tmp_path_factory.mktemp("hooks"))
    yield harness
    harness.close()


# ---- what anyone might send ------------------------------------------------------------------------------

json_st = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
id_st = st.one_of(
    st.integers(), st.sampled_from(CHATS), st.text(max_size=8), st.none(), st.booleans(), st.floats()
)
user_st = st.one_of(
    json_st,
    st.fixed_dictionaries(
        {"id": id_st},
        optional={"first_name": json_st, "language_code": st.one_of(st.text(max_size=6), json_st)},
    ),
)
chat_st = st.one_of(json_st, st.fixed_dictionaries({"id": id_st}, optional={"type": json_st}))
message_st = st.one_of(
    json_st,
    st.fixed_dictionaries(
        {},
        optional={
            "message_id": id_st,
            "from": user_st,
            "chat": chat_st,
            "text": st.one_of(text_st, json_st),
            "date": json_st,
        },
    ),
)
query_st = st.one_of(
    json_st,
    st.fixed_dictionaries(
        {},
        optional={
            "id": st.one_of(st.text(max_size=10), json_st),
            "from": user_st,
            "message": message_st,
            "data": st.one_of(st.text(max_size=80), json_st),
        },
    ),
)
update_st = st.fixed_dictionaries(
    {"update_id": st.one_of(st.integers(min_value=0, max_value=2**31), id_st)},
    optional={"message": message_st, "callback_query": query_st, "edited_message": json_st},
)
# Updates Telegram would send, with whatever a customer might type or a button might carry.
real_update_st = st.one_of(
    st.builds(
        lambda chat, said: message_update(chat, said, update_id=next(UPDATE_IDS)),
        st.sampled_from(CHATS),
        text_st,
    ),
    st.builds(
        lambda chat, data: callback_update(chat, data, 41, update_id=next(UPDATE_IDS), callback_query_id="q"),
        st.sampled_from(CHATS),
        st.one_of(st.text(min_size=1, max_size=20), st.integers(0, 9).map(lambda n: f"{n}|m:book")),
    ),
)
deep_st = st.builds(
    lambda depth, opening: (opening * depth).encode() + (b"]" * depth if opening == "[" else b""),
    st.integers(1, 200_000),
    st.sampled_from(["[", '{"a":']),
)
telegram_body_st = st.one_of(
    st.binary(max_size=300),
    json_st.map(lambda value: json.dumps(value).encode()),
    update_st.map(lambda update: json.dumps(update).encode()),
    real_update_st.map(lambda update: json.dumps(update).encode()),
    deep_st,
)
# A header's bytes: anything but the line breaks and NUL that end or break a header line.
header_st = st.binary(max_size=300).map(lambda raw: raw.translate(None, b"\r\n\x00").strip(b" \t"))


def _parseable(header: bytes) -> bool:
    """Whether an HTTP parser takes this header value: no control characters but the tab."""
    return all(byte == 0x09 or 0x20 <= byte != 0x7F for byte in header)


# ---- Telegram --------------------------------------------------------------------------------------------


@given(body=telegram_body_st, secret=header_st)
def test_telegram_without_the_secret_is_403_whatever_it_sends(
    hooks: Harness, body: bytes, secret: bytes
) -> None:
    if secret == SECRET.encode():
        return
    status, _ = hooks.run(hooks.served.telegram(body, secret=secret))
    assert status == (403 if _parseable(secret) else 400)  # aiohttp refuses control characters itself


@given(body=telegram_body_st)
def test_telegram_with_the_secret_never_gets_a_5xx(hooks: Harness, body: bytes) -> None:
    status, _ = hooks.run(hooks.served.telegram(body))
    assert status in (200, 400)
    if status == 400:  # only what is not an Update at all: not a JSON object with an update_id
        try:
            update = json.loads(body)
        except (ValueError, RecursionError):
            return
        assert not (isinstance(update, dict) and type(update.get("update_id")) is int)


@given(update=real_update_st)
def test_what_telegram_sends_is_acknowledged(hooks: Harness, update: dict[str, Any]) -> None:
    status, _ = hooks.run(hooks.served.telegram(json.dumps(update).encode()))
    assert status == 200


# ---- Twilio ----------------------------------------------------------------------------------------------

field_st = st.one_of(
    st.sampled_from(["From", "To", "Body", "MessageSid", "ButtonPayload", "ListId", "ProfileName", "WaId"]),
    st.sampled_from(["MessageStatus", "NumMedia", "SmsMessageSid", "AccountSid"]),
    st.text(max_size=12),
)
value_st = st.one_of(
    text_st,
    st.sampled_from([f"whatsapp:{n}" for n in NUMBERS] + list(NUMBERS) + ["whatsapp:", "whatsapp:+0"]),
    st.builds(lambda n: f"SM{n:032x}", st.integers(0, 2**128 - 1)),
    st.text(max_size=70),
)
pairs_st = st.lists(st.tuples(field_st, value_st), max_size=12)
message_pairs_st = st.builds(
    lambda number, body, sid, extra: [
        ("From", f"whatsapp:{number}"),
        ("To", "whatsapp:+14155238886"),
        ("Body", body),
        ("MessageSid", f"SM{sid:032x}"),
        *extra,
    ],
    st.sampled_from(NUMBERS),
    text_st,
    st.integers(0, 2**128 - 1),
    st.lists(st.tuples(field_st, value_st), max_size=3),
)
twilio_body_st = st.one_of(
    st.binary(max_size=300), pairs_st.map(lambda pairs: urlencode(pairs).encode()), deep_st
)


@given(body=twilio_body_st, signature=st.one_of(st.none(), header_st))
def test_twilio_unsigned_or_forged_is_refused_whatever_it_sends(
    hooks: Harness, body: bytes, signature: bytes | None
) -> None:
    status, _ = hooks.run(hooks.served.twilio(body, signature))
    assert status in (400, 403)
    if signature is not None and not _parseable(signature):
        assert status == 400


@given(pairs=st.one_of(pairs_st, message_pairs_st))
def test_twilio_signed_never_gets_a_5xx(hooks: Harness, pairs: list[tuple[str, str]]) -> None:
    status, _ = hooks.run(hooks.served.twilio(urlencode(pairs).encode(), signed(pairs)))
    assert status == 200
