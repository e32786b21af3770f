"""The whole run: lists in, people and capture histories out, written all at once or not at all.

Lists are read in chunks and normalised into Parquet parts (never held whole in memory),
DuckDB reads the parts, Splink scores candidate pairs, and the pairs are clustered at the
chosen threshold and at every threshold of the sensitivity band. Everything is written into
a hidden sibling folder that is renamed to ``out_dir`` only when complete, so an error
leaves no half-written output.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tribunal.errors import InputError
from tribunal.jsonutil import dumps
from tribunal.linkage.assign import lone_refiner
from tribunal.linkage.blocking import add_blocking_keys, uses_block_keys
from tribunal.linkage.capture import (
    DEFAULT_BAND,
    apply_decisions,
    capture_history,
    person_ranks,
    sensitivity_band,
)
from tribunal.linkage.constraints import cannot_link_pairs, contradicted_matches
from tribunal.linkage.mapping import ColumnMapping
from tribunal.linkage.membership import (
    protected_ids,
    public_clusters,
    withhold_membership,
    without_protected_pairs,
)
from tribunal.linkage.model import (
    LONG_VALUE,
    SELECTIVE_SHARE,
    ModelOptions,
    TrainedModel,
    train,
)
from tribunal.linkage.normalise import normalise_lists
from tribunal.linkage.outputs import (
    clusters_table,
    pair_positions,
    record_ids,
    records_by_id,
    write_csv,
)
from tribunal.linkage.review import (
    decisions_as_labels,
    load_decisions,
    queue_pairs,
    review_accuracy,
    side_by_side,
    spreadsheet_safe,
)
from tribunal.linkage.scoring import predict_calibrated
from tribunal.linkage.sources import (
    CHUNK_ROWS,
    ListInput,
    SourceInfo,
    as_list_input,
)
from tribunal.progress import ProgressCallback

MARKER = "linkage.json"


@dataclass
class LinkResult:
    """What a run produced; paths point into ``out_dir``."""

    out_dir: Path
    n_records: int
    n_clusters: int
    threshold: float
    lists: list[str]
    capture_table: Path
    clusters: Path
    sensitivity: list[dict[str, Any]]
    sources: list[SourceInfo]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    review_queue: Path | None = None
    n_review: int = 0
    accuracy: dict[str, Any] | None = None
    seconds: float = 0.0
    protected_lists: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)  # outputs redacted for protected lists
    recorded: list[str] = field(default_factory=list)  # case items holding the capture table

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir), "n_records": self.n_records,
            "n_clusters": self.n_clusters, "threshold": self.threshold, "lists": self.lists,
            "capture_table": str(self.capture_table), "clusters": str(self.clusters),
            "sensitivity": self.sensitivity, "sources": [s.to_dict() for s in self.sources],
            "notes": self.notes, "warnings": self.warnings,
            "review_queue": str(self.review_queue) if self.review_queue else None,
            "n_review": self.n_review, "accuracy": self.accuracy, "seconds": self.seconds,
            "protected_lists": self.protected_lists, "withheld": self.withheld,
            "recorded": self.recorded,
        }


def profile_lists(
    paths: Sequence[str | Path | ListInput],
    mappings: dict[str, ColumnMapping] | None = None,
    *,
    on_progress: ProgressCallback | None = None,
) -> list[dict[str, Any]]:
    """Read and normalise lists without linking: per list, the column mapping used, rows,
    encodings, warnings and how many records have each key (names by script, birth dates
    by precision, places, valid and invalid ID numbers). For checking a mapping first."""
    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        infos, _parts = normalise_lists(paths, Path(tmp) / "records", mappings,
                                        on_progress=on_progress)
        con = duckdb.connect()
        glob = str(Path(tmp) / "records" / "*.parquet").replace("'", "''")
        rows = con.execute(f"""
            select source, count(*) as records,
                   count(name_key) as with_name,
                   count(*) filter (where name_script = 'han') as han,
                   count(*) filter (where name_script = 'uyghur') as uyghur,
                   count(*) filter (where name_script = 'latin') as latin,
                   count(birth_date) as birth_day, count(birth_ym) as birth_month,
                   count(birth_year) as birth_year, count(sex) as sex,
                   count(place_leaf) as place, count(id_number) as id_number
            from read_parquet('{glob}', union_by_name = true) group by source""").df()
        con.close()
    stats = {r["source"]: {k: int(v) for k, v in r.items() if k != "source"}
             for r in rows.to_dict(orient="records")}
    return [{**i.to_dict(), "keys": stats.get(i.name, {})} for i in infos]


def _atomic_replace(tmp: Path, out_dir: Path) -> None:
    if out_dir.exists():
        if not (out_dir / MARKER).exists() and any(out_dir.iterdir()):
            raise InputError(f"{out_dir} exists and is not an earlier linkage output",
                             hint="choose another --out folder or empty this one")
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out_dir)


def run_linkage(
    paths: Sequence[str | Path | ListInput],
    out_dir: str | Path,
    *,
    mappings: dict[str, ColumnMapping] | None = None,
    threshold: float = 0.8,
    band: Sequence[float] = DEFAULT_BAND,
    options: ModelOptions | None = None,
    decisions_path: str | Path | None = None,
    review_limit: int = 200,
    chunk_rows: int = CHUNK_ROWS,
    max_records: int | None = None,
    on_progress: ProgressCallback | None = None,
    backend: str = "duckdb",
    spark: Any = None,
    include_protected: bool = False,
    assign: bool = True,
) -> LinkResult:
    """Link and deduplicate person lists; write clusters and capture histories to ``out_dir``.

    ``backend`` is "duckdb" (default, in-process) or "spark" (``spark`` is a SparkSession,
    by default a local one); the model and outputs are the same. ``assign`` runs the
    second pass that matches records left alone against whole people
    (:mod:`tribunal.linkage.assign`) at every threshold.

    Outputs: ``clusters.csv`` (record -> person), ``capture_history.csv`` (at ``threshold``),
    ``sensitivity.csv`` and ``band/capture_history_<t>.csv`` (every band threshold),
    ``review_queue.csv``, ``pairs.parquet`` (scored pairs), ``records/`` (normalised
    records), ``model.json`` (Splink model) and ``linkage.json`` (this summary).

    Lists may be :class:`ListInput` (items of a case archive; ``clusters.csv`` then names
    each record's ``item_id``). Records of a ``protected`` list leave neither names nor
    membership in the outputs unless ``include_protected``: they are left out of
    ``clusters.csv``, ``pairs.parquet`` and the review queue, and their normalised records
    are not kept (:mod:`tribunal.linkage.membership`,
    :func:`tribunal.linkage.case_lists.withhold_protected`); the capture histories count them.
    """
    import duckdb
    from splink import DuckDBAPI

    if not 0.0 < threshold < 1.0:
        raise InputError(f"threshold {threshold} is not a probability between 0 and 1")
    started = time.perf_counter()
    options = options or ModelOptions()
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.with_name(f".{out_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        inputs = [as_list_input(p) for p in paths]
        infos, parts = normalise_lists(inputs, tmp / "records", mappings,
                                       chunk_rows=chunk_rows, max_records=max_records,
                                       on_progress=on_progress)
        con = duckdb.connect()
        glob = str(tmp / "records" / "*.parquet").replace("'", "''")
        con.execute(f"create table records as select * from read_parquet('{glob}', "
                    "union_by_name = true)")
        if uses_block_keys(options.blocking):
            add_blocking_keys(con, "records")
        n_records = con.execute("select count(*) from records").fetchall()[0][0]
        if n_records < 2:
            raise InputError("fewer than two records in all lists: nothing to link")
        cols = [r[0] for r in con.execute("describe records").fetchall()]
        counts = con.execute(
            "select " + ", ".join(f'count("{c}")' for c in cols) + " from records").fetchall()[0]
        present = {c for c, k in zip(cols, counts, strict=True) if k}
        if "name_key" not in present:
            raise InputError("no record in the lists has a readable name",
                             hint="check the name column mapping with tribunal link import")
        attrs = [c.removeprefix("attr_") for c in cols if c.startswith("attr_")]
        options.attributes = sorted(set(options.attributes) | set(attrs))
        # An attribute is selective enough to block on when most values are rare.
        filled_attrs = [f"attr_{a}" for a in options.attributes if f"attr_{a}" in present]
        stats = con.execute("select " + ", ".join(
            f'approx_count_distinct("{c}"), count("{c}"), median(length("{c}"))'
            for c in filled_attrs) + " from records").fetchall()[0] if filled_attrs else ()
        for k, col in enumerate(filled_attrs):  # one scan of the table for all of them
            distinct, filled, length = stats[3 * k:3 * k + 3]
            if (filled and distinct / filled > SELECTIVE_SHARE
                    and col not in options.selective_attributes):
                options.selective_attributes.append(col)
            if length and length >= LONG_VALUE and col not in options.long_attributes:
                options.long_attributes.append(col)
        decisions = load_decisions(decisions_path)
        labels = decisions_as_labels(decisions) if len(decisions) else None
        if backend == "spark":
            from tribunal.linkage.spark import train_spark

            frame = con.execute("select * from records").df()
            model: TrainedModel = train_spark(frame, options, labels, spark=spark)
        elif backend == "duckdb":
            model = train(DuckDBAPI(con), "records", present, options, labels)
        else:
            raise InputError(f"unknown backend {backend!r}", hint="duckdb or spark")
        pairs = predict_calibrated(model, int(n_records),
                                   min(options.predict_floor, min(band), threshold),
                                   options.calibrate_prior)
        # the model's own scores, for judging it against the reviewers below
        scored = pairs
        pairs = apply_decisions(pairs, decisions)
        show = ["unique_id", "source", "row", "name", "sex", "birth_date", "birth_ym",
                "birth_year", "place_leaf", "id_number"]
        show += [c for c in cols if c.startswith("attr_")]  # shown to the reviewer too
        # ids and lists of every record; the fields shown for the queue's records only
        ids, records = record_ids(con, "records")
        lists = [i.name for i in infos]
        item_of = {i.name: i.item_id or "" for i in infos}
        cannot = cannot_link_pairs(decisions)
        refine = (lone_refiner(con, "records", records["unique_id"], model,
                               options.selective_attributes, model.notes, cannot)
                  if assign else None)
        if not assign:
            model.notes.append("lone records not matched against whole people (--no-assign)")
        edges = pair_positions(con, "records", ids, pairs)  # once for every threshold
        ranks = person_ranks(records, pairs, threshold, cannot_link=cannot, refine=refine,
                             edges=edges)
        person = pd.Series(ranks, index=records.index)
        protected = [src.name for src in inputs if src.protected]
        hidden = (protected_ids(records, protected) if not include_protected
                  else pd.Index([]))
        if len(hidden):  # no protected record may join two public ones (membership)
            clusters = public_clusters(
                records, ids, pairs, hidden, threshold, item_of, cannot_link=cannot,
                refiner=(lambda public: lone_refiner(
                    con, "records", public, model, options.selective_attributes, None,
                    cannot)) if assign else None)
        else:
            clusters = clusters_table(ids, ranks, item_of)
        kept = withhold_membership(clusters, pairs, hidden)
        write_csv(kept.clusters, tmp / "clusters.csv")
        table = capture_history(records, person, lists)
        table.to_csv(tmp / "capture_history.csv", index=False)
        (tmp / "band").mkdir()
        sens = []
        for row in sensitivity_band(records, pairs, sorted(set(band) | {threshold}), lists,
                                    cannot_link=cannot, refine=refine, edges=edges,
                                    known={threshold: person}):
            name = f"capture_history_{row.threshold:.3f}.csv"
            row.table.to_csv(tmp / "band" / name, index=False)
            sens.append({"threshold": row.threshold, "n_people": row.n_people,
                         "table": str(Path("band") / name)})
        pd.DataFrame(sens).to_csv(tmp / "sensitivity.csv", index=False)
        near = queue_pairs(pairs, threshold, limit=review_limit, decisions=decisions)
        withheld: list[str] = list(kept.withheld)
        if protected and not include_protected:
            from tribunal.linkage.case_lists import withhold_protected

            n_hidden = len(near) - len(without_protected_pairs(near, hidden))
            # the public pairs fill the queue up to its limit
            near = queue_pairs(kept.pairs, threshold, limit=review_limit, decisions=decisions)
            queue = side_by_side(near, _queue_records(con, near, show, cols))
            queue, masked = withhold_protected(queue, tmp / "records", inputs)
            withheld += [w for w in masked if w not in withheld]
            if n_hidden:
                withheld.append("review_queue.csv")
                model.notes.append(
                    f"{n_hidden} pair(s) to review with a record of a protected list are not "
                    "in review_queue.csv: review them inside the case, in a run with "
                    "--include-protected into a folder kept as protected as the case")
            if len(hidden):
                model.notes.append(
                    "records of protected lists left out of clusters.csv and pairs.parquet "
                    "(people renumbered) so that no row tells who is in a protected list; "
                    "capture_history.csv, band/ and sensitivity.csv count them; "
                    "--include-protected keeps them")
        else:
            queue = side_by_side(near, _queue_records(con, near, show, cols))
        if queue.empty:  # a header, so that link review reads "no pairs", not a bad file
            queue = pd.DataFrame(columns=["unique_id_l", "unique_id_r", "match_probability"])
        spreadsheet_safe(queue).to_csv(tmp / "review_queue.csv", index=False)
        kept.pairs.to_parquet(tmp / "pairs.parquet", index=False)
        model.linker.misc.save_model_to_json(str(tmp / "model.json"), overwrite=True)
        accuracy = (review_accuracy(scored, decisions, threshold).to_dict()
                    if len(decisions) else None)
        warnings = [f"{i.name}: {w}" for i in infos for w in i.warnings]
        warnings += contradicted_matches(decisions, records["unique_id"], person)
        if protected and include_protected and len(lists) > len(protected):
            # ids are not names, but joined with a public list they say who is a witness
            warnings.append("clusters.csv, pairs.parquet and review_queue.csv tell which "
                            "records of the other lists were linked to a protected list "
                            "(--include-protected): keep this folder as protected as the case")
        result = LinkResult(
            out_dir=out_dir, n_records=int(n_records), n_clusters=int(ranks.max()) + 1,
            threshold=threshold, lists=lists, capture_table=out_dir / "capture_history.csv",
            clusters=out_dir / "clusters.csv", sensitivity=sens, sources=infos,
            notes=model.notes, warnings=warnings, review_queue=out_dir / "review_queue.csv",
            n_review=len(queue), accuracy=accuracy,
            seconds=round(time.perf_counter() - started, 2),
            protected_lists=protected, withheld=withheld,
        )
        (tmp / MARKER).write_text(dumps(result) + "\n", encoding="utf-8")
        con.close()
        _atomic_replace(tmp, out_dir)
        return result
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _queue_records(con: Any, near: pd.DataFrame, show: Sequence[str],
                   cols: Sequence[str]) -> pd.DataFrame:
    """The shown fields of the records of the queue's pairs."""
    ids = pd.concat([near["unique_id_l"], near["unique_id_r"]])
    return records_by_id(con, "records", ids, [c for c in show if c in cols])


def load_result(out_dir: str | Path) -> dict[str, Any]:
    """The summary of an earlier run in ``out_dir``."""
    path = Path(out_dir) / MARKER
    if not path.exists():
        raise InputError(f"{out_dir} holds no linkage output",
                         hint="run tribunal link run LISTS... --out DIR first")
    return json.loads(path.read_text(encoding="utf-8"))
