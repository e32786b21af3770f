"""Content-addressed storage of originals: ``blobs/ab/cdef...`` named by SHA-256.

A blob is written by streaming the source into a temporary file inside the case (so the
final rename never crosses a file system), hashing as it goes; the temporary file is
fsynced and atomically renamed to its content address. A blob that already exists is not
written again, so content is stored once however often it is ingested, and an existing
blob is never opened for writing: originals are never modified.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# Large reads keep the per-call overhead small next to the hashing itself.
BUFFER = 1 << 20


@dataclass(frozen=True)
class StoredBlob:
    """The outcome of :meth:`BlobStore.put`: the address, the size and whether it was new."""

    sha256: str
    size: int
    new: bool


class BlobStore:
    """A folder of blobs addressed by their SHA-256, with a scratch folder for writes."""

    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = Path(root)
        self.tmp = Path(tmp)
        self._dirty_dirs: set[Path] = set()
        self._pending: list[Path] = []

    def path(self, sha256: str) -> Path:
        """Where the blob with this hex digest lives (whether or not it exists)."""
        return self.root / sha256[:2] / sha256[2:]

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored blob for reading."""
        return open(self.path(sha256), "rb")

    def put_file(self, source: str | os.PathLike[str] | bytes) -> StoredBlob:
        """Store the file at ``source`` by streaming it; see :meth:`put_stream`."""
        with open(source, "rb") as fh:
            return self.put_stream(fh)

    def put_bytes(self, data: bytes) -> StoredBlob:
        """Store ``data`` (used for derived items such as extracted text)."""
        sha = hashlib.sha256(data).hexdigest()
        if self.exists(sha):
            return StoredBlob(sha, len(data), False)
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="blob-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            return self._commit(tmp_name, sha, len(data))
        except BaseException:
            _unlink_quietly(tmp_name)
            raise

    def put_stream(self, stream: BinaryIO) -> StoredBlob:
        """Copy ``stream`` into the store, hashing while copying; memory use is one buffer.

        The rename is atomic, so a killed process leaves either no blob or the whole blob
        under its address (plus perhaps an orphan ``*.part`` file that :meth:`clean_tmp`
        removes); :meth:`sync` makes new blobs durable before any row refers to them.
        """
        digest = hashlib.sha256()
        size = 0
        buf = bytearray(BUFFER)
        view = memoryview(buf)
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="blob-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                while n := stream.readinto(buf):
                    chunk = view[:n]
                    digest.update(chunk)
                    out.write(chunk)
                    size += n
            sha = digest.hexdigest()
            if self.exists(sha):
                _unlink_quietly(tmp_name)
                return StoredBlob(sha, size, False)
            return self._commit(tmp_name, sha, size)
        except BaseException:
            _unlink_quietly(tmp_name)
            raise

    def _commit(self, tmp_name: str, sha: str, size: int) -> StoredBlob:
        final = self.path(sha)
        if final.is_file():
            _unlink_quietly(tmp_name)
            return StoredBlob(sha, size, False)
        final.parent.mkdir(exist_ok=True)
        os.chmod(tmp_name, 0o444)
        os.replace(tmp_name, final)
        self._pending.append(final)
        self._dirty_dirs.add(final.parent)
        self._dirty_dirs.add(self.root)
        return StoredBlob(sha, size, True)

    def sync(self) -> None:
        """Make every blob written since the last call durable, with the folders naming them.

        Called before the metadata transaction that refers to those blobs commits: a row
        must never point at a blob that a power cut could take back. On Linux one
        ``syncfs(2)`` flushes the whole batch at once (per-file fsyncs cost a disk flush
        each); elsewhere each new file and its folder is fsynced.
        """
        if not self._pending and not self._dirty_dirs:
            return
        if not _syncfs(self.root):
            for path in self._pending:
                _fsync_path(path)
            for folder in sorted(self._dirty_dirs, key=lambda p: len(p.parts), reverse=True):
                _fsync_path(folder)
        self._pending.clear()
        self._dirty_dirs.clear()

    def clean_tmp(self) -> int:
        """Remove orphan temporary files left by an interrupted write; return how many."""
        removed = 0
        if not self.tmp.is_dir():
            return 0
        # Only called under the case's writer lock, so nothing here is still being written.
        for entry in self.tmp.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                _unlink_quietly(entry)
            removed += 1
        return removed

    def iter_blobs(self) -> Iterator[tuple[str, Path]]:
        """Yield ``(sha256, path)`` for every file under the store, valid name or not."""
        if not self.root.is_dir():
            return
        for sub in sorted(self.root.iterdir()):
            if not sub.is_dir():
                yield sub.name, sub
                continue
            for entry in sorted(sub.iterdir()):
                yield sub.name + entry.name, entry


def _fsync_path(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _syncfs(path: Path) -> bool:
    """``syncfs(2)`` on the file system holding ``path``; False where unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(path, os.O_RDONLY)
    except (OSError, AttributeError):
        return False
    try:
        return libc.syncfs(fd) == 0
    except AttributeError:
        return False
    finally:
        os.close(fd)


def _unlink_quietly(path: str | os.PathLike[str]) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
