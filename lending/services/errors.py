"""What the lending rules say no with (each a DomainError with a translated message)."""

from __future__ import annotations

from core.errors import DomainError


class Blocked(DomainError):
    """The person has overdue devices: no new loans, waiting lists or renewals until they are
    back."""


class AgreementRequired(DomainError):
    """The organization's newest borrowing agreement has not been accepted yet."""

    def __init__(self, message: str, agreement) -> None:
        super().__init__(message)
        self.agreement = agreement


class RenewalRefused(DomainError):
    """The loan cannot be renewed; the message says which rule says no."""


class WaitlistError(DomainError):
    """Joining or leaving the waiting list is not possible as asked."""
