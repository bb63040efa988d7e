"""What an operator trips over (issue 11), each seen from outside, as `slotbot` runs: a mistake in the channel
settings, a refused bot token, no channel at all, staff no notice can reach, and a database that is read-only,
on a full disk or nowhere. Each is one line that says what to set or fix, a non-zero exit, no traceback."""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build
from bot.config import load_settings
from tests.conftest import _migrate, _run
from tests.fakes.twilio_api import inbound_form, sign
from tests.waiting import DEADLINE_S, until

ROOT = Path(__file__).parents[2]
TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "twilio-auth-token",
    "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
    "SLOTBOT_PUBLIC_URL": "https://bot.example.com",
    "TWILIO_API_BASE": "http://127.0.0.1:9",  # never called before a customer writes
}
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "config.yaml").write_text((ROOT / "config.yaml").read_text())
    yield tmp_path
    tmp_path.chmod(0o755)  # a test may have made it read-only


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLOTBOT_", "TELEGRAM_", "TWILIO_"))}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def _unprivileged() -> None:
    """Root writes to read-only files and folders all the same (CAP_DAC_OVERRIDE): give that power up, as
    the user a service runs as has not got it. In the child only, before it starts (CI runs as root)."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def slotbot(
    workdir: Path, *args: str, env: dict[str, str] | None = None, module: str = "bot.cli"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=workdir,
        env=_env(env or {}),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        preexec_fn=_unprivileged,
    )


def refused(done: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """The one line the refusal says (JSON log lines of the start-up may come before it)."""
    assert "Traceback" not in done.stderr, done.stderr
    assert "listening" not in done.stderr, "refused before it says it is listening"
    assert done.returncode == code, done.stderr
    [line] = [line for line in done.stderr.splitlines() if not line.startswith("{")]
    return line


# ---- channel settings --------------------------------------------------------------------------------------


def test_a_telegram_webhook_without_its_secret_is_refused_with_what_to_set(workdir: Path) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": "123456:token",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/webhooks/telegram",
    }
    done = slotbot(workdir, "serve", env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "telegram.webhook_secret: is missing" in done.stderr and "TELEGRAM_WEBHOOK_SECRET" in done.stderr


def test_whatsapp_without_a_public_url_is_refused_with_what_to_set(workdir: Path) -> None:
    env = {k: v for k, v in TWILIO.items() if k != "SLOTBOT_PUBLIC_URL"}
    done = slotbot(workdir, "serve", env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "twilio.public_url: is missing" in done.stderr and "SLOTBOT_PUBLIC_URL" in done.stderr


@pytest.mark.parametrize(
    "public_url", ["https://bot.example.com/webhooks/twilio", "https://bot.example.com/"]
)
async def test_a_public_url_with_the_webhook_path_still_accepts_twilios_signature(
    tmp_path: Path, public_url: str
) -> None:
    environ = {
        **TWILIO,
        "SLOTBOT_PUBLIC_URL": public_url,
        "SLOTBOT_DATABASE_URL": f"sqlite:///{tmp_path}/s.db",
    }
    settings = load_settings(ROOT / "config.yaml", environ)
    app = await build(settings)
    form = inbound_form("+380501234567", "hello", account_sid=TWILIO["TWILIO_ACCOUNT_SID"])
    # Twilio signs the address it was given, which is the one the README asks for: <host>/webhooks/twilio.
    signature = sign("https://bot.example.com/webhooks/twilio", form, TWILIO["TWILIO_AUTH_TOKEN"])
    try:
        async with TestClient(TestServer(app.web)) as client:
            response = await client.post(
                "/webhooks/twilio", data=form, headers={"X-Twilio-Signature": signature}
            )
            assert response.status == 200, await response.text()
    finally:
        await app.close()


# ---- start-up ----------------------------------------------------------------------------------------------


def test_serve_without_a_channel_says_what_to_set(workdir: Path) -> None:
    line = refused(slotbot(workdir, "serve"), code=2)
    assert line.startswith("slotbot: serve has no channel configured")
    assert "TELEGRAM_BOT_TOKEN" in line and "SLOTBOT_PUBLIC_URL" in line


@pytest.fixture
async def telegram_refusing() -> AsyncIterator[str]:
    """A Bot API server that knows no token: every call gets Telegram's 401."""

    async def unauthorized(_: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", unauthorized)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


@pytest.mark.parametrize("driver", ["aiogram", "ptb"])
async def test_a_refused_telegram_token_is_one_line_and_a_non_zero_exit(
    workdir: Path, telegram_refusing: str, driver: str
) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": "123456:not-the-real-token",
        "TELEGRAM_API_BASE": telegram_refusing,
        "SLOTBOT_TELEGRAM_DRIVER": driver,
    }
    done = await asyncio.to_thread(slotbot, workdir, "serve", "--port", "0", env=env)
    line = refused(done, code=2)
    assert line.startswith("slotbot: Telegram refused the bot token") and "TELEGRAM_BOT_TOKEN" in line
    assert "not-the-real-token" not in done.stderr


async def test_a_telegram_out_of_reach_at_start_is_one_line_and_a_non_zero_exit(workdir: Path) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": "123456:the-token",
        "TELEGRAM_API_BASE": f"http://127.0.0.1:{_port()}",  # nobody listens there
        "SLOTBOT_TELEGRAM_DRIVER": "ptb",
    }
    line = refused(await asyncio.to_thread(slotbot, workdir, "serve", "--port", "0", env=env))
    assert line.startswith(
        f"slotbot: could not check the bot token with Telegram at {env['TELEGRAM_API_BASE']}"
    )
    assert "the-token" not in line


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_staff_reached_only_on_a_channel_not_configured_are_warned_at_start(workdir: Path) -> None:
    config = workdir / "config.yaml"
    text = config.read_text()
    text = text.replace(
        '    name: "Olena Kovalenko"\n', '    name: "Olena Kovalenko"\n    telegram_chat_id: 111222333\n'
    )
    text = text.replace("  admins: []", "  admins: [{name: Desk, telegram_chat_id: 444555666}]")
    config.write_text(text)
    log = workdir / "serve.log"
    with log.open("w") as out:
        serve = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(_port())],
            cwd=workdir,
            env=_env(TWILIO),  # WhatsApp only
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            await until(lambda: "listening" in log.read_text() or serve.poll() is not None, "serve to start")
        finally:
            serve.terminate()
            serve.wait(timeout=DEADLINE_S)
    assert "listening" in log.read_text(), "a warning, not a refusal: " + log.read_text()
    warnings = [
        entry["message"]
        for entry in map(json.loads, log.read_text().splitlines())
        if entry["level"] == "warning"
    ]
    assert any(
        w.startswith("staff[0] (olena): booking notices to Telegram 111222333 are never sent")
        and "only contact" in w
        for w in warnings
    ), warnings
    assert any(w.startswith("notifications.admins: booking notices to Telegram 444555666") for w in warnings)
    assert all("TELEGRAM_BOT_TOKEN" in w for w in warnings if "booking notices" in w)


# ---- the database ------------------------------------------------------------------------------------------


def _made(workdir: Path) -> Path:
    """The store as a first run leaves it (the shipped config's file, beside it)."""
    database = workdir / "slotbot.db"
    _run(_migrate, f"sqlite+aiosqlite:///{database}")
    return database


WRITERS = [("chat",), ("start",), ("serve", "--port", "0")]


@pytest.mark.parametrize("command", WRITERS, ids=lambda c: c[0])
def test_a_read_only_database_file_is_named_at_start(workdir: Path, command: tuple[str, ...]) -> None:
    database = _made(workdir)
    database.chmod(0o444)
    line = refused(slotbot(workdir, *command, env=TWILIO if command[0] == "serve" else {}))
    assert line.startswith(f"slotbot: cannot write the database file {database}: the file is read-only")


@pytest.mark.parametrize("command", [("bookings",), ("slots", "--service", "manicure")], ids=lambda c: c[0])
def test_a_read_only_database_folder_is_named_at_start(workdir: Path, command: tuple[str, ...]) -> None:
    database = _made(workdir)
    workdir.chmod(0o555)
    line = refused(slotbot(workdir, *command))
    assert line.startswith(
        f"slotbot: cannot write the database file {database}: its folder {workdir} is read-only"
    )
    assert "slotbot.db-wal" in line


def test_a_read_only_database_file_can_still_be_read(workdir: Path) -> None:
    _made(workdir).chmod(0o444)
    done = slotbot(workdir, "bookings", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_a_missing_database_folder_is_named(workdir: Path) -> None:
    line = refused(slotbot(workdir, "bookings", env={"SLOTBOT_DATABASE_URL": "sqlite:///gone/slotbot.db"}))
    assert line.startswith(f"slotbot: cannot open the database file {workdir}/gone/slotbot.db: its folder")
    assert "does not exist" in line


def test_a_postgresql_out_of_reach_is_named_without_its_password(workdir: Path) -> None:
    port = _port()  # nobody listens there
    url = f"postgresql://slot:db-PASSWORD-1@127.0.0.1:{port}/slotbot"
    line = refused(slotbot(workdir, "bookings", env={"SLOTBOT_DATABASE_URL": url}))
    assert line.startswith(
        f"slotbot: cannot use the PostgreSQL database postgresql://slot@127.0.0.1:{port}/slotbot: "
    )
    assert "db-PASSWORD-1" not in line


def _full(workdir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`slotbot ARGS` with a disk that has no room left for the database to grow (tests/diskfull.py)."""
    return slotbot(workdir, *args, env=env, module="tests.diskfull")


@pytest.mark.parametrize("command", WRITERS, ids=lambda c: c[0])
def test_a_full_disk_is_named_at_start(workdir: Path, command: tuple[str, ...]) -> None:
    database = _made(workdir)
    with closing(sqlite3.connect(database)) as conn:
        conn.execute("VACUUM")  # no free pages left inside the file either
    line = refused(_full(workdir, *command, env=TWILIO if command[0] == "serve" else {}))
    assert line == (
        f"slotbot: cannot write the database file {database}: the disk is full (database or disk is full); "
        f"free space on the disk that holds {workdir}"
    )


def test_a_full_disk_before_the_first_start_is_named(workdir: Path) -> None:
    line = refused(_full(workdir, "bookings"))
    assert line.startswith(f"slotbot: cannot write the database file {workdir}/slotbot.db: the disk is full")
