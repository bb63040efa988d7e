"""Loaded at start by a `slotbot serve` that a test means to kill (tests/e2e/test_killed_serve.py): with
SLOTBOT_TEST_DIE_AFTER=hold|confirm|move|cancel the process exits at once, as under kill -9, right after that
change to a booking commits and before anything else of its turn happens. Never on a path outside tests."""

import os

_point = os.environ.get("SLOTBOT_TEST_DIE_AFTER")
if _point:
    from storage.store import Store

    _original = getattr(Store, _point)

    async def _die_after(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        outcome = await _original(self, *args, **kwargs)
        if outcome.ok:
            os._exit(137)
        return outcome

    setattr(Store, _point, _die_after)
