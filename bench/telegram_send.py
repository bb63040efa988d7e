"""CPU per Bot API call of the aiogram sender: does the outbox need a request encoding of its own?

    python bench/telegram_send.py [--calls 3000] [--concurrency 8] [--runs 5]

A minimal Bot API server runs in a child process on 127.0.0.1 (its CPU is not counted) and answers like
Telegram: a Message for sendMessage and editMessageText (with the keyboard it was sent), True for
answerCallbackQuery. This process sends what the outbox sends for a pressed button, as TelegramRenderer
renders it: answerCallbackQuery, editMessageText with a keyboard of six times, sendMessage; the three in
turn, `--concurrency` at a time, through `AiogramSender.send` (error mapping included). Paths:

* aiogram: `await bot(method)` with aiogram's own AiohttpSession: the method object (pydantic), its form,
  the answer parsed into aiogram's models;
* plain: the outbox's own encoding (`OutboxSession`: a form made from the params, the answer not parsed),
  measured where bot/channels/telegram_aiogram.py has it: at commits before 21d0572, which removed it;
* floor: the same form posted with aiohttp alone, no aiogram at all: the least any shortcut could cost.

For each path: CPU time per call in this process (time.process_time over the calls), calls a second, and
the share of one core that sending at Telegram's limit for ordinary bots (30 messages a second) takes.
Runs alternate between the paths; the medians are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.channels.base import TELEGRAM, Delivery, Inbound, Outgoing  # noqa: E402
from bot.channels.telegram import TelegramRenderer  # noqa: E402
from conversations.events import Choice  # noqa: E402
from conversations.replies import Option, Reply  # noqa: E402

TOKEN = "123456:bench-token"
CHAT = 5550001
TELEGRAM_RATE = 30  # new messages a second, Telegram's limit for an ordinary bot
BOT = {"id": 123456, "is_bot": True, "first_name": "Slotbot", "username": "slotbot_bench_bot"}

Send = Callable[[Outgoing], Awaitable[Delivery]]


# ---- the Bot API server (child process) ------------------------------------------------------------------


async def answer(request: web.Request) -> web.Response:
    params = dict(await request.post())
    method = request.match_info["method"]
    if method not in ("sendMessage", "editMessageText"):
        return web.json_response({"ok": True, "result": True})
    message: dict[str, Any] = {
        "message_id": int(str(params.get("message_id", 1))),
        "from": BOT,
        "chat": {"id": int(str(params["chat_id"])), "type": "private", "first_name": "Olha"},
        "date": int(time.time()),
        "text": params["text"],
    }
    if "reply_markup" in params:
        message["reply_markup"] = json.loads(str(params["reply_markup"]))
    return web.json_response({"ok": True, "result": message})


def serve(port: int) -> None:
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", answer)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    child = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    for _ in range(200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return child, f"http://127.0.0.1:{port}"
        time.sleep(0.05)
    child.kill()
    raise RuntimeError("the Bot API server did not start")


# ---- the paths -------------------------------------------------------------------------------------------


def outbox_calls() -> list[Outgoing]:
    """What the outbox holds for a pressed button: the answer, the edited question, a new message."""
    times = tuple(Option(f"t:{hour}00", f"{hour}:00") for hour in range(10, 16))
    pressed = Inbound(TELEGRAM, str(CHAT), Choice("x"), "1", message_id="41", callback_id="4413")
    replies = [Reply("Which time suits you on Tuesday?", times), Reply("Or write a time, e.g. 14:30")]
    return TelegramRenderer().render(replies, pressed)


async def aiogram_path(base: str, session_class: type) -> tuple[Send, Callable[[], Awaitable[None]]]:
    from aiogram import Bot
    from aiogram.client.telegram import TelegramAPIServer

    from bot.channels.telegram_aiogram import AiogramSender

    bot = Bot(TOKEN, session=session_class(api=TelegramAPIServer.from_base(base)))
    return AiogramSender(bot).send, bot.session.close


async def floor_path(base: str) -> tuple[Send, Callable[[], Awaitable[None]]]:
    session = ClientSession()

    async def send(message: Outgoing) -> Delivery:
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in message.params.items()}
        async with session.post(f"{base}/bot{TOKEN}/{message.method}", data=form) as response:
            ok = (await response.json())["ok"]
        return Delivery(ok=ok)

    return send, session.close


def paths(base: str) -> dict[str, Callable[[], Awaitable[tuple[Send, Callable[[], Awaitable[None]]]]]]:
    from aiogram.client.session.aiohttp import AiohttpSession

    from bot.channels import telegram_aiogram

    found = {"aiogram": lambda: aiogram_path(base, AiohttpSession)}
    outbox_session = getattr(telegram_aiogram, "OutboxSession", None)
    if outbox_session is not None:
        found["plain"] = lambda: aiogram_path(base, outbox_session)
    found["floor"] = lambda: floor_path(base)
    return found


# ---- measuring -------------------------------------------------------------------------------------------


async def measure(send: Send, calls: list[Outgoing], count: int, concurrency: int) -> tuple[float, float]:
    """(CPU seconds per call, calls a second) over `count` calls, `concurrency` at a time."""
    turn = itertools.cycle(calls)
    left = count

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            delivery = await send(next(turn))
            if not delivery.ok:
                raise RuntimeError(f"a call failed: {delivery}")

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / count, count / wall


async def main(args: argparse.Namespace) -> None:
    child, base = start_server()
    try:
        calls = outbox_calls()
        print(
            f"calls: {', '.join(c.method for c in calls)} in turn; {args.calls} per run, "
            f"{args.concurrency} at a time, {args.runs} runs"
        )
        results: dict[str, list[tuple[float, float]]] = {}
        for _ in range(args.runs):
            for name, make in paths(base).items():
                send, close = await make()
                try:
                    await measure(send, calls, min(300, args.calls), args.concurrency)  # warm up
                    results.setdefault(name, []).append(
                        await measure(send, calls, args.calls, args.concurrency)
                    )
                finally:
                    await close()
    finally:
        child.terminate()
        child.wait()
    report(results)


def report(results: dict[str, list[tuple[float, float]]]) -> None:
    print(f"{'path':8} {'CPU/call (median, range)':>30} {'calls/s':>9} {'CPU at 30 msg/s':>16}")
    for name, runs in results.items():
        cpu = [c * 1000 for c, _ in runs]
        rate = statistics.median(r for _, r in runs)
        share = statistics.median(cpu) / 1000 * TELEGRAM_RATE
        print(
            f"{name:8} {statistics.median(cpu):12.3f} ms ({min(cpu):.3f}-{max(cpu):.3f} ms)"
            f" {rate:9.0f} {share:15.1%}"
        )


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed, as `slotbot serve` runs."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the child process: the server
    arguments = parser.parse_args()
    if arguments.serve:
        serve(arguments.serve)
    else:
        with asyncio.Runner(loop_factory=loop_factory()) as runner:
            runner.run(main(arguments))
