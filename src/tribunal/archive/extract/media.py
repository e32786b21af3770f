"""Technical metadata of images, audio and video read from the file header only.

Images: Pillow opens lazily (header only) for format, width, height and mode; EXIF
capture time and camera when present. Audio/video: WAV via the standard library; MP4/MOV
duration from the ``mvhd`` box (ISO/IEC 14496-12 §8.2.2). No codec is decoded: OCR and
transcription come later.
"""

from __future__ import annotations

import struct
import wave
from pathlib import Path
from typing import Any

_EXIF_TAGS = {0x0132: "datetime", 0x010F: "camera_make", 0x0110: "camera_model",
              0x9003: "datetime_original"}  # fmt: skip


def image_metadata(path: Path) -> tuple[dict[str, Any], list[str]]:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover
        return {}, ["Pillow missing: no image metadata"]
    try:
        # Pillow's decompression-bomb guard applies only on load(); header reads are safe.
        with Image.open(path) as im:
            meta: dict[str, Any] = {"format": im.format, "width": im.width,
                                    "height": im.height, "mode": im.mode}  # fmt: skip
            try:
                exif = im.getexif()
                for tag, name in _EXIF_TAGS.items():
                    if tag in exif:
                        meta[name] = str(exif[tag])[:200]
                sub = exif.get_ifd(0x8769)
                if 0x9003 in sub:
                    meta["datetime_original"] = str(sub[0x9003])[:200]
            except Exception:
                pass
            return meta, []
    except Exception as exc:
        return {}, [f"image header unreadable: {type(exc).__name__}"]


def _mp4_duration(path: Path) -> dict[str, Any]:
    """Walk top-level boxes to moov/mvhd; return duration in seconds if found."""
    with path.open("rb") as fh:
        size_total = path.stat().st_size
        pos = 0
        for _ in range(10_000):
            if pos + 8 > size_total:
                break
            fh.seek(pos)
            size, box = struct.unpack(">I4s", fh.read(8))
            header = 8
            if size == 1:
                size = struct.unpack(">Q", fh.read(8))[0]
                header = 16
            elif size == 0:
                size = size_total - pos
            if size < header:
                break
            if box == b"moov":
                end = pos + size
                inner = pos + header
                while inner + 8 <= end:
                    fh.seek(inner)
                    isize, ibox = struct.unpack(">I4s", fh.read(8))
                    if ibox == b"mvhd":
                        version = fh.read(1)[0]
                        fh.read(3)
                        if version == 1:
                            _, _, scale, duration = struct.unpack(">QQIQ", fh.read(28))
                        else:
                            _, _, scale, duration = struct.unpack(">IIII", fh.read(16))
                        return {"duration_s": round(duration / scale, 3)} if scale else {}
                    if isize < 8:
                        break
                    inner += isize
                break
            pos += size
    return {}


def av_metadata(path: Path, mime: str) -> tuple[dict[str, Any], list[str]]:
    try:
        if mime in ("audio/x-wav", "audio/wav", "audio/wave"):
            with wave.open(str(path), "rb") as w:
                rate = w.getframerate()
                return {
                    "codec": "pcm",
                    "channels": w.getnchannels(),
                    "sample_rate": rate,
                    "duration_s": round(w.getnframes() / rate, 3) if rate else None,
                }, []
        if mime in ("video/mp4", "video/quicktime", "audio/mp4", "audio/x-m4a", "video/x-m4v"):
            return _mp4_duration(path), []
    except Exception as exc:
        return {}, [f"media header unreadable: {type(exc).__name__}"]
    return {}, []
