"""Shared fixtures: the repository root and the read-only benchmark data beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The benchmark data folder that CI places beside the project (read-only).

    Tests that need large reference data the package does not ship use this; on a machine
    without it they are skipped with a reason, never silently passed.
    """
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("benchmark data folder ../shared/data is not present")
    return path
