"""Lists in, standard records out as Parquet parts, one part per chunk of rows.

Reading a list is sequential (each line is decoded on its own and the file's SHA-256 is
computed as it is read), but normalising a chunk depends on nothing but the chunk, so when a
list holds more than one chunk the chunks are normalised in worker processes, one per idle
core, while the next chunks are read. Each part is a pure function of its chunk, so the parts are
the same whichever process wrote them; a list of one chunk never starts a worker.
"""

from __future__ import annotations

import gc
import os
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from tribunal.errors import InputError
from tribunal.linkage.mapping import ColumnMapping, resolve
from tribunal.linkage.records import load_reference_tables, standardise_table
from tribunal.linkage.sources import (
    CHUNK_ROWS,
    ListInput,
    SourceInfo,
    as_list_input,
    count_rows,
    read_chunks,
)
from tribunal.progress import ProgressCallback


def default_workers() -> int:
    """Worker processes for normalising: the idle cores this process may use, at most 4
    (the reader feeds about that many); 1 (no workers) where processes cannot be forked.

    Each worker warms its own name caches, so workers cost more CPU in total than one
    process; they pay only on cores that would otherwise wait. Idle cores are measured
    over a tenth of a second (:func:`busy_cores`): the one-minute load average would still
    count, for most of a minute, a job that has just ended. It stands in where the
    kernel's CPU counters cannot be read.
    """
    if not hasattr(os, "sched_getaffinity") or not hasattr(os, "fork"):
        return 1  # macOS/Windows: "spawn" would re-run an unguarded user script
    cores = len(os.sched_getaffinity(0))
    busy = busy_cores()
    if busy is None:  # the load average counts this process too
        busy = max(0.0, os.getloadavg()[0] - 1.0)
    return max(1, min(4, cores, int(cores - busy + 0.5)))


def _cpu_times() -> tuple[int, int] | None:
    """(all, idle) CPU time in ticks since boot, summed over the cores (Linux
    ``/proc/stat``; idle includes waiting for I/O); None where it cannot be read."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = fh.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu" or len(fields) < 6:
        return None
    ticks = [int(x) for x in fields[1:]]
    return sum(ticks[:8]), ticks[3] + ticks[4]  # user..steal; idle + iowait


def busy_cores(window: float = 0.1) -> float | None:
    """How many of the machine's cores other processes keep busy, measured over
    ``window`` seconds while this process sleeps; None where it cannot be measured."""
    import time

    before = _cpu_times()
    time.sleep(window)
    after = _cpu_times()
    if before is None or after is None or after[0] <= before[0]:
        return None
    total, idle = after[0] - before[0], after[1] - before[1]
    return (os.cpu_count() or 1) * (total - idle) / total


def _mapping_for(src: ListInput, mappings: dict[str, ColumnMapping] | None) -> ColumnMapping | None:
    """The explicit mapping of a list: the --mapping entry for its item id or file name,
    else the mapping stored with it in the case."""
    keys = [src.path.name, src.path.stem, str(src.path), src.name]
    if src.filename:  # an item read from its blob: the path is the blob's, not the file's
        keys[:0] = [src.filename, Path(src.filename).stem]
    if src.item_id:
        keys.insert(0, src.item_id)
    for key in keys:
        if mappings and key in mappings:
            return mappings[key]
    return src.mapping


def _write_part(frame: pd.DataFrame, mapping: ColumnMapping, source: str, start_row: int,
                part: Path) -> None:
    """Normalise one chunk and write it as a Parquet part (in a worker or in-process)."""
    import pyarrow.parquet as pq

    pq.write_table(standardise_table(frame, mapping, source, start_row=start_row), part)
    # Automatic collection is off while normalising (see normalise_lists); young garbage
    # is collected once per chunk.
    gc.collect(1)


# Joins a column's cells into one string for the trip to a worker: pickling a hundred
# thousand separate strings costs several times more than one string and a split.
_SEP = "\x00"


def _pack(frame: pd.DataFrame) -> tuple[list[Any], list[Any]]:
    """A chunk as sent to a worker: its column names and, per column, the cells joined by
    :data:`_SEP` when they are all text without it, else the cells as they are."""
    cols: list[Any] = []
    for i in range(frame.shape[1]):
        values = frame.iloc[:, i].to_numpy(dtype=object)
        try:
            text = _SEP.join(values)
        except TypeError:  # a spreadsheet's numbers or dates
            cols.append(values)
            continue
        cols.append(text if len(values) and text.count(_SEP) == len(values) - 1 else values)
    return list(frame.columns), cols


def _unpack(columns: list[Any], cols: list[Any]) -> pd.DataFrame:
    frame = pd.DataFrame({i: c.split(_SEP) if isinstance(c, str) else c
                          for i, c in enumerate(cols)}, dtype=object)
    frame.columns = pd.Index(columns, dtype=object)
    return frame


def _write_packed(packed: tuple[list[Any], list[Any]], *args: Any) -> None:
    """:func:`_write_part` of a chunk packed by :func:`_pack` (in a worker)."""
    _write_part(_unpack(*packed), *args)


def _worker_init() -> None:
    gc.disable()


def normalise_lists(
    paths: Sequence[str | Path | ListInput],
    work_dir: Path,
    mappings: dict[str, ColumnMapping] | None = None,
    *,
    chunk_rows: int = CHUNK_ROWS,
    max_records: int | None = None,
    on_progress: ProgressCallback | None = None,
    workers: int | None = None,
) -> tuple[list[SourceInfo], list[Path]]:
    """Read every list in chunks and write its standard records as Parquet parts
    (``part-<list number>-<chunk>.parquet``).

    ``workers`` processes normalise chunks in parallel (default: one per idle core, see
    :func:`default_workers`; 1 keeps everything in this process). The parts are the same
    for any number of workers.
    """
    inputs = [as_list_input(p) for p in paths]
    if not inputs:
        raise InputError("no lists given", hint="tribunal link run LIST.csv [LIST2.csv ...]")
    names = [i.name for i in inputs]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        name = sorted(dupes)[0]
        items = {i.item_id for i in inputs if i.name == name}
        if len(items) == 1 and None not in items:  # by item id and by path, or twice
            raise InputError(f"the list {name} is given twice",
                             hint="give each list once (a path the case holds is that item)")
        raise InputError(f"two lists share the name {name!r}",
                         hint="list names come from file names; rename one file")
    if max_records is not None:
        for src in inputs:
            if not src.path.is_file():
                raise InputError(f"no such file: {src.path}")
        rows = sum(count_rows(i.path, i.suffix) for i in inputs)
        if rows > max_records:
            raise InputError(
                f"the lists hold about {rows:,} rows, more than --max-records {max_records:,}",
                hint="raise --max-records if the machine has the memory, or use "
                "--backend spark for lists beyond one machine",
            )
    work_dir.mkdir(parents=True, exist_ok=True)
    # The name/date/place caches hold millions of objects; automatic full collections
    # would rescan them all every few thousand allocations (about a third of this phase's
    # time). Young garbage is still collected once per chunk, and the old state restored.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    runner = _Runner(workers if workers is not None else default_workers())
    try:
        infos, parts = _normalise_each(inputs, work_dir, mappings, chunk_rows, max_records,
                                       on_progress, runner)
        runner.drain()
    finally:
        runner.close()
        if gc_was_enabled:
            gc.enable()
    return infos, parts


class _Runner:
    """Runs :func:`_write_part` in this process until a second chunk shows that the input is
    worth the workers' start-up, then in a pool, with at most two chunks per worker in
    flight so that reading never runs far ahead of normalising (memory stays bounded).

    Workers are forked with this process's objects frozen (``gc.freeze``, as the Python
    documentation advises for fork without exec): a worker's collections never walk the
    objects it inherited, which the parent's other threads may have been using when it
    forked. Should a worker still die (a crash, the kernel's out-of-memory killer), the
    chunks it held and every later chunk are normalised in this process: a part is a pure
    function of its chunk, so the parts are the same."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.pending: deque[tuple[Future[Any], int, tuple[Any, ...]]] = deque()
        self.frozen = False
        self.first: tuple[Any, ...] | None = None
        self.done = 0
        self.on_done: ProgressCallback | None = None

    def submit(self, *args: Any, total: int) -> None:
        if self.workers <= 1 and self.pool is None:
            _write_part(*args)
            self._progress(total)
            return
        if self.first is None and self.pool is None:
            self.first = (args, total)  # held back: is there a second chunk?
            return
        if self.pool is None:
            import multiprocessing

            load_reference_tables()  # once here, shared by the forked workers

            # "fork": workers start at once and share the warm caches; "spawn" would re-run
            # a user's script that calls this without an ``if __name__ == "__main__"`` guard.
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("fork"),
                initializer=_worker_init)
            held, self.first = self.first, None
            assert held is not None
            self._send(held[0], held[1])
        while self.pending and len(self.pending) >= 2 * self.workers:
            self._wait_oldest()
        self._send(args, total)

    def _send(self, args: tuple[Any, ...], total: int) -> None:
        if self.pool is None:  # the pool broke: this process normalises the rest
            _write_part(*args)
            self._progress(total)
            return
        # the pool forks its workers as chunks arrive: freeze what they will inherit
        gc.freeze()
        self.frozen = True
        frame, *rest = args
        self.pending.append((self.pool.submit(_write_packed, _pack(frame), *rest), total,
                             args))

    def _wait_oldest(self) -> None:
        from concurrent.futures.process import BrokenProcessPool

        future, total, args = self.pending.popleft()
        try:
            future.result()  # re-raises a worker's error here
        except BrokenProcessPool:
            self.pending.appendleft((future, total, args))  # redone first, in order
            self._fall_back()
            return
        self._progress(total)

    def _fall_back(self) -> None:
        """A worker died: stop the pool and normalise the chunks it held here."""
        import logging

        logging.getLogger(__name__).warning(
            "a normalising worker process died; the remaining chunks are normalised in "
            "the main process")
        held = list(self.pending)
        self.pending.clear()
        self.close()
        self.workers = 1
        for _, total, args in held:
            _write_part(*args)
            self._progress(total)

    def _progress(self, total: int) -> None:
        if self.on_done:
            self.on_done(total, 0)

    def drain(self) -> None:
        if self.first is not None:  # a single chunk: no pool was worth starting
            args, total = self.first
            self.first = None
            _write_part(*args)
            self._progress(total)
        while self.pending:
            self._wait_oldest()

    def close(self) -> None:
        if self.pool is not None:
            for future, _, _ in self.pending:
                future.cancel()
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.frozen:
            gc.unfreeze()
            self.frozen = False


def _normalise_each(
    inputs: list[ListInput],
    work_dir: Path,
    mappings: dict[str, ColumnMapping] | None,
    chunk_rows: int,
    max_records: int | None,
    on_progress: ProgressCallback | None,
    runner: _Runner,
) -> tuple[list[SourceInfo], list[Path]]:
    infos: list[SourceInfo] = []
    parts: list[Path] = []
    runner.on_done = on_progress
    total = 0
    for k, src in enumerate(inputs):
        path = src.path
        info = SourceInfo(src.name, src.shown or str(path), item_id=src.item_id)
        if src.warning:
            info.warnings.append(src.warning)
        label = (path.name if not src.item_id else src.name if src.name == src.item_id
                 else f"{src.name} ({src.item_id})")
        explicit = _mapping_for(src, mappings)
        mapping: ColumnMapping | None = None
        n = 0
        for chunk in read_chunks(path, info, chunk_rows=chunk_rows, suffix=src.suffix):
            if mapping is None:
                mapping = resolve(list(chunk.columns), explicit, label)
                info.mapping = mapping.to_dict()
            total += len(chunk)
            if max_records is not None and total > max_records:
                raise InputError(
                    f"more than {max_records:,} records in the lists",
                    hint="raise --max-records if the machine has the memory, or use the "
                    "Spark backend for lists beyond one machine",
                )
            part = work_dir / f"part-{k:03d}-{len(parts):05d}.parquet"
            runner.submit(chunk, mapping, info.name, n, part, total=total)
            n += len(chunk)
            parts.append(part)
        if mapping is None and not info.columns:
            raise InputError(f"{label} is empty", hint="a list needs a header row and rows")
        if n == 0:
            raise InputError(f"{label} has a header but no records",
                             hint="check that the right file or sheet was exported")
        if src.sha256 and info.sha256 != src.sha256:
            raise InputError(
                f"the stored content of {label} does not match its recorded SHA-256",
                hint="the case's blob was altered or damaged; run tribunal verify")
        infos.append(info)
    return infos, parts
