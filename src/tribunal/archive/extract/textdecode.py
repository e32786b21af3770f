"""Decode plain-text bytes in the encodings Chinese material comes in.

Order of evidence: a byte-order mark (UTF-8, UTF-16, UTF-32) is decisive; strict UTF-8
is next (valid non-ASCII UTF-8 is almost never another encoding by accident); then the
candidates GB18030, Big5 (cp950, then Big5-HKSCS), UTF-16LE/BE without BOM and cp1252 are decoded
(invalid sequences becoming U+FFFD) and scored by how much of the result is ordinary text: ASCII, CJK punctuation and
frequent Han characters count, rare characters count a little, control and private-use
characters count against. Wrong decodings of Chinese bytes produce rare characters, so the
right one wins by a wide margin. Other single-byte encodings are the last resort, through
charset-normalizer.
"""

from __future__ import annotations

import codecs

from tribunal.archive.extract.model import ExtractionError
from tribunal.archive.extract.textscore import score_text

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CANDIDATES = ("gb18030", "cp950", "big5hkscs", "utf-16-le", "utf-16-be", "cp1252")
# (cp950 before Big5-HKSCS: on equal scores the earlier, more common codec wins.)
_SAMPLE_BYTES = 256 * 1024
# A candidate scoring below this is not text in that encoding.
_MIN_SCORE = 0.45


# Candidates are judged on their first characters only: 64 K characters of Chinese decide
# clearly, and scoring more costs time without changing the winner.
_SCORE_CHARS = 65536


def _score(text: str, *, western: bool = False) -> float:
    """How much the non-ASCII characters of ``text`` look like ordinary text (max 1)."""
    return score_text(text[:_SCORE_CHARS], western=western)


def _strict(data: bytes, encoding: str, *, sample: bool) -> str | None:
    """Decode strictly; a sample may end inside a character, which is forgiven."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if sample and exc.start >= len(data) - 4:
            try:
                return data[: exc.start].decode(encoding)
            except UnicodeDecodeError:
                return None
        return None
    except LookupError:  # pragma: no cover - codec missing from this Python
        return None


def detect_encoding(data: bytes) -> tuple[str, bool]:
    """Return (encoding, has_bom) for ``data``; raise ExtractionError if it is not text."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, True
    sample = data[:_SAMPLE_BYTES]
    if b"\x00" in sample:
        utf16 = _utf16_by_zeros(sample)
        if utf16 and _strict(sample, utf16, sample=True) is not None:
            return utf16, False
    elif _strict(sample, "utf-8", sample=True) is not None:
        # (a file cut short, or read only in part, may end inside a character)
        return "utf-8", False
    scored: list[tuple[float, int, str]] = []
    for rank, enc in enumerate(_CANDIDATES):
        if enc.startswith("utf-16") and len(sample) % 2:
            continue
        # Not strict: real files carry the odd corrupt byte, which the score penalises
        # (U+FFFD counts against) without ruling the right encoding out.
        text = sample.decode(enc, errors="replace")
        scored.append((_score(text, western=enc == "cp1252"), -rank, enc))
    if scored:
        best = max(scored)
        if best[0] >= _MIN_SCORE:
            return best[2], False
    fallback = _western(sample)
    if fallback is not None:
        return fallback, False
    raise ExtractionError(
        "undecodable text: no encoding (UTF-8/16, GB18030, Big5, single-byte) fits",
        hint="the file may be binary or in an encoding Tribunal does not know",
    )


def _utf16_by_zeros(sample: bytes) -> str | None:
    """UTF-16 without BOM for Latin-script text: every other byte is zero."""
    even, odd = sample[0::2], sample[1::2]
    if not even or not odd:
        return None
    z_even, z_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if z_odd > 0.3 and z_even < 0.05:
        return "utf-16-le"
    if z_even > 0.3 and z_odd < 0.05:
        return "utf-16-be"
    return None


def _western(sample: bytes) -> str | None:
    """Single-byte Western encodings through charset-normalizer, if the text is plausible."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover
        return None
    match = from_bytes(sample).best()
    if match is None:
        return None
    text = str(match)
    if _score(text) < _MIN_SCORE:
        return None
    return match.encoding


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode ``data`` to text; return (text, encoding name).

    Raises :class:`ExtractionError` ("undecodable text") when no encoding fits. Bytes that
    are invalid in the chosen encoding past the detection sample become U+FFFD.
    """
    if not data:
        return "", "utf-8"
    encoding, has_bom = detect_encoding(data)
    codec = {"utf-8": "utf-8-sig"}.get(encoding, encoding) if has_bom else encoding
    body = data
    if has_bom and encoding.startswith(("utf-16", "utf-32")):
        body = data[len(codecs.BOM_UTF32_LE if "32" in encoding else codecs.BOM_UTF16_LE) :]
    text = body.decode(codec, errors="replace")
    return text, encoding
