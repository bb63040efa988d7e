"""The words customers use, per language, for understand.py to compile into patterns.

Pure data. Write entries the way people type them (accents, apostrophes, capitals are fine): understand.py
folds every entry and the message the same way (lower case, accents and apostrophes dropped, hyphens
between letters turned into spaces), so "п'ятницю", "пятницю" and "ПЯТНИЦЮ" meet. Two conventions:

* a trailing ``*`` means "any ending", for inflected words ("скасу*" covers скасувати, скасуйте, скасування);
* a space means "one or more spaces".

Languages: en, uk, pl, fr, el, ru. A message may mix them, so every list is searched whatever the
customer's language; the per-language split only serves language detection and readability.

Parts of the day (PERIOD_BOUNDS), as (earliest, latest) -- open ends are None so the salon's own opening
hours bound them, never a guess of ours:

* morning: until 12:00;
* afternoon: 12:00 to 17:00;
* evening: from 17:00.
"""

from __future__ import annotations

from datetime import time

LANGUAGES = ("en", "uk", "pl", "fr", "el", "ru")

Words = dict[str, tuple[str, ...]]  # language -> phrases

# --- intents ----------------------------------------------------------------------------------------------

INTENTS: dict[str, Words] = {
    "reschedule": {
        "en": ("reschedul*", "move my*", "change the time", "change time", "another time", "postpone*"),
        "uk": ("перенес*", "перенос*", "переніс*", "змінити час", "зміни час", "інший час"),
        "pl": ("przełóż*", "przełoż*", "przenieś*", "przesuń*", "przesun*", "zmień termin", "zmiana terminu"),
        "fr": ("reporter", "reportez", "déplacer", "déplacez", "décaler", "décalez", "changer l'heure"),
        "el": (
            "αλλαγή ώρας",
            "αλλαγή ραντεβού",
            "αλλαγή ημερομηνίας",
            "μετάθεση",
            "μετακίνηση",
            "να αλλάξω",
            "αλλάξτε",
        ),
        "ru": ("перенес*", "перенос*", "изменить время", "поменять время", "другое время"),
    },
    "cancel": {
        "en": ("cancel*",),
        "uk": ("скасу*", "відмін*", "відмовл*"),
        "pl": ("anuluj*", "anulow*", "odwołaj*", "odwołać"),
        "fr": ("annul*",),
        "el": ("ακύρωσ*", "ακυρώ*", "ακυρ*"),
        "ru": ("отмен*", "отказ*"),
    },
    "my_bookings": {
        "en": ("my booking*", "my appointment*", "my reservation*", "my visits", "my visit"),
        "uk": ("мої записи", "мій запис", "мої візити", "мій візит", "мої бронювання"),
        "pl": ("moje wizyty", "moja wizyta", "moje rezerwacje", "moja rezerwacja", "moje terminy"),
        "fr": (
            "mes rendez-vous",
            "mon rendez-vous",
            "mes réservations",
            "ma réservation",
            "mes rdv",
            "mon rdv",
        ),
        "el": ("τα ραντεβού μου", "το ραντεβού μου", "οι κρατήσεις μου", "η κράτησή μου", "κρατήσεις μου"),
        "ru": ("мои записи", "моя запись", "мою запись", "мои брони", "моя бронь"),
    },
    "restart": {
        "en": ("start over", "restart", "/start", "main menu", "menu", "from the beginning"),
        "uk": ("почати спочатку", "почати знову", "спочатку", "заново", "меню"),
        "pl": ("od nowa", "od początku", "zacznij od nowa", "menu"),
        "fr": ("recommencer", "recommence*", "depuis le début", "menu"),
        "el": ("από την αρχή", "ξανά από την αρχή", "μενού"),
        "ru": ("начать сначала", "сначала", "заново", "меню"),
    },
    "help": {
        "en": ("help", "/help", "how does it work", "what can you do"),
        "uk": ("допомога", "допоможіть", "допоможи", "довідка", "що ти вмієш"),
        "pl": ("pomoc", "pomocy", "pomóż", "pomoż*"),
        "fr": ("aide", "aidez-moi", "aide-moi", "au secours"),
        "el": ("βοήθεια", "βοηθήστε", "βοήθησέ με"),
        "ru": ("помощь", "помогите", "помоги", "справка", "что ты умеешь"),
    },
    "language": {
        "en": ("language", "change language", "english", "in english"),
        "uk": ("мова", "мову", "змінити мову", "українська", "українською", "по-українськи"),
        "pl": ("język", "języka", "zmień język", "polski", "po polsku"),
        "fr": ("langue", "changer de langue", "français", "en français"),
        "el": ("γλώσσα", "αλλαγή γλώσσας", "ελληνικά", "στα ελληνικά"),
        "ru": ("язык", "сменить язык", "русский", "по-русски", "на русском"),
    },
    "no": {
        "en": ("no", "nope", "nah", "no thanks", "👎", "❌"),
        "uk": ("ні", "нє", "не треба"),
        "pl": ("nie", "nie dziękuję"),
        "fr": ("non", "non merci"),
        "el": ("όχι", "οχι"),
        "ru": ("нет", "не надо", "неа"),
    },
    "yes": {
        "en": ("yes", "yeah", "yep", "yup", "ok", "okay", "sure", "confirm", "correct", "👍", "👌", "✅"),
        "uk": ("так", "ага", "добре", "гаразд", "звісно", "підтверджую", "згоден", "згодна"),
        "pl": ("tak", "dobrze", "potwierdzam", "zgoda", "jasne", "pewnie"),
        "fr": ("oui", "ouais", "d'accord", "daccord", "je confirme", "parfait"),
        "el": ("ναι", "εντάξει", "βεβαίως", "σωστά", "επιβεβαιώνω"),
        "ru": ("да", "угу", "хорошо", "конечно", "подтверждаю", "верно", "согласен", "согласна"),
    },
    # One question back in a booking or a move ("back", "назад"); "back to the menu" is a restart.
    "back": {
        "en": ("back", "go back", "previous", "step back"),
        "uk": ("назад", "повернутися", "повернись", "поверніться"),
        "pl": ("wstecz", "cofnij", "wróć", "powrót"),
        "fr": ("retour", "revenir", "en arrière"),
        "el": ("πίσω", "επιστροφή"),
        "ru": ("назад", "вернуться", "вернись", "вернитесь"),
    },
    # Asking to book says "book" even without a service or a time, so it is recognised too, last.
    "book": {
        "en": ("book", "book*", "appointment", "reserve", "sign me up"),
        "uk": ("запис*", "запиш*", "забронювати"),
        "pl": ("zapis*", "umów*", "umow*", "zarezerwuj*", "rezerwacj*", "wizyt*"),
        "fr": ("réserver", "réservation", "rendez-vous", "rdv", "prendre rendez-vous"),
        "el": ("ραντεβού", "κράτηση", "να κλείσω", "κλείστε"),
        "ru": ("запис*", "запиш*", "забронир*", "бронь"),
    },
    # A greeting alone starts the conversation (or asks the current question again); with anything else in
    # the message, that wins.
    "hello": {
        "en": ("hi", "hello", "hey", "good morning", "good afternoon", "good evening"),
        "uk": (
            "привіт",
            "вітаю",
            "добрий день",
            "доброго дня",
            "доброго ранку",
            "добрий вечір",
            "доброго вечора",
        ),
        "pl": ("cześć", "dzień dobry", "witam", "witaj", "hej", "dobry wieczór"),
        "fr": ("bonjour", "salut", "bonsoir", "coucou"),
        "el": ("γεια", "γεια σας", "γεια σου", "καλημέρα", "καλησπέρα"),
        "ru": ("привет", "здравствуйте", "здравствуй", "добрый день", "доброе утро", "добрый вечер"),
    },
}

# When several intents are present the first in this order wins ("cancel my booking" is a cancel, not
# my_bookings; "перенести запись" is a reschedule, not a new booking). Yes/no go by whichever comes first.
INTENT_PRIORITY = (
    *("reschedule", "cancel", "my_bookings", "restart", "help", "language", "back"),
    *("no", "yes", "book", "hello"),
)

# A language named in a message ("english please", "по-українськи"): switch to it at once. In every
# language's words, since a customer asks for the one they read in the one they are stuck with.
LANGUAGE_NAMES: Words = {
    "en": ("english", "in english", "англійською", "англійська", "по-английски", "на английском",
           "английский", "po angielsku", "angielski", "anglais", "en anglais", "αγγλικά", "στα αγγλικά"),
    "uk": ("українська", "українською", "по-українськи", "по-украински", "на украинском", "украинский",
           "ukrainian", "in ukrainian", "po ukraińsku", "ukraiński", "ukrainien", "en ukrainien",
           "ουκρανικά", "στα ουκρανικά"),
    "pl": ("polski", "po polsku", "polish", "in polish", "польською", "польська", "по-польски",
           "на польском", "польский", "polonais", "en polonais", "πολωνικά", "στα πολωνικά"),
    "fr": ("français", "en français", "francais", "french", "in french", "французькою", "французька",
           "по-французски", "на французском", "французский", "po francusku", "francuski", "γαλλικά",
           "στα γαλλικά"),
    "el": ("ελληνικά", "στα ελληνικά", "greek", "in greek", "грецькою", "грецька", "по-гречески",
           "на греческом", "греческий", "po grecku", "grecki", "grec", "en grec"),
    "ru": ("русский", "по-русски", "на русском", "russian", "in russian", "російською", "російська",
           "po rosyjsku", "rosyjski", "russe", "en russe", "ρωσικά", "στα ρωσικά"),
}  # fmt: skip

# --- days -------------------------------------------------------------------------------------------------

# Phrase -> days from today. Longer phrases win ("після завтра" before "завтра").
RELATIVE_DAYS: dict[str, dict[str, int]] = {
    "en": {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "day after tomorrow": 2},
    "uk": {"сьогодні": 0, "сьодні": 0, "завтра": 1, "післязавтра": 2, "після завтра": 2},
    "pl": {"dziś": 0, "dzisiaj": 0, "jutro": 1, "pojutrze": 2},
    "fr": {
        "aujourd'hui": 0,
        "aujourdhui": 0,
        "ce soir": 0,
        "demain": 1,
        "après-demain": 2,
        "apres demain": 2,
    },
    "el": {"σήμερα": 0, "απόψε": 0, "αύριο": 1, "μεθαύριο": 2},
    "ru": {"сегодня": 0, "завтра": 1, "послезавтра": 2, "после завтра": 2},
}

# "next week": the days from next Monday on (a weekday with it is that weekday of next week).
NEXT_WEEK: Words = {
    "en": ("next week", "next weeks"),
    "uk": ("наступного тижня", "на наступному тижні", "наступний тиждень", "на наступний тиждень"),
    "pl": ("w przyszłym tygodniu", "przyszły tydzień", "na przyszły tydzień", "w następnym tygodniu"),
    "fr": ("la semaine prochaine", "semaine prochaine"),
    "el": ("την επόμενη εβδομάδα", "επόμενη εβδομάδα", "την άλλη εβδομάδα", "την ερχόμενη εβδομάδα"),
    "ru": ("на следующей неделе", "следующая неделя", "на следующую неделю", "следующей неделе"),
}

# These relative days also say "in the evening".
TONIGHT = ("tonight", "ce soir", "απόψε")

# Monday first. Inflections are spelled out where a stem would swallow other words (Greek "τρίτο" is
# "third", "τέταρτο" is "quarter"); "mon" is left out because French "mon" means "my".
WEEKDAYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "en": (
        ("monday", "mondays"),
        ("tuesday", "tue", "tues"),
        ("wednesday", "wed"),
        ("thursday", "thu", "thur", "thurs"),
        ("friday", "fri"),
        ("saturday", "sat"),
        ("sunday", "sun"),
    ),
    "uk": (
        ("понеділ*", "пн"),
        ("вівтор*", "вт"),
        ("середа", "середу", "середи", "ср"),
        ("четвер", "четверга", "четвергу", "чт"),
        ("п'ятниц*", "пт"),
        ("субот*", "сб"),
        ("неділ*", "нд"),
    ),
    "pl": (
        ("poniedział*",),
        ("wtor*",),
        ("środa", "środę", "środy"),
        ("czwart*",),
        ("piątek", "piątku", "piątkiem"),
        ("sobot*",),
        ("niedziel*",),
    ),
    "fr": (("lundi",), ("mardi",), ("mercredi",), ("jeudi",), ("vendredi",), ("samedi",), ("dimanche",)),
    "el": (
        ("δευτέρα", "δευτέρας"),
        ("τρίτη", "τρίτης"),
        ("τετάρτη", "τετάρτης"),
        ("πέμπτη", "πέμπτης"),
        ("παρασκευή", "παρασκευής"),
        ("σάββατο", "σαββάτου"),
        ("κυριακή", "κυριακής"),
    ),
    "ru": (
        ("понедельник*",),
        ("вторник*",),
        ("среда", "среду", "среды"),
        ("четверг*",),
        ("пятниц*",),
        ("суббот*",),
        ("воскресень*", "вс"),
    ),
}

# January first. Month words count only next to a day number ("5 грудня", "December 5"), so the stems
# cannot be confused with "may I" or "лип" (linden).
MONTHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "en": (
        ("january", "jan"),
        ("february", "feb"),
        ("march", "mar"),
        ("april", "apr"),
        ("may",),
        ("june", "jun"),
        ("july", "jul"),
        ("august", "aug"),
        ("september", "sep", "sept"),
        ("october", "oct"),
        ("november", "nov"),
        ("december", "dec"),
    ),
    "uk": (
        ("січ*",),
        ("лют*",),
        ("берез*",),
        ("квіт*",),
        ("трав*",),
        ("черв*",),
        ("лип*",),
        ("серп*",),
        ("верес*",),
        ("жовт*",),
        ("листопад*",),
        ("груд*",),
    ),
    "pl": (
        ("stycz*",),
        ("lut*",),
        ("marzec", "marca"),
        ("kwie*",),
        ("maj", "maja"),
        ("czerw*",),
        ("lipiec", "lipca"),
        ("sierp*",),
        ("wrze*",),
        ("październik*",),
        ("listopad*",),
        ("grud*",),
    ),
    "fr": (
        ("janvier",),
        ("février",),
        ("mars",),
        ("avril",),
        ("mai",),
        ("juin",),
        ("juillet",),
        ("août",),
        ("septembre",),
        ("octobre",),
        ("novembre",),
        ("décembre",),
    ),
    "el": (
        ("ιανουάρ*",),
        ("φεβρουάρ*",),
        ("μάρτ*",),
        ("απρίλ*",),
        ("μαΐου", "μάιος", "μάη"),
        ("ιούν*",),
        ("ιούλ*",),
        ("αυγούστ*",),
        ("σεπτέμβρ*",),
        ("οκτώβρ*",),
        ("νοέμβρ*",),
        ("δεκέμβρ*",),
    ),
    "ru": (
        ("январ*",),
        ("феврал*",),
        ("март*",),
        ("апрел*",),
        ("мая", "май"),
        ("июн*",),
        ("июл*",),
        ("август*",),
        ("сентябр*",),
        ("октябр*",),
        ("ноябр*",),
        ("декабр*",),
    ),
}

# "in 3 days", "через 2 дні", "za tydzień": a count (or none, meaning one) then a unit.
IN_WORDS = ("in", "через", "за", "za", "dans", "σε", "μέσα σε")
ONE_WORDS = ("a", "an", "one", "один", "одну", "одна", "jeden", "jedną", "un", "une", "ένα", "μία", "μια")
DAY_UNITS = ("day*", "дн*", "день", "dni", "dzień", "jour*", "μέρ*", "ημέρ*")
WEEK_UNITS = ("week*", "тижд*", "тиж*", "недел*", "неделю", "tydzień", "tygodni*", "semaine*", "εβδομάδ*")
HOUR_UNITS = ("hour*", "годин*", "час", "часа", "часов", "godzin*", "godzinę", "heure*", "ώρ*")

# Ordinal day of the month without a month: "the 5th", "5-го", "5 числа".
DAY_OF_MONTH_SUFFIXES = ("st", "nd", "rd", "th", "-го", "го", " числа", "er")

# --- times of day -----------------------------------------------------------------------------------------

# Words before an hour that make a bare number a time: "at 9", "o 14", "о 15", "à 9", "στις 5", "в 10".
AT_WORDS = (
    "at", "around", "about",
    "о", "об", "близько", "біля",
    "o", "około", "koło",
    "à", "vers",
    "στις", "γύρω στις", "κατά τις",
    "в", "во", "к", "около",
)  # fmt: skip
# "на 15" means "at 15" but "на 2 години" means "for two hours": these need the hour not to be a duration.
FOR_WORDS = ("на", "na")

AFTER_WORDS = (
    "after", "from", "later than", "not before",
    "після", "пiсля", "від", "з", "пізніше", "не раніше",
    "po", "od", "później niż", "nie wcześniej niż",
    "après", "à partir de", "a partir de", "dès", "plus tard que",
    "μετά", "μετά από", "από",
    "после", "с", "от", "позже", "не раньше",
)  # fmt: skip
BEFORE_WORDS = (
    "before", "until", "till", "by", "no later than", "not later than",
    "до", "перед", "не пізніше",
    "przed", "do", "najpóźniej",
    "avant", "jusqu'à", "jusqua", "au plus tard",
    "πριν", "πριν από", "μέχρι", "έως", "ως",
    "до", "перед", "не позже", "не позднее",
)  # fmt: skip
# "between 2 and 4", "з 10 до 12", "od 10 do 12", "de 10h à 12h", "από 10 έως 12", "с 10 до 12".
RANGE_OPEN_WORDS = (
    "between", "from",
    "між", "з", "від",
    "między", "od",
    "entre", "de",
    "μεταξύ", "από",
    "между", "с", "от",
)  # fmt: skip
RANGE_JOIN_WORDS = (
    "and", "to", "till", "until",
    "і", "й", "та", "до", "по",
    "a", "i", "do",
    "et", "à", "a", "jusqu'à",
    "και", "έως", "μέχρι", "ως",
    "и", "до", "по",
    "-", "–", "—",
)  # fmt: skip

# Between an hour word and its number: Greek articles ("μετά τις 5") and Polish "godz." ("o godz. 14").
TIME_FILLERS = ("τις", "της", "στις", "στη", "στην", "την", "τη", "godz.", "godz", "godzinie", "godziny")

# After a number, marks it as an hour even without "at": "15h", "15 год.", "15 ч", "15 heures".
HOUR_SUFFIXES = ("h", "heure", "heures", "год.", "год", "ч.", "ч", "godz.", "godz")
# These follow an hour only after an at-word: "в 3 часа" is "at three", "на 3 часа" is "for three hours".
AT_HOUR_SUFFIXES = ("годині", "час", "часа", "часов", "godzinie", "η ώρα")
AM_SUFFIXES = ("am", "a.m.", "a.m", "πμ", "π.μ.", "π.μ", "ночі", "ночи")
PM_SUFFIXES = ("pm", "p.m.", "p.m", "μμ", "μ.μ.", "μ.μ", "дня")

# Hours said as words after an at-word: "о п'ятій", "o piątej", "à cinq heures", "στις πέντε", "в пять".
HOUR_WORDS: dict[str, dict[str, int]] = {
    "en": {
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
        "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    },
    "uk": {
        "першій": 1, "другій": 2, "третій": 3, "четвертій": 4, "п'ятій": 5, "шостій": 6,
        "сьомій": 7, "восьмій": 8, "дев'ятій": 9, "десятій": 10, "одинадцятій": 11, "дванадцятій": 12,
    },
    "pl": {
        "pierwszej": 1, "drugiej": 2, "trzeciej": 3, "czwartej": 4, "piątej": 5, "szóstej": 6,
        "siódmej": 7, "ósmej": 8, "dziewiątej": 9, "dziesiątej": 10, "jedenastej": 11, "dwunastej": 12,
    },
    "fr": {
        "une heure": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
        "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12,
    },
    "el": {
        "μία": 1, "μια": 1, "δύο": 2, "τρεις": 3, "τέσσερις": 4, "πέντε": 5, "έξι": 6, "επτά": 7,
        "εφτά": 7, "οκτώ": 8, "οχτώ": 8, "εννέα": 9, "εννιά": 9, "δέκα": 10, "έντεκα": 11, "δώδεκα": 12,
    },
    "ru": {
        "час": 1, "два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6,
        "семь": 7, "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11, "двенадцать": 12,
    },
}  # fmt: skip

# Noon is an exact time, and can close a range ("before noon", "avant midi", "до полудня").
NOON = (
    "noon",
    "midday",
    "опівдні",
    "полудня",
    "південь",
    "południe",
    "południa",
    "midi",
    "μεσημέρι",
    "полдень",
)

PERIODS: dict[str, Words] = {
    "morning": {
        "en": ("morning", "in the morning", "mornings"),
        "uk": ("зранку", "вранці", "уранці", "ранком", "ранку", "ранок", "з ранку"),
        "pl": ("rano", "rankiem", "przed południem", "przedpołudnie*"),
        "fr": ("matin", "le matin", "du matin", "matinée"),
        "el": ("πρωί", "το πρωί", "πρωινό", "πρωινά"),
        "ru": ("утром", "утра", "с утра", "утро", "до обеда"),
    },
    "afternoon": {
        "en": ("afternoon", "in the afternoon", "after lunch"),
        "uk": ("вдень", "удень", "по обіді", "після обіду", "пообіді", "в обід"),
        "pl": ("po południu", "popołudni*", "po obiedzie"),
        "fr": ("après-midi", "aprem", "l'après-midi", "de l'après-midi", "après le déjeuner"),
        "el": ("απόγευμα", "το απόγευμα", "απογευματινό", "μεσημεράκι"),
        "ru": ("днём", "днем", "после обеда", "в обед"),
    },
    "evening": {
        "en": ("evening", "in the evening", "tonight", "after work"),
        "uk": ("ввечері", "увечері", "вечором", "вечора", "вечір", "після роботи"),
        "pl": ("wieczorem", "wieczór", "wieczor", "po pracy"),
        "fr": ("soir", "le soir", "du soir", "ce soir", "soirée", "après le travail"),
        "el": ("βράδυ", "το βράδυ", "απόψε", "βραδινό", "μετά τη δουλειά"),
        "ru": ("вечером", "вечера", "вечер", "после работы"),
    },
}
PERIOD_BOUNDS: dict[str, tuple[time | None, time | None]] = {
    "morning": (None, time(12)),
    "afternoon": (time(12), time(17)),
    "evening": (time(17), None),
}

# Numbers followed by these are money or durations, never a date or a time ("12.50 грн", "1.5 hours").
NOT_TIME_UNITS = (
    "грн", "uah", "zł", "zl", "pln", "eur", "€", "usd", "$", "руб", "р.",
    "hour*", "годин*", "часа", "часов", "godzin*", "ώρ*", "min*", "хв*", "мин*",
    "people", "осіб", "особи", "людей", "человек", "osób", "osoby", "personnes", "άτομα",
    "kg", "кг", "cm", "см", "%",
)  # fmt: skip

# Other spellings of words in service names, as customers type them ("manikur" in Polish): a service whose
# name has the word is matched by these too, inflected or with a typo like the word itself.
SERVICE_WORD_SPELLINGS: dict[str, tuple[str, ...]] = {
    "manicure": ("manikur", "manikiur", "manicur"),
    "pedicure": ("pedikur", "pedikiur", "pedicur"),
}

# Real words a typo away from a common service name ("message" / "massage"): never read as a typo.
NOT_SERVICE_TYPOS = ("message", "messages", "coupon", "coupons", "passage", "manager", "maniere", "manière")

# --- staff ------------------------------------------------------------------------------------------------

# What a staff chat writes, alone, for its agenda (conversations/agenda.py), in the staff language or
# English: "today" and "tomorrow" are those days; the word for the agenda is today's, or the day it goes on to
# name ("розклад на п'ятницю"). Said by anyone else, these are ordinary words of a booking.
AGENDA_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {"today": ("today",), "tomorrow": ("tomorrow",), "agenda": ("agenda", "schedule")},
    "uk": {"today": ("сьогодні",), "tomorrow": ("завтра",), "agenda": ("розклад", "графік")},
    "pl": {"today": ("dziś", "dzisiaj"), "tomorrow": ("jutro",), "agenda": ("grafik", "terminarz", "agenda")},
    "fr": {"today": ("aujourd'hui",), "tomorrow": ("demain",), "agenda": ("agenda", "planning")},
    "el": {"today": ("σήμερα",), "tomorrow": ("αύριο",), "agenda": ("πρόγραμμα", "ατζέντα")},
    "ru": {"today": ("сегодня",), "tomorrow": ("завтра",), "agenda": ("расписание", "график")},
}
