"""Text, tables and technical metadata from evidence files.

``extract(path)`` is the one entry point the archive calls on ingest. It never modifies the
file and never raises anything but :class:`ExtractionError` for a file it cannot read (the
archive records the reason and still keeps the original).

Formats: PDF (text layer), HTML (visible text), plain text (UTF-8/16/32, GB18030, Big5),
DOCX, EML, CSV/TSV/XLSX (as tables, with a text rendering for search); images, audio and
video get header metadata only.
"""

from __future__ import annotations

from pathlib import Path

from tribunal.archive.extract.model import (
    KINDS,
    MAX_TEXT_CHARS,
    Attachment,
    ExtractedTable,
    Extraction,
    ExtractionError,
)

__all__ = [
    "KINDS",
    "MAX_TEXT_CHARS",
    "Attachment",
    "ExtractedTable",
    "Extraction",
    "ExtractionError",
    "extract",
]

# Files whose whole content is read into memory (text, HTML, e-mail, CSV) are read up to
# this many bytes; the rest is left out with a warning. The archive streams the original.
MAX_READ_BYTES = 256 * 1024 * 1024
# An HTML parse tree takes ~10x the page's size in memory; pages beyond this are cut.
MAX_HTML_BYTES = 32 * 1024 * 1024
MAX_EMAIL_BYTES = 128 * 1024 * 1024


def _read_limit(kind: str, max_chars: int) -> int:
    if kind == "html":
        return MAX_HTML_BYTES
    if kind == "email":
        return MAX_EMAIL_BYTES
    if kind == "document":
        # No encoding needs more than 4 bytes a character: read no more than can be kept.
        return min(MAX_READ_BYTES, 4 * max_chars + 4)
    return MAX_READ_BYTES


def _read_capped(path: Path, limit: int) -> tuple[bytes, bool]:
    with path.open("rb") as fh:
        data = fh.read(limit + 1)
    return data[:limit], len(data) > limit


def extract(
    path: Path | str, *, declared_mime: str | None = None, max_chars: int = MAX_TEXT_CHARS
) -> Extraction:
    """Extract text, tables, attachments and metadata from the file at ``path``.

    ``declared_mime`` (from a web capture's Content-Type, say) is a hint; magic bytes win
    over it. Text longer than ``max_chars`` is cut, with a warning. Raises
    :class:`ExtractionError` for encrypted, corrupt, undecodable or hostile files.
    """
    path = Path(path)
    try:
        result = _extract(path, declared_mime, max_chars)
    except ExtractionError:
        raise
    except MemoryError as exc:
        raise ExtractionError("file too large to extract in memory") from exc
    except RecursionError as exc:
        raise ExtractionError("file nests too deeply to extract") from exc
    except OSError as exc:
        raise ExtractionError(f"unreadable file: {exc.strerror or exc}") from exc
    except Exception as exc:  # a bug or a hostile file: report, never crash the batch
        raise ExtractionError(f"extraction failed: {type(exc).__name__}: {exc}") from exc
    from tribunal.archive.extract.language import detect_language

    if result.text is not None:
        result.text = result.text.replace("\x00", "")
        result.language = detect_language(result.text)
    result.metadata.setdefault("size", path.stat().st_size)
    return result


def _extract(path: Path, declared_mime: str | None, max_chars: int) -> Extraction:
    from tribunal.archive.extract.detect import DOCX_MIME, XLSX_MIME, kind_of, sniff_mime

    with path.open("rb") as fh:
        head = fh.read(8192)
    mime = sniff_mime(path, head, declared_mime)
    kind = kind_of(mime)
    if mime == "application/pdf":
        from tribunal.archive.extract.pdf import extract_pdf

        return extract_pdf(path, mime, max_chars)
    if mime == DOCX_MIME:
        from tribunal.archive.extract.office import extract_docx

        return extract_docx(path, mime, max_chars)
    if mime == XLSX_MIME:
        from tribunal.archive.extract.office import extract_xlsx

        return extract_xlsx(path, mime, max_chars)
    if kind == "image":
        from tribunal.archive.extract.media import image_metadata

        meta, warnings = image_metadata(path)
        return Extraction(kind=kind, mime=mime, metadata=meta, warnings=warnings)
    if kind in ("audio", "video"):
        from tribunal.archive.extract.media import av_metadata

        meta, warnings = av_metadata(path, mime)
        return Extraction(kind=kind, mime=mime, metadata=meta, warnings=warnings)
    if kind not in ("document", "html", "email", "table"):
        return Extraction(kind="other", mime=mime, warnings=[f"no text extractor for {mime}"])
    limit = _read_limit(kind, max_chars)
    data, cut = _read_capped(path, limit)
    warnings = [f"only the first {limit / 2**20:.0f} MB read"] if cut else []
    if kind == "html":
        from tribunal.archive.extract.html import extract_html

        result = extract_html(data, mime, max_chars)
    elif kind == "email":
        from tribunal.archive.extract.eml import extract_eml

        result = extract_eml(data, mime, max_chars)
    elif kind == "table":
        from tribunal.archive.extract.delimited import extract_delimited

        result = extract_delimited(data, mime, path.stem, max_chars)
    else:
        result = _plain(data, mime, max_chars)
    result.warnings[:0] = warnings
    return result


def _plain(data: bytes, mime: str, max_chars: int) -> Extraction:
    from tribunal.archive.extract.textdecode import decode_text

    if b"\x00" in data[:8192] and not _utf16_or_32(data):
        # NUL bytes in the head: binary unless the detector says UTF-16/32.
        from tribunal.archive.extract.textdecode import detect_encoding

        enc, _ = detect_encoding(data)
        if not enc.startswith(("utf-16", "utf-32")):
            raise ExtractionError("undecodable text: binary content")
    text, encoding = decode_text(data)
    warnings: list[str] = []
    if len(text) > max_chars:
        text = text[:max_chars]
        warnings.append(f"text cut at {max_chars} characters")
    replaced = text.count("\ufffd")
    if replaced:
        warnings.append(f"{replaced} undecodable byte sequence(s) replaced")
    return Extraction(
        kind="document", mime=mime, text=text, metadata={"encoding": encoding}, warnings=warnings
    )


def _utf16_or_32(data: bytes) -> bool:
    return data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff"))
