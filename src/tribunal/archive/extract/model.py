"""What an extractor returns: text, tables, attachments and technical metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from tribunal.errors import InputError

Kind = Literal["document", "html", "pdf", "docx", "email", "table", "image", "audio", "video", "other"]
KINDS: tuple[str, ...] = (
    "document",
    "html",
    "pdf",
    "docx",
    "email",
    "table",
    "image",
    "audio",
    "video",
    "other",
)

# Extracted text beyond this many characters is cut (with a warning) so that one huge file
# cannot exhaust memory or swamp the search index; 20 M characters is ~10,000 book pages.
MAX_TEXT_CHARS = 20_000_000


class ExtractionError(InputError):
    """The file cannot be read as its format: encrypted, corrupt, undecodable or hostile.

    ``reason`` is a short phrase suitable for an ingest summary ("encrypted PDF",
    "corrupt DOCX: ...", "zip bomb: ..."). The original is still stored by the archive;
    only the derived text is missing.
    """

    def __init__(self, reason: str, hint: str | None = None) -> None:
        super().__init__(reason, hint)
        self.reason = reason


@dataclass
class ExtractedTable:
    """One sheet or CSV file: a header row and data rows, every cell as a string."""

    name: str
    header: list[str]
    rows: list[list[str]]

    def to_text(self) -> str:
        """Tab-separated rendering, one line per row, used for full-text search."""
        lines = ["\t".join(self.header)] if self.header else []
        lines.extend("\t".join(row) for row in self.rows)
        return "\n".join(lines)


@dataclass
class Attachment:
    """A file carried inside another (an e-mail attachment), to be stored as a child item."""

    filename: str
    content: bytes
    mime: str = "application/octet-stream"

    def to_dict(self) -> dict[str, Any]:
        # Bytes stay out of JSON summaries; the archive stores them as blobs.
        return {"filename": self.filename, "mime": self.mime, "size": len(self.content)}


@dataclass
class Extraction:
    """The result of :func:`tribunal.archive.extract.extract`.

    ``text`` is None for kinds that carry no text layer (images, audio, video) or when a
    document has no extractable text (a scanned PDF); ``warnings`` says why.
    """

    kind: str
    mime: str
    text: str | None = None
    tables: list[ExtractedTable] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    language: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "mime": self.mime,
            "text_chars": None if self.text is None else len(self.text),
            "tables": [
                {"name": t.name, "columns": len(t.header), "rows": len(t.rows)} for t in self.tables
            ],
            "attachments": [a.to_dict() for a in self.attachments],
            "metadata": self.metadata,
            "language": self.language,
            "warnings": self.warnings,
        }
