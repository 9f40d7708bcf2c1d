"""The one exception type that every service raises when a rule says no."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the action; the message is translated and shown as is.

    Views put it on the form, the API answers it with 409 and ``{"detail": message}``.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
