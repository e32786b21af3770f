"""Find the files to ingest under the paths a user gave, surviving odd file systems.

Folders are walked recursively in a stable (sorted) order. Symbolic links are followed,
but every folder is entered at most once (keyed by device and inode), so a link loop ends
with a reported problem instead of an endless walk. Anything that is not a regular file
(a FIFO would block a reader forever; a device could be endless) is reported, not read.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Found:
    """A path met during the walk: a regular file to ingest, or a ``problem`` to report."""

    path: str
    problem: str | None = None


def walk(paths: list[str], *, exclude: str | None = None) -> Iterator[Found]:
    """Yield every regular file under ``paths``, and one :class:`Found` per problem.

    Nothing inside the folder ``exclude`` (the case itself: its database changes while it
    is read, and ``keys/`` holds the private signing key) is ingested, whether it is
    reached by walking, named directly or reached through a symbolic link: it is
    reported instead.
    """
    guard = _Guard(exclude)
    seen_dirs: set[tuple[int, int]] = set()
    for top in paths:
        yield from _visit(os.fspath(top), seen_dirs, guard, check_path=True)


class _Guard:
    """Recognises the excluded folder and anything inside it.

    Walking down from an outside folder can only enter it through the folder itself
    (matched by device and inode) or through a symbolic link, so the costlier
    ``realpath`` test runs only for the paths a user gave and for links.
    """

    def __init__(self, exclude: str | None) -> None:
        self.root: str | None = None
        self.key: tuple[int, int] | None = None
        self.keys: set[tuple[int, int]] = set()
        if exclude is not None:
            try:
                st = os.stat(exclude)
            except OSError:
                return
            self.key = (st.st_dev, st.st_ino)
            self.root = os.path.realpath(exclude)
            # A hard link to a key file has no path inside the case: match its inode.
            with contextlib.suppress(OSError), os.scandir(os.path.join(exclude, "keys")) as it:
                self.keys = {(e.stat().st_dev, e.stat().st_ino) for e in it if e.is_file()}

    def inside(self, path: str) -> bool:
        if self.root is None:
            return False
        real = os.path.realpath(path)
        return real == self.root or real.startswith(self.root.rstrip(os.sep) + os.sep)


CASE_ITSELF = "this is the case folder itself; not ingested into itself"
INSIDE_CASE = "inside the case folder (its database, keys or blobs); not ingested"


def _visit(
    path: str, seen_dirs: set[tuple[int, int]], guard: _Guard, *, check_path: bool
) -> Iterator[Found]:
    try:
        st = os.stat(path)  # follows links
    except FileNotFoundError:
        if os.path.islink(path):
            yield Found(path, "broken symbolic link")
        else:
            yield Found(path, "no such file or folder")
        return
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a link that points at itself, directly or not
            yield Found(path, "symbolic link loop")
        else:
            yield Found(path, f"cannot read: {exc.strerror or exc}")
        return
    key = (st.st_dev, st.st_ino)
    if key == guard.key:
        yield Found(path, CASE_ITSELF)
        return
    if (check_path and guard.inside(path)) or key in guard.keys:
        yield Found(path, INSIDE_CASE)
        return
    if stat.S_ISREG(st.st_mode):
        yield Found(path)
        return
    if not stat.S_ISDIR(st.st_mode):
        yield Found(path, "not a regular file (device, FIFO or socket); skipped")
        return
    if key in seen_dirs:
        if os.path.islink(path):
            yield Found(path, "symbolic link loop (folder already visited)")
        return
    seen_dirs.add(key)
    try:
        with os.scandir(path) as it:
            entries = sorted((entry.name, entry.is_symlink()) for entry in it)
    except OSError as exc:
        yield Found(path, f"cannot list folder: {exc.strerror or exc}")
        return
    for name, is_link in entries:
        yield from _visit(os.path.join(path, name), seen_dirs, guard, check_path=is_link)
