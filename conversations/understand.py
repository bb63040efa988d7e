"""Free text -> what the customer wants: an intent, a service, and a wish about the day and time.

Pure: no I/O and no clock (``now`` is passed in). Our own rules come first, built at import from the word
lists in lexicon.py; dateparser is only a fallback for what they miss, because on common booking phrases it
is wrong without saying so ("at 9" becomes September, "05.12" becomes 05:12, "jutro o 14" loses the hour;
see docs/understanding.md).

How a message is read. It is folded (lower case, no accents or apostrophes), then each step blanks the
words it used so no word is read twice:

1. "in 3 days", "через 2 години";  2. dates: "05.12", "5 грудня", "December 5", "the 5th";
3. today / tomorrow / the day after;  4. weekdays;  5. parts of the day: a hint for am/pm, and bounds;
6. ranges: "after 5", "з 10 до 12", "before noon";  7. exact times: "15:00", "15h", "5 pm", "o 14";
8. a bare number right after a day ("завтра 15");  then the intent and the service from what is left.

Hours: a bare hour 1-7 ("at 3", "after 5", "5:30") means the afternoon -- salons are not open at 3 am;
8-11 stays morning and 12-23 is as written. A leading zero ("05:30"), am/pm, or a part of the day
("о 7 ранку", "5 вечора") says otherwise.
Days: a weekday is its next occurrence, a week ahead when it is today ("next Friday" = "Friday"); a day and
month already past means next year. A time without a day gives day=None: the caller decides, nearest_day()
gives the usual reading (today if the time is still ahead, else tomorrow). When several days or times are
mentioned the last wins: it is the correction ("no, Friday") or the destination of a move ("з понеділка
на п'ятницю").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Generic, TypeVar

from dateparser.date import DateDataParser

from conversations import lexicon
from storage.business import Service, Specialist

INTENTS = (
    *("book", "reschedule", "cancel", "my_bookings", "help", "restart", "yes", "no", "language", "hello"),
    "back",
)
# Characters of a message that are read. A booking request is a sentence or two; a platform allows a message
# of 1,600 (WhatsApp) or 4,096 (Telegram) characters, and reading all of that costs tens of milliseconds on
# the event loop, in which every other chat waits. Reading the beginning keeps any message to a millisecond
# or two (bench/understand_bench.py --long).
READ_LIMIT = 256


@dataclass(frozen=True)
class TimeWish:
    day: date | None = None  # local date
    at: time | None = None  # an exact time
    earliest: time | None = None  # "after 5", "evening"
    latest: time | None = None  # "before 12", "morning"
    from_day: date | None = None  # "next week": not before this day (next Monday)


@dataclass(frozen=True)
class Understanding:
    intent: str | None  # one of INTENTS or None
    service: str | None  # service id
    when: TimeWish | None
    language: str | None = None  # the text's language when the script or words make it obvious
    choices: tuple[str, ...] = ()  # the services a word fits when it fits several ("haircut"): ask which
    specialist: str | None = None  # a specialist named ("to Olena")
    named_language: str | None = None  # the language asked for by name ("english please", "по-українськи")


def understand(
    text: str,
    *,
    lang: str,
    now: datetime,
    services: Sequence[Service] = (),
    day_first: bool = True,
    fallback: bool = True,
    staff: Sequence[Specialist] = (),
) -> Understanding:
    """Read one message. `now` is aware, in the business's time zone; `lang` is the customer's language.

    Words of all six languages are recognised whatever `lang` is (customers mix); `lang` only steers the
    dateparser fallback. The intent is "book" when a service or a time wish is found and nothing else.
    Without `fallback`, only our own rules read days and times: for a reply that is expected to be a name or
    a phone number, where dateparser would spend milliseconds failing on every name.
    """
    text = text[:READ_LIMIT]
    reading = _read_when(fold(text), now, day_first)
    intent, intent_spans = _find_intent(reading.text, services)
    left = _blank(reading.text, intent_spans)
    found, service_spans = _find_service(left, services)
    service = found[0] if len(found) == 1 else None
    specialist, specialist_spans = _find_specialist(_blank(left, service_spans), staff)
    when = reading.wish()
    language = detect_language(text)
    if when is None and fallback:
        used = [*reading.spans, *intent_spans, *service_spans, *specialist_spans]
        when = _fallback(_blank(text, used), language or lang, now)
    if intent in (None, "hello") and (found or when):
        intent = "book"  # "hi, a haircut tomorrow" is a booking; the greeting is only politeness
    return Understanding(
        intent=intent,
        service=service,
        when=when,
        language=language,
        choices=found if len(found) > 1 else (),
        specialist=specialist,
        named_language=_named_language(reading.text) if intent == "language" else None,
    )


def parse_when(text: str, *, lang: str, now: datetime, day_first: bool = True) -> TimeWish | None:
    """The day/time wish in a message, or None. Same rules as understand(), without intents and services."""
    text = text[:READ_LIMIT]
    reading = _read_when(fold(text), now, day_first)
    wish = reading.wish()
    if wish is None:
        wish = _fallback(_blank(text, reading.spans), detect_language(text) or lang, now)
    return wish


def match_service(text: str, services: Sequence[Service]) -> str | None:
    """The service a message names, in any language, despite typos and inflections; None if unclear."""
    found = _find_service(fold(text[:READ_LIMIT]), services)[0]
    return found[0] if len(found) == 1 else None


def nearest_day(wish: TimeWish, now: datetime) -> date | None:
    """The day a wish means: its own day, else today while its time is still ahead, else tomorrow."""
    if wish.day is not None:
        return wish.day
    probe = wish.at or wish.latest
    if probe is None and wish.earliest is None:
        return None
    today = now.date()
    return today if probe is None or probe > now.time() else today + timedelta(days=1)


_T = TypeVar("_T")
_V = TypeVar("_V")


# --- folding ------------------------------------------------------------------------------------------------

_APOSTROPHES = "'’‘ʼ`´"


def _fold_char(char: str) -> str:
    if char in _APOSTROPHES:
        return "'"
    if char in "àÀ":
        return "à"  # French "à" is an at-word ("à 9"); a plain "a" is the English article.
    lower = char.lower()
    if len(lower) != 1:
        return char
    bare = "".join(c for c in unicodedata.normalize("NFD", lower) if not unicodedata.combining(c))
    bare = {"ł": "l", "ς": "σ"}.get(bare, bare)
    return bare if len(bare) == 1 else lower


# One character for one: folding keeps positions, so spans found in folded text cut the original too.
_FOLD_TABLE = {
    code: _fold_char(chr(code))
    for code in (*range(0x41, 0x5B), *range(0xB4, 0x530), *range(0x1F00, 0x2000), *map(ord, _APOSTROPHES))
}
_LETTER_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")


def fold(text: str) -> str:
    """Lower case without accents ("à" kept), one apostrophe, hyphens between letters as spaces."""
    return _LETTER_HYPHEN.sub(" ", text.translate(_FOLD_TABLE))


# --- building patterns from the lexicon ---------------------------------------------------------------------


def _phrase(phrase: str) -> str:
    """A lexicon entry as a regex: folded, '*' for any ending, spaces and apostrophes optional-ish."""
    words = fold(phrase.rstrip("*")).split()
    pattern = r"\s+".join(re.escape(word) for word in words).replace("'", "'?")
    return pattern + (r"\w*" if phrase.endswith("*") else "")


def _alt(phrases: Iterable[str]) -> str:
    # Longest first, so "after lunch" is tried before "after".
    return "|".join(_phrase(p) for p in sorted(set(phrases), key=lambda p: (-len(p), p)))


def _words(phrases: Iterable[str]) -> str:
    return rf"(?<!\w)(?:{_alt(phrases)})(?!\w)"


def _each(words: lexicon.Words) -> list[str]:
    return [phrase for phrases in words.values() for phrase in phrases]


class _Lookup(Generic[_V]):
    """Which value a matched phrase stands for: a weekday's number, a month, an hour, a part of the day."""

    def __init__(self, pairs: Iterable[tuple[str, _V]]) -> None:
        self._pairs = [(re.compile(_phrase(phrase)), value) for phrase, value in pairs]

    def __getitem__(self, matched: str) -> _V:
        for pattern, value in self._pairs:
            if pattern.fullmatch(matched):
                return value
        raise KeyError(matched)


def _numbered(table: dict[str, tuple[tuple[str, ...], ...]], first: int) -> list[tuple[str, int]]:
    return [
        (phrase, number)
        for rows in table.values()
        for number, phrases in enumerate(rows, start=first)
        for phrase in phrases
    ]


_WEEKDAY = _Lookup(_numbered(lexicon.WEEKDAYS, 0))
_MONTH = _Lookup(_numbered(lexicon.MONTHS, 1))
_RELATIVE = _Lookup([(p, n) for days in lexicon.RELATIVE_DAYS.values() for p, n in days.items()])
_HOUR_WORD = _Lookup([(p, n) for hours in lexicon.HOUR_WORDS.values() for p, n in hours.items()])
_PERIOD = _Lookup([(p, period) for period, words in lexicon.PERIODS.items() for p in _each(words)])

_NOON = re.compile(_alt(lexicon.NOON))
_TONIGHT = re.compile(_alt(lexicon.TONIGHT))
_AM = re.compile(_alt(lexicon.AM_SUFFIXES))
_PM = re.compile(_alt(lexicon.PM_SUFFIXES))

_MONTH_WORDS = _alt(p for rows in lexicon.MONTHS.values() for phrases in rows for p in phrases)
_NUM = r"(?<![\d.:/])"  # a number that is not the tail of another number, date or time
_NOT_UNITS = rf"(?!\s*(?:{_alt(lexicon.NOT_TIME_UNITS)})(?!\w))"  # "12.50 грн", "2 hours" are not times
_AMPM = _alt((*lexicon.AM_SUFFIXES, *lexicon.PM_SUFFIXES))
_SUFFIXES = _alt((*lexicon.HOUR_SUFFIXES, *lexicon.AM_SUFFIXES, *lexicon.PM_SUFFIXES))
_AT_SUFFIXES = _alt(
    (*lexicon.HOUR_SUFFIXES, *lexicon.AM_SUFFIXES, *lexicon.PM_SUFFIXES, *lexicon.AT_HOUR_SUFFIXES)
)


def _time(tag: str, suffixes: str = _SUFFIXES) -> str:
    """An hour as said after an at-word or a range word: "5", "10:30", "15h", "5 pm", "п'ятій", "noon"."""
    hour_words = _alt(p for hours in lexicon.HOUR_WORDS.values() for p in hours)
    return (
        rf"(?:(?:{_alt(lexicon.TIME_FILLERS)})\s*)?"
        rf"(?:(?P<{tag}h>\d{{1,2}})(?:\s?(?::|\.|h|ч)\s?(?P<{tag}m>\d{{2}}))?"
        rf"|(?P<{tag}w>{hour_words}|{_alt(lexicon.NOON)}))"
        rf"(?:\s?(?P<{tag}s>{suffixes}))?(?!\w|[:./]\d){_NOT_UNITS}"
    )


_IN = re.compile(
    rf"(?<!\w)(?:{_alt(lexicon.IN_WORDS)})\s+(?:(?P<n>\d{{1,3}}|{_alt(lexicon.ONE_WORDS)})\s+)?"
    rf"(?:(?P<days>{_alt(lexicon.DAY_UNITS)})|(?P<weeks>{_alt(lexicon.WEEK_UNITS)})"
    rf"|(?P<hours>{_alt(lexicon.HOUR_UNITS)}))(?!\w)"
)
_ISO_DATE = re.compile(r"(?<![\d.:/])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)")
_DAY_MONTH = re.compile(
    rf"{_NUM}(?P<d>\d{{1,2}})(?:\s?(?:st|nd|rd|th|er|-?го|-?е))?\s*(?:(?:of|de)\s+)?"
    rf"(?P<month>{_MONTH_WORDS})(?:\s+(?P<y>\d{{4}}))?(?!\w)"
)
_MONTH_DAY = re.compile(
    rf"(?<!\w)(?P<month>{_MONTH_WORDS})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{{4}}))?(?!\w|[:.]\d)"
)
_NUMERIC_DATE = re.compile(
    rf"{_NUM}(?P<a>\d{{1,2}})(?P<sep>[./])(?P<b>\d{{1,2}})(?:(?P=sep)(?P<y>\d{{4}}|\d{{2}}))?"
    rf"(?!\d|[.:/]\d|\s?(?:{_AMPM}|h)(?!\w)){_NOT_UNITS}"
)
_DAY_OF_MONTH = re.compile(rf"{_NUM}(?P<d>\d{{1,2}})(?:{_alt(lexicon.DAY_OF_MONTH_SUFFIXES)})(?!\w)")
_AT_BEFORE = re.compile(rf"(?<!\w)(?:{_alt(lexicon.AT_WORDS)})\s+$")
_RELATIVE_DAY = re.compile(_words(p for days in lexicon.RELATIVE_DAYS.values() for p in days))
_WEEKDAYS = re.compile(_words(p for rows in lexicon.WEEKDAYS.values() for phrases in rows for p in phrases))
_PERIODS = re.compile(_words(p for words in lexicon.PERIODS.values() for p in _each(words)))
_NEXT_WEEK = re.compile(_words(_each(lexicon.NEXT_WEEK)))

_JOIN = rf"(?:\s*[-–—]\s*|\s+(?:{_alt(w for w in lexicon.RANGE_JOIN_WORDS if w[0].isalpha())})\s+)"
_RANGE = re.compile(rf"(?<!\w)(?:{_alt(lexicon.RANGE_OPEN_WORDS)})\s+{_time('a')}{_JOIN}{_time('b')}")
_DASH_RANGE = re.compile(rf"{_NUM}{_time('a')}\s*[-–—]\s*{_time('b')}")
# One pattern for both, so the leftmost wins: "no later than 5" is a "before", not "later than 5".
_BOUND = re.compile(
    rf"(?<!\w)(?:(?P<after>{_alt(lexicon.AFTER_WORDS)})|{_alt(lexicon.BEFORE_WORDS)})\s+{_time('a')}"
)

_CLOCK = re.compile(
    rf"{_NUM}(?P<ah>\d{{1,2}})\s?(?::|h|ч)\s?(?P<am>\d{{2}})(?!\d)(?:\s?(?P<as>{_AMPM}))?(?!\w)"
)
_DOTTED = re.compile(
    rf"{_NUM}(?P<ah>\d{{1,2}})\.(?P<am>\d{{2}})(?!\d|\.\d)(?:\s?(?P<as>{_AMPM}|h))?(?!\w){_NOT_UNITS}"
)
_SUFFIXED = re.compile(rf"{_NUM}(?P<ah>\d{{1,2}})\s?(?P<as>{_SUFFIXES})(?!\w)")
_AT = re.compile(rf"(?<!\w)(?:{_alt(lexicon.AT_WORDS)})\s+{_time('a', _AT_SUFFIXES)}")
_FOR = re.compile(rf"(?<!\w)(?:{_alt(lexicon.FOR_WORDS)})\s+{_time('a')}")
_NOON_ALONE = re.compile(_words(lexicon.NOON))
_BARE_HOUR = re.compile(rf"[\s,]*(?P<ah>\d{{1,2}})(?!\w|[:./]\d){_NOT_UNITS}")


# --- reading the day and time -------------------------------------------------------------------------------


@dataclass
class _Reading:
    """What has been found so far; `text` is the folded message with the used words blanked."""

    text: str
    now: datetime
    day_first: bool
    days: list[tuple[int, date]] = field(default_factory=list)  # (position, day)
    times: list[tuple[int, time]] = field(default_factory=list)
    earliest: list[tuple[int, time]] = field(default_factory=list)
    latest: list[tuple[int, time]] = field(default_factory=list)
    periods: list[tuple[int, str]] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    day_ends: list[int] = field(default_factory=list)
    from_day: date | None = None  # "next week"

    @property
    def today(self) -> date:
        return self.now.date()

    def take(self, match: re.Match[str]) -> None:
        start, end = match.span()
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]
        self.spans.append((start, end))

    def found_day(self, match: re.Match[str], day: date) -> None:
        self.days.append((match.start(), day))
        self.day_ends.append(match.end())
        self.take(match)

    def hint(self) -> str | None:
        """am/pm as the part of the day says it ("5 вечора", "tomorrow morning at 7")."""
        period = _last(self.periods)
        if period is None:
            return None
        return "am" if period == "morning" else "pm"

    def wish(self) -> TimeWish | None:
        at, period = _last(self.times), _last(self.periods)
        earliest, latest = _last(self.earliest), _last(self.latest)
        if period is not None and at is None and earliest is None and latest is None:
            earliest, latest = lexicon.PERIOD_BOUNDS[period]  # an exact time or a range says more
        day = _last(self.days)
        from_day = self.from_day if day is None else None  # a day said with "next week" is that day
        wish = TimeWish(day=day, at=at, earliest=earliest, latest=latest, from_day=from_day)
        return None if wish == TimeWish() else wish


def _last(found: list[tuple[int, _T]]) -> _T | None:
    return max(found, key=lambda item: item[0])[1] if found else None


def _read_when(folded: str, now: datetime, day_first: bool) -> _Reading:
    reading = _Reading(folded, now, day_first)
    steps = (_counted, _dates, _relative_days, _next_week, _weekdays, _periods, _ranges, _times, _bare_hour)
    for step in steps:
        step(reading)
    return reading


def _counted(r: _Reading) -> None:
    """ "in 3 days", "за тиждень", "через 2 години" (this one is a moment: a day and a time)."""
    for match in list(_IN.finditer(r.text)):
        count = int(match["n"]) if match["n"] and match["n"].isdigit() else 1
        if match["hours"]:
            moment = r.now + timedelta(hours=count)
            r.days.append((match.start(), moment.date()))
            r.times.append((match.start(), moment.time().replace(second=0, microsecond=0, tzinfo=None)))
            r.take(match)
        else:
            r.found_day(match, r.today + timedelta(days=count * (7 if match["weeks"] else 1)))


def _dates(r: _Reading) -> None:
    for match in list(_ISO_DATE.finditer(r.text)):
        _take_date(r, match, _date(int(match["y"]), int(match["m"]), int(match["d"])))
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        for match in list(pattern.finditer(r.text)):
            day = _day_month(r, _MONTH[match["month"]], int(match["d"]), match["y"])
            _take_date(r, match, day)
    for match in list(_NUMERIC_DATE.finditer(r.text)):
        if match["sep"] == "." and not match["y"] and _AT_BEFORE.search(r.text, 0, match.start()):
            continue  # "o 10.05" is a time
        first, second = int(match["a"]), int(match["b"])
        day_of_month, month = (first, second) if r.day_first else (second, first)
        _take_date(r, match, _day_month(r, month, day_of_month, match["y"]))
    for match in list(_DAY_OF_MONTH.finditer(r.text)):
        _take_date(r, match, _day_of_month(r.today, int(match["d"])))


def _take_date(r: _Reading, match: re.Match[str], day: date | None) -> None:
    if day is not None:
        r.found_day(match, day)


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day_month(r: _Reading, month: int, day: int, year: str | None) -> date | None:
    if year:
        return _date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    this_year = _date(r.today.year, month, day)
    if this_year is not None and this_year >= r.today:
        return this_year
    return _date(r.today.year + 1, month, day)  # already past: next year's


def _day_of_month(today: date, day: int) -> date | None:
    for ahead in range(3):  # the 31st may skip a month or two
        month = (today.month - 1 + ahead) % 12 + 1
        candidate = _date(today.year + (today.month - 1 + ahead) // 12, month, day)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _relative_days(r: _Reading) -> None:
    for match in list(_RELATIVE_DAY.finditer(r.text)):
        r.found_day(match, r.today + timedelta(days=_RELATIVE[match[0]]))
        if _TONIGHT.fullmatch(match[0]):
            r.periods.append((match.start(), "evening"))


def _next_week(r: _Reading) -> None:
    """ "next week": from next Monday on."""
    for match in list(_NEXT_WEEK.finditer(r.text)):
        r.from_day = r.today + timedelta(days=7 - r.today.weekday())
        r.take(match)


def _weekdays(r: _Reading) -> None:
    for match in list(_WEEKDAYS.finditer(r.text)):
        if r.from_day is not None:  # "friday next week"
            r.found_day(match, r.from_day + timedelta(days=_WEEKDAY[match[0]]))
            continue
        ahead = (_WEEKDAY[match[0]] - r.today.weekday()) % 7 or 7
        r.found_day(match, r.today + timedelta(days=ahead))


def _periods(r: _Reading) -> None:
    for match in list(_PERIODS.finditer(r.text)):
        r.periods.append((match.start(), _PERIOD[match[0]]))
        r.take(match)


def _ranges(r: _Reading) -> None:
    for match in list(_RANGE.finditer(r.text)):
        _take_range(r, match)
    for match in list(_DASH_RANGE.finditer(r.text)):
        # "15-17" alone may be anything; "15:00-17:00" or "3pm-5pm" is a range.
        if match["am"] or match["as"] or match["bm"] or match["bs"]:
            _take_range(r, match)
    for match in list(_BOUND.finditer(r.text)):
        clock = _clock_of(match, "a", r.hint())
        if clock is not None:
            (r.earliest if match["after"] else r.latest).append((match.start(), clock))
            r.take(match)


def _take_range(r: _Reading, match: re.Match[str]) -> None:
    start, end = _clock_of(match, "a", r.hint()), _clock_of(match, "b", r.hint())
    if start is None or end is None or start >= end:
        return
    r.earliest.append((match.start(), start))
    r.latest.append((match.start(), end))
    r.take(match)


def _times(r: _Reading) -> None:
    for pattern in (_CLOCK, _DOTTED, _SUFFIXED, _AT, _FOR):
        for match in list(pattern.finditer(r.text)):
            _take_time(r, match, _clock_of(match, "a", r.hint()))
    for match in list(_NOON_ALONE.finditer(r.text)):
        _take_time(r, match, time(12))


def _take_time(r: _Reading, match: re.Match[str], clock: time | None) -> None:
    if clock is not None:
        r.times.append((match.start(), clock))
        r.take(match)


def _bare_hour(r: _Reading) -> None:
    """ "завтра 15", "friday 10": a bare number is an hour only right after a day."""
    if r.times or r.earliest or r.latest:
        return
    for end in r.day_ends:
        match = _BARE_HOUR.match(r.text, end)
        if match:
            _take_time(r, match, _clock_of(match, "a", r.hint()))


def _clock_of(match: re.Match[str], tag: str, hint: str | None) -> time | None:
    groups = match.groupdict()
    digits, word, suffix = groups.get(tag + "h"), groups.get(tag + "w"), groups.get(tag + "s")
    if digits is None:
        if word is None:
            return None
        if _NOON.fullmatch(word):
            return time(12)
        return _clock(_HOUR_WORD[word], 0, _meridiem(suffix) or hint, zero=False)
    minutes = groups.get(tag + "m")
    zero = len(digits) == 2 and digits.startswith("0")
    return _clock(int(digits), int(minutes or 0), _meridiem(suffix) or hint, zero=zero)


def _meridiem(suffix: str | None) -> str | None:
    if suffix is None:
        return None
    if _AM.fullmatch(suffix):
        return "am"
    return "pm" if _PM.fullmatch(suffix) else None


def _clock(hour: int, minute: int, meridiem: str | None, *, zero: bool) -> time | None:
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    elif meridiem is None and not zero and 1 <= hour <= 7:
        hour += 12  # "at 3" is 15:00: nobody books a haircut at 3 am
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


# --- intents ------------------------------------------------------------------------------------------------


def _intent_words(intent: str) -> list[str]:
    names = _each(lexicon.LANGUAGE_NAMES) if intent == "language" else []  # "english please" asks for it
    return _each(lexicon.INTENTS[intent]) + names


_INTENT_PATTERNS = tuple(
    (intent, re.compile(_words(_intent_words(intent)))) for intent in lexicon.INTENT_PRIORITY
)
# Intent words that are also words of service names ("back massage", "French manicure"): inside a service's
# name they are that service's, not a wish to go back or to change the language.
_NAME_WORD_INTENTS = ("back", "language")
_LANGUAGE_NAME = _Lookup(
    (phrase, lang) for lang, phrases in lexicon.LANGUAGE_NAMES.items() for phrase in phrases
)
_LANGUAGE_NAMES = re.compile(_words(_each(lexicon.LANGUAGE_NAMES)))


def _find_intent(text: str, services: Sequence[Service] = ()) -> tuple[str | None, list[tuple[int, int]]]:
    """The intent by priority (yes/no: whichever comes first), and every intent word's span."""
    found: dict[str, int] = {}
    spans: list[tuple[int, int]] = []
    for intent, pattern in _INTENT_PATTERNS:
        for match in pattern.finditer(text):
            if intent in _NAME_WORD_INTENTS and _in_a_service_name(text, match.span(), services):
                continue
            found.setdefault(intent, match.start())
            spans.append(match.span())
    if "yes" in found and "no" in found:
        found.pop("yes" if found["no"] < found["yes"] else "no")
    return next((intent for intent in lexicon.INTENT_PRIORITY if intent in found), None), spans


def _in_a_service_name(text: str, span: tuple[int, int], services: Sequence[Service]) -> bool:
    """Whether the words at `span` are part of a service named with more words than those ("back massage")."""
    found, spans = _find_service(text, services)
    inside = any(start <= span[0] and span[1] <= end for start, end in spans)
    return bool(found) and inside and any(not (span[0] <= s and e <= span[1]) for s, e in spans)


def _named_language(text: str) -> str | None:
    """The language a message asks for by name ("english please", "по-українськи"); None if not one."""
    named = {_LANGUAGE_NAME[match[0]] for match in _LANGUAGE_NAMES.finditer(text)}
    return named.pop() if len(named) == 1 else None


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


# --- services -----------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


def _tokens(folded: str) -> list[tuple[str, tuple[int, int]]]:
    return [(match[0].replace("'", ""), match.span()) for match in _TOKEN.finditer(folded)]


Span = tuple[int, int]


@lru_cache(maxsize=32)
def _service_words(
    names: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...],
) -> tuple[tuple[str, tuple[tuple[tuple[str, ...], bool], ...]], ...]:
    """Each service's spellings as folded words, and whether each is one of its names (not an alias); cached,
    as the same services come with every message."""
    return tuple(
        (
            service_id,
            tuple(
                (tuple(word for word, _ in _tokens(fold(spelling))), is_name)
                for spellings, is_name in ((titles, True), (aliases, False))
                for spelling in spellings
            ),
        )
        for service_id, titles, aliases in names
    )


def _find_service(folded: str, services: Sequence[Service]) -> tuple[tuple[str, ...], list[Span]]:
    """The services a message names, and the words that name them.

    One service when the message says it best: any other it fits is named by fewer of the message's words
    ("haircut for men": the men's), or by the same words less exactly ("haircut" is a word of "Women's
    haircut", and only looks like "hair" of "Hair colouring" with an ending), or only in part while this one
    is named whole by one of its own names ("manicure" over "gel manicure"). Several when the words fit
    them alike ("haircut" for a men's and a women's haircut, where "haircut" is only an alias of the
    women's): the caller asks which.
    """
    if not services:
        return (), []
    index = _service_words(tuple((s.id, tuple(s.name.values()), s.aliases) for s in services))
    tokens = _tokens(folded)
    vocabulary = {word for _, spellings in index for words, _ in spellings for word in words}
    hits = {word: _hits(tokens, word) for word in vocabulary}
    named: dict[str, _Named] = {}
    for service_id, spellings in index:
        exact: dict[Span, int] = {}
        for words, _ in spellings:
            for word in words:
                for span, how in hits[word].items():
                    exact[span] = max(exact.get(span, 0), how)
        if exact:
            whole = any(is_name and words and all(hits[w] for w in words) for words, is_name in spellings)
            named[service_id] = (frozenset(exact), sum(exact.values()), whole)
    best = tuple(s for s in named if not any(_beats(named[o], named[s]) for o in named if o != s))
    return best, sorted({span for service_id in best for span in named[service_id][0]})


_Named = tuple[frozenset[Span], int, bool]  # the words naming a service, how exactly, and whether whole


def _hits(tokens: list[tuple[str, Span]], word: str) -> dict[Span, int]:
    """Where `word` is in the message: 2 where typed as it is (or another spelling of it), 1 inflected or
    mistyped."""
    spellings = (word, *_SPELLINGS.get(word, ()))
    return {span: 1 + (token in spellings) for token, span in tokens if _same_word(token, word)}


def _beats(one: _Named, other: _Named) -> bool:
    """Named by more of the message's words; or by the same words more exactly, or whole by a name."""
    if one[0] != other[0]:
        return one[0] > other[0]
    return one[1] > other[1] or (one[1] == other[1] and one[2] and not other[2])


# --- specialists --------------------------------------------------------------------------------------------

# Names in the config are usually in Latin letters, and customers write them in their own script: both sides
# are compared in Latin letters ("до Олени" is Olena, "στην Ολένα" too).
_LATIN = str.maketrans(
    {
        **dict(zip("абвгґдезиіїйклмнопрстуфыэ", "abvhgdeziiiiklmnoprstufye", strict=True)),
        **{
            "є": "ie",
            "ж": "zh",
            "х": "kh",
            "ц": "ts",
            "ч": "ch",
            "ш": "sh",
            "щ": "shch",
            "ю": "iu",
            "я": "ia",
        },
        **{"ь": "", "ъ": "", "ё": "e"},
        **dict(zip("αβγδεζηικλμνξοπρστυφω", "avgdeziiklmnxoprstyfo", strict=True)),
        **{"θ": "th", "χ": "ch", "ψ": "ps"},
    }
)


def _latin(word: str) -> str:
    """In Latin letters, "y" as "i": "Iryna" and "Ирине" meet as "irina" and "irine"."""
    return word.translate(_LATIN).replace("y", "i")


def _same_name(token: str, word: str) -> bool:
    """A name, also with its last letter inflected ("Анни" for Anna, "Олени" for Olena)."""
    stem = word[:-1]
    inflected = len(word) >= 4 and token.startswith(stem) and len(token) <= len(word) + 1
    return inflected or _same_spelling(token, word)


def _find_specialist(folded: str, staff: Sequence[Specialist]) -> tuple[str | None, list[Span]]:
    """The one specialist a message names by any of their names ("to Olena", "до Олени"); None if none or
    several."""
    tokens = [(_latin(token), span) for token, span in _tokens(folded)]
    found: dict[str, list[Span]] = {}
    for person in staff:
        words = [_latin(word) for word, _ in _tokens(fold(person.name)) if len(word) >= 3]
        spans = [span for token, span in tokens for word in words if _same_name(token, word)]
        if spans:
            found[person.id] = spans
    if len(found) != 1:
        return None, []
    [(person_id, spans)] = found.items()
    return person_id, spans


_REAL_WORDS = frozenset(fold(word) for word in lexicon.NOT_SERVICE_TYPOS)


_SPELLINGS = {
    fold(word): tuple(map(fold, spellings)) for word, spellings in lexicon.SERVICE_WORD_SPELLINGS.items()
}


def _same_word(token: str, word: str) -> bool:
    """Typed `token` is the name `word` or one of its other spellings ("manikur" for "manicure")."""
    return any(_same_spelling(token, spelling) for spelling in (word, *_SPELLINGS.get(word, ())))


def _same_spelling(token: str, word: str) -> bool:
    """Typed `token` is `word`, allowing an inflected ending ("стрижку"), an "s" more or less ("men" and
    "men's"), and typos ("hiarcut")."""
    if token == word:
        return True
    if token + "s" == word or word + "s" == token:
        return min(len(token), len(word)) >= 3 and token not in _REAL_WORDS
    if token in _REAL_WORDS or len(word) < 4 or len(token) < 3 or abs(len(token) - len(word)) > 3:
        return False
    if token[0] != word[0] and token[1] != word[1]:
        return False  # people mistype inside a word, rarely both of its first letters; and this is cheap
    if _common_prefix(token, word) >= max(4, len(word) - 2) and len(token) >= len(word) - 2:
        return True  # an inflected ending: стрижку, strzyżenia, маникюром
    if len(word) < 5:
        return False
    allowed = 1 if len(word) < 9 else 2
    return _distance(token, word) <= allowed or (
        len(token) > len(word) and _distance(token[: len(word)], word) <= allowed  # typo and ending
    )


def _common_prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def _distance(a: str, b: str) -> int:
    """Edit distance counting a swap of neighbours as one edit ("hiarcut")."""
    previous, current = list(range(len(b) + 1)), [0] * (len(b) + 1)
    before_previous: list[int] = []
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before_previous[j - 2] + 1)
        before_previous, previous = previous, current
    return previous[len(b)]


# --- language -----------------------------------------------------------------------------------------------

_GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_UK_LETTERS = re.compile(r"[іїєґІЇЄҐ]")
_RU_LETTERS = re.compile(r"[ыэъёЫЭЪЁ]")
_PL_LETTERS = re.compile(r"[ąćęłńśźżĄĆĘŁŃŚŹŻ]")
_FR_LETTERS = re.compile(r"[éèêëàâçîïôûùœÉÈÊËÀÂÇÎÏÔÛÙŒ]")


def _language_words() -> tuple[dict[str, str], dict[str, str]]:
    """Folded words and stems ("annul*") in exactly one language's lexicon: they tell languages apart."""
    words: dict[str, set[str]] = {}
    stems: dict[str, set[str]] = {}
    for language in lexicon.LANGUAGES:
        phrases = [p for table in lexicon.INTENTS.values() for p in table.get(language, ())]
        phrases += list(lexicon.RELATIVE_DAYS[language])
        phrases += [p for row in lexicon.WEEKDAYS[language] for p in row]
        phrases += [p for table in lexicon.PERIODS.values() for p in table.get(language, ())]
        for phrase in phrases:
            folded = fold(phrase).replace("'", "")
            if " " in folded:
                continue  # "на русском": "на" alone says nothing
            table = stems if folded.endswith("*") else words
            table.setdefault(folded.rstrip("*"), set()).add(language)
    return (
        {word: languages.pop() for word, languages in words.items() if len(languages) == 1},
        {
            stem: languages.pop()
            for stem, languages in stems.items()
            if len(languages) == 1 and len(stem) >= 4
        },
    )


_LANGUAGE_OF_WORD, _LANGUAGE_OF_STEM = _language_words()
_UK_APOSTROPHE = re.compile(
    r"[а-яіїєґ]['’ʼ][а-яіїєґ]", re.IGNORECASE
)  # "п'ятниця": Russian writes no apostrophes


def detect_language(text: str) -> str | None:
    """The language of a message when its letters or words make it plain; None when in doubt."""
    if _GREEK.search(text):
        return "el"
    cyrillic = bool(_CYRILLIC.search(text))
    if cyrillic and (_UK_LETTERS.search(text) or _UK_APOSTROPHE.search(text)):
        return "uk"
    if cyrillic and _RU_LETTERS.search(text):
        return "ru"
    if not cyrillic and _PL_LETTERS.search(text):
        return "pl"
    if not cyrillic and _FR_LETTERS.search(text):
        return "fr"
    return _vote(token for token, _ in _tokens(fold(text)))


def _vote(tokens: Iterable[str]) -> str | None:
    votes: Counter[str] = Counter()
    for token in tokens:
        languages = {language for stem, language in _LANGUAGE_OF_STEM.items() if token.startswith(stem)}
        if token in _LANGUAGE_OF_WORD:
            languages.add(_LANGUAGE_OF_WORD[token])
        if len(languages) == 1:
            votes[languages.pop()] += 1
    ranked = votes.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


# --- dateparser fallback ------------------------------------------------------------------------------------

# dateparser reads a bare number as a month or an hour ("3" is March) and "1.5 hours" as a moment: it is
# asked only when a real word is left besides numbers and units.
_WORDY = re.compile(r"[^\W\d_]{3,}")
_UNITS = re.compile(_words(lexicon.NOT_TIME_UNITS))


def _fallback(rest: str, lang: str, now: datetime) -> TimeWish | None:
    """dateparser on what the rules left, kept only if it is a plain day or a day and time, within a year."""
    rest = " ".join(rest.split())
    # A word of letters: "¼৴୲" is word characters to a regex, and dateparser makes a date of it.
    if not any(word[0].isalpha() for word in _WORDY.finditer(_UNITS.sub(" ", fold(rest)))):
        return None
    settings = {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": now, "RETURN_TIME_AS_PERIOD": True}
    data = DateDataParser(languages=[lang], settings=settings).get_date_data(rest)
    if data.date_obj is None or data.period not in ("day", "time"):
        return None
    found = data.date_obj
    if not now.date() <= found.date() <= now.date() + timedelta(days=366):
        return None
    at = found.time().replace(tzinfo=None) if data.period == "time" else None
    return TimeWish(day=found.date(), at=at)
