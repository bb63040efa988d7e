"""English."""

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DATE_FORMAT = "{weekday} {day} {month}"

TEXTS = {
    # menu and general
    "welcome": "Hello! I'm the booking assistant of {business}.",
    "menu": "What would you like to do?",
    "menu_book": "Book a visit",
    "menu_my": "My bookings",
    "menu_help": "Help",
    "menu_language": "Language",
    "help": (
        "I can book a visit, show your bookings, move or cancel one.\n"
        'Tap a button or just write, e.g. "haircut tomorrow after 5", "reschedule", "cancel".\n'
        '"Start over" takes you back to the beginning at any time. For anything else: {contact}.'
    ),
    "not_understood": "Sorry, I didn't get that.",
    "stale_button": "That button is from an earlier message. Here is where we are now:",
    "abandoned": "All right, nothing was booked.",
    "ask_language": "Choose your language:",
    "language_set": "Language changed.",
    "today": "today",
    "at_time": "{day} at {time}",
    # booking
    "ask_service": "Which service would you like?",
    "ask_specialist": "Who would you like for {service}?",
    "anyone": "Anyone available",
    "choose_specialist": "Choose a specialist",
    "ask_day": "Which day suits you for {service} ({specialist})?",
    "later_days": "Later dates",
    "no_free_days": "Sorry, there are no free times for {service} in the coming days.",
    "ask_time": "Free times {day}:",
    "no_times_that_day": "No free times {day}.",
    "other_day": "Another day",
    "time_gone": "{when} is no longer free.",
    "time_taken": "{when} is not available.",
    "nearest_times": "The nearest free times:",
    "ask_which_service": "Which one do you mean?",
    "understood": "Got it: {what}.",
    "times_for": "{what} — the free times:",
    "after_time": "after {time}",
    "before_time": "before {time}",
    "from_day": "from {day}",
    "range_full": "{what}: no free times.",
    "closed_day": "We are closed {day}.",
    "closed_day_note": "We are closed {day} for {note}.",
    "later_times": "Later times",
    "earlier_times": "Earlier times",
    "ask_name": "What name should I put the booking under?",
    "bad_name": "Please write your name (letters, 2 to 80 characters).",
    "share_phone": "📱 Share my phone number",
    "phone_noted": "Thank you! Your phone: {phone}.",
    "ask_phone": "Your phone number, please (for example {example}):",
    "bad_phone": "That doesn't look like a phone number. "
    "Please write it with the country code, e.g. {example}.",
    "summary": (
        "Please check your booking:\n{service} with {specialist}\n{when} ({minutes} min)\n"
        "Price: {price}\nName: {name}, {phone}"
    ),
    "summary_prepayment": "A prepayment of {amount} is needed to confirm.",
    "confirm": "Confirm",
    "change_time": "Change time",
    "abandon": "Cancel",
    "limit_active": "You already have {limit} upcoming bookings, the most allowed at once.",
    "booked": "Booked! {service} with {specialist}, {when}. Your booking code: {code}.\n"
    'To reschedule or cancel, just reply in this chat (for example "reschedule" or "cancel").',
    "hold_taken": "Sorry, that time was just taken.",
    "hold_too_late": "That time is too soon to book now.",
    "hold_too_far": "That time is too far ahead to book yet.",
    "hold_outside_hours": "We are not open at that time.",
    "hold_other": "Sorry, that time could not be booked.",
    # the customer's bookings
    "no_bookings": "You have no upcoming bookings.",
    "your_bookings": "Your bookings:",
    "status_held": "awaiting confirmation",
    "status_confirmed": "confirmed",
    "status_cancelled": "cancelled",
    "status_expired": "expired",
    "status_prepaid": "{status}, prepaid {amount}",
    "booking_gone": "That booking is no longer active.",
    "reschedule": "Reschedule",
    "cancel_booking": "Cancel booking",
    "back": "Back",
    "cancel_question": "Cancel this booking?\n{booking}",
    "cancel_refund": "Your prepayment of {amount} will be refunded.",
    "cancel_no_refund": "It is less than {hours} hours before the visit, so the prepayment of {amount} "
    "is not refunded.",
    "yes_cancel": "Yes, cancel",
    "keep_booking": "Keep it",
    "cancelled": "Cancelled: {booking}",
    "ask_move_day": "Which day would you like to move {service} to?",
    "move_question": "Move your booking from {old} to {new}?",
    "moved": "Done! Your booking is moved to {when} with {specialist}.",
    # the calendar file sent with a confirmation, move or cancellation (bot/calendar.py)
    "calendar_summary": "{service} with {specialist}, {business}",
    "calendar_description": "Booking code: {code}",
    "move_locked": "This booking can't be changed here. Please contact {contact}.",
    "move_limit": "This booking has already been moved {moves} times, the most allowed. "
    "Please contact {contact}.",
    "move_too_late": "Bookings can be moved up to {hours} hours before the visit. Please contact {contact}.",
    "cancel_locked": "This booking can't be cancelled here. Please contact {contact}.",
    "cancel_too_late": "Bookings can be cancelled up to {cancel_hours} hours before the visit. "
    "Please contact {contact}.",
    "refused_taken": "Sorry, that time was just taken.",
    "refused_expired": "Sorry, the hold on that time has run out.",
    "refused_other": "Sorry, that could not be done.",
    # a hold that ran out, a payment awaited, and our own mistakes
    "awaiting_payment": "We are waiting for your prepayment of {amount} to confirm {when}.",
    "hold_expired": "The hold for {service}, {when}, ran out and the time was freed.",
    "book_again": "Book again",
    "something_went_wrong": "Sorry, something went wrong on our side. Let's start again from the menu.",
    # reminders before a visit, and the answers to them
    "reminder": "⏰ Reminder: {service} with {specialist}, {when}. Booking code: {code}.",
    "reminder_address": "Address: {address}.",
    "reminder_paid": "Prepaid: {paid}. To pay at the visit: {remaining}.",
    "reminder_to_pay": "To pay at the visit: {remaining}.",
    "reminder_question": "Are you coming? Tap a button or just reply here.",
    "reminder_confirm": "Confirm",
    "reminder_reschedule": "Reschedule",
    "reminder_cancel": "Cancel",
    "reminder_no": "Would you like to reschedule or cancel {booking}?",
    "reminder_outdated": "That reminder is out of date: the booking has changed or is over.",
    "visit_confirmed": "Thank you! See you {when}.",
    "visit_confirmed_already": "You have confirmed already, thank you. See you {when}.",
    "staff_visit_confirmed": "✅ Confirmed they are coming: {customer} ({phone}), {service} with "
    "{specialist}, {when}. Code {code}.",
    # Telegram's command menu (setMyCommands): at most 60 characters each
    "command_start": "Start over: the main menu",
    "command_book": "Book a visit",
    "command_my": "My bookings",
    "command_help": "Help: what I can do",
    "command_lang": "Change the language",
    # staff notifications (in the business's default language)
    "staff_held": "New hold, awaiting prepayment: {customer} ({phone}), {service} with {specialist}, "
    "{when}. Code {code}.",
    "staff_confirmed": "New booking: {customer} ({phone}), {service} with {specialist}, {when}. Paid: "
    "{paid}. Code {code}.",
    "staff_cancelled": "Cancelled: {customer} ({phone}), {service} with {specialist}, {when}. Paid: {paid}. "
    "Code {code}.",
    "staff_moved": "Moved: {customer} ({phone}), {service} with {specialist}, now {when}. Paid: {paid}. "
    "Code {code}.",
    "staff_expired": "Hold expired unpaid, time freed: {customer} ({phone}), {service} with {specialist}, "
    "{when}. Paid: {paid}. Code {code}.",
    "held_pay": "{name}, {service} with {specialist}, {when}, is held for you. To confirm it, "
    "please pay the prepayment of {amount} by {deadline} ({minutes} min); after that the time is "
    "freed. Booking code: {code}.",
    "pay_button": "💳 Pay {amount}",
    "pay_again": "Try paying again",
    "pay_description": "{service}, {when} (booking {code})",
    "payment_failed": "The payment did not go through. You can try again until {deadline}.",
    "booked_paid": "Paid and booked! {service} with {specialist}, {when}.\nPrepaid: {paid}. To pay "
    "at the visit: {remaining}.\nBooking code: {code}.\n"
    "To reschedule or cancel, just reply in this chat.\n{business}, {contact}",
    "paid_too_late": "Your payment of {amount} came after the hold had run out, and the time was "
    "taken meanwhile. The money goes back to you.",
    "payment_returned": "We received a payment of {amount} for {booking} that was not needed. It "
    "goes back to you.",
    "refund_made": "Refund made: {amount} for {booking}.",
    "staff_paid": "💳 Prepayment received: {customer} ({phone}), {service} with {specialist}, "
    "{when}: {paid}. Code {code}.",
    "staff_paid_back": "Payment going back: {customer} ({phone}), {service} with {specialist}, "
    "{when}: {paid} (the time was taken or the booking cancelled). Code {code}.",
    "staff_refunded": "Refund made: {customer} ({phone}), {service} with {specialist}, {when}. "
    "Paid now: {paid}. Code {code}.",
    "cancel_partial_refund": "It is less than {hours} hours before the visit, so {amount} of the "
    "prepayment of {paid} is refunded.",
    # the waitlist (issue 13)
    "waitlist_join": "Join the waitlist for {day}",
    "waitlist_when": "The waitlist for {what}: which times would suit you? As soon as one frees up, I'll "
    "message you.",
    "waitlist_at": "Only {time}",
    "waitlist_any_time": "Any time that day",
    "waitlist_morning": "Morning",
    "waitlist_afternoon": "Afternoon",
    "waitlist_evening": "Evening",
    "waitlist_joined": "You're on the waitlist: {what}. When a time frees up I'll message you at once; "
    "whoever presses “Book it” first gets it.",
    "waitlist_offer": "Good news: a time has just become free — {what}! Whoever presses “Book it” first "
    "gets it.",
    "book_it": "Book it",
    "waitlist_gone": "Sorry, that time has already gone. You stay on the waitlist, and I'll message you if "
    "another one frees up.",
    "waitlist_title": "On the waitlist:",
    "waitlist_leave": "Leave the waitlist: {what}",
    "waitlist_left": "You left the waitlist for {what}.",
    "staff_waitlist_taken": "From the waitlist: {customer} ({phone}) took a freed time: {service} with "
    "{specialist}, {when}. Code {code}.",
    # a staff chat's agenda (conversations/agenda.py), in the staff language
    "agenda_heading": "📅 Bookings, {day}: {count}",
    "agenda_heading_own": "📅 Your bookings, {day}: {count}",
    "agenda_empty": "Nothing is booked on this day.",
    "agenda_who": "{customer}, {phone}, code {code}",
    "agenda_held": "awaiting payment until {time}",
    "agenda_confirmed": "confirmed",
    "agenda_coming": "coming: the customer confirmed",
    "agenda_to_pay": "to pay {left}",
    "agenda_paid": "paid {paid}, to pay {left}",
    "agenda_paid_full": "paid {paid}",
    "agenda_more": "… {count} more not shown",
    "agenda_not_listed": "Cancelled or expired, not listed: {count}",
    "agenda_unread": "I could not read “{words}” as a day; here is today.",
    "agenda_before": "◀ {day}",
    "agenda_after": "{day} ▶",
    # the business cancelled a visit (staff: `slotbot cancel`), said beside whatever the customer is doing
    "business_cancelled_visit": "{business} cancelled your visit: {booking}.",
    "business_cancelled_reason": "Reason: {reason}",
    "business_cancelled_refund": "Your prepayment of {amount} will be refunded to your card.",
    "business_cancelled_no_refund": "The prepayment of {amount} is not refunded.",
    "business_cancelled_rebook": "We are sorry. To book again, write here or contact {contact}.",
}
