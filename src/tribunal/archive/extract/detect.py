"""Decide which extractor reads a file: magic bytes first, then the declared type, then the name.

Magic bytes (via the ``filetype`` package and a few checks of our own) beat a declared MIME
type or an extension, because evidence arrives renamed and mislabelled; text formats have no
magic, so for them the declared type and the extension decide.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

_EXT_MIME = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".log": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".mht": "message/rfc822",
    ".eml": "message/rfc822",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".json": "application/json",
    ".xml": "application/xml",
}
DOCX_MIME = _EXT_MIME[".docx"]
XLSX_MIME = _EXT_MIME[".xlsx"]
# Types with magic bytes: an extension alone does not make a file one of them.
_NEEDS_MAGIC = frozenset({"application/pdf", DOCX_MIME, XLSX_MIME})

# mime -> kind for the formats with an extractor
MIME_KIND = {
    "application/pdf": "pdf",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "message/rfc822": "email",
    "text/csv": "table",
    "text/tab-separated-values": "table",
    DOCX_MIME: "docx",
    XLSX_MIME: "table",
}


def _zip_kind(path: Path) -> str | None:
    """DOCX and XLSX are zip files told apart by their main part."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "word/document.xml" in names:
        return DOCX_MIME
    if "xl/workbook.xml" in names:
        return XLSX_MIME
    return "application/zip"


def _looks_like_email(head: bytes) -> bool:
    lines = head.replace(b"\r\n", b"\n").split(b"\n")[:40]
    keys = {ln.split(b":", 1)[0].strip().lower() for ln in lines if b":" in ln[:40]}
    return len(keys & {b"from", b"to", b"subject", b"date", b"message-id", b"received"}) >= 2


def _looks_like_html(head: bytes) -> bool:
    low = head[:4096].lower().lstrip(b"\xef\xbb\xbf \t\r\n")
    return low.startswith((b"<!doctype html", b"<html")) or b"<html" in low[:1024]


def _has_magic(mime: str, head: bytes) -> bool:
    # PDF readers accept "%PDF-" anywhere in the first 1,024 bytes; OOXML is a zip.
    return b"%PDF-" in head[:1024] if mime == "application/pdf" else head.startswith(b"PK")


def sniff_mime(path: Path, head: bytes, declared_mime: str | None = None) -> str:
    """The MIME type to extract ``path`` as (``head`` is its first few kilobytes)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        zmime = _zip_kind(path)
        if zmime:
            return zmime
    try:
        import filetype

        guess = filetype.guess(head)
    except Exception:  # filetype may choke on odd input; fall back to the name
        guess = None
    if guess is not None and guess.mime not in ("application/zip",):
        return guess.mime
    declared = (declared_mime or "").split(";")[0].strip().lower() or None
    # A PDF/DOCX/XLSX by name or declared type but without the format's magic bytes is a
    # mislabelled file (a saved web page, a text, a server's HTML error page sent as PDF):
    # its content decides. With the magic it is the format, if damaged, and its extractor
    # says how. (The archive declares the type guessed from the original file name.)
    if declared in _NEEDS_MAGIC and not _has_magic(declared, head):
        declared = None
    if declared and declared not in ("application/octet-stream", "text/plain"):
        return declared
    ext_mime = _EXT_MIME.get(path.suffix.lower())
    if ext_mime in _NEEDS_MAGIC and not _has_magic(ext_mime, head):
        ext_mime = None
    if ext_mime:
        return ext_mime
    if _looks_like_html(head):
        return "text/html"
    if _looks_like_email(head):
        return "message/rfc822"
    return declared or "text/plain"


def kind_of(mime: str) -> str:
    """The archive kind for a MIME type."""
    if mime in MIME_KIND:
        return MIME_KIND[mime]
    major = mime.split("/")[0]
    if major in ("image", "audio", "video"):
        return major
    if major == "text" or mime in ("application/json", "application/xml"):
        return "document"
    return "other"
