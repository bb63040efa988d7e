"""How much prepayment the conversation asks for a time: the business's rules (payments/prepayment.py) for
this customer, with what the platform vouches for. A club member's exemption counts only for a number the
platform proved to be theirs (a typed number could be anyone's); past visits are those of the customer this
chat belongs to, and so are the tags staff put on them (`no-prepay`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from conversations.turn import Turn
from payments.prepayment import prepayment_for


def asked(turn: Turn, service_id: str, start: datetime) -> Decimal:
    session = turn.session
    known = session.customer_id is not None
    decision = prepayment_for(
        turn.business,
        turn.business.service(service_id),
        phone=session.phone if session.phone_proven else None,
        visits=turn.view.past_visits() if known else 0,
        day=turn.local(start).date(),
        tags=turn.view.customer_tags() if known else (),
    )
    return decision.amount
