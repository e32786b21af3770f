"""Person lists as sources in the case archive: imported as originals, linked by item id.

A list is ingested like any evidence (:func:`tribunal.archive.ingest.ingest_paths`: stored
once by content, an ingest event and a custody ledger entry per import, a signed head), so
its item id cites the exact bytes and re-importing the same file adds no item. Its column
mapping is stored beside it as a derived item (relation ``linkage-mapping``, JSON): the
complete mapping that was resolved at import, used as is when the list is linked, so the
same list links the same way later. A new mapping is a new derived item naming the one it
supersedes; the latest is current, and the earlier ones stay in the ledger.

Linking reads a list from its blob (opened read-only; the bytes are hashed while reading
and must match the item's SHA-256). A list whose item is ``protected`` (a witness list)
is named by its item id in the outputs, and its records leave no names in files that may
leave the case unless the caller allows it (:func:`withhold_protected`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from tribunal.errors import CaseError, InputError
from tribunal.hashing import sha256_file
from tribunal.linkage.mapping import ColumnMapping, resolve
from tribunal.linkage.sources import ListInput, SourceInfo, read_chunks, source_name
from tribunal.progress import ProgressCallback

MAPPING_RELATION = "linkage-mapping"
CAPTURE_RELATION = "linkage-capture-history"
MAPPING_FORMAT = "tribunal-linkage-mapping/1"
PROTECTED = "[protected]"
_ITEM_ID = re.compile(r"[ED]-[0-9A-HJKMNP-TV-Z]{10}(?:[0-9A-HJKMNP-TV-Z]{3})*", re.I)
_SHEET_MIMES = ("spreadsheetml", "ms-excel")


@dataclass
class ImportedList:
    """One list now in the case: its item, the item holding its mapping, and the mapping."""

    item_id: str
    mapping_item: str
    name: str
    sha256: str
    size: int
    new: bool
    sensitivity: str
    columns: list[str] = field(default_factory=list)
    mapping: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self, *, reveal: bool = True) -> dict[str, Any]:
        """As plain data; a protected list's file name reads ``[protected]`` unless
        ``reveal`` (column names and the mapping carry no person's name and stay)."""
        hide = not reveal and self.sensitivity == "protected"
        return {
            "item_id": self.item_id, "mapping_item": self.mapping_item,
            "name": PROTECTED if hide else self.name, "sha256": self.sha256,
            "size": self.size, "new": self.new, "sensitivity": self.sensitivity,
            "columns": self.columns, "mapping": self.mapping, "warnings": self.warnings,
        }


def is_item_id(text: str) -> bool:
    """Whether ``text`` has the form of an archive item id (``E-...`` or ``D-...``)."""
    return _ITEM_ID.fullmatch(text.strip()) is not None


def _check_list(path: Path, explicit: ColumnMapping | None) -> tuple[list[str], ColumnMapping]:
    """Read a list's header and first rows; the mapping it would be linked with."""
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    info = SourceInfo(source_name(path), str(path))
    chunks = read_chunks(path, info, chunk_rows=50)
    try:
        first = next(chunks, None)
    finally:
        chunks.close()
    if first is None:
        raise InputError(f"{path.name} has a header but no records",
                         hint="check that the right file or sheet was exported")
    return list(info.columns), resolve(list(info.columns), explicit, path.name)


def stored_mapping(case: Any, item_id: str) -> tuple[str, ColumnMapping] | None:
    """The current mapping stored with a list item: ``(mapping item id, mapping)``."""
    row = case.db.execute(
        "SELECT id, sha256 FROM items WHERE parent_id = ? AND relation = ? "
        "ORDER BY rowid DESC LIMIT 1", (item_id, MAPPING_RELATION)).fetchone()
    if row is None:
        return None
    with case.blobs.open(row[1]) as fh:
        doc = json.loads(fh.read().decode("utf-8"))
    return row[0], ColumnMapping.from_dict(doc)


def _mapping_bytes(mapping: ColumnMapping, columns: list[str], supersedes: str | None) -> bytes:
    doc = {"format": MAPPING_FORMAT, "fields": mapping.fields,
           "attributes": mapping.attributes, "columns": columns, "supersedes": supersedes}
    return (json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()


def import_lists(
    case: Any,
    paths: Sequence[str | Path],
    mappings: dict[str, ColumnMapping] | None = None,
    capture: Any = None,
    *,
    on_progress: ProgressCallback | None = None,
) -> list[ImportedList]:
    """Ingest person lists into ``case`` as originals and store each one's column mapping.

    Every list is checked first (header and first rows readable, a name column, mapped
    columns present); if one fails nothing is imported. Ingest goes through the archive's own ingest (custody
    ledger entry, signed head, text and table extraction). A list already held gets a new
    ingest event only; its stored mapping changes only when ``mappings`` names it (by file
    name or stem) with a different mapping. ``capture`` is a
    :class:`tribunal.archive.items.Capture` (sensitivity, collector, source URL ...).
    """
    from tribunal.archive.ingest import ingest_paths
    from tribunal.archive.items import find_item_id
    from tribunal.archive.records import derive_item

    files = [Path(p) for p in paths]
    if not files:
        raise InputError("no lists given", hint="tribunal --case C link import LIST.csv ...")
    for path in files:
        if not path.is_file():
            raise InputError(f"no such file: {path}")
    explicit = [_entry(p, mappings) for p in files]
    # A list the case holds keeps its stored mapping unless a new one is given for it.
    held = [find_item_id(case.db, sha256_file(p)) for p in files]
    stored = [stored_mapping(case, i) if i else None for i in held]
    checked = [_check_list(p, m if m is not None else (s[1] if s else None))
               for p, m, s in zip(files, explicit, stored, strict=True)]
    out: list[ImportedList] = []
    for k, (path, given, (columns, mapping)) in enumerate(
            zip(files, explicit, checked, strict=True)):
        report = ingest_paths(case, [path], capture)
        if report.failures or not report.files:
            reason = report.failures[0].reason if report.failures else "nothing stored"
            raise InputError(f"{path.name} could not be imported: {reason}",
                             hint=f"{len(out)} list(s) before it were imported")
        f = report.files[0]
        current = stored_mapping(case, f.item_id)
        if current is not None and (given is None or _same(current[1], mapping)):
            mapping_item, mapping = current[0], current[1]
        else:
            data = _mapping_bytes(mapping, columns, current[0] if current else None)
            try:
                mapping_item = derive_item(
                    case, f.item_id, data, relation=MAPPING_RELATION, kind="mapping",
                    mime="application/json", filename=f"{path.name}.mapping.json",
                    metadata={"fields": len(mapping.fields)})
            except CaseError as exc:  # another writer took the case between the two steps
                raise CaseError(
                    f"{f.item_id} was stored, but not its column mapping: {exc.message}",
                    hint="run the same link import again once the other command is done "
                    "(the list is not stored twice)") from None
        row = case.db.execute("SELECT filename, sensitivity FROM items WHERE id = ?",
                              (f.item_id,)).fetchone()
        warnings = []
        asked = capture.sensitivity if capture is not None else "public"
        if asked != row[1]:
            # A held item keeps its first import's class: a list imported again as
            # protected is still linked, and named, as what it was.
            warnings.append(f"the case already held this list as {row[1]}, and it stays "
                            f"{row[1]} (not {asked})" + (
                                "; its names will appear in linkage outputs"
                                if asked == "protected" else ""))
        out.append(ImportedList(f.item_id, mapping_item, row[0] or path.name, f.sha256,
                                f.size, f.new, row[1], columns, mapping.to_dict(), warnings))
        if on_progress:
            on_progress(k + 1, len(files))
    return out


def _entry(path: Path, mappings: dict[str, ColumnMapping] | None) -> ColumnMapping | None:
    for key in (path.name, path.stem, str(path)):
        if mappings and key in mappings:
            return mappings[key]
    return None


def _same(a: ColumnMapping, b: ColumnMapping) -> bool:
    return a.fields == b.fields and list(a.attributes) == list(b.attributes)


def _suffix(filename: str | None, mime: str | None) -> str:
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm"):
        return suffix
    if mime and any(m in mime for m in _SHEET_MIMES):
        return ".xlsx"
    if mime and mime.startswith("text/"):
        return ".csv"
    return suffix


def case_inputs(case: Any, specs: Sequence[str | Path]) -> list[ListInput]:
    """Lists to link, each given as an item id or a path, with what the case knows of it.

    An item is read from its blob, with its stored mapping; a path whose content the case
    holds as an original is linked as that item; any other path is linked as a plain file
    (no item id). A protected list is always named by its item id in the outputs (so its
    record ids, and review decisions on them, do not depend on whether names are
    withheld); lists whose names would collide are named by item id too.
    """
    from tribunal.archive.items import find_item_id, get_item

    found: list[ListInput] = []
    for spec in specs:
        path = Path(spec)
        if path.is_file():
            digest = sha256_file(path)
            item_id = find_item_id(case.db, digest)
            if item_id is None:
                # e.g. a witness list saved again (other bytes): never withheld, so say so
                found.append(ListInput(path, source_name(path), path.suffix, warning=(
                    "not held by the case: linked as a plain file, never withheld as "
                    "protected (import it with link import to cite or protect it)")))
                continue
            item = get_item(case.db, item_id)
            src = ListInput(path, source_name(path), path.suffix, item_id)
        elif is_item_id(str(spec)):
            item = get_item(case.db, str(spec))
            blob = case.blobs.path(item.sha256)
            suffix = _suffix(item.filename, item.mime)
            if suffix not in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm"):
                raise InputError(f"item {item.id} is not a CSV or XLSX list ({item.kind})",
                                 hint="name a list item, or a table derived from one")
            src = ListInput(blob, Path(item.filename or item.id).stem, suffix, item.id,
                            sha256=item.sha256)
        else:
            raise InputError(f"no such file or item: {spec}",
                             hint="give list files, or item ids from tribunal items")
        current = stored_mapping(case, item.id)
        protected = item.sensitivity == "protected"
        name = item.id if protected else src.name
        # an item read from its blob is cited by id; a protected list's file path is not shown
        shown = f"item {item.id}" if protected or src.sha256 else None
        found.append(ListInput(src.path, name, src.suffix, item.id, src.sha256,
                               current[1] if current else None, protected, shown,
                               item.filename))
    counts = Counter(src.name for src in found)
    return [replace(s, name=s.item_id) if counts[s.name] > 1 and s.item_id else s
            for s in found]


def withhold_protected(
    queue: pd.DataFrame, records_dir: Path, inputs: Sequence[ListInput]
) -> tuple[pd.DataFrame, list[str]]:
    """Remove what names people of protected lists from a run's outputs.

    The review queue keeps both records' ids, list and row, so a pair can still be found
    and decided inside the case, but every other field of a protected list's record reads
    ``[protected]``; the normalised records of protected lists (``records/part-<k>-*``)
    are deleted. Clusters, capture histories, scored pairs and the model hold ids and
    numbers only. Returns the queue and the outputs changed.
    """
    names = {src.name for src in inputs if src.protected}
    withheld: list[str] = []
    if not queue.empty:
        queue = queue.copy()
        for side in ("l", "r"):
            mask = queue[f"source_{side}"].isin(names) if f"source_{side}" in queue else None
            if mask is None or not mask.any():
                continue
            for col in queue.columns:
                if col.endswith(f"_{side}") and col not in (
                        f"unique_id_{side}", f"source_{side}", f"row_{side}"):
                    queue[col] = queue[col].astype(object).where(~mask, PROTECTED)
            if "review_queue.csv" not in withheld:
                withheld.append("review_queue.csv")
    for k, src in enumerate(inputs):
        if src.protected:
            for part in records_dir.glob(f"part-{k:03d}-*.parquet"):
                part.unlink()
                if "records/" not in withheld:
                    withheld.append("records/")
    return queue, withheld


def record_capture_history(case: Any, result: Any) -> list[str]:
    """Store the run's capture-history table in the case, derived from each list item.

    One derived item per list (relation ``linkage-capture-history``; the table's bytes are
    stored once), with the run's threshold, counts and every list's item id in its metadata:
    an estimate can then cite the exact table and, through it, the exact lists.
    """
    from tribunal.archive.records import BatchWriter

    items = {s.name: s.item_id for s in result.sources if s.item_id}
    if not items:
        return []
    data = Path(result.capture_table).read_bytes()
    meta = {"threshold": result.threshold, "n_records": result.n_records,
            "n_people": result.n_clusters, "lists": items,
            "sha256": {s.name: s.sha256 for s in result.sources}}
    out = []
    with case.write_lock():
        writer = BatchWriter(case)
        try:
            for item_id in dict.fromkeys(items.values()):
                out.append(writer.add_derived(
                    item_id, data, relation=CAPTURE_RELATION, kind="table",
                    mime="text/csv; charset=utf-8",
                    filename=f"capture_history_{result.threshold:.3f}.csv",
                    language=None, metadata=meta))
            writer.flush()
        finally:
            writer.close()
    return out


def reveal_protected(case: Any, summary: dict[str, Any], queue: pd.DataFrame) -> pd.DataFrame:
    """The review queue with the ``[protected]`` fields filled in from the case.

    For the investigator working inside the case: each protected list the queue names is
    read again from its blob with the mapping the run used, and its records' fields are
    put back for display. Nothing is written. ``summary`` is the run's ``linkage.json``.
    """
    import tempfile

    from tribunal.archive.items import get_item
    from tribunal.linkage.link import normalise_lists
    from tribunal.linkage.review import SHOW_COLUMNS

    out = queue.copy()
    for src in summary.get("sources", []):
        if not src.get("item_id") or out.empty:
            continue
        name = src["name"]
        sides = [s for s in ("l", "r") if (out[f"source_{s}"] == name).any()]
        item = get_item(case.db, src["item_id"])
        if not sides or item.sensitivity != "protected":
            continue
        mapping = ColumnMapping.from_dict(src["mapping"])
        stored = ListInput(case.blobs.path(item.sha256), name, _suffix(item.filename, item.mime),
                           item.id, item.sha256, mapping, True)
        with tempfile.TemporaryDirectory() as tmp:
            _, parts = normalise_lists([stored], Path(tmp))
            records = pd.concat([pd.read_parquet(p) for p in parts]).set_index("unique_id")
        for side in sides:
            mask = out[f"source_{side}"] == name
            ids = out.loc[mask, f"unique_id_{side}"]
            attrs = [c for c in records.columns if c.startswith("attr_")]
            for col in (*SHOW_COLUMNS, *attrs):
                target = f"{col}_{side}"
                if target in out.columns and col in records.columns and col != "source":
                    values = records[col].reindex(ids.to_numpy())
                    out.loc[mask, target] = ["" if pd.isna(v) else str(v) for v in values]
    return out
