"""Loaded at start by a `slotbot serve` that a test means to kill (tests/e2e/test_killed_serve.py,
tests/e2e/test_prepayments.py): with SLOTBOT_TEST_DIE_AFTER=hold|confirm|move|cancel the process exits at
once, as under kill -9, right after that change to a booking commits and before anything else of its turn
happens; with =record_payment, right after a payment LiqPay reported is recorded and its booking confirmed
(one transaction), before the turn that tells the customer is saved; with =handoff, right after a turn's
transaction commits, as its messages are handed to the sender, before any is sent. Never on a path outside
tests."""

import os

_point = os.environ.get("SLOTBOT_TEST_DIE_AFTER")
if _point == "handoff":
    from bot.outbox import Dispatcher

    _submit = Dispatcher.submit

    def _die_on_handoff(self, messages):  # type: ignore[no-untyped-def]
        messages = list(messages)
        if messages:  # the turn's messages are in the store, claimed by this process: none sent
            os._exit(137)
        _submit(self, messages)

    Dispatcher.submit = _die_on_handoff
elif _point:
    from storage.store import Store

    _original = getattr(Store, _point)

    def _committed(outcome):  # type: ignore[no-untyped-def]
        # A booking's change is an Outcome (ok: it committed); a recorded payment report is a Paying.
        change = getattr(outcome, "change", None)
        return outcome.ok if change is None else change == "paid"

    async def _die_after(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        outcome = await _original(self, *args, **kwargs)
        if _committed(outcome):
            os._exit(137)
        return outcome

    setattr(Store, _point, _die_after)
