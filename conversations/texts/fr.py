"""French."""

WEEKDAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
DATE_FORMAT = "{weekday} {day} {month}"

TEXTS = {
    # menu and general
    "welcome": "Bonjour ! Je suis l’assistant de réservation de {business}.",
    "menu": "Que souhaitez-vous faire ?",
    "menu_book": "Prendre rendez-vous",
    "menu_my": "Mes rendez-vous",
    "menu_help": "Aide",
    "menu_language": "Langue",
    "help": (
        "Je peux prendre rendez-vous pour vous, afficher vos rendez-vous, en reporter ou en annuler un.\n"
        "Touchez un bouton ou écrivez simplement, par ex. « coupe demain après 17h », « reporter », "
        "« annuler ».\n"
        "« Recommencer » vous ramène au début à tout moment. Pour toute autre question : {contact}."
    ),
    "not_understood": "Pardon, je n’ai pas bien compris.",
    "stale_button": "Ce bouton vient d’un message précédent. Voici où nous en sommes :",
    "abandoned": "Très bien, aucun rendez-vous n’a été pris.",
    "ask_language": "Choisissez votre langue :",
    "language_set": "Langue modifiée.",
    "today": "aujourd’hui",
    "at_time": "{day} à {time}",
    # booking
    "ask_service": "Quelle prestation souhaitez-vous ?",
    "ask_specialist": "{service} : avec qui souhaitez-vous prendre rendez-vous ?",
    "anyone": "Sans préférence",
    "choose_specialist": "Choisir un spécialiste",
    "ask_day": "{service} ({specialist}) : quel jour vous convient ?",
    "later_days": "Dates suivantes",
    "no_free_days": "{service} : malheureusement, aucun créneau libre dans les prochains jours.",
    "ask_time": "Créneaux libres pour {day} :",
    "no_times_that_day": "Aucun créneau libre pour {day}.",
    "other_day": "Un autre jour",
    "time_gone": "Malheureusement, le créneau {when} n’est plus libre.",
    "time_taken": "Malheureusement, le créneau {when} n’est pas disponible.",
    "nearest_times": "Les créneaux libres les plus proches :",
    "ask_which_service": "Lequel voulez-vous dire ?",
    "understood": "C’est noté : {what}.",
    "times_for": "{what} — les créneaux libres :",
    "after_time": "après {time}",
    "before_time": "avant {time}",
    "from_day": "à partir de {day}",
    "range_full": "{what} : aucun créneau libre.",
    "closed_day": "Nous sommes fermés {day}.",
    "closed_day_note": "Nous sommes fermés {day} : {note}.",
    "later_times": "Plus tard",
    "earlier_times": "Plus tôt",
    "ask_name": "À quel nom dois-je enregistrer le rendez-vous ?",
    "bad_name": "Merci d’indiquer votre nom (en lettres, de 2 à 80 caractères).",
    "share_phone": "📱 Partager mon numéro de téléphone",
    "phone_noted": "Merci ! Votre téléphone : {phone}.",
    "ask_phone": "Votre numéro de téléphone, s’il vous plaît (par exemple {example}) :",
    "bad_phone": "Cela ne ressemble pas à un numéro de téléphone. Merci de l’écrire avec l’indicatif "
    "du pays, par ex. {example}.",
    "summary": (
        "Merci de vérifier votre rendez-vous :\n{service} avec {specialist}\n{when} ({minutes} min)\n"
        "Prix : {price}\nNom : {name}, {phone}"
    ),
    "summary_prepayment": "Un acompte de {amount} est nécessaire pour confirmer.",
    "confirm": "Confirmer",
    "change_time": "Changer l’horaire",
    "abandon": "Annuler",
    "limit_active": "Vous avez déjà {limit} rendez-vous à venir, le maximum autorisé.",
    "booked": "C’est réservé ! {service} avec {specialist}, {when}. Votre code de réservation : {code}.\n"
    "Pour reporter ou annuler, répondez simplement dans cette conversation (par exemple « reporter » "
    "ou « annuler »).",
    "hold_taken": "Malheureusement, ce créneau vient d’être pris.",
    "hold_too_late": "Ce créneau est trop proche pour être réservé maintenant.",
    "hold_too_far": "Ce créneau est encore trop éloigné pour être réservé.",
    "hold_outside_hours": "Nous sommes fermés à cette heure-là.",
    "hold_other": "Malheureusement, ce créneau n’a pas pu être réservé.",
    # the customer's bookings
    "no_bookings": "Vous n’avez aucun rendez-vous à venir.",
    "your_bookings": "Vos rendez-vous :",
    "status_held": "en attente de confirmation",
    "status_confirmed": "confirmé",
    "status_cancelled": "annulé",
    "status_expired": "expiré",
    "status_prepaid": "{status}, acompte de {amount} payé",
    "booking_gone": "Ce rendez-vous n’est plus actif.",
    "reschedule": "Reporter",
    "cancel_booking": "Annuler le rendez-vous",
    "back": "Retour",
    "cancel_question": "Annuler ce rendez-vous ?\n{booking}",
    "cancel_refund": "Votre acompte de {amount} vous sera remboursé.",
    "cancel_no_refund": "Il reste moins de {hours} h avant le rendez-vous : l’acompte de {amount} "
    "n’est donc pas remboursé.",
    "yes_cancel": "Oui, annuler",
    "keep_booking": "Ne rien changer",
    "cancelled": "Rendez-vous annulé : {booking}",
    "ask_move_day": "{service} : à quel jour souhaitez-vous reporter le rendez-vous ?",
    "move_question": "Déplacer votre rendez-vous ?\nActuel : {old}\nNouveau : {new}",
    "moved": "C’est fait ! Nouveau rendez-vous : {when} avec {specialist}.",
    # the calendar file sent with a confirmation, move or cancellation (bot/calendar.py)
    "calendar_summary": "{service} avec {specialist}, {business}",
    "calendar_description": "Code de réservation : {code}",
    "move_locked": "Ce rendez-vous ne peut pas être modifié ici. Merci de contacter {contact}.",
    "move_limit": "Ce rendez-vous a déjà été déplacé {moves} fois, le maximum autorisé. "
    "Merci de contacter {contact}.",
    "move_too_late": "Un rendez-vous peut être déplacé jusqu’à {hours} h avant l’heure prévue. "
    "Merci de contacter {contact}.",
    "cancel_locked": "Ce rendez-vous ne peut pas être annulé ici. Merci de contacter {contact}.",
    "cancel_too_late": "Un rendez-vous peut être annulé jusqu’à {cancel_hours} h avant l’heure prévue. "
    "Merci de contacter {contact}.",
    "refused_taken": "Malheureusement, ce créneau vient d’être pris.",
    "refused_expired": "Malheureusement, la réservation temporaire de ce créneau a expiré.",
    "refused_other": "Malheureusement, cette action n’a pas pu être effectuée.",
    # a hold that ran out, a payment awaited, and our own mistakes
    "awaiting_payment": "Nous attendons votre acompte de {amount} pour confirmer le créneau {when}.",
    "hold_expired": "La réservation temporaire pour {service}, {when}, a expiré et le créneau a été libéré.",
    "book_again": "Réserver à nouveau",
    "something_went_wrong": "Désolé, un problème est survenu de notre côté. Reprenons depuis le menu.",
    # reminders before a visit, and the answers to them
    "reminder": "⏰ Rappel : {service} avec {specialist}, {when}. Code de réservation : {code}.",
    "reminder_address": "Adresse : {address}.",
    "reminder_paid": "Acompte versé : {paid}. À régler sur place : {remaining}.",
    "reminder_to_pay": "À régler sur place : {remaining}.",
    "reminder_question": "Vous venez ? Appuyez sur un bouton ou répondez simplement ici.",
    "reminder_confirm": "Confirmer",
    "reminder_reschedule": "Reporter",
    "reminder_cancel": "Annuler",
    "reminder_no": "Souhaitez-vous reporter ou annuler {booking} ?",
    "reminder_outdated": "Ce rappel n’est plus à jour : le rendez-vous a changé ou est passé.",
    "visit_confirmed": "Merci ! Nous vous attendons {when}.",
    "visit_confirmed_already": "Vous avez déjà confirmé, merci. Nous vous attendons {when}.",
    "staff_visit_confirmed": "✅ Venue confirmée : {customer} ({phone}), {service} avec {specialist}, "
    "{when}. Code {code}.",
    # Telegram's command menu (setMyCommands): at most 60 characters each
    "command_start": "Recommencer : menu principal",
    "command_book": "Prendre rendez-vous",
    "command_my": "Mes rendez-vous",
    "command_help": "Aide : ce que je sais faire",
    "command_lang": "Changer de langue",
    # staff notifications (in the business's default language)
    "staff_held": "Nouveau créneau réservé, en attente d'acompte : {customer} ({phone}), {service} avec "
    "{specialist}, {when}. Code {code}.",
    "staff_confirmed": "Nouveau rendez-vous : {customer} ({phone}), {service} avec {specialist}, {when}. "
    "Payé : {paid}. Code {code}.",
    "staff_cancelled": "Annulé : {customer} ({phone}), {service} avec {specialist}, {when}. Payé : {paid}. "
    "Code {code}.",
    "staff_moved": "Déplacé : {customer} ({phone}), {service} avec {specialist}, désormais {when}. Payé : "
    "{paid}. Code {code}.",
    "staff_expired": "Réservation temporaire expirée sans paiement, créneau libéré : {customer} ({phone}), "
    "{service} avec {specialist}, {when}. Payé : {paid}. Code {code}.",
    "held_pay": "{name}, {service} avec {specialist}, {when}, vous est réservé. Pour confirmer, "
    "merci de régler l’acompte de {amount} avant {deadline} ({minutes} min) ; ensuite le créneau est "
    "libéré. Code de réservation : {code}.",
    "pay_button": "💳 Payer {amount}",
    "pay_again": "Réessayer le paiement",
    "pay_description": "{service}, {when} (réservation {code})",
    "payment_failed": "Le paiement n’a pas abouti. Vous pouvez réessayer jusqu’à {deadline}.",
    "booked_paid": "Payé et réservé ! {service} avec {specialist}, {when}.\nAcompte versé : "
    "{paid}. À régler lors de la visite : {remaining}.\nCode de réservation : {code}.\n"
    "Pour reporter ou annuler, répondez simplement dans cette conversation.\n{business}, {contact}",
    "paid_too_late": "Votre paiement de {amount} est arrivé après l’expiration de la réservation, "
    "et le créneau a été pris entre-temps. L’argent vous est remboursé.",
    "payment_returned": "Nous avons reçu un paiement de {amount} pour {booking} qui n’était pas "
    "nécessaire. Il vous est remboursé.",
    "refund_made": "Remboursement effectué : {amount} pour {booking}.",
    "staff_paid": "💳 Acompte reçu : {customer} ({phone}), {service} avec {specialist}, {when} : "
    "{paid}. Code {code}.",
    "staff_paid_back": "Paiement remboursé : {customer} ({phone}), {service} avec {specialist}, "
    "{when} : {paid} (créneau pris ou réservation annulée). Code {code}.",
    "staff_refunded": "Remboursement effectué : {customer} ({phone}), {service} avec {specialist}, "
    "{when}. Payé désormais : {paid}. Code {code}.",
    "cancel_partial_refund": "La visite a lieu dans moins de {hours} heures : sur l’acompte de "
    "{paid}, {amount} vous est remboursé.",
    # la liste d'attente (issue 13)
    "waitlist_join": "M’inscrire sur la liste d’attente pour {day}",
    "waitlist_when": "Liste d’attente pour {what} : quels horaires vous conviendraient ? Dès qu’un "
    "créneau se libère, je vous écris.",
    "waitlist_at": "Seulement {time}",
    "waitlist_any_time": "N’importe quand ce jour-là",
    "waitlist_morning": "Le matin",
    "waitlist_afternoon": "L’après-midi",
    "waitlist_evening": "Le soir",
    "waitlist_joined": "Vous êtes sur la liste d’attente : {what}. Dès qu’un créneau se libère, je vous "
    "écris ; le premier à appuyer sur « Réserver » l’obtient.",
    "waitlist_offer": "Bonne nouvelle : un créneau vient de se libérer — {what} ! Le premier à appuyer "
    "sur « Réserver » l’obtient.",
    "book_it": "Réserver",
    "waitlist_gone": "Désolé, ce créneau est déjà pris. Vous restez sur la liste d’attente, et je vous "
    "écrirai si un autre se libère.",
    "waitlist_title": "Sur la liste d’attente :",
    "waitlist_leave": "Quitter la liste d’attente : {what}",
    "waitlist_left": "Vous avez quitté la liste d’attente pour {what}.",
    "staff_waitlist_taken": "Depuis la liste d’attente : {customer} ({phone}) a pris un créneau libéré : "
    "{service} avec {specialist}, {when}. Code {code}.",
    # a staff chat's agenda (conversations/agenda.py), in the staff language
    "agenda_heading": "📅 Rendez-vous, {day} : {count}",
    "agenda_heading_own": "📅 Vos rendez-vous, {day} : {count}",
    "agenda_empty": "Aucun rendez-vous ce jour-là.",
    "agenda_who": "{customer}, {phone}, réf. {code}",
    "agenda_held": "en attente de paiement jusqu’à {time}",
    "agenda_confirmed": "confirmé",
    "agenda_coming": "viendra : le client a confirmé",
    "agenda_to_pay": "à payer {left}",
    "agenda_paid": "payé {paid}, à payer {left}",
    "agenda_paid_full": "payé {paid}",
    "agenda_more": "… et {count} de plus, non affichés",
    "agenda_not_listed": "Annulés ou expirés, non affichés : {count}",
    "agenda_unread": "Je n’ai pas compris « {words} » comme un jour ; voici aujourd’hui.",
    "agenda_before": "◀ {day}",
    "agenda_after": "{day} ▶",
    # the business cancelled a visit (staff: `slotbot cancel`), said beside whatever the customer is doing
    "business_cancelled_visit": "{business} a annulé votre rendez-vous : {booking}.",
    "business_cancelled_reason": "Motif : {reason}",
    "business_cancelled_refund": "Votre acompte de {amount} vous sera remboursé sur votre carte.",
    "business_cancelled_no_refund": "L’acompte de {amount} n’est pas remboursé.",
    "business_cancelled_rebook": (
        "Toutes nos excuses. Pour reprendre rendez-vous, écrivez ici ou contactez {contact}."
    ),
}
