"""Fixtures for the forensics tests: the shipped GODT reference (built once)."""

from __future__ import annotations

import pytest

from tribunal.forensics.reference import ReferenceSet


@pytest.fixture(scope="session")
def godt_ref() -> ReferenceSet:
    return ReferenceSet.godt()
