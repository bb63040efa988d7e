"""What each LiqPay status means for a prepayment's money: paid, failed, refunded, not yet, or nothing to do.

Every status LiqPay's API description names (callbacks, the status API and refunds, ../shared/testdata/
liqpay/openapi.json; tests/unit/test_liqpay.py checks none is missing) is in exactly one list here, with
`sandbox`, which that description omits, and `otp_verify`, which it describes but leaves out of its enums.
A status not listed (a new one) changes nothing, like the in-between ones: the status check asks again.
"""

from __future__ import annotations

from storage.attempt import Verdict

SANDBOX = "sandbox"  # a test payment: final and paid only while we are in test mode

PAID = (
    "success",
    # "Payment is successful, it will be transferred in daily settlement": the customer's money is taken
    # and will reach the business; treating it as not yet would let the hold expire on a paid customer.
    "wait_compensation",
)
FAILED = ("failure", "error", "try_again")  # try_again: the customer may still pay on the same page
REFUNDED = ("reversed",)
PENDING = (
    # the customer has yet to confirm something
    *("3ds_verify", "captcha_verify", "cvv_verify", "ivr_verify", "otp_verify", "password_verify"),
    *("phone_verify", "pin_verify", "receiver_verify", "sender_verify", "senderapp_verify"),
    *("wait_qr", "wait_sender", "p24_verify", "mp_verify"),
    # LiqPay (or a bank, a terminal, a shop not yet verified) has yet to finish it; money may already be
    # taken (wait_accept, wait_lc, wait_secure, hold_wait) but it is not the business's yet
    *("cash_wait", "hold_wait", "invoice_wait", "prepared", "processing", "wait_accept", "wait_card"),
    *("wait_lc", "wait_reserve", "wait_secure"),
)
NOT_A_PREPAYMENT = ("subscribed", "unsubscribed")  # regular payments, which Slotbot never starts

_VERDICTS = {
    **dict.fromkeys(PAID, Verdict.PAID),
    **dict.fromkeys(FAILED, Verdict.FAILED),
    **dict.fromkeys(REFUNDED, Verdict.REFUNDED),
    **dict.fromkeys(PENDING, Verdict.PENDING),
    **dict.fromkeys(NOT_A_PREPAYMENT, Verdict.IGNORED),
}
KNOWN = frozenset((*_VERDICTS, SANDBOX))


def verdict(status: str, *, sandbox: bool) -> Verdict:
    """What `status` means; `sandbox`: whether we are in LiqPay's test mode. Outside it a `sandbox` status
    is no money at all (a test key in production) and changes nothing."""
    if status == SANDBOX:
        return Verdict.PAID if sandbox else Verdict.IGNORED
    return _VERDICTS.get(status, Verdict.PENDING)
