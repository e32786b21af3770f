"""Errors that reach a user carry a message and a hint about what to do next."""

from __future__ import annotations


class TribunalError(Exception):
    """An error caused by input or state the user can fix.

    The command line prints ``message`` and ``hint`` and exits with status 2, without a
    traceback; library callers can catch it like any exception.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class InputError(TribunalError):
    """The input file or table is unusable as given (wrong columns, bad values, ...)."""


class CaseError(TribunalError):
    """The case folder is missing, not a case, or in a state that forbids the action."""
