"""Ukrainian."""

WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "нд")
MONTHS = (
    "січня",
    "лютого",
    "березня",
    "квітня",
    "травня",
    "червня",
    "липня",
    "серпня",
    "вересня",
    "жовтня",
    "листопада",
    "грудня",
)
DATE_FORMAT = "{weekday}, {day} {month}"

TEXTS = {
    # menu and general
    "welcome": "Вітаю! На зв’язку {business} — я допоможу вам записатися.",
    "menu": "Чим можу допомогти?",
    "menu_book": "Записатися",
    "menu_my": "Мої записи",
    "menu_help": "Допомога",
    "menu_language": "Мова",
    "help": (
        "Я можу записати вас на візит, показати ваші записи, перенести або скасувати запис.\n"
        "Натисніть кнопку або просто напишіть, наприклад: «стрижка завтра після 17», «перенести», "
        "«скасувати».\n"
        "«Почати спочатку» будь-коли поверне вас на початок. З інших питань: {contact}."
    ),
    "not_understood": "Вибачте, не зовсім розумію.",
    "stale_button": "Ця кнопка — з попереднього повідомлення. Ось де ми зараз:",
    "abandoned": "Гаразд, запис не оформлено.",
    "ask_language": "Оберіть мову:",
    "language_set": "Мову змінено.",
    "today": "сьогодні",
    "at_time": "{day} о {time}",
    # booking
    "ask_service": "На яку послугу вас записати?",
    "ask_specialist": "{service}: до якого спеціаліста вас записати?",
    "anyone": "Будь-який спеціаліст",
    "choose_specialist": "Обрати спеціаліста",
    "ask_day": "{service} ({specialist}): який день вам зручний?",
    "later_days": "Наступні дати",
    "no_free_days": "{service}: на жаль, найближчими днями вільного часу немає.",
    "ask_time": "Вільний час на {day}:",
    "no_times_that_day": "На {day} вільного часу немає.",
    "other_day": "Інший день",
    "time_gone": "На жаль, {when} вже зайнято.",
    "time_taken": "На жаль, записатися на {when} не вийде.",
    "nearest_times": "Найближчий вільний час:",
    "ask_which_service": "Яку саме послугу ви маєте на увазі?",
    "understood": "Зрозумів: {what}.",
    "times_for": "{what} — вільний час:",
    "after_time": "після {time}",
    "before_time": "до {time}",
    "from_day": "з {day}",
    "range_full": "{what}: вільного часу немає.",
    "closed_day": "{day} ми зачинені.",
    "closed_day_note": "{day} ми зачинені: {note}.",
    "later_times": "Пізніший час",
    "earlier_times": "Раніший час",
    "ask_name": "На яке ім’я оформити запис?",
    "bad_name": "Будь ласка, напишіть своє ім’я (літерами, від 2 до 80 символів).",
    "share_phone": "📱 Поділитися номером телефону",
    "phone_noted": "Дякуємо! Ваш телефон: {phone}.",
    "ask_phone": "Ваш номер телефону, будь ласка (наприклад, {example}):",
    "bad_phone": "Схоже, це не номер телефону. Напишіть його, будь ласка, з кодом країни, "
    "наприклад {example}.",
    "summary": (
        "Будь ласка, перевірте запис:\n{service}, спеціаліст: {specialist}\n{when} ({minutes} хв)\n"
        "Вартість: {price}\nІм’я: {name}, {phone}"
    ),
    "summary_prepayment": "Для підтвердження потрібна передоплата {amount}.",
    "confirm": "Підтвердити",
    "change_time": "Змінити час",
    "abandon": "Скасувати",
    "limit_active": "У вас уже максимальна кількість майбутніх записів: {limit}.",
    "booked": "Готово, ви записані! {service}, {specialist}, {when}. Код запису: {code}.\n"
    "Щоб перенести чи скасувати запис, просто напишіть у цей чат (наприклад, «перенести» або "
    "«скасувати»).",
    "hold_taken": "На жаль, цей час щойно зайняли.",
    "hold_too_late": "Цей час уже надто близько — записатися на нього не можна.",
    "hold_too_far": "Цей час ще надто далеко — запис на нього поки не відкрито.",
    "hold_outside_hours": "У цей час ми не працюємо.",
    "hold_other": "На жаль, записатися на цей час не вдалося.",
    # the customer's bookings
    "no_bookings": "У вас немає майбутніх записів.",
    "your_bookings": "Ваші записи:",
    "status_held": "очікує підтвердження",
    "status_confirmed": "підтверджено",
    "status_cancelled": "скасовано",
    "status_expired": "термін минув",
    "status_prepaid": "{status}, передоплата {amount}",
    "booking_gone": "Цей запис уже неактивний.",
    "reschedule": "Перенести",
    "cancel_booking": "Скасувати запис",
    "back": "Назад",
    "cancel_question": "Скасувати цей запис?\n{booking}",
    "cancel_refund": "Передоплату {amount} буде повернено.",
    "cancel_no_refund": "До візиту залишилося менше ніж {hours} год, тому передоплата {amount} "
    "не повертається.",
    "yes_cancel": "Так, скасувати",
    "keep_booking": "Залишити як є",
    "cancelled": "Запис скасовано: {booking}",
    "ask_move_day": "{service}: на який день перенести запис?",
    "move_question": "Перенести запис?\nЗараз: {old}\nНовий час: {new}",
    "moved": "Готово! Запис перенесено на {when}, спеціаліст: {specialist}.",
    # the calendar file sent with a confirmation, move or cancellation (bot/calendar.py)
    "calendar_summary": "{service}, {specialist} — {business}",
    "calendar_description": "Код запису: {code}",
    "move_locked": "Цей запис не можна змінити в чаті. Будь ласка, зв’яжіться з нами: {contact}.",
    "move_limit": "Цей запис уже переносили максимальну кількість разів ({moves}). "
    "Будь ласка, зв’яжіться з нами: {contact}.",
    "move_too_late": "Перенести запис можна не пізніше ніж за {hours} год до візиту. "
    "Будь ласка, зв’яжіться з нами: {contact}.",
    "cancel_locked": "Цей запис не можна скасувати в чаті. Будь ласка, зв’яжіться з нами: {contact}.",
    "cancel_too_late": "Скасувати запис можна не пізніше ніж за {cancel_hours} год до візиту. "
    "Будь ласка, зв’яжіться з нами: {contact}.",
    "refused_taken": "На жаль, цей час щойно зайняли.",
    "refused_expired": "На жаль, бронювання цього часу вже закінчилося.",
    "refused_other": "На жаль, зробити це не вдалося.",
    # a hold that ran out, a payment awaited, and our own mistakes
    "awaiting_payment": "Чекаємо на передоплату {amount}, щоб підтвердити запис: {when}.",
    "hold_expired": "Тимчасове бронювання ({service}, {when}) закінчилося, і цей час звільнено.",
    "book_again": "Записатися знову",
    "something_went_wrong": "Вибачте, у нас щось пішло не так. Почнімо знову з меню.",
    # reminders before a visit, and the answers to them
    "reminder": "⏰ Нагадування: {service}, майстер: {specialist}, {when}. Код запису: {code}.",
    "reminder_address": "Адреса: {address}.",
    "reminder_paid": "Передоплата: {paid}. Доплатити на візиті: {remaining}.",
    "reminder_to_pay": "До сплати на візиті: {remaining}.",
    "reminder_question": "Ви прийдете? Натисніть кнопку або просто відповідайте тут.",
    "reminder_confirm": "Підтвердити",
    "reminder_reschedule": "Перенести",
    "reminder_cancel": "Скасувати",
    "reminder_no": "Бажаєте перенести чи скасувати запис: {booking}?",
    "reminder_outdated": "Це нагадування вже неактуальне: запис змінено або він уже минув.",
    "visit_confirmed": "Дякуємо! Чекаємо на вас {when}.",
    "visit_confirmed_already": "Ви вже підтвердили, дякуємо. Чекаємо на вас {when}.",
    "staff_visit_confirmed": "✅ Підтвердив(ла) візит: {customer} ({phone}), {service}, майстер: "
    "{specialist}, {when}. Код {code}.",
    # Telegram's command menu (setMyCommands): at most 60 characters each
    "command_start": "Почати спочатку: головне меню",
    "command_book": "Записатися",
    "command_my": "Мої записи",
    "command_help": "Допомога: що я вмію",
    "command_lang": "Змінити мову",
    # staff notifications (in the business's default language)
    "staff_held": "Нове бронювання, чекає на передоплату: {customer} ({phone}), {service}, майстер: "
    "{specialist}, {when}. Код {code}.",
    "staff_confirmed": "Новий запис: {customer} ({phone}), {service}, майстер: {specialist}, {when}. "
    "Сплачено: {paid}. Код {code}.",
    "staff_cancelled": "Скасовано: {customer} ({phone}), {service}, майстер: {specialist}, {when}. "
    "Сплачено: {paid}. Код {code}.",
    "staff_moved": "Перенесено: {customer} ({phone}), {service}, майстер: {specialist}, тепер {when}. "
    "Сплачено: {paid}. Код {code}.",
    "staff_expired": "Бронювання минуло без оплати, час звільнено: {customer} ({phone}), {service}, "
    "майстер: {specialist}, {when}. Сплачено: {paid}. Код {code}.",
    "held_pay": "{name}, для вас заброньовано: {service}, майстер: {specialist}, {when}. Щоб "
    "підтвердити запис, внесіть передоплату {amount} до {deadline} ({minutes} хв); після цього час "
    "звільниться. Код запису: {code}.",
    "pay_button": "💳 Оплатити {amount}",
    "pay_again": "Спробувати оплатити ще раз",
    "pay_description": "{service}, {when} (запис {code})",
    "payment_failed": "Оплата не пройшла. Спробувати ще раз можна до {deadline}.",
    "booked_paid": "Оплачено, ви записані! {service}, майстер: {specialist}, {when}.\nПередоплата: "
    "{paid}. Доплатити на візиті: {remaining}.\nКод запису: {code}.\n"
    "Щоб перенести чи скасувати запис, просто напишіть у цей чат.\n{business}, {contact}",
    "paid_too_late": "Ваша оплата {amount} надійшла, коли бронювання вже минуло, а час тим часом "
    "зайняли. Гроші повернуться вам.",
    "payment_returned": "Ми отримали оплату {amount} за {booking}, яка була не потрібна. Вона "
    "повернеться вам.",
    "refund_made": "Кошти повернено: {amount} за {booking}.",
    "staff_paid": "💳 Передоплату отримано: {customer} ({phone}), {service}, майстер: {specialist}, "
    "{when}: {paid}. Код {code}.",
    "staff_paid_back": "Оплата повертається: {customer} ({phone}), {service}, майстер: "
    "{specialist}, {when}: {paid} (час зайняли або запис скасовано). Код {code}.",
    "staff_refunded": "Кошти повернено: {customer} ({phone}), {service}, майстер: {specialist}, "
    "{when}. Сплачено тепер: {paid}. Код {code}.",
    "cancel_partial_refund": "До візиту залишилося менше ніж {hours} год, тому з передоплати "
    "{paid} буде повернено {amount}.",
    # лист очікування (issue 13)
    "waitlist_join": "Стати в чергу на {day}",
    "waitlist_when": "Черга на {what}: який час вам підійде? Щойно він звільниться, я вам напишу.",
    "waitlist_at": "Лише {time}",
    "waitlist_any_time": "Будь-коли того дня",
    "waitlist_morning": "Зранку",
    "waitlist_afternoon": "Удень",
    "waitlist_evening": "Увечері",
    "waitlist_joined": "Ви в черзі: {what}. Щойно час звільниться, я одразу напишу; хто першим натисне "
    "«Записатися», той і отримає його.",
    "waitlist_offer": "Гарна новина: щойно звільнився час — {what}! Хто першим натисне «Записатися», той "
    "і отримає його.",
    "book_it": "Записатися",
    "waitlist_gone": "На жаль, цей час уже зайняли. Ви залишаєтеся в черзі, і я напишу, якщо звільниться "
    "інший.",
    "waitlist_title": "У черзі:",
    "waitlist_leave": "Вийти з черги: {what}",
    "waitlist_left": "Ви вийшли з черги на {what}.",
    "staff_waitlist_taken": "З черги очікування: {customer} ({phone}) зайняв(ла) звільнений час: {service}, "
    "майстер: {specialist}, {when}. Код {code}.",
    # a staff chat's agenda (conversations/agenda.py), in the staff language
    "agenda_heading": "📅 Записи, {day}: {count}",
    "agenda_heading_own": "📅 Ваші записи, {day}: {count}",
    "agenda_empty": "На цей день записів немає.",
    "agenda_who": "{customer}, {phone}, код {code}",
    "agenda_held": "чекає на оплату до {time}",
    "agenda_confirmed": "підтверджено",
    "agenda_coming": "прийде: клієнт підтвердив візит",
    "agenda_to_pay": "до сплати {left}",
    "agenda_paid": "сплачено {paid}, до сплати {left}",
    "agenda_paid_full": "сплачено {paid}",
    "agenda_more": "… і ще {count}, не показано",
    "agenda_not_listed": "Скасовані або прострочені, не показано: {count}",
    "agenda_unread": "Не вдалося прочитати «{words}» як день; ось сьогодні.",
    "agenda_before": "◀ {day}",
    "agenda_after": "{day} ▶",
    # the business cancelled a visit (staff: `slotbot cancel`), said beside whatever the customer is doing
    "business_cancelled_visit": "{business} скасували ваш візит: {booking}.",
    "business_cancelled_reason": "Причина: {reason}",
    "business_cancelled_refund": "Вашу передоплату {amount} буде повернено на картку.",
    "business_cancelled_no_refund": "Передоплата {amount} не повертається.",
    "business_cancelled_rebook": (
        "Перепрошуємо. Щоб записатися знову, напишіть тут або зверніться: {contact}."
    ),
}
