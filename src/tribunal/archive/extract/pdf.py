"""The text layer of a PDF, with page count and document-information metadata.

pypdf reads the structure (encryption, pages, /Info); text comes from pypdf's extractor,
which handles the CID fonts Chinese PDFs use. A PDF with pages but no text is a scan:
that is a warning (OCR comes later), not an error.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from tribunal.archive.extract.model import Extraction, ExtractionError


def _info(reader: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    try:
        info = reader.metadata
    except Exception:
        return meta
    if not info:
        return meta
    for key, name in (
        ("/Title", "title"),
        ("/Author", "author"),
        ("/Subject", "subject"),
        ("/Creator", "creator"),
        ("/Producer", "producer"),
        ("/CreationDate", "created"),
        ("/ModDate", "modified"),
    ):
        try:
            value = info.get(key)
        except Exception:
            continue
        if value:
            meta[name] = str(value)[:500]
    return meta


def extract_pdf(path: Path, mime: str, max_chars: int) -> Extraction:
    """Extract a PDF's text layer; encrypted or unreadable files raise ExtractionError."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs every recoverable oddity; those belong in warnings, not on stderr.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            # An empty user password is common ("owner password only"); such files open.
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise ExtractionError("encrypted PDF", hint="text needs the document password")
        n_pages = len(reader.pages)
    except ExtractionError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        raise ExtractionError(f"corrupt PDF: {exc}") from exc
    except Exception as exc:  # pypdf raises many types on hostile input
        raise ExtractionError(f"corrupt PDF: {type(exc).__name__}: {exc}") from exc
    meta: dict[str, Any] = {"pages": n_pages, **_info(reader)}
    warnings: list[str] = []
    parts: list[str] = []
    total = 0
    failed = 0
    for i, page in enumerate(reader.pages):
        try:
            text = page.extract_text() or ""
        except Exception:
            failed += 1
            continue
        parts.append(text)
        total += len(text)
        if total > max_chars:
            warnings.append(f"text cut at {max_chars} characters (page {i + 1} of {n_pages})")
            break
    if failed:
        warnings.append(f"{failed} page(s) could not be read")
    text = "\n\f".join(parts)[:max_chars]
    if not text.strip():
        warnings.append("no text layer (scanned PDF?); OCR is not done yet")
        return Extraction(kind="pdf", mime=mime, text=None, metadata=meta, warnings=warnings)
    return Extraction(kind="pdf", mime=mime, text=text, metadata=meta, warnings=warnings)
