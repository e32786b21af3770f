"""Shared set-up for the linkage tests."""

import pytest


@pytest.fixture(autouse=True)
def _no_case_from_env(monkeypatch):
    """A TRIBUNAL_CASE in the caller's environment must not turn a test into case mode."""
    monkeypatch.delenv("TRIBUNAL_CASE", raising=False)
