"""Fixtures for the extractor tests."""

from __future__ import annotations

import io

import pytest


@pytest.fixture
def png_bytes() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (37, 21), (200, 10, 10)).save(buf, format="PNG")
    return buf.getvalue()
