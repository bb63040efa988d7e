"""Greek."""

WEEKDAYS = ("Δευ", "Τρί", "Τετ", "Πέμ", "Παρ", "Σάβ", "Κυρ")
MONTHS = (
    "Ιανουαρίου",
    "Φεβρουαρίου",
    "Μαρτίου",
    "Απριλίου",
    "Μαΐου",
    "Ιουνίου",
    "Ιουλίου",
    "Αυγούστου",
    "Σεπτεμβρίου",
    "Οκτωβρίου",
    "Νοεμβρίου",
    "Δεκεμβρίου",
)
DATE_FORMAT = "{weekday}, {day} {month}"

TEXTS = {
    # menu and general
    "welcome": "Γεια σας! Είμαι ο βοηθός του {business} για τα ραντεβού.",
    "menu": "Τι θα θέλατε να κάνετε;",
    "menu_book": "Νέο ραντεβού",
    "menu_my": "Τα ραντεβού μου",
    "menu_help": "Βοήθεια",
    "menu_language": "Γλώσσα",
    "help": (
        "Μπορώ να κλείσω ραντεβού για εσάς, να σας δείξω τα ραντεβού σας, να μεταφέρω ή να ακυρώσω κάποιο.\n"
        "Πατήστε ένα κουμπί ή απλώς γράψτε, π.χ. «κούρεμα αύριο μετά τις 5», «αλλαγή ώρας», «ακύρωση».\n"
        "Το «από την αρχή» σας επιστρέφει στην αρχή ανά πάσα στιγμή. Για οτιδήποτε άλλο: {contact}."
    ),
    "not_understood": "Συγγνώμη, δεν κατάλαβα.",
    "stale_button": "Αυτό το κουμπί είναι από προηγούμενο μήνυμα. Εδώ βρισκόμαστε τώρα:",
    "abandoned": "Εντάξει, δεν κλείστηκε κανένα ραντεβού.",
    "ask_language": "Επιλέξτε γλώσσα:",
    "language_set": "Η γλώσσα άλλαξε.",
    "today": "σήμερα",
    "at_time": "{day} στις {time}",
    # booking
    "ask_service": "Ποια υπηρεσία θα θέλατε;",
    "ask_specialist": "{service}: ποιον επαγγελματία προτιμάτε;",
    "anyone": "Χωρίς προτίμηση",
    "choose_specialist": "Επιλογή επαγγελματία",
    "ask_day": "{service} ({specialist}): ποια μέρα σας βολεύει;",
    "later_days": "Επόμενες ημερομηνίες",
    "no_free_days": "{service}: δυστυχώς, δεν υπάρχουν ελεύθερες ώρες τις επόμενες μέρες.",
    "ask_time": "Ελεύθερες ώρες για {day}:",
    "no_times_that_day": "Δεν υπάρχουν ελεύθερες ώρες για {day}.",
    "other_day": "Άλλη μέρα",
    "time_gone": "Δυστυχώς, {when} δεν υπάρχει πλέον διαθεσιμότητα.",
    "time_taken": "Δυστυχώς, {when} δεν υπάρχει διαθεσιμότητα.",
    "nearest_times": "Οι πιο κοντινές ελεύθερες ώρες:",
    "ask_which_service": "Ποια υπηρεσία εννοείτε;",
    "understood": "Κατάλαβα: {what}.",
    "times_for": "{what} — οι ελεύθερες ώρες:",
    "after_time": "μετά τις {time}",
    "before_time": "πριν τις {time}",
    "from_day": "από {day}",
    "range_full": "{what}: δεν υπάρχουν ελεύθερες ώρες.",
    "closed_day": "{day} είμαστε κλειστά.",
    "closed_day_note": "{day} είμαστε κλειστά: {note}.",
    "later_times": "Αργότερες ώρες",
    "earlier_times": "Νωρίτερες ώρες",
    "ask_name": "Σε ποιο όνομα να κλείσω το ραντεβού;",
    "bad_name": "Παρακαλώ γράψτε το όνομά σας (γράμματα, από 2 έως 80 χαρακτήρες).",
    "share_phone": "📱 Κοινοποίηση του αριθμού μου",
    "phone_noted": "Ευχαριστούμε! Το τηλέφωνό σας: {phone}.",
    "ask_phone": "Το τηλέφωνό σας, παρακαλώ (για παράδειγμα {example}):",
    "bad_phone": "Αυτό δεν μοιάζει με αριθμό τηλεφώνου. Γράψτε τον με τον κωδικό χώρας, π.χ. {example}.",
    "summary": (
        "Παρακαλώ ελέγξτε το ραντεβού σας:\n{service}, {specialist}\n{when} ({minutes} λεπτά)\n"
        "Τιμή: {price}\nΌνομα: {name}, {phone}"
    ),
    "summary_prepayment": "Για την επιβεβαίωση απαιτείται προκαταβολή {amount}.",
    "confirm": "Επιβεβαίωση",
    "change_time": "Άλλη ώρα",
    "abandon": "Ακύρωση",
    "limit_active": "Έχετε ήδη τον μέγιστο επιτρεπόμενο αριθμό προγραμματισμένων ραντεβού ({limit}).",
    "booked": "Το ραντεβού σας κλείστηκε! {service}, {specialist}, {when}. Κωδικός κράτησης: {code}.\n"
    "Για αλλαγή ώρας ή ακύρωση, απλώς απαντήστε σε αυτή τη συνομιλία (π.χ. «αλλαγή ώρας» ή "
    "«ακύρωση»).",
    "hold_taken": "Δυστυχώς, αυτή η ώρα μόλις κλείστηκε.",
    "hold_too_late": "Αυτή η ώρα είναι πολύ κοντά για να κλειστεί τώρα.",
    "hold_too_far": "Αυτή η ώρα είναι ακόμη πολύ μακριά για να κλειστεί.",
    "hold_outside_hours": "Δεν είμαστε ανοιχτά αυτή την ώρα.",
    "hold_other": "Δυστυχώς, δεν ήταν δυνατό να κλειστεί αυτή η ώρα.",
    # the customer's bookings
    "no_bookings": "Δεν έχετε προγραμματισμένα ραντεβού.",
    "your_bookings": "Τα ραντεβού σας:",
    "status_held": "αναμένει επιβεβαίωση",
    "status_confirmed": "επιβεβαιωμένο",
    "status_cancelled": "ακυρωμένο",
    "status_expired": "έληξε",
    "status_prepaid": "{status}, προκαταβολή {amount}",
    "booking_gone": "Αυτό το ραντεβού δεν είναι πλέον ενεργό.",
    "reschedule": "Αλλαγή ώρας",
    "cancel_booking": "Ακύρωση ραντεβού",
    "back": "Πίσω",
    "cancel_question": "Να ακυρωθεί αυτό το ραντεβού;\n{booking}",
    "cancel_refund": "Η προκαταβολή σας ({amount}) θα σας επιστραφεί.",
    "cancel_no_refund": "Απομένουν λιγότερες από {hours} ώρες ως το ραντεβού, οπότε η προκαταβολή ({amount}) "
    "δεν επιστρέφεται.",
    "yes_cancel": "Ναι, ακύρωση",
    "keep_booking": "Να μείνει ως έχει",
    "cancelled": "Ακυρώθηκε: {booking}",
    "ask_move_day": "{service}: σε ποια μέρα θέλετε να μεταφέρετε το ραντεβού;",
    "move_question": "Να μεταφερθεί το ραντεβού σας;\nΤρέχον: {old}\nΝέο: {new}",
    "moved": "Έγινε! Το ραντεβού σας μεταφέρθηκε: {when}, {specialist}.",
    # the calendar file sent with a confirmation, move or cancellation (bot/calendar.py)
    "calendar_summary": "{service}, {specialist} — {business}",
    "calendar_description": "Κωδικός κράτησης: {code}",
    "move_locked": "Αυτό το ραντεβού δεν μπορεί να αλλάξει από εδώ. Επικοινωνήστε μαζί μας: {contact}.",
    "move_limit": "Αυτό το ραντεβού έχει ήδη μεταφερθεί τον μέγιστο αριθμό φορών ({moves}). "
    "Επικοινωνήστε μαζί μας: {contact}.",
    "move_too_late": "Τα ραντεβού μεταφέρονται έως {hours} ώρες πριν από την ώρα τους. "
    "Επικοινωνήστε μαζί μας: {contact}.",
    "cancel_locked": "Αυτό το ραντεβού δεν μπορεί να ακυρωθεί από εδώ. Επικοινωνήστε μαζί μας: {contact}.",
    "cancel_too_late": "Τα ραντεβού ακυρώνονται έως {cancel_hours} ώρες πριν από την ώρα τους. "
    "Επικοινωνήστε μαζί μας: {contact}.",
    "refused_taken": "Δυστυχώς, αυτή η ώρα μόλις κλείστηκε.",
    "refused_expired": "Δυστυχώς, η προσωρινή κράτηση αυτής της ώρας έληξε.",
    "refused_other": "Δυστυχώς, αυτό δεν ήταν δυνατό.",
    # a hold that ran out, a payment awaited, and our own mistakes
    "awaiting_payment": "Περιμένουμε την προκαταβολή {amount} για να επιβεβαιώσουμε το ραντεβού: {when}.",
    "hold_expired": "Η προσωρινή κράτηση ({service}, {when}) έληξε και η ώρα αποδεσμεύτηκε.",
    "book_again": "Κλείστε ξανά",
    "something_went_wrong": "Συγγνώμη, κάτι πήγε στραβά από τη μεριά μας. Ας ξεκινήσουμε ξανά από το μενού.",
    # reminders before a visit, and the answers to them
    "reminder": "⏰ Υπενθύμιση: {service}, {specialist}, {when}. Κωδικός κράτησης: {code}.",
    "reminder_address": "Διεύθυνση: {address}.",
    "reminder_paid": "Προκαταβολή: {paid}. Υπόλοιπο στο ραντεβού: {remaining}.",
    "reminder_to_pay": "Πληρωμή στο ραντεβού: {remaining}.",
    "reminder_question": "Θα έρθετε; Πατήστε ένα κουμπί ή απλώς απαντήστε εδώ.",
    "reminder_confirm": "Επιβεβαίωση",
    "reminder_reschedule": "Αλλαγή ώρας",
    "reminder_cancel": "Ακύρωση",
    "reminder_no": "Θέλετε αλλαγή ώρας ή ακύρωση για: {booking};",
    "reminder_outdated": "Αυτή η υπενθύμιση δεν ισχύει πια: το ραντεβού άλλαξε ή έχει περάσει.",
    "visit_confirmed": "Ευχαριστούμε! Σας περιμένουμε {when}.",
    "visit_confirmed_already": "Έχετε ήδη επιβεβαιώσει, ευχαριστούμε. Σας περιμένουμε {when}.",
    "staff_visit_confirmed": "✅ Επιβεβαίωσε ότι θα έρθει: {customer} ({phone}), {service}, "
    "{specialist}, {when}. Κωδικός {code}.",
    # Telegram's command menu (setMyCommands): at most 60 characters each
    "command_start": "Από την αρχή: κύριο μενού",
    "command_book": "Νέο ραντεβού",
    "command_my": "Τα ραντεβού μου",
    "command_help": "Βοήθεια: τι μπορώ να κάνω",
    "command_lang": "Αλλαγή γλώσσας",
    # staff notifications (in the business's default language)
    "staff_held": "Νέα κράτηση, αναμένεται προκαταβολή: {customer} ({phone}), {service}, ειδικός: "
    "{specialist}, {when}. Κωδικός {code}.",
    "staff_confirmed": "Νέο ραντεβού: {customer} ({phone}), {service}, ειδικός: {specialist}, {when}. "
    "Πληρωμένο: {paid}. Κωδικός {code}.",
    "staff_cancelled": "Ακυρώθηκε: {customer} ({phone}), {service}, ειδικός: {specialist}, {when}. "
    "Πληρωμένο: {paid}. Κωδικός {code}.",
    "staff_moved": "Μετακινήθηκε: {customer} ({phone}), {service}, ειδικός: {specialist}, τώρα {when}. "
    "Πληρωμένο: {paid}. Κωδικός {code}.",
    "staff_expired": "Η κράτηση έληξε χωρίς πληρωμή, η ώρα αποδεσμεύτηκε: {customer} ({phone}), {service}, "
    "ειδικός: {specialist}, {when}. Πληρωμένο: {paid}. Κωδικός {code}.",
    "held_pay": "{name}, κρατήσαμε για εσάς: {service}, {specialist}, {when}. Για επιβεβαίωση, "
    "πληρώστε την προκαταβολή {amount} έως {deadline} ({minutes} λεπτά)· μετά η ώρα ελευθερώνεται. "
    "Κωδικός κράτησης: {code}.",
    "pay_button": "💳 Πληρωμή {amount}",
    "pay_again": "Νέα προσπάθεια πληρωμής",
    "pay_description": "{service}, {when} (κράτηση {code})",
    "payment_failed": "Η πληρωμή δεν ολοκληρώθηκε. Μπορείτε να δοκιμάσετε ξανά έως {deadline}.",
    "booked_paid": "Πληρώθηκε και κλείστηκε! {service}, {specialist}, {when}.\nΠροκαταβολή: "
    "{paid}. Υπόλοιπο στο ραντεβού: {remaining}.\nΚωδικός κράτησης: {code}.\n"
    "Για αλλαγή ώρας ή ακύρωση, απλώς απαντήστε σε αυτή τη συνομιλία.\n{business}, {contact}",
    "paid_too_late": "Η πληρωμή σας {amount} ήρθε αφού έληξε η κράτηση, και η ώρα κλείστηκε στο "
    "μεταξύ. Τα χρήματα σας επιστρέφονται.",
    "payment_returned": "Λάβαμε πληρωμή {amount} για {booking} που δεν χρειαζόταν. Σας επιστρέφεται.",
    "refund_made": "Έγινε επιστροφή: {amount} για {booking}.",
    "staff_paid": "💳 Ελήφθη προκαταβολή: {customer} ({phone}), {service}, {specialist}, {when}: "
    "{paid}. Κωδικός {code}.",
    "staff_paid_back": "Η πληρωμή επιστρέφεται: {customer} ({phone}), {service}, {specialist}, "
    "{when}: {paid} (η ώρα κλείστηκε ή η κράτηση ακυρώθηκε). Κωδικός {code}.",
    "staff_refunded": "Έγινε επιστροφή: {customer} ({phone}), {service}, {specialist}, {when}. "
    "Πληρωμένα τώρα: {paid}. Κωδικός {code}.",
    "cancel_partial_refund": "Απομένουν λιγότερες από {hours} ώρες ως το ραντεβού, οπότε από την "
    "προκαταβολή {paid} επιστρέφονται {amount}.",
    # λίστα αναμονής (issue 13)
    "waitlist_join": "Λίστα αναμονής για {day}",
    "waitlist_when": "Λίστα αναμονής για {what}: ποιες ώρες σας βολεύουν; Μόλις ελευθερωθεί μία, θα σας "
    "γράψω.",
    "waitlist_at": "Μόνο {time}",
    "waitlist_any_time": "Οποιαδήποτε ώρα εκείνη τη μέρα",
    "waitlist_morning": "Πρωί",
    "waitlist_afternoon": "Απόγευμα",
    "waitlist_evening": "Βράδυ",
    "waitlist_joined": "Είστε στη λίστα αναμονής: {what}. Μόλις ελευθερωθεί μια ώρα θα σας γράψω αμέσως· "
    "την παίρνει όποιος πατήσει πρώτος «Κλείσ’ το».",
    "waitlist_offer": "Καλά νέα: μόλις ελευθερώθηκε μια ώρα — {what}! Την παίρνει όποιος πατήσει "
    "πρώτος «Κλείσ’ το».",
    "book_it": "Κλείσ’ το",
    "waitlist_gone": "Δυστυχώς, αυτή η ώρα έχει ήδη κλειστεί. Παραμένετε στη λίστα αναμονής και θα σας "
    "γράψω αν ελευθερωθεί άλλη.",
    "waitlist_title": "Στη λίστα αναμονής:",
    "waitlist_leave": "Αποχώρηση από τη λίστα: {what}",
    "waitlist_left": "Αποχωρήσατε από τη λίστα αναμονής για {what}.",
    "staff_waitlist_taken": "Από τη λίστα αναμονής: {customer} ({phone}) πήρε μια ώρα που ελευθερώθηκε: "
    "{service} με {specialist}, {when}. Κωδικός {code}.",
    # a staff chat's agenda (conversations/agenda.py), in the staff language
    "agenda_heading": "📅 Ραντεβού, {day}: {count}",
    "agenda_heading_own": "📅 Τα ραντεβού σας, {day}: {count}",
    "agenda_empty": "Κανένα ραντεβού αυτή την ημέρα.",
    "agenda_who": "{customer}, {phone}, κωδικός {code}",
    "agenda_held": "αναμένεται πληρωμή έως {time}",
    "agenda_confirmed": "επιβεβαιωμένο",
    "agenda_coming": "θα έρθει: ο πελάτης επιβεβαίωσε",
    "agenda_to_pay": "προς πληρωμή {left}",
    "agenda_paid": "πληρώθηκαν {paid}, προς πληρωμή {left}",
    "agenda_paid_full": "πληρώθηκαν {paid}",
    "agenda_more": "… και {count} ακόμη, δεν εμφανίζονται",
    "agenda_not_listed": "Ακυρωμένα ή ληγμένα, δεν εμφανίζονται: {count}",
    "agenda_unread": "Δεν κατάλαβα το «{words}» ως ημέρα· ορίστε η σημερινή.",
    "agenda_before": "◀ {day}",
    "agenda_after": "{day} ▶",
    # the business cancelled a visit (staff: `slotbot cancel`), said beside whatever the customer is doing
    "business_cancelled_visit": "Το {business} ακύρωσε το ραντεβού σας: {booking}.",
    "business_cancelled_reason": "Λόγος: {reason}",
    "business_cancelled_refund": "Η προκαταβολή σας {amount} θα επιστραφεί στην κάρτα σας.",
    "business_cancelled_no_refund": "Η προκαταβολή {amount} δεν επιστρέφεται.",
    "business_cancelled_rebook": "Λυπούμαστε. Για νέο ραντεβού, γράψτε εδώ ή επικοινωνήστε: {contact}.",
}
