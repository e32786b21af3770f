"""Progress reporting that library code can use without knowing about terminals.

Library functions accept an optional ``on_progress(done, total)`` callback; the command
line passes one that drives a rich progress bar on a terminal and nothing otherwise.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

ProgressCallback = Callable[[int, int], None]


@contextmanager
def progress_bar(description: str, *, enabled: bool | None = None) -> Iterator[ProgressCallback]:
    """Yield an ``on_progress(done, total)`` callback drawing a bar on stderr.

    The bar is shown only when stderr is a terminal (or ``enabled`` is True), so that
    logs and ``--json`` output stay clean.
    """
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        yield lambda done, total: None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
