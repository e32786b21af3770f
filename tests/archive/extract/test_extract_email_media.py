"""E-mail (headers, bodies, attachments) and header metadata of images and audio."""

from __future__ import annotations

import wave
from email.message import EmailMessage
from pathlib import Path

import pytest
from extract_fixtures import SIMPLIFIED, TRADITIONAL

from tribunal.archive.extract import extract


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "调查员 <investigator@example.org>"
    msg["To"] = "tribunal@example.org"
    msg["Subject"] = "肝脏移植 waiting times"
    msg["Date"] = "Tue, 14 Mar 2006 10:00:00 +0800"
    msg["Message-ID"] = "<abc@example.org>"
    msg.set_content(SIMPLIFIED[0] + "\nCall transcript attached.")
    msg.add_alternative(f"<p>{SIMPLIFIED[0]}</p><script>x()</script>", subtype="html")
    msg.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf",
                       filename="transcript.pdf")  # fmt: skip
    msg.add_attachment("通话记录".encode(), maintype="text", subtype="plain",
                       filename="通话记录.txt")  # fmt: skip
    return msg


def test_eml_headers_body_and_attachments(tmp_path: Path) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(_message().as_bytes())
    result = extract(path)
    assert result.kind == "email"
    text = result.text or ""
    assert "Subject: 肝脏移植 waiting times" in text
    assert SIMPLIFIED[0] in text and "Call transcript attached." in text
    assert "x()" not in text
    assert result.metadata["subject"] == "肝脏移植 waiting times"
    assert result.metadata["date_iso"] == "2006-03-14T10:00:00+08:00"
    assert "investigator@example.org" in result.metadata["from"]
    names = {a.filename: a for a in result.attachments}
    assert names["transcript.pdf"].content == b"%PDF-1.4 fake"
    assert names["transcript.pdf"].mime == "application/pdf"
    assert names["通话记录.txt"].content == "通话记录".encode()


def test_eml_html_only_in_big5(tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["From"] = "a@example.org"
    msg["Subject"] = "醫院"
    msg.set_content(f"<html><body><p>{TRADITIONAL[1]}</p></body></html>", subtype="html",
                    charset="big5", cte="base64")  # fmt: skip
    path = tmp_path / "h.eml"
    path.write_bytes(msg.as_bytes())
    result = extract(path)
    assert TRADITIONAL[1] in (result.text or "")


def test_eml_with_wrong_declared_charset(tmp_path: Path) -> None:
    raw = (
        b"From: a@example.org\r\nTo: b@example.org\r\nSubject: test\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    ) + SIMPLIFIED[2].encode("gb18030")
    path = tmp_path / "w.eml"
    path.write_bytes(raw)
    assert SIMPLIFIED[2] in (extract(path).text or "")


def test_png_dimensions(tmp_path: Path, png_bytes: bytes) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(png_bytes)
    result = extract(path)
    assert result.kind == "image" and result.mime == "image/png"
    assert result.text is None
    assert (result.metadata["width"], result.metadata["height"]) == (37, 21)
    assert result.metadata["format"] == "PNG"


def test_wav_duration(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 8000 * 3)
    result = extract(path)
    assert result.kind == "audio"
    assert result.metadata["duration_s"] == pytest.approx(3.0)
    assert result.metadata["sample_rate"] == 8000


def test_mp4_duration_from_mvhd(tmp_path: Path) -> None:
    import struct

    ftyp = struct.pack(">I4s4sI4s", 20, b"ftyp", b"isom", 0, b"isom")
    mvhd_body = bytes([0, 0, 0, 0]) + struct.pack(">IIII", 0, 0, 1000, 12_500) + b"\x00" * 80
    mvhd = struct.pack(">I4s", 8 + len(mvhd_body), b"mvhd") + mvhd_body
    moov = struct.pack(">I4s", 8 + len(mvhd), b"moov") + mvhd
    path = tmp_path / "clip.mp4"
    path.write_bytes(ftyp + moov)
    result = extract(path)
    assert result.kind == "video"
    assert result.metadata["duration_s"] == pytest.approx(12.5)
