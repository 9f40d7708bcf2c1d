"""The rules of lending to residents: borrowing agreements, library cards, blocking for
overdue devices, pick-up reservations, renewals, the waiting list and overdue notices.

They build on booking's services (the one capacity check, hand-out and take-back); callers
import from ``lending.services``.
"""

from __future__ import annotations

from .errors import AgreementRequired, Blocked, RenewalRefused, WaitlistError
from .loans import (
    CARD_NUMBER_MAX_LENGTH,
    CardNumberTaken,
    PoolOutlook,
    accept_agreement,
    blocked_message,
    cancel_loan_reservation,
    current_agreement,
    due_date,
    ensure_not_blocked,
    find_open_item,
    last_day,
    lend_at_desk,
    lending_outlook,
    loan_span,
    needs_agreement,
    notice_days,
    outlook_changes_at,
    overdue_loans,
    pickup_calendar,
    publish_agreement,
    renew,
    reserve_loan,
    return_by_code,
    set_library_card,
)
from .overdue import NoticeSummary, send_overdue_notices
from .waitlist import (
    accept_and_join_waitlist,
    expire_holds,
    join_waitlist,
    leave_waitlist,
    offer_next,
    release_no_shows,
    waitlist_position,
    waitlist_positions,
)

__all__ = [
    "CARD_NUMBER_MAX_LENGTH",
    "AgreementRequired",
    "Blocked",
    "CardNumberTaken",
    "NoticeSummary",
    "PoolOutlook",
    "RenewalRefused",
    "WaitlistError",
    "accept_agreement",
    "accept_and_join_waitlist",
    "blocked_message",
    "cancel_loan_reservation",
    "current_agreement",
    "due_date",
    "ensure_not_blocked",
    "expire_holds",
    "find_open_item",
    "join_waitlist",
    "last_day",
    "leave_waitlist",
    "lend_at_desk",
    "lending_outlook",
    "loan_span",
    "needs_agreement",
    "notice_days",
    "offer_next",
    "outlook_changes_at",
    "overdue_loans",
    "pickup_calendar",
    "publish_agreement",
    "release_no_shows",
    "renew",
    "reserve_loan",
    "return_by_code",
    "send_overdue_notices",
    "set_library_card",
    "waitlist_position",
    "waitlist_positions",
]
