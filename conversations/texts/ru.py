"""Russian."""

WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
MONTHS = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
DATE_FORMAT = "{weekday}, {day} {month}"

TEXTS = {
    # menu and general
    "welcome": "Здравствуйте! На связи {business} — я помогу вам записаться.",
    "menu": "Чем могу помочь?",
    "menu_book": "Записаться",
    "menu_my": "Мои записи",
    "menu_help": "Помощь",
    "menu_language": "Язык",
    "help": (
        "Я могу записать вас на визит, показать ваши записи, перенести или отменить запись.\n"
        "Нажмите кнопку или просто напишите, например: «стрижка завтра после 17», «перенести», "
        "«отменить».\n"
        "«Начать сначала» в любой момент вернёт вас в начало. По другим вопросам: {contact}."
    ),
    "not_understood": "Извините, не совсем понимаю.",
    "stale_button": "Эта кнопка — из предыдущего сообщения. Вот где мы сейчас:",
    "abandoned": "Хорошо, запись не оформлена.",
    "ask_language": "Выберите язык:",
    "language_set": "Язык изменён.",
    "today": "сегодня",
    "at_time": "{day} в {time}",
    # booking
    "ask_service": "На какую услугу вас записать?",
    "ask_specialist": "{service}: к какому специалисту вас записать?",
    "anyone": "Любой специалист",
    "choose_specialist": "Выбрать специалиста",
    "ask_day": "{service} ({specialist}): какой день вам удобен?",
    "later_days": "Следующие даты",
    "no_free_days": "{service}: к сожалению, в ближайшие дни свободного времени нет.",
    "ask_time": "Свободное время на {day}:",
    "no_times_that_day": "На {day} свободного времени нет.",
    "other_day": "Другой день",
    "time_gone": "К сожалению, {when} уже занято.",
    "time_taken": "К сожалению, записаться на {when} не получится.",
    "nearest_times": "Ближайшее свободное время:",
    "ask_which_service": "Какую именно услугу вы имеете в виду?",
    "understood": "Понял: {what}.",
    "times_for": "{what} — свободное время:",
    "after_time": "после {time}",
    "before_time": "до {time}",
    "from_day": "с {day}",
    "range_full": "{what}: свободного времени нет.",
    "closed_day": "{day} мы закрыты.",
    "closed_day_note": "{day} мы закрыты: {note}.",
    "later_times": "Более позднее время",
    "earlier_times": "Более раннее время",
    "ask_name": "На какое имя оформить запись?",
    "bad_name": "Пожалуйста, напишите ваше имя (буквами, от 2 до 80 символов).",
    "share_phone": "📱 Поделиться номером телефона",
    "phone_noted": "Спасибо! Ваш телефон: {phone}.",
    "ask_phone": "Ваш номер телефона, пожалуйста (например, {example}):",
    "bad_phone": "Похоже, это не номер телефона. Пожалуйста, напишите его с кодом страны, "
    "например {example}.",
    "summary": (
        "Пожалуйста, проверьте запись:\n{service}, специалист: {specialist}\n{when} ({minutes} мин)\n"
        "Стоимость: {price}\nИмя: {name}, {phone}"
    ),
    "summary_prepayment": "Для подтверждения нужна предоплата {amount}.",
    "confirm": "Подтвердить",
    "change_time": "Изменить время",
    "abandon": "Отменить",
    "limit_active": "У вас уже максимальное количество предстоящих записей: {limit}.",
    "booked": "Готово, вы записаны! {service}, {specialist}, {when}. Код записи: {code}.\n"
    "Чтобы перенести или отменить запись, просто напишите в этот чат (например, «перенести» или "
    "«отменить»).",
    "hold_taken": "К сожалению, это время только что заняли.",
    "hold_too_late": "Это время уже слишком близко — записаться на него нельзя.",
    "hold_too_far": "Это время ещё слишком далеко — запись на него пока не открыта.",
    "hold_outside_hours": "В это время мы не работаем.",
    "hold_other": "К сожалению, записаться на это время не удалось.",
    # the customer's bookings
    "no_bookings": "У вас нет предстоящих записей.",
    "your_bookings": "Ваши записи:",
    "status_held": "ожидает подтверждения",
    "status_confirmed": "подтверждена",
    "status_cancelled": "отменена",
    "status_expired": "просрочена",
    "status_prepaid": "{status}, предоплата {amount}",
    "booking_gone": "Эта запись уже неактивна.",
    "reschedule": "Перенести",
    "cancel_booking": "Отменить запись",
    "back": "Назад",
    "cancel_question": "Отменить эту запись?\n{booking}",
    "cancel_refund": "Предоплата {amount} будет возвращена.",
    "cancel_no_refund": "До визита осталось меньше {hours} ч, поэтому предоплата {amount} не возвращается.",
    "yes_cancel": "Да, отменить",
    "keep_booking": "Оставить как есть",
    "cancelled": "Запись отменена: {booking}",
    "ask_move_day": "{service}: на какой день перенести запись?",
    "move_question": "Перенести запись?\nСейчас: {old}\nНовое время: {new}",
    "moved": "Готово! Запись перенесена на {when}, специалист: {specialist}.",
    # the calendar file sent with a confirmation, move or cancellation (bot/calendar.py)
    "calendar_summary": "{service}, {specialist} — {business}",
    "calendar_description": "Код записи: {code}",
    "move_locked": "Эту запись нельзя изменить в чате. Пожалуйста, свяжитесь с нами: {contact}.",
    "move_limit": "Эту запись уже переносили максимальное число раз ({moves}). "
    "Пожалуйста, свяжитесь с нами: {contact}.",
    "move_too_late": "Перенести запись можно не позднее чем за {hours} ч до визита. "
    "Пожалуйста, свяжитесь с нами: {contact}.",
    "cancel_locked": "Эту запись нельзя отменить в чате. Пожалуйста, свяжитесь с нами: {contact}.",
    "cancel_too_late": "Отменить запись можно не позднее чем за {cancel_hours} ч до визита. "
    "Пожалуйста, свяжитесь с нами: {contact}.",
    "refused_taken": "К сожалению, это время только что заняли.",
    "refused_expired": "К сожалению, бронь на это время уже истекла.",
    "refused_other": "К сожалению, сделать это не удалось.",
    # a hold that ran out, a payment awaited, and our own mistakes
    "awaiting_payment": "Ждём предоплату {amount}, чтобы подтвердить запись: {when}.",
    "hold_expired": "Временная бронь ({service}, {when}) истекла, и это время освобождено.",
    "book_again": "Записаться снова",
    "something_went_wrong": "Извините, у нас что-то пошло не так. Давайте начнём заново с меню.",
    # reminders before a visit, and the answers to them
    "reminder": "⏰ Напоминание: {service}, мастер: {specialist}, {when}. Код записи: {code}.",
    "reminder_address": "Адрес: {address}.",
    "reminder_paid": "Предоплата: {paid}. Доплатить на визите: {remaining}.",
    "reminder_to_pay": "К оплате на визите: {remaining}.",
    "reminder_question": "Вы придёте? Нажмите кнопку или просто ответьте здесь.",
    "reminder_confirm": "Подтвердить",
    "reminder_reschedule": "Перенести",
    "reminder_cancel": "Отменить",
    "reminder_no": "Хотите перенести или отменить запись: {booking}?",
    "reminder_outdated": "Это напоминание уже неактуально: запись изменена или уже прошла.",
    "visit_confirmed": "Спасибо! Ждём вас {when}.",
    "visit_confirmed_already": "Вы уже подтвердили, спасибо. Ждём вас {when}.",
    "staff_visit_confirmed": "✅ Подтвердил(а) визит: {customer} ({phone}), {service}, мастер: "
    "{specialist}, {when}. Код {code}.",
    # Telegram's command menu (setMyCommands): at most 60 characters each
    "command_start": "Начать сначала: главное меню",
    "command_book": "Записаться",
    "command_my": "Мои записи",
    "command_help": "Помощь: что я умею",
    "command_lang": "Сменить язык",
    # staff notifications (in the business's default language)
    "staff_held": "Новая бронь, ждёт предоплату: {customer} ({phone}), {service}, мастер: {specialist}, "
    "{when}. Код {code}.",
    "staff_confirmed": "Новая запись: {customer} ({phone}), {service}, мастер: {specialist}, {when}. "
    "Оплачено: {paid}. Код {code}.",
    "staff_cancelled": "Отменено: {customer} ({phone}), {service}, мастер: {specialist}, {when}. Оплачено: "
    "{paid}. Код {code}.",
    "staff_moved": "Перенесено: {customer} ({phone}), {service}, мастер: {specialist}, теперь {when}. "
    "Оплачено: {paid}. Код {code}.",
    "staff_expired": "Бронь истекла без оплаты, время освобождено: {customer} ({phone}), {service}, мастер: "
    "{specialist}, {when}. Оплачено: {paid}. Код {code}.",
    "held_pay": "{name}, для вас забронировано: {service}, мастер: {specialist}, {when}. Чтобы "
    "подтвердить запись, внесите предоплату {amount} до {deadline} ({minutes} мин); после этого время "
    "освободится. Код записи: {code}.",
    "pay_button": "💳 Оплатить {amount}",
    "pay_again": "Попробовать оплатить ещё раз",
    "pay_description": "{service}, {when} (запись {code})",
    "payment_failed": "Оплата не прошла. Попробовать ещё раз можно до {deadline}.",
    "booked_paid": "Оплачено, вы записаны! {service}, мастер: {specialist}, {when}.\nПредоплата: "
    "{paid}. Доплатить на визите: {remaining}.\nКод записи: {code}.\n"
    "Чтобы перенести или отменить запись, просто напишите в этот чат.\n{business}, {contact}",
    "paid_too_late": "Ваша оплата {amount} пришла, когда бронь уже истекла, а время тем временем "
    "заняли. Деньги вернутся вам.",
    "payment_returned": "Мы получили оплату {amount} за {booking}, которая была не нужна. Она вернётся вам.",
    "refund_made": "Деньги возвращены: {amount} за {booking}.",
    "staff_paid": "💳 Предоплата получена: {customer} ({phone}), {service}, мастер: {specialist}, "
    "{when}: {paid}. Код {code}.",
    "staff_paid_back": "Оплата возвращается: {customer} ({phone}), {service}, мастер: "
    "{specialist}, {when}: {paid} (время заняли или запись отменена). Код {code}.",
    "staff_refunded": "Деньги возвращены: {customer} ({phone}), {service}, мастер: {specialist}, "
    "{when}. Оплачено теперь: {paid}. Код {code}.",
    "cancel_partial_refund": "До визита осталось меньше {hours} ч, поэтому из предоплаты {paid} "
    "будет возвращено {amount}.",
    # лист ожидания (issue 13)
    "waitlist_join": "Встать в очередь на {day}",
    "waitlist_when": "Очередь на {what}: какое время вам подойдёт? Как только оно освободится, я вам напишу.",
    "waitlist_at": "Только {time}",
    "waitlist_any_time": "В любое время в тот день",
    "waitlist_morning": "Утром",
    "waitlist_afternoon": "Днём",
    "waitlist_evening": "Вечером",
    "waitlist_joined": "Вы в очереди: {what}. Как только время освободится, я сразу напишу; кто первым "
    "нажмёт «Записаться», тот его и получит.",
    "waitlist_offer": "Хорошая новость: только что освободилось время — {what}! Кто первым нажмёт "
    "«Записаться», тот его и получит.",
    "book_it": "Записаться",
    "waitlist_gone": "К сожалению, это время уже заняли. Вы остаётесь в очереди, и я напишу, если "
    "освободится другое.",
    "waitlist_title": "В очереди:",
    "waitlist_leave": "Выйти из очереди: {what}",
    "waitlist_left": "Вы вышли из очереди на {what}.",
    "staff_waitlist_taken": "Из листа ожидания: {customer} ({phone}) занял(а) освободившееся время: "
    "{service}, мастер: {specialist}, {when}. Код {code}.",
    # a staff chat's agenda (conversations/agenda.py), in the staff language
    "agenda_heading": "📅 Записи, {day}: {count}",
    "agenda_heading_own": "📅 Ваши записи, {day}: {count}",
    "agenda_empty": "На этот день записей нет.",
    "agenda_who": "{customer}, {phone}, код {code}",
    "agenda_held": "ждёт оплаты до {time}",
    "agenda_confirmed": "подтверждено",
    "agenda_coming": "придёт: клиент подтвердил визит",
    "agenda_to_pay": "к оплате {left}",
    "agenda_paid": "оплачено {paid}, к оплате {left}",
    "agenda_paid_full": "оплачено {paid}",
    "agenda_more": "… и ещё {count}, не показано",
    "agenda_not_listed": "Отменённые или просроченные, не показаны: {count}",
    "agenda_unread": "Не удалось понять «{words}» как день; вот сегодня.",
    "agenda_before": "◀ {day}",
    "agenda_after": "{day} ▶",
    # the business cancelled a visit (staff: `slotbot cancel`), said beside whatever the customer is doing
    "business_cancelled_visit": "{business} отменили ваш визит: {booking}.",
    "business_cancelled_reason": "Причина: {reason}",
    "business_cancelled_refund": "Ваша предоплата {amount} будет возвращена на карту.",
    "business_cancelled_no_refund": "Предоплата {amount} не возвращается.",
    "business_cancelled_rebook": (
        "Приносим извинения. Чтобы записаться снова, напишите здесь или обратитесь: {contact}."
    ),
}
