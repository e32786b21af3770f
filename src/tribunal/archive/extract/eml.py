"""E-mail messages (RFC 5322, MIME RFC 2045-2049): headers, body text and attachments.

The body is the first text/plain part, or the visible text of the first text/html part
when there is no plain one. Attachments (and embedded messages) come back as bytes so the
archive can store each as a child item with its own hash.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from typing import Any

from tribunal.archive.extract.html import html_to_text
from tribunal.archive.extract.model import Attachment, Extraction, ExtractionError
from tribunal.archive.extract.textdecode import decode_text

_HEADERS = ("From", "To", "Cc", "Date", "Subject", "Message-ID")
MAX_ATTACHMENTS = 1000


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset()
    if charset:
        charset = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "cp950"}.get(charset, charset)
        try:
            return payload.decode(charset)
        except (UnicodeDecodeError, LookupError):
            pass  # a wrong declared charset is common in old Chinese mail
    try:
        return decode_text(payload)[0]
    except ExtractionError:
        return payload.decode("utf-8", errors="replace")


def _header(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
    except Exception:  # malformed header the policy cannot parse
        raw = msg.get_all(name, failobj=[None]) if hasattr(msg, "get_all") else [None]
        value = raw[0]
    return None if value is None else str(value).strip()


def _leaves(msg: Message) -> list[Message]:
    """The message's parts in order, descending into multipart containers but not into an
    embedded message (message/rfc822), which is one attachment: ``Message.walk()`` would
    enter it, lose it as an attachment and could take its body for the outer one's."""
    out: list[Message] = []
    stack: list[Message] = [msg]
    while stack:
        part = stack.pop()
        if part.get_content_maintype() == "multipart" and part.is_multipart():
            stack.extend(reversed(part.get_payload()))  # type: ignore[arg-type]
        else:
            out.append(part)
    return out


def extract_eml(data: bytes, mime: str, max_chars: int) -> Extraction:
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:
        raise ExtractionError(f"corrupt e-mail: {type(exc).__name__}: {exc}") from exc
    meta: dict[str, Any] = {}
    for name in _HEADERS:
        value = _header(msg, name)
        if value:
            meta[name.lower().replace("-", "_")] = value[:1000]
    if "date" in meta:
        with contextlib.suppress(TypeError, ValueError, IndexError):
            meta["date_iso"] = parsedate_to_datetime(meta["date"]).isoformat()
    if "subject" in meta:
        meta["title"] = meta["subject"]
    warnings: list[str] = []
    plain: str | None = None
    html: str | None = None
    attachments: list[Attachment] = []
    for part in _leaves(msg):
        ctype = part.get_content_type()
        filename = part.get_filename()
        disposition = (part.get_content_disposition() or "").lower()
        if filename or disposition == "attachment" or ctype == "message/rfc822":
            if len(attachments) >= MAX_ATTACHMENTS:
                warnings.append(f"more than {MAX_ATTACHMENTS} attachments; the rest skipped")
                break
            content = part.get_payload(decode=True)
            if content is None and isinstance(part, EmailMessage):
                inner = part.get_payload()
                content = (
                    inner[0].as_bytes() if isinstance(inner, list) and inner else b""
                )
            name = filename or f"attachment-{len(attachments) + 1}" + (
                ".eml" if ctype == "message/rfc822" else ""
            )
            attachments.append(Attachment(name, content or b"", ctype))
        elif ctype == "text/plain" and plain is None:
            plain = _part_text(part)
        elif ctype == "text/html" and html is None:
            html = _part_text(part)
    body = plain
    if body is None and html is not None:
        body = html_to_text(html)[0]
    header_lines = [f"{n}: {meta[n.lower().replace('-', '_')]}" for n in _HEADERS[:5]
                    if n.lower() in meta]  # fmt: skip
    text = "\n".join(header_lines) + "\n\n" + (body or "")
    if len(text) > max_chars:
        text = text[:max_chars]
        warnings.append(f"text cut at {max_chars} characters")
    if body is None:
        warnings.append("no text body")
    meta["attachments"] = len(attachments)
    return Extraction(
        kind="email", mime=mime, text=text, attachments=attachments, metadata=meta,
        warnings=warnings,
    )  # fmt: skip
