"""The booking rules: reserve, series, cancel, approve or decline, hand out, take back, and
the shortfall check when devices leave service.

Every write to Reservation, Series, Loan and LoanItem goes through here. Each function locks
the row that becomes scarcer (the pool for reservations, the devices for hand-outs),
re-checks, writes and logs. On SQLite the IMMEDIATE transaction mode serializes writers.
Callers import from ``booking.services``; the modules split it by aggregate.
"""

from __future__ import annotations

from core.dates import local_datetime  # the demo imports it from here

from .alternatives import (
    ALTERNATIVE_DAYS,
    Alternative,
    alternatives,
)
from .dates import (
    OpeningRule,
    closed_dates,
    end_of_school_year,
    ensure_open,
    last_day,
    not_open_label,
)
from .loans import (
    NOTE_MAX_LENGTH,
    ItemReturn,
    checked_due_at,
    devices_out,
    hand_out,
    hand_out_whole,
    loan_due_at,
    return_items,
)
from .policy import (
    ACTIVE_STATUSES,
    DECISION_REASON_MAX_LENGTH,
    EARLIEST_YEAR,
    LATEST_YEAR,
    PURPOSE_MAX_LENGTH,
    HandOutError,
    InvalidBooking,
    LimitExceeded,
    NotCancellable,
    PoolExhausted,
    ReturnError,
    check_booking,
    end_of_day,
    ensure_can_book,
    ensure_manages_pool,
    free_count,
    latest_loan_end,
    lendable_capacity,
    needs_approval,
)
from .reservations import (
    approve,
    calendar_token,
    cancel,
    cancel_rest_of_series,
    decline,
    offer_freed_devices,
    pool_feed_key,
    pool_feed_owner,
    reserve,
    reset_calendar_token,
    rest_of_series,
    update_shortfalls,
)
from .series import (
    MAX_SERIES_OCCURRENCES,
    Occurrence,
    SeriesPlan,
    book_series,
    plan_series,
    series_dates,
)

__all__ = [
    "ACTIVE_STATUSES",
    "ALTERNATIVE_DAYS",
    "DECISION_REASON_MAX_LENGTH",
    "EARLIEST_YEAR",
    "LATEST_YEAR",
    "MAX_SERIES_OCCURRENCES",
    "NOTE_MAX_LENGTH",
    "PURPOSE_MAX_LENGTH",
    "Alternative",
    "HandOutError",
    "InvalidBooking",
    "ItemReturn",
    "LimitExceeded",
    "NotCancellable",
    "Occurrence",
    "OpeningRule",
    "PoolExhausted",
    "ReturnError",
    "SeriesPlan",
    "alternatives",
    "annotations",
    "approve",
    "book_series",
    "calendar_token",
    "cancel",
    "cancel_rest_of_series",
    "check_booking",
    "checked_due_at",
    "closed_dates",
    "decline",
    "devices_out",
    "end_of_day",
    "end_of_school_year",
    "ensure_can_book",
    "ensure_manages_pool",
    "ensure_open",
    "free_count",
    "hand_out",
    "hand_out_whole",
    "last_day",
    "latest_loan_end",
    "lendable_capacity",
    "loan_due_at",
    "local_datetime",
    "needs_approval",
    "not_open_label",
    "offer_freed_devices",
    "plan_series",
    "pool_feed_key",
    "pool_feed_owner",
    "reserve",
    "reset_calendar_token",
    "rest_of_series",
    "return_items",
    "series_dates",
    "update_shortfalls",
]
