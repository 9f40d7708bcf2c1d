"""The booking rules: reserve, series, cancel, approve or decline, hand out, take back, and
the shortfall check when devices leave service.

Every write to Reservation, Series, Loan and LoanItem goes through here. Each function locks
the row that becomes scarcer (the pool for reservations, the devices for hand-outs),
re-checks, writes and logs. On SQLite the IMMEDIATE transaction mode serializes writers.
Callers import from ``booking.services``; the modules split it by aggregate.
"""

from __future__ import annotations

from .alternatives import (
    ALTERNATIVE_DAYS,
    Alternative,
    alternatives,
)
from .dates import (
    closed_dates,
    end_of_school_year,
    local_datetime,
)
from .loans import (
    NOTE_MAX_LENGTH,
    ItemReturn,
    devices_out,
    hand_out,
    return_items,
)
from .reservations import (
    approve,
    calendar_token,
    cancel,
    cancel_rest_of_series,
    decline,
    reserve,
    reset_calendar_token,
    update_shortfalls,
)
from .rules import (
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
    ensure_can_book,
    ensure_manages_pool,
    free_count,
    needs_approval,
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
    "PoolExhausted",
    "ReturnError",
    "SeriesPlan",
    "alternatives",
    "approve",
    "book_series",
    "calendar_token",
    "cancel",
    "cancel_rest_of_series",
    "check_booking",
    "closed_dates",
    "decline",
    "devices_out",
    "end_of_school_year",
    "ensure_can_book",
    "ensure_manages_pool",
    "free_count",
    "hand_out",
    "local_datetime",
    "needs_approval",
    "plan_series",
    "reserve",
    "reset_calendar_token",
    "return_items",
    "series_dates",
    "update_shortfalls",
]
