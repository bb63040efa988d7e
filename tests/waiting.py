"""Waiting in tests: for a condition to hold, or for work to finish, never for a length of time.

No test asserts how long something took: the machine may be loaded (two cores shared by several test runs).
A test waits until what it expects is true, and fails only when it is still not true after DEADLINE_S, which
no healthy run comes near.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

DEADLINE_S = 60.0
_POLL_S = 0.02


async def until(
    condition: Callable[[], bool | Awaitable[bool]], what: str, *, deadline: float = DEADLINE_S
) -> None:
    """Return as soon as `condition()` is true; checked every 20 ms, a failure after `deadline` seconds."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + deadline
    while True:
        held = condition()
        if inspect.isawaitable(held):
            held = await held
        if held:
            return
        if loop.time() >= give_up:
            raise AssertionError(f"still waiting after {deadline:.0f} s for {what}")
        await asyncio.sleep(_POLL_S)


async def finished(work: Awaitable[T], what: str, *, deadline: float = DEADLINE_S) -> T:
    """The result of `work`; a failure (not a hang) if it has not come after `deadline` seconds."""
    scope = asyncio.timeout(deadline)
    try:
        async with scope:
            return await work
    except TimeoutError:
        if not scope.expired():
            raise  # the work's own
        raise AssertionError(f"still waiting after {deadline:.0f} s for {what}") from None
