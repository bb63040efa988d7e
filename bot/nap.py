"""The pause of a background loop (the job scheduler, the outbox sender) between two looks at its table."""

from __future__ import annotations

import asyncio


async def nap(wake: asyncio.Event, stop: asyncio.Event, seconds: float) -> None:
    """Sleep until `wake` or `stop` is set, or for `seconds` at most."""
    waiters = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
