"""``tribunal link``: link and deduplicate person lists, review uncertain pairs."""

from __future__ import annotations

from pathlib import Path

import click

from tribunal.cli.output import console, emit, json_option


def _thresholds(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise click.BadParameter(f"not a list of probabilities: {text}") from exc
    if not values or any(not 0 < v < 1 for v in values):
        raise click.BadParameter("thresholds must be probabilities between 0 and 1")
    return values


@click.group()
def link() -> None:
    """Link person lists across scripts and turn them into capture histories.

    \b
      tribunal link import A.csv B.xlsx                check mappings and keys first
      tribunal link run A.csv B.xlsx --out linked      link, cluster, write tables
      tribunal link review linked                      show pairs near the threshold
      tribunal link decide linked ID1 ID2 match --reviewer NAME
      tribunal link run A.csv B.xlsx --out linked --decisions linked/decisions.csv
    """


@link.command("run")
@click.argument("lists", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML mapping of each list's columns to standard fields.")
@click.option("--threshold", default=0.8, show_default=True, type=float,
              help="Match probability at or above which two records are one person.")
@click.option("--band", default="0.5,0.8,0.9,0.95,0.99", show_default=True,
              help="Thresholds for the sensitivity band (comma-separated).")
@click.option("--out", "out_dir", default="linkage-out", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder for clusters, capture histories and the review queue.")
@click.option("--decisions", type=click.Path(dir_okay=False, path_type=Path),
              help="Reviewed decisions CSV to train on and to overrule pairs with.")
@click.option("--seed", default=20191217, show_default=True, type=int,
              help="Seed for the random sampling used in training.")
@click.option("--max-records", type=int, default=None,
              help="Refuse to link more records than this (a guard for huge files).")
@click.option("--backend", type=click.Choice(["duckdb", "spark"]), default="duckdb",
              show_default=True, help="Where the model runs: in-process DuckDB or Spark "
              "(local mode; needs Java).")
@json_option
def run(lists: tuple[Path, ...], mapping: Path | None, threshold: float, band: str,
        out_dir: Path, decisions: Path | None, seed: int, max_records: int | None,
        backend: str, as_json: bool) -> None:
    """Link and deduplicate LISTS (CSV, TSV or XLSX files)."""
    from tribunal.linkage.link import run_linkage
    from tribunal.linkage.mapping import load_mapping
    from tribunal.linkage.model import ModelOptions
    from tribunal.progress import progress_bar

    mappings = load_mapping(mapping) if mapping else None
    if decisions is None and (out_dir / "decisions.csv").exists():
        decisions = out_dir / "decisions.csv"
    keep_decisions = decisions.read_bytes() if decisions and decisions.exists() else None
    with progress_bar("reading lists", enabled=False if as_json else None) as cb:
        result = run_linkage(list(lists), out_dir, mappings=mappings, threshold=threshold,
                             band=_thresholds(band), options=ModelOptions(seed=seed),
                             decisions_path=decisions, max_records=max_records,
                             on_progress=cb, backend=backend)
    # Decisions kept in the output folder survive the folder being replaced.
    if keep_decisions is not None and decisions == out_dir / "decisions.csv":
        (out_dir / "decisions.csv").write_bytes(keep_decisions)

    def human(r) -> None:
        console.print(f"[bold]{r.n_records}[/] records in {len(r.lists)} list(s) -> "
                      f"[bold]{r.n_clusters}[/] people at threshold {r.threshold}")
        for row in r.sensitivity:
            console.print(f"  threshold {row['threshold']:.3f}: {row['n_people']} people")
        console.print(f"capture histories: {r.capture_table}")
        console.print(f"clusters:          {r.clusters}")
        console.print(f"review queue:      {r.review_queue} ({r.n_review} pairs)")
        for w in r.warnings:
            console.print(f"[yellow]warning:[/] {w}")
        for n in r.notes:
            console.print(f"note: {n}")

    emit(result, as_json, human)


@link.command("import")
@click.argument("lists", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML mapping of each list's columns to standard fields.")
@json_option
def import_lists(lists: tuple[Path, ...], mapping: Path | None, as_json: bool) -> None:
    """Read LISTS and show how they would be linked: the column mapping, encodings,
    warnings and how many records carry each key. Nothing is written."""
    from tribunal.linkage.link import profile_lists
    from tribunal.linkage.mapping import load_mapping

    mappings = load_mapping(mapping) if mapping else None
    result = profile_lists(list(lists), mappings)

    def human(rows) -> None:
        for r in rows:
            console.print(f"[bold]{r['name']}[/] ({r['n_rows']} rows, sha256 {r['sha256'][:12]}…)")
            for fld, cols in r["mapping"].get("fields", {}).items():
                console.print(f"  {fld:<11} <- {', '.join(cols)}")
            if r["mapping"].get("attributes"):
                console.print(f"  attributes  <- {', '.join(r['mapping']['attributes'])}")
            k = r["keys"]
            if k:
                console.print(
                    f"  names: {k['with_name']} ({k['han']} hanzi, {k['uyghur']} Uyghur, "
                    f"{k['latin']} Latin); birth: {k['birth_day']} day, {k['birth_month']} "
                    f"month, {k['birth_year']} year; place {k['place']}; sex {k['sex']}; "
                    f"ID {k['id_number']}")
            console.print(f"  encodings: {r['encodings'] or {'ascii': 'only'}}")
            for w in r["warnings"]:
                console.print(f"  [yellow]warning:[/] {w}")

    emit(result, as_json, human)


@link.command("review")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--limit", default=20, show_default=True, help="How many pairs to show.")
@json_option
def review(out_dir: Path, limit: int, as_json: bool) -> None:
    """Show pairs near the threshold from an earlier run in OUT_DIR, side by side."""
    import pandas as pd

    from tribunal.linkage.link import load_result
    from tribunal.linkage.review import load_decisions

    load_result(out_dir)
    queue = pd.read_csv(out_dir / "review_queue.csv", dtype=str, keep_default_na=False)
    done = load_decisions(out_dir / "decisions.csv")
    if len(done) and len(queue):
        decided = set(zip(done["unique_id_l"], done["unique_id_r"], strict=True))
        keep = [(min(a, b), max(a, b)) not in decided
                for a, b in zip(queue["unique_id_l"], queue["unique_id_r"], strict=True)]
        queue = queue[keep]
    queue = queue.head(limit)

    def human(rows) -> None:
        if not rows:
            console.print("no pairs left to review")
            return
        for r in rows:
            console.print(f"[bold]{r['unique_id_l']}[/]  vs  [bold]{r['unique_id_r']}[/]"
                          f"   p={float(r['match_probability']):.3f}")
            for f in ("name", "sex", "birth_date", "birth_ym", "birth_year", "place_leaf",
                      "id_number"):
                if f"{f}_l" in r:
                    console.print(f"    {f:<11} {r[f + '_l']!s:<28} {r[f + '_r']!s}")
        console.print("decide with: tribunal link decide OUT_DIR ID1 ID2 match|non-match|unsure"
                      " --reviewer NAME")

    emit(queue.to_dict(orient="records"), as_json, human)


@link.command("decide")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("id_l")
@click.argument("id_r")
@click.argument("decision", type=click.Choice(["match", "non-match", "unsure"]))
@click.option("--reviewer", required=True, help="Who decided (kept with the decision).")
@click.option("--note", default="", help="Why, in a few words.")
@json_option
def decide(out_dir: Path, id_l: str, id_r: str, decision: str, reviewer: str, note: str,
           as_json: bool) -> None:
    """Record a reviewer's DECISION on the pair ID_L, ID_R (stored in OUT_DIR/decisions.csv).

    Re-run `tribunal link run ... --out OUT_DIR` to train on the decisions and apply them.
    """
    from tribunal.errors import InputError
    from tribunal.linkage.link import load_result
    from tribunal.linkage.review import record_decision

    load_result(out_dir)
    import pandas as pd

    ids = set(pd.read_csv(out_dir / "clusters.csv", usecols=["unique_id"])["unique_id"])
    for rid in (id_l, id_r):
        if rid not in ids:
            raise InputError(f"no record {rid!r} in {out_dir}",
                             hint="record ids look like LIST:ROW; see clusters.csv")
    row = record_decision(out_dir / "decisions.csv", id_l, id_r, decision, reviewer, note)
    emit(row, as_json, lambda r: console.print(
        f"recorded {r['decision']} for {r['unique_id_l']} / {r['unique_id_r']} "
        f"by {r['reviewer']} at {r['decided_at']}"))


@link.command("normalise")
@click.argument("names", nargs=-1, required=True)
@json_option
def normalise(names: tuple[str, ...], as_json: bool) -> None:
    """Show the comparison keys the model derives from NAMES (any script)."""
    from tribunal.linkage.names import normalise_name

    rows = []
    for n in names:
        k = normalise_name(n)
        rows.append({"name": n, "script": k.script, "hanzi": k.hanzi, "key": k.key,
                     "variants": list(k.variants), "skeleton": k.skeleton})

    def human(rs) -> None:
        for r in rs:
            console.print(f"{r['name']}: script={r['script']} hanzi={r['hanzi']} "
                          f"key={r['key']!r} variants={r['variants']} skeleton={r['skeleton']!r}")

    emit(rows, as_json, human)
