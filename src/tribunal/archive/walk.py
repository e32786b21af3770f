"""Find the files to ingest under the paths a user gave, surviving odd file systems.

Folders are walked recursively in a stable (sorted) order. Symbolic links are followed,
but every folder is entered at most once (keyed by device and inode), so a link loop ends
with a reported problem instead of an endless walk. Anything that is not a regular file
(a FIFO would block a reader forever; a device could be endless) is reported, not read.
"""

from __future__ import annotations

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

    The folder ``exclude`` (the case itself, whose database changes while it is read) is
    reported once and not entered.
    """
    seen_dirs: set[tuple[int, int]] = set()
    skip: tuple[int, int] | None = None
    if exclude is not None:
        try:
            st = os.stat(exclude)
            skip = (st.st_dev, st.st_ino)
        except OSError:
            pass
    for top in paths:
        yield from _visit(os.fspath(top), seen_dirs, skip)


def _visit(
    path: str, seen_dirs: set[tuple[int, int]], skip: tuple[int, int] | None
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
        if exc.errno == 40:  # ELOOP: a link that points at itself, directly or not
            yield Found(path, "symbolic link loop")
        else:
            yield Found(path, f"cannot read: {exc.strerror or exc}")
        return
    if stat.S_ISREG(st.st_mode):
        yield Found(path)
        return
    if not stat.S_ISDIR(st.st_mode):
        yield Found(path, "not a regular file (device, FIFO or socket); skipped")
        return
    key = (st.st_dev, st.st_ino)
    if key == skip:
        yield Found(path, "this is the case folder itself; not ingested into itself")
        return
    if key in seen_dirs:
        if os.path.islink(path):
            yield Found(path, "symbolic link loop (folder already visited)")
        return
    seen_dirs.add(key)
    try:
        with os.scandir(path) as it:
            names = sorted(entry.name for entry in it)
    except OSError as exc:
        yield Found(path, f"cannot list folder: {exc.strerror or exc}")
        return
    for name in names:
        yield from _visit(os.path.join(path, name), seen_dirs, skip)
