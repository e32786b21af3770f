"""Visible text of an HTML page: scripts, styles, templates and hidden markup dropped.

The page's own declared charset is honoured when present; otherwise the bytes go through
the same detector as plain text, which matters for GB2312/Big5 pages captured from Chinese
hospital sites.
"""

from __future__ import annotations

import re
from typing import Any

from tribunal.archive.extract.model import Extraction
from tribunal.archive.extract.textdecode import decode_text

_INVISIBLE = ("script", "style", "noscript", "template", "head", "svg", "iframe", "object")
_BLOCK = (
    "p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
    "section", "article", "header", "footer", "table", "ul", "ol", "blockquote", "pre",
)  # fmt: skip
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)


def _declared_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:8192])
    if not m:
        return None
    name = m.group(1).decode("ascii", "replace").lower()
    # GB2312 pages routinely contain GBK/GB18030 characters; Big5 pages cp950 ones. A page
    # whose <meta> says UTF-16 is read as UTF-8 (HTML Living Standard, "prescan": a meta
    # declaration cannot be UTF-16, since the bytes were read as ASCII to find it).
    if name.startswith(("utf-16", "utf16", "unicode")):
        return "utf-8"
    return {"gb2312": "gb18030", "gbk": "gb18030", "big5": "cp950",
            "x-user-defined": "cp1252"}.get(name, name)  # fmt: skip


def decode_html(data: bytes) -> tuple[str, str]:
    """Decode HTML bytes: BOM, then a <meta charset> that decodes cleanly, then detection."""
    charset = _declared_charset(data)
    if charset and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode(charset), charset
        except (UnicodeDecodeError, LookupError):
            pass  # the declaration lies; detect instead
    return decode_text(data)


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_BLOCK_END = object()


def _hidden(tag: Any) -> bool:
    attrs = tag.attrs or {}
    return "hidden" in attrs or bool(_HIDDEN_STYLE.search(str(attrs.get("style", ""))))


def html_to_text(markup: str) -> tuple[str, dict[str, Any]]:
    """Return (visible text, metadata with title/description/lang) of an HTML document.

    The tree is walked once with an explicit stack (no recursion, no tree edits), so a
    hostile page nested 100,000 levels deep costs linear time and no stack overflow.
    """
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(markup, "lxml")
    meta: dict[str, Any] = {}
    if soup.title and soup.title.string:
        meta["title"] = soup.title.string.strip()[:500]
    html_tag = soup.find("html")
    if html_tag is not None and html_tag.get("lang"):
        meta["lang"] = str(html_tag.get("lang"))
    for name in ("description", "author", "keywords"):
        tag = soup.find("meta", attrs={"name": name})
        if tag is not None and tag.get("content"):
            meta[name] = str(tag.get("content"))[:500]
    parts: list[str] = []
    stack: list[Any] = [soup]
    while stack:
        node = stack.pop()
        if node is _BLOCK_END:
            parts.append("\n")
        elif type(node) is NavigableString:  # not comments, doctypes, CDATA, ...
            parts.append(str(node))
        elif isinstance(node, Tag):
            if node.name in _INVISIBLE or _hidden(node):
                continue
            if node.name in _BLOCK:
                parts.append("\n")
                stack.append(_BLOCK_END)
            stack.extend(reversed(node.contents))
    lines = (re.sub(r"[ \t\u00a0\u3000]+", " ", ln).strip() for ln in "".join(parts).splitlines())
    body = "\n".join(ln for ln in lines if ln)
    if meta.get("title") and not body.startswith(meta["title"]):
        body = f"{meta['title']}\n{body}"
    return body, meta


def extract_html(data: bytes, mime: str, max_chars: int) -> Extraction:
    markup, encoding = decode_html(data)
    text, meta = html_to_text(markup)
    meta["encoding"] = encoding
    warnings: list[str] = []
    if len(text) > max_chars:
        text = text[:max_chars]
        warnings.append(f"text cut at {max_chars} characters")
    return Extraction(kind="html", mime=mime, text=text, metadata=meta, warnings=warnings)
