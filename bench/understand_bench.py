"""How well and how fast conversations.understand reads the phrase table in tests/unit/understand_cases.py.

    python bench/understand_bench.py               # phrases, share understood correctly, median/p95 ms
    python bench/understand_bench.py --dateparser  # also dateparser alone on the same phrases, and its misses
    python bench/understand_bench.py --long        # also long and adversarial messages: p50/p99/max ms

Timing is wall time per message over several rounds, after one warm-up round (dateparser loads its
language data on first use). Numbers go to docs/understanding.md; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time as clock
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dateparser.date import DateDataParser

from conversations import lexicon
from conversations.understand import TimeWish, nearest_day, understand
from tests.unit.understand_cases import CASES, NOW, SERVICES, Case

ROUNDS = 20


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dateparser", action="store_true", help="also measure dateparser alone")
    parser.add_argument("--long", action="store_true", help="also long and adversarial messages")
    parser.add_argument("--seed", type=int, default=11, help="for the generated --long messages")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()

    wrong = [case for case in CASES if not _understood(case)]
    median, p95 = _timing(lambda case: _understand(case), args.rounds)
    print(f"phrases: {len(CASES)}")
    print(f"understood correctly: {len(CASES) - len(wrong)}/{len(CASES)} ({1 - len(wrong) / len(CASES):.1%})")
    print(f"understand() per message: median {median:.3f} ms, p95 {p95:.3f} ms")
    for case in wrong:
        print(f"  wrong: {case.lang} {case.text!r}")
    if args.dateparser:
        _dateparser_report(args.rounds)
    if args.long:
        _long_report(random.Random(args.seed), max(1, args.rounds // 4))


def _understand(case: Case) -> object:
    return understand(case.text, lang=case.lang, now=NOW, services=SERVICES, day_first=case.day_first)


def _understood(case: Case) -> bool:
    got = understand(case.text, lang=case.lang, now=NOW, services=SERVICES, day_first=case.day_first)
    return (got.intent, got.service, got.when) == (case.intent, case.service, case.when)


def _timing(run: Callable[[Case], object], rounds: int) -> tuple[float, float]:
    for case in CASES:
        run(case)
    samples: list[float] = []
    for _ in range(rounds):
        for case in CASES:
            start = clock.perf_counter()
            run(case)
            samples.append((clock.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


# --- long and adversarial messages ----------------------------------------------------------------------

LENGTHS = (300, 1600, 4096, 5000)  # a paragraph, WhatsApp's limit, Telegram's, and more than either allows
# What makes each part of understanding work hardest: words it matches and blanks one by one, near-misses of
# service names (edit distances), many numbers and separators, long words, letters that fold, other scripts.
REPEATS = (
    "after 5 ",
    "o 14 ",
    "з 10 до 12 ",
    "15:00-17:00 ",
    "5 грудня ",
    "tomorrow ",
    "in 3 days ",
    "the 5th ",
    "yes no ",
    "manicur ",
    "hiarcut ",
    "стрижкою ",
    "1.2.",
    "1:2 ",
    "12 ",
    "a-",
    "a'",
    "a\u0301",
    "😀",
    "a",
    "1",
)


def _adversarial(rng: random.Random) -> dict[str, list[str]]:
    """Messages by class, each at every length in LENGTHS: repeated patterns, random mixes of the lexicon's
    words with numbers, random letters of every script the bot reads, and random code points."""
    words = [w for table in lexicon.INTENTS.values() for ws in table.values() for w in ws]
    words += [w for days in lexicon.RELATIVE_DAYS.values() for w in days]
    words += [*lexicon.AT_WORDS, *lexicon.AFTER_WORDS, *lexicon.BEFORE_WORDS, *lexicon.IN_WORDS]
    words += ["haircut", "manicure", "стрижка", "5", "14:30", "10.05", "3pm", "-", ":", "."]
    words = [w.rstrip("*") for w in words]
    letters = "abcxyzабвгґєіїжщ αβγδ ąęłńśźż éèçà 0123456789 .:-/'"
    made: dict[str, list[str]] = {"repeated": [], "lexicon mix": [], "letters": [], "code points": []}
    for length in LENGTHS:
        made["repeated"] += [(unit * (length // len(unit) + 1))[:length] for unit in REPEATS]
        for _ in range(10):
            mix = " ".join(rng.choice(words) for _ in range(length // 3))
            made["lexicon mix"].append(mix[:length])
            made["letters"].append("".join(rng.choice(letters) for _ in range(length)))
            made["code points"].append("".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(length)))
    return made


def _long_report(rng: random.Random, rounds: int) -> None:
    classes = _adversarial(rng)
    print()
    print(f"long and adversarial messages ({', '.join(map(str, LENGTHS))} characters), {rounds} rounds:")
    every: list[float] = []
    for name, texts in classes.items():
        samples = _times(texts, rounds)
        every += samples
        print(f"  {name:12} {len(texts):4} messages: {_spread(samples)}")
    print(f"  {'all':12} {sum(map(len, classes.values())):4} messages: {_spread(every)}")


def _times(texts: list[str], rounds: int) -> list[float]:
    for text in texts:  # warm-up: dateparser loads each language's data on first use
        understand(text, lang="en", now=NOW, services=SERVICES)
    samples: list[float] = []
    for _ in range(rounds):
        for text in texts:
            start = clock.perf_counter()
            understand(text, lang="en", now=NOW, services=SERVICES)
            samples.append((clock.perf_counter() - start) * 1000)
    return samples


def _spread(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(ordered):.2f} ms, p99 {p99:.2f} ms, max {ordered[-1]:.2f} ms"


# --- dateparser alone --------------------------------------------------------------------------------------


def _dateparse(case: Case) -> tuple[datetime | None, str | None]:
    settings = {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": NOW, "RETURN_TIME_AS_PERIOD": True}
    data = DateDataParser(languages=[case.lang], settings=settings).get_date_data(case.text)
    return data.date_obj, data.period


def _dateparser_right(case: Case, found: datetime | None, period: str | None) -> bool:
    """Judged on what dateparser can say: a day and an exact time. A range or a part of the day it cannot
    say, so for those only "nothing" or the right day with no invented time is right."""
    wish = case.when
    if wish is None or (wish.day is None and wish.at is None):
        return found is None
    if found is None:
        return False
    day = wish.day or nearest_day(wish, NOW)
    exact: time | None = wish.at
    found_time = found.time() if period == "time" else None
    return found.date() == day and found_time == exact


def _describe(found: datetime | None, period: str | None) -> str:
    if found is None:
        return "nothing"
    return found.strftime("%Y-%m-%d %H:%M") if period == "time" else f"{found:%Y-%m-%d} ({period})"


def _expected(wish: TimeWish | None) -> str:
    if wish is None:
        return "nothing"
    parts = [
        f"{name} {value:%H:%M}"
        for name, value in (("at", wish.at), ("from", wish.earliest), ("to", wish.latest))
        if value
    ]
    day: date | None = wish.day
    return " ".join([f"{day:%Y-%m-%d}" if day else "no day", *parts])


def _dateparser_report(rounds: int) -> None:
    results = [(case, *_dateparse(case)) for case in CASES]
    misses = [
        (case, found, period) for case, found, period in results if not _dateparser_right(case, found, period)
    ]
    median, p95 = _timing(_dateparse, max(1, rounds // 4))
    print()
    empty = sum(1 for _, found, _ in misses if found is None)
    right = len(CASES) - len(misses)
    print(f"dateparser alone (languages=[lang]): {right}/{len(CASES)} right, {len(misses)} not:")
    print(f"  {len(misses) - empty} wrong without a sign, {empty} empty")
    print(f"dateparser per message: median {median:.3f} ms, p95 {p95:.3f} ms")
    wrong = [miss for miss in misses if miss[1] is not None]
    for title, rows in (("Wrong without a sign", wrong), ("Empty", [m for m in misses if m[1] is None])):
        print()
        print(f"{title} ({len(rows)}):")
        print()
        print("| lang | phrase | expected | dateparser returned |")
        print("| --- | --- | --- | --- |")
        for case, found, period in rows:
            phrase = case.text or "(empty)"
            print(f"| {case.lang} | {phrase} | {_expected(case.when)} | {_describe(found, period)} |")


if __name__ == "__main__":
    main()
