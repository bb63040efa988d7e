"""The phrase table for conversations.understand, shared by its unit test and bench/understand_bench.py.

Every expectation is against a fixed clock: NOW = Monday 2026-11-23, 10:00 in Kyiv. So today is Mon 23,
tomorrow Tue 24, Wed 25, Thu 26, Fri 27, Sat 28, Sun 29, and next Monday is the 30th.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from conversations.understand import TimeWish
from storage.business import Service

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Kyiv"))


def make_service(service_id: str, *names: str, aliases: tuple[str, ...] = ()) -> Service:
    languages = ("en", "uk", "pl", "fr", "el", "ru")
    return Service(
        service_id, dict(zip(languages, names, strict=True)), 60, Decimal(500), ("anna",), aliases=aliases
    )


SERVICES = (
    make_service("haircut", "Haircut", "Стрижка", "Strzyżenie", "Coupe", "Κούρεμα", "Стрижка"),
    make_service("manicure", "Manicure", "Манікюр", "Manicure", "Manucure", "Μανικιούρ", "Маникюр"),
    make_service("pedicure", "Pedicure", "Педикюр", "Pedicure", "Pédicure", "Πεντικιούρ", "Педикюр"),
    make_service("massage", "Massage", "Масаж", "Masaż", "Massage", "Μασάζ", "Массаж"),
)


@dataclass(frozen=True)
class Case:
    text: str
    lang: str
    intent: str | None
    service: str | None = None
    when: TimeWish | None = None
    day_first: bool = True


def d(day: int, month: int = 11, year: int = 2026) -> date:
    return date(year, month, day)


def t(hour: int, minute: int = 0) -> time:
    return time(hour, minute)


def w(
    day: date | None = None,
    at: time | None = None,
    earliest: time | None = None,
    latest: time | None = None,
    from_day: date | None = None,
) -> TimeWish:
    return TimeWish(day=day, at=at, earliest=earliest, latest=latest, from_day=from_day)


MORNING = {"latest": t(12)}
AFTERNOON = {"earliest": t(12), "latest": t(17)}
EVENING = {"earliest": t(17)}
DEC5 = d(5, 12)

EN = [
    Case("haircut tomorrow after 5", "en", "book", "haircut", w(d(24), earliest=t(17))),
    Case("tomorrow at 3", "en", "book", None, w(d(24), t(15))),
    Case("at 9", "en", "book", None, w(at=t(9))),  # 9:00 already past today: day stays None
    Case("next Friday morning", "en", "book", None, w(d(27), **MORNING)),
    Case("9am", "en", "book", None, w(at=t(9))),
    Case("5 pm", "en", "book", None, w(at=t(17))),
    Case("reschedule", "en", "reschedule"),
    Case("cancel", "en", "cancel"),
    Case("cancel my haircut", "en", "cancel", "haircut"),
    Case("my bookings", "en", "my_bookings"),
    Case("help", "en", "help"),
    Case("start over", "en", "restart"),
    Case("yes", "en", "yes"),
    Case("no", "en", "no"),
    Case("ok", "en", "yes"),
    Case("hiarcut", "en", "book", "haircut"),
    Case("massage on Saturday at 11", "en", "book", "massage", w(d(28), t(11))),
    Case("manicure 05.12 at 10:30", "en", "book", "manicure", w(DEC5, t(10, 30))),
    Case("before 12", "en", "book", None, w(latest=t(12))),
    Case("between 2 and 4", "en", "book", None, w(earliest=t(14), latest=t(16))),
    Case("day after tomorrow in the evening", "en", "book", None, w(d(25), **EVENING)),
    Case("December 5th at 3pm", "en", "book", None, w(DEC5, t(15))),
    Case("in 3 days", "en", "book", None, w(d(26))),
    Case("tonight", "en", "book", None, w(d(23), **EVENING)),
    Case("today at noon", "en", "book", None, w(d(23), t(12))),
    Case("tomorrow 5", "en", "book", None, w(d(24), t(17))),
    Case("pedicure at 7", "en", "book", "pedicure", w(at=t(19))),
    Case("at 07:30", "en", "book", None, w(at=t(7, 30))),
    Case("wednesday 10:00-12:00", "en", "book", None, w(d(25), earliest=t(10), latest=t(12))),
    Case("move my booking to Thursday", "en", "reschedule", None, w(d(26))),
    Case("the 1st", "en", "book", None, w(d(1, 12))),
    Case("haircut please", "en", "book", "haircut"),
    Case("change language", "en", "language"),
    Case("manicre on sunday after 2", "en", "book", "manicure", w(d(29), earliest=t(14))),
    Case("from 9 to 5", "en", "book", None, w(earliest=t(9), latest=t(17))),
    Case("today at 9", "en", "book", None, w(d(23), t(9))),  # explicit today stays, even if past
    Case("no later than 5", "en", "book", None, w(latest=t(17))),  # not the intent "no"
    Case("message me", "en", None),  # a real word one letter from "massage"
    Case("no, Saturday instead", "en", "no", None, w(d(28))),
    Case("Can I book a haircut for Friday at 4?", "en", "book", "haircut", w(d(27), t(16))),
]

UK = [
    Case("завтра о 15:00", "uk", "book", None, w(d(24), t(15))),
    Case("у п'ятницю о 10:30", "uk", "book", None, w(d(27), t(10, 30))),
    Case("манікюр в суботу", "uk", "book", "manicure", w(d(28))),
    Case("манікур", "uk", "book", "manicure"),
    Case("після 17", "uk", "book", None, w(earliest=t(17))),
    Case("до 12", "uk", "book", None, w(latest=t(12))),
    Case("перенести", "uk", "reschedule"),
    Case("скасувати", "uk", "cancel"),
    Case("так", "uk", "yes"),
    Case("ні", "uk", "no"),
    Case("мої записи", "uk", "my_bookings"),
    Case("допомога", "uk", "help"),
    Case("почати спочатку", "uk", "restart"),
    Case("стрижку на завтра ввечері", "uk", "book", "haircut", w(d(24), **EVENING)),
    Case("післязавтра зранку", "uk", "book", None, w(d(25), **MORNING)),
    Case("о п'ятій", "uk", "book", None, w(at=t(17))),
    Case("в понеділок о 9", "uk", "book", None, w(d(30), t(9))),
    Case("5 грудня о 14:30", "uk", "book", None, w(DEC5, t(14, 30))),
    Case("з 10 до 12", "uk", "book", None, w(earliest=t(10), latest=t(12))),
    Case("сьогодні після обіду", "uk", "book", None, w(d(23), **AFTERNOON)),
    Case("масаж через 2 дні", "uk", "book", "massage", w(d(25))),
    Case("перенести запис на четвер", "uk", "reschedule", None, w(d(26))),
    Case("скасуйте мій запис", "uk", "cancel"),
    Case("пятниця 18:00", "uk", "book", None, w(d(27), t(18))),
    Case("завтра 15", "uk", "book", None, w(d(24), t(15))),
    Case("на 2 години", "uk", None),  # a duration, not a time
    Case("о 7 ранку", "uk", "book", None, w(at=t(7))),
    Case("змінити мову", "uk", "language"),
    Case("запишіть мене на стрижку", "uk", "book", "haircut"),
    Case("об 11", "uk", "book", None, w(at=t(11))),
    Case("педикюр у середу після 5", "uk", "book", "pedicure", w(d(25), earliest=t(17))),
    Case("не пізніше 15", "uk", "book", None, w(latest=t(15))),
    Case("о 10 вечора", "uk", "book", None, w(at=t(22))),
]

PL = [
    Case("jutro o 14", "pl", "book", None, w(d(24), t(14))),
    Case("przełóż", "pl", "reschedule"),
    Case("anuluj", "pl", "cancel"),
    Case("tak", "pl", "yes"),
    Case("nie", "pl", "no"),
    Case("w piątek", "pl", "book", None, w(d(27))),
    Case("po 14", "pl", "book", None, w(earliest=t(14))),
    Case("przed 12", "pl", "book", None, w(latest=t(12))),
    Case("manicure w sobotę o 11", "pl", "book", "manicure", w(d(28), t(11))),
    Case("strzyżenie jutro rano", "pl", "book", "haircut", w(d(24), **MORNING)),
    Case("moje wizyty", "pl", "my_bookings"),
    Case("pomoc", "pl", "help"),
    Case("od nowa", "pl", "restart"),
    Case("pojutrze po południu", "pl", "book", None, w(d(25), **AFTERNOON)),
    Case("dziś wieczorem", "pl", "book", None, w(d(23), **EVENING)),
    Case("o piątej", "pl", "book", None, w(at=t(17))),
    Case("5 grudnia o 10", "pl", "book", None, w(DEC5, t(10))),
    Case("od 10 do 12", "pl", "book", None, w(earliest=t(10), latest=t(12))),
    Case("masaż w środę o 16:30", "pl", "book", "massage", w(d(25), t(16, 30))),
    Case("przełóż wizytę na czwartek", "pl", "reschedule", None, w(d(26))),
    Case("strzyzenie", "pl", "book", "haircut"),  # typed without diacritics
    Case("o godz. 15", "pl", "book", None, w(at=t(15))),
    Case("za tydzień", "pl", "book", None, w(d(30))),
    Case("na 2 godziny", "pl", None),
    Case("zmień język", "pl", "language"),
    Case("w niedzielę o 12", "pl", "book", None, w(d(29), t(12))),
    Case("chcę się zapisać", "pl", "book"),
    Case("jutro o 5", "pl", "book", None, w(d(24), t(17))),
    Case("odwołaj wizytę", "pl", "cancel"),
    Case("o 10.05", "pl", "book", None, w(at=t(10, 5))),  # after "o" a dotted pair is a time
]

FR = [
    Case("demain à 15h", "fr", "book", None, w(d(24), t(15))),
    Case("reporter", "fr", "reschedule"),
    Case("annuler", "fr", "cancel"),
    Case("oui", "fr", "yes"),
    Case("non", "fr", "no"),
    Case("vendredi", "fr", "book", None, w(d(27))),
    Case("après 15h", "fr", "book", None, w(earliest=t(15))),
    Case("avant midi", "fr", "book", None, w(latest=t(12))),
    Case("coupe demain matin", "fr", "book", "haircut", w(d(24), **MORNING)),
    Case("manucure samedi à 11h30", "fr", "book", "manicure", w(d(28), t(11, 30))),
    Case("mes rendez-vous", "fr", "my_bookings"),
    Case("aide", "fr", "help"),
    Case("recommencer", "fr", "restart"),
    Case("après-demain", "fr", "book", None, w(d(25))),
    Case("ce soir", "fr", "book", None, w(d(23), **EVENING)),
    Case("le 5 décembre à 10h", "fr", "book", None, w(DEC5, t(10))),
    Case("de 10h à 12h", "fr", "book", None, w(earliest=t(10), latest=t(12))),
    Case("massage mardi 15h", "fr", "book", "massage", w(d(24), t(15))),
    Case("je voudrais annuler mon rendez-vous", "fr", "cancel"),
    Case("lundi après-midi", "fr", "book", None, w(d(30), **AFTERNOON)),
    Case("dans 2 jours", "fr", "book", None, w(d(25))),
    Case("à cinq heures", "fr", "book", None, w(at=t(17))),
    Case("d'accord", "fr", "yes"),
    Case("jeudi vers 14h", "fr", "book", None, w(d(26), t(14))),
    Case("aujourd'hui à 18h", "fr", "book", None, w(d(23), t(18))),
    Case("changer de langue", "fr", "language"),
    Case("une coupe svp", "fr", "book", "haircut"),
    Case("pedicure demain apres 16h", "fr", "book", "pedicure", w(d(24), earliest=t(16))),
]

EL = [
    Case("αύριο στις 5 μμ", "el", "book", None, w(d(24), t(17))),
    Case("αλλαγή ώρας", "el", "reschedule"),
    Case("ακύρωση", "el", "cancel"),
    Case("ναι", "el", "yes"),
    Case("όχι", "el", "no"),
    Case("την Παρασκευή", "el", "book", None, w(d(27))),
    Case("μετά τις 5", "el", "book", None, w(earliest=t(17))),
    Case("πριν τις 12", "el", "book", None, w(latest=t(12))),
    Case("9 πμ", "el", "book", None, w(at=t(9))),
    Case("κούρεμα αύριο το πρωί", "el", "book", "haircut", w(d(24), **MORNING)),
    Case("μανικιούρ το Σάββατο στις 11", "el", "book", "manicure", w(d(28), t(11))),
    Case("τα ραντεβού μου", "el", "my_bookings"),
    Case("βοήθεια", "el", "help"),
    Case("από την αρχή", "el", "restart"),
    Case("μεθαύριο το απόγευμα", "el", "book", None, w(d(25), **AFTERNOON)),
    Case("απόψε", "el", "book", None, w(d(23), **EVENING)),
    Case("στις πέντε", "el", "book", None, w(at=t(17))),
    Case("5 Δεκεμβρίου στις 10:00", "el", "book", None, w(DEC5, t(10))),
    Case("από 10 έως 12", "el", "book", None, w(earliest=t(10), latest=t(12))),
    Case("μασάζ την Τετάρτη", "el", "book", "massage", w(d(25))),
    Case("ακύρωση ραντεβού", "el", "cancel"),
    Case("αυριο στις 3", "el", "book", None, w(d(24), t(15))),  # typed without accents
    Case("σε 2 μέρες", "el", "book", None, w(d(25))),
    Case("εντάξει", "el", "yes"),
    Case("κουρεμα", "el", "book", "haircut"),
    Case("την Κυριακή το βράδυ", "el", "book", None, w(d(29), **EVENING)),
    Case("γλώσσα", "el", "language"),
    Case("Δευτέρα 10:30", "el", "book", None, w(d(30), t(10, 30))),
    Case("πεντικιούρ αύριο στις 9 πμ", "el", "book", "pedicure", w(d(24), t(9))),
]

RU = [
    Case("перенести запись", "ru", "reschedule"),
    Case("отменить", "ru", "cancel"),
    Case("да", "ru", "yes"),
    Case("нет", "ru", "no"),
    Case("в пятницу в 10", "ru", "book", None, w(d(27), t(10))),
    Case("после 17", "ru", "book", None, w(earliest=t(17))),
    Case("до 12", "ru", "book", None, w(latest=t(12))),
    Case("маникюр завтра в 15:00", "ru", "book", "manicure", w(d(24), t(15))),
    Case("стрижка послезавтра утром", "ru", "book", "haircut", w(d(25), **MORNING)),
    Case("мои записи", "ru", "my_bookings"),
    Case("помощь", "ru", "help"),
    Case("начать сначала", "ru", "restart"),
    Case("сегодня вечером", "ru", "book", None, w(d(23), **EVENING)),
    Case("в 3 часа", "ru", "book", None, w(at=t(15))),
    Case("5 декабря в 14:00", "ru", "book", None, w(DEC5, t(14))),
    Case("с 10 до 12", "ru", "book", None, w(earliest=t(10), latest=t(12))),
    Case("массаж в среду", "ru", "book", "massage", w(d(25))),
    Case("отмените мою запись", "ru", "cancel"),
    Case("маникюра", "ru", "book", "manicure"),
    Case("в пять", "ru", "book", None, w(at=t(17))),
    Case("через неделю", "ru", "book", None, w(d(30))),
    Case("на 2 часа", "ru", None),  # a duration, not a time
    Case("в воскресенье днём", "ru", "book", None, w(d(29), **AFTERNOON)),
    Case("в 10 вечера", "ru", "book", None, w(at=t(22))),
    Case("сменить язык", "ru", "language"),
    Case("хочу записаться на стрижку", "ru", "book", "haircut"),
    Case("завтра в 9 утра", "ru", "book", None, w(d(24), t(9))),
    Case("массаж в четверг после обеда", "ru", "book", "massage", w(d(26), **AFTERNOON)),
    Case("в пятницу до 14", "ru", "book", None, w(d(27), latest=t(14))),
    Case("не позже 14", "ru", "book", None, w(latest=t(14))),
]

# Dates: past day-month rolls to next year, the business's order of day and month, impossible dates.
DATES = [
    Case("05.01", "uk", "book", None, w(d(5, 1, 2027))),
    Case("20.11", "pl", "book", None, w(d(20, 11, 2027))),
    Case("23.11", "ru", "book", None, w(d(23))),  # today is not past
    Case("05.12", "fr", "book", None, w(DEC5)),
    Case("05.12 9:00", "uk", "book", None, w(DEC5, t(9))),
    Case("12/05", "en", "book", None, w(DEC5), day_first=False),
    Case("12/05", "en", "book", None, w(d(12, 5, 2027))),
    Case("05/12", "en", "book", None, w(d(12, 5, 2027)), day_first=False),
    Case("12.25.2026", "en", "book", None, w(d(25, 12)), day_first=False),
    Case("31.02", "ru", None),
    Case("2026-12-05 at 14:00", "en", "book", None, w(DEC5, t(14))),
    Case("05.12.2026", "el", "book", None, w(DEC5)),
]

# Numbers that are not times, and garbage.
NOISE = [
    Case("", "en", None),
    Case("asdf qwerty", "en", None),
    Case("!!!", "en", None),
    Case("🌸🌸🌸", "uk", None),
    Case("3", "en", None),
    Case("100500", "ru", None),
    Case("+380 67 123 45 67", "uk", None),
    Case("12.50 грн", "uk", None),
    Case("1.5 hours", "en", None),
    Case("I need 2 people", "en", None),
    Case("ωωωω", "el", None),
    Case("ąęśćź", "pl", None),
]

# Customers mix languages.
MIXED = [
    Case("манікюр tomorrow at 5", "uk", "book", "manicure", w(d(24), t(17))),
    Case("haircut завтра о 15", "en", "book", "haircut", w(d(24), t(15))),
    Case("cancel мій запис", "pl", "cancel"),
    # Greetings, alone or before what the customer wants (which wins).
    Case("Привіт!", "uk", "hello"),
    Case("Hello", "en", "hello"),
    Case("Dzień dobry", "pl", "hello"),
    Case("Bonjour", "fr", "hello"),
    Case("Καλημέρα", "el", "hello"),
    Case("Здравствуйте", "ru", "hello"),
    Case("Hi, haircut tomorrow at 5", "en", "book", "haircut", w(d(24), t(17))),
    Case("Добрий день, хочу скасувати запис", "uk", "cancel"),
    Case("this is it", "en", None),  # "hi" inside a word is no greeting
]

NEXT_MONDAY = d(30)

# Issue 11, "the conversation books what was asked": one question back, next week, Polish spellings.
ASKED = [
    Case("back", "en", "back"),
    Case("go back", "en", "back"),
    Case("назад", "uk", "back"),
    Case("wstecz", "pl", "back"),
    Case("cofnij", "pl", "back"),
    Case("retour", "fr", "back"),
    Case("πίσω", "el", "back"),
    Case("назад", "ru", "back"),
    Case("back to the menu", "en", "restart"),
    Case("haircut next week", "en", "book", "haircut", w(from_day=NEXT_MONDAY)),
    Case("friday next week", "en", "book", None, w(d(4, 12))),
    Case("наступного тижня", "uk", "book", None, w(from_day=NEXT_MONDAY)),
    Case("манікюр на наступному тижні", "uk", "book", "manicure", w(from_day=NEXT_MONDAY)),
    Case("w przyszłym tygodniu", "pl", "book", None, w(from_day=NEXT_MONDAY)),
    Case("la semaine prochaine", "fr", "book", None, w(from_day=NEXT_MONDAY)),
    Case("την επόμενη εβδομάδα", "el", "book", None, w(from_day=NEXT_MONDAY)),
    Case("на следующей неделе", "ru", "book", None, w(from_day=NEXT_MONDAY)),
    Case("manikur jutro o 15", "pl", "book", "manicure", w(d(24), t(15))),
    Case("pedikur w sobotę", "pl", "book", "pedicure", w(d(28))),
    Case("manikiuru", "pl", "book", "manicure"),
    Case("english please", "en", "language"),
    Case("по-українськи", "uk", "language"),
    Case("po polsku", "pl", "language"),
    Case("en français", "fr", "language"),
    Case("στα ελληνικά", "el", "language"),
    Case("по-русски", "ru", "language"),
]

CASES = [*EN, *UK, *PL, *FR, *EL, *RU, *DATES, *NOISE, *MIXED, *ASKED]
