"""Where the external test material lives: the platforms' own specs and vectors, never copied here.

`SLOTBOT_TESTDATA` names the folder (a relative path is taken from the project root); by default it is
`../shared/testdata` beside the project. Files are read when a test first needs them, so a plain clone
collects and runs every other test: a test that needs a missing file is skipped with the reason, or fails
when `SLOTBOT_REQUIRE_TESTDATA=1` (as in CI, which runs with the folder in place). pytest is imported only
when a test is to be skipped or failed: the fakes use this module in bench/load.py too.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NoReturn

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT = Path("..") / "shared" / "testdata"


def folder() -> Path:
    configured = os.environ.get("SLOTBOT_TESTDATA") or str(DEFAULT)
    return (PROJECT_ROOT / Path(configured).expanduser()).resolve()


def required() -> bool:
    return os.environ.get("SLOTBOT_REQUIRE_TESTDATA", "") not in ("", "0")


def path(relative: str) -> Path:
    """The file `relative` (e.g. "telegram/bot-api-10.1.json") in the folder; skips the test when absent."""
    found = folder() / relative
    if not found.is_file():
        missing(found)
    return found


def missing(where: Path) -> NoReturn:
    reason = f"external test data not found at {where}; set SLOTBOT_TESTDATA"
    if "pytest" not in sys.modules:  # not a test run: bench/load.py --strict-fakes
        raise FileNotFoundError(reason)
    import pytest

    if required():
        pytest.fail(f"{reason} (SLOTBOT_REQUIRE_TESTDATA is set)", pytrace=False)
    pytest.skip(reason)


def read_json(relative: str) -> Any:
    return _read_json(path(relative))


@functools.cache
def _read_json(found: Path) -> Any:
    return json.loads(found.read_text(encoding="utf-8"))


def cases(relative: str, pick: Callable[[Any], Iterable[Any]]) -> list[Any]:
    """Parameters for `pytest.mark.parametrize` picked from a JSON file at collection time.

    Without the file: one case, "testdata-missing", that the `testdata` mark skips (or fails) when it runs."""
    import pytest

    if (folder() / relative).is_file():
        return list(pick(read_json(relative)))
    return [pytest.param(None, id="testdata-missing", marks=pytest.mark.testdata(relative))]
