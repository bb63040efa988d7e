"""Polish."""

WEEKDAYS = ("pon.", "wt.", "śr.", "czw.", "pt.", "sob.", "niedz.")
MONTHS = (
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
)
DATE_FORMAT = "{weekday} {day} {month}"

TEXTS = {
    # menu and general
    "welcome": "Dzień dobry! Tu {business} — pomogę umówić wizytę.",
    "menu": "W czym mogę pomóc?",
    "menu_book": "Umów wizytę",
    "menu_my": "Moje wizyty",
    "menu_help": "Pomoc",
    "menu_language": "Język",
    "help": (
        "Mogę umówić wizytę, pokazać Twoje wizyty, a także przełożyć lub anulować jedną z nich.\n"
        "Kliknij przycisk albo po prostu napisz, np. „strzyżenie jutro po 17”, „przełóż”, „anuluj”.\n"
        "„Od nowa” w każdej chwili przeniesie Cię na początek. W innych sprawach: {contact}."
    ),
    "not_understood": "Przepraszam, nie do końca rozumiem.",
    "stale_button": "Ten przycisk pochodzi z wcześniejszej wiadomości. Oto, gdzie teraz jesteśmy:",
    "abandoned": "W porządku, nic nie zostało zarezerwowane.",
    "ask_language": "Wybierz język:",
    "language_set": "Język został zmieniony.",
    "today": "dziś",
    "at_time": "{day} o {time}",
    # booking
    "ask_service": "Na jaką usługę chcesz się umówić?",
    "ask_specialist": "{service}: do kogo chcesz się umówić?",
    "anyone": "Dowolny specjalista",
    "choose_specialist": "Wybierz specjalistę",
    "ask_day": "{service} ({specialist}): który dzień Ci pasuje?",
    "later_days": "Kolejne terminy",
    "no_free_days": "{service}: niestety w najbliższych dniach nie ma wolnych terminów.",
    "ask_time": "Wolne godziny na {day}:",
    "no_times_that_day": "Brak wolnych godzin na {day}.",
    "other_day": "Inny dzień",
    "time_gone": "Niestety, termin {when} jest już zajęty.",
    "time_taken": "Niestety, termin {when} jest niedostępny.",
    "nearest_times": "Najbliższe wolne terminy:",
    "ask_which_service": "Którą usługę masz na myśli?",
    "understood": "Rozumiem: {what}.",
    "times_for": "{what} — wolne godziny:",
    "after_time": "po {time}",
    "before_time": "przed {time}",
    "from_day": "od {day}",
    "range_full": "{what}: brak wolnych terminów.",
    "closed_day": "{day} jesteśmy zamknięci.",
    "closed_day_note": "{day} jesteśmy zamknięci: {note}.",
    "later_times": "Późniejsze godziny",
    "earlier_times": "Wcześniejsze godziny",
    "ask_name": "Na jakie imię zarezerwować wizytę?",
    "bad_name": "Podaj, proszę, swoje imię (litery, od 2 do 80 znaków).",
    "share_phone": "📱 Udostępnij mój numer telefonu",
    "phone_noted": "Dziękujemy! Twój telefon: {phone}.",
    "ask_phone": "Podaj, proszę, numer telefonu (np. {example}):",
    "bad_phone": "To nie wygląda na numer telefonu. Wpisz go, proszę, z numerem kierunkowym kraju, "
    "np. {example}.",
    "summary": (
        "Sprawdź, proszę, szczegóły wizyty:\n{service}, specjalista: {specialist}\n{when} ({minutes} min)\n"
        "Cena: {price}\nImię: {name}, {phone}"
    ),
    "summary_prepayment": "Aby potwierdzić wizytę, potrzebna jest przedpłata w wysokości {amount}.",
    "confirm": "Potwierdź",
    "change_time": "Zmień termin",
    "abandon": "Anuluj",
    "limit_active": "Masz już maksymalną liczbę nadchodzących wizyt: {limit}.",
    "booked": "Gotowe, wizyta zarezerwowana! {service}, {specialist}, {when}. Kod rezerwacji: {code}.\n"
    "Aby przełożyć lub odwołać wizytę, po prostu napisz na tym czacie (np. „przełóż” lub „anuluj”).",
    "hold_taken": "Niestety, ten termin został właśnie zajęty.",
    "hold_too_late": "Ten termin jest już zbyt blisko, by go zarezerwować.",
    "hold_too_far": "Zapisy na ten termin nie są jeszcze otwarte.",
    "hold_outside_hours": "O tej porze nie pracujemy.",
    "hold_other": "Niestety, nie udało się zarezerwować tego terminu.",
    # the customer's bookings
    "no_bookings": "Nie masz nadchodzących wizyt.",
    "your_bookings": "Twoje wizyty:",
    "status_held": "czeka na potwierdzenie",
    "status_confirmed": "potwierdzona",
    "status_cancelled": "anulowana",
    "status_expired": "wygasła",
    "status_prepaid": "{status}, przedpłata {amount}",
    "booking_gone": "Ta wizyta jest już nieaktualna.",
    "reschedule": "Przełóż",
    "cancel_booking": "Anuluj wizytę",
    "back": "Wstecz",
    "cancel_question": "Anulować tę wizytę?\n{booking}",
    "cancel_refund": "Przedpłata w wysokości {amount} zostanie zwrócona.",
    "cancel_no_refund": "Do wizyty zostało mniej niż {hours} godz., dlatego przedpłata w wysokości {amount} "
    "nie zostanie zwrócona.",
    "yes_cancel": "Tak, anuluj",
    "keep_booking": "Zostaw bez zmian",
    "cancelled": "Wizyta anulowana: {booking}",
    "ask_move_day": "{service}: na który dzień przełożyć wizytę?",
    "move_question": "Przełożyć wizytę?\nObecny termin: {old}\nNowy termin: {new}",
    "moved": "Gotowe! Wizyta przełożona na {when}, specjalista: {specialist}.",
    # the calendar file sent with a confirmation, move or cancellation (bot/calendar.py)
    "calendar_summary": "{service}, {specialist} — {business}",
    "calendar_description": "Kod rezerwacji: {code}",
    "move_locked": "Tej wizyty nie można zmienić na czacie. Skontaktuj się z nami: {contact}.",
    "move_limit": "Ta wizyta była już przekładana maksymalną liczbę razy ({moves}). "
    "Skontaktuj się z nami: {contact}.",
    "move_too_late": "Wizytę można przełożyć najpóźniej {hours} godz. przed jej terminem. "
    "Skontaktuj się z nami: {contact}.",
    "cancel_locked": "Tej wizyty nie można anulować na czacie. Skontaktuj się z nami: {contact}.",
    "cancel_too_late": "Wizytę można anulować najpóźniej {cancel_hours} godz. przed jej terminem. "
    "Skontaktuj się z nami: {contact}.",
    "refused_taken": "Niestety, ten termin został właśnie zajęty.",
    "refused_expired": "Niestety, wstępna rezerwacja tego terminu wygasła.",
    "refused_other": "Niestety, nie udało się tego zrobić.",
    # a hold that ran out, a payment awaited, and our own mistakes
    "awaiting_payment": "Czekamy na przedpłatę w wysokości {amount}, aby potwierdzić termin {when}.",
    "hold_expired": "Wstępna rezerwacja ({service}, {when}) wygasła, a termin został zwolniony.",
    "book_again": "Zarezerwuj ponownie",
    "something_went_wrong": "Przepraszamy, coś poszło nie tak po naszej stronie. Zacznijmy od nowa od menu.",
    # reminders before a visit, and the answers to them
    "reminder": "⏰ Przypomnienie: {service}, {specialist}, {when}. Kod rezerwacji: {code}.",
    "reminder_address": "Adres: {address}.",
    "reminder_paid": "Przedpłata: {paid}. Do zapłaty na wizycie: {remaining}.",
    "reminder_to_pay": "Do zapłaty na wizycie: {remaining}.",
    "reminder_question": "Czy przyjdziesz? Naciśnij przycisk lub po prostu odpowiedz tutaj.",
    "reminder_confirm": "Potwierdź",
    "reminder_reschedule": "Przełóż",
    "reminder_cancel": "Anuluj",
    "reminder_no": "Chcesz przełożyć czy odwołać wizytę: {booking}?",
    "reminder_outdated": "To przypomnienie jest nieaktualne: wizyta została zmieniona lub już minęła.",
    "visit_confirmed": "Dziękujemy! Do zobaczenia {when}.",
    "visit_confirmed_already": "Wizyta jest już potwierdzona, dziękujemy. Do zobaczenia {when}.",
    "staff_visit_confirmed": "✅ Potwierdzenie przyjścia: {customer} ({phone}), {service}, "
    "{specialist}, {when}. Kod {code}.",
    # Telegram's command menu (setMyCommands): at most 60 characters each
    "command_start": "Zacznij od nowa: menu główne",
    "command_book": "Umów wizytę",
    "command_my": "Moje wizyty",
    "command_help": "Pomoc: co potrafię",
    "command_lang": "Zmień język",
    # staff notifications (in the business's default language)
    "staff_held": "Nowa rezerwacja czeka na przedpłatę: {customer} ({phone}), {service}, specjalista: "
    "{specialist}, {when}. Kod {code}.",
    "staff_confirmed": "Nowa wizyta: {customer} ({phone}), {service}, specjalista: {specialist}, {when}. "
    "Zapłacono: {paid}. Kod {code}.",
    "staff_cancelled": "Odwołano: {customer} ({phone}), {service}, specjalista: {specialist}, {when}. "
    "Zapłacono: {paid}. Kod {code}.",
    "staff_moved": "Przełożono: {customer} ({phone}), {service}, specjalista: {specialist}, teraz {when}. "
    "Zapłacono: {paid}. Kod {code}.",
    "staff_expired": "Rezerwacja wygasła bez płatności, termin zwolniony: {customer} ({phone}), {service}, "
    "specjalista: {specialist}, {when}. Zapłacono: {paid}. Kod {code}.",
    "held_pay": "{name}, rezerwujemy dla Ciebie: {service}, {specialist}, {when}. Aby potwierdzić "
    "wizytę, opłać przedpłatę {amount} do {deadline} ({minutes} min); potem termin zostanie zwolniony. "
    "Kod rezerwacji: {code}.",
    "pay_button": "💳 Zapłać {amount}",
    "pay_again": "Spróbuj zapłacić ponownie",
    "pay_description": "{service}, {when} (rezerwacja {code})",
    "payment_failed": "Płatność nie powiodła się. Możesz spróbować ponownie do {deadline}.",
    "booked_paid": "Opłacone i zarezerwowane! {service}, {specialist}, {when}.\nPrzedpłata: "
    "{paid}. Do zapłaty na wizycie: {remaining}.\nKod rezerwacji: {code}.\n"
    "Aby przełożyć lub odwołać wizytę, po prostu napisz na tym czacie.\n{business}, {contact}",
    "paid_too_late": "Twoja płatność {amount} dotarła po wygaśnięciu rezerwacji, a termin został w "
    "międzyczasie zajęty. Pieniądze wrócą do Ciebie.",
    "payment_returned": "Otrzymaliśmy płatność {amount} za {booking}, która nie była potrzebna. "
    "Wróci do Ciebie.",
    "refund_made": "Zwrot wykonany: {amount} za {booking}.",
    "staff_paid": "💳 Przedpłata otrzymana: {customer} ({phone}), {service}, {specialist}, {when}: "
    "{paid}. Kod {code}.",
    "staff_paid_back": "Płatność wraca do klienta: {customer} ({phone}), {service}, {specialist}, "
    "{when}: {paid} (termin zajęty lub wizyta odwołana). Kod {code}.",
    "staff_refunded": "Zwrot wykonany: {customer} ({phone}), {service}, {specialist}, {when}. "
    "Zapłacono teraz: {paid}. Kod {code}.",
    "cancel_partial_refund": "Do wizyty zostało mniej niż {hours} godz., więc z przedpłaty {paid} "
    "zwrócimy {amount}.",
    # lista oczekujących (issue 13)
    "waitlist_join": "Zapisz mnie na listę oczekujących na {day}",
    "waitlist_when": "Lista oczekujących: {what}. Jakie godziny Ci pasują? Gdy tylko któraś się zwolni, "
    "napiszę do Ciebie.",
    "waitlist_at": "Tylko {time}",
    "waitlist_any_time": "Dowolna pora tego dnia",
    "waitlist_morning": "Rano",
    "waitlist_afternoon": "Po południu",
    "waitlist_evening": "Wieczorem",
    "waitlist_joined": "Jesteś na liście oczekujących: {what}. Gdy zwolni się termin, od razu napiszę; "
    "dostanie go ten, kto pierwszy naciśnie „Rezerwuję”.",
    "waitlist_offer": "Dobra wiadomość: właśnie zwolnił się termin — {what}! Dostanie go ten, kto "
    "pierwszy naciśnie „Rezerwuję”.",
    "book_it": "Rezerwuję",
    "waitlist_gone": "Niestety, ten termin jest już zajęty. Zostajesz na liście oczekujących i napiszę, "
    "jeśli zwolni się inny.",
    "waitlist_title": "Na liście oczekujących:",
    "waitlist_leave": "Wypisz z listy: {what}",
    "waitlist_left": "Wypisano Cię z listy oczekujących: {what}.",
    "staff_waitlist_taken": "Z listy oczekujących: {customer} ({phone}) zajmuje zwolniony termin: "
    "{service}, specjalista: {specialist}, {when}. Kod {code}.",
    # a staff chat's agenda (conversations/agenda.py), in the staff language
    "agenda_heading": "📅 Rezerwacje, {day}: {count}",
    "agenda_heading_own": "📅 Twoje rezerwacje, {day}: {count}",
    "agenda_empty": "Brak rezerwacji na ten dzień.",
    "agenda_who": "{customer}, {phone}, kod {code}",
    "agenda_held": "czeka na płatność do {time}",
    "agenda_confirmed": "potwierdzona",
    "agenda_coming": "przyjdzie: klient potwierdził wizytę",
    "agenda_to_pay": "do zapłaty {left}",
    "agenda_paid": "zapłacono {paid}, do zapłaty {left}",
    "agenda_paid_full": "zapłacono {paid}",
    "agenda_more": "… i jeszcze {count}, niepokazane",
    "agenda_not_listed": "Anulowane lub wygasłe, niepokazane: {count}",
    "agenda_unread": "Nie rozumiem „{words}” jako dnia; oto dzisiaj.",
    "agenda_before": "◀ {day}",
    "agenda_after": "{day} ▶",
    # the business cancelled a visit (staff: `slotbot cancel`), said beside whatever the customer is doing
    "business_cancelled_visit": "{business} odwołał(a) Twoją wizytę: {booking}.",
    "business_cancelled_reason": "Powód: {reason}",
    "business_cancelled_refund": "Twoja przedpłata {amount} zostanie zwrócona na kartę.",
    "business_cancelled_no_refund": "Przedpłata {amount} nie zostanie zwrócona.",
    "business_cancelled_rebook": (
        "Przepraszamy. Aby umówić się ponownie, napisz tutaj lub skontaktuj się: {contact}."
    ),
}
