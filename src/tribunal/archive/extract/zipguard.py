"""Refuse zip containers (DOCX, XLSX) whose declared sizes betray a zip bomb.

Checks the central directory before anything is decompressed: the total declared
uncompressed size, the per-member compression ratio and the member count. A zip can lie
about sizes, so readers must also stop at the limit while reading (``read_member``).
See D. Fifield, "A better zip bomb" (WOOT 2019) for the overlapping-file construction,
which the overlap check catches.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from tribunal.archive.extract.model import ExtractionError

MAX_TOTAL_UNCOMPRESSED = 500 * 1024 * 1024
MAX_RATIO = 200.0
MAX_MEMBERS = 20_000
# Small members legitimately compress far (a run of spaces); ignore the ratio below this.
_RATIO_FLOOR = 1024 * 1024


def check_zip(path: Path) -> None:
    """Raise ExtractionError if ``path`` is not a sane zip container."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ExtractionError(f"corrupt zip container: {exc}") from exc
    if len(infos) > MAX_MEMBERS:
        raise ExtractionError(f"zip bomb: {len(infos)} members (limit {MAX_MEMBERS})")
    total = 0
    spans: list[tuple[int, int]] = []
    for info in infos:
        total += info.file_size
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise ExtractionError(
                f"zip bomb: declared uncompressed size over {MAX_TOTAL_UNCOMPRESSED // 2**20} MB"
            )
        if info.file_size > _RATIO_FLOOR:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > MAX_RATIO:
                raise ExtractionError(
                    f"zip bomb: member {info.filename!r} expands {ratio:.0f}x (limit {MAX_RATIO:.0f}x)"
                )
        spans.append((info.header_offset, info.header_offset + info.compress_size))
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise ExtractionError("zip bomb: overlapping members")


def read_member(zf: zipfile.ZipFile, name: str, limit: int = MAX_TOTAL_UNCOMPRESSED) -> bytes:
    """Read one member, stopping at ``limit`` bytes whatever its header claims."""
    with zf.open(name) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ExtractionError(f"zip bomb: member {name!r} larger than declared limit")
    return data
