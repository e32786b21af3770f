"""``tribunal link``: link and deduplicate person lists, review uncertain pairs."""

from __future__ import annotations

from pathlib import Path

import click

from tribunal.cli.output import (
    case_dir,
    console,
    emit,
    json_option,
    refuse_inside_case,
    safe_text,
)


def _thresholds(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise click.BadParameter(f"not a list of probabilities: {text}") from exc
    if not values or any(not 0 < v < 1 for v in values):
        raise click.BadParameter("thresholds must be probabilities between 0 and 1")
    return values


def _given_case(ctx: click.Context) -> Path | None:
    """The case folder when one was chosen (--case or TRIBUNAL_CASE), else None: without
    one, `link` works on files as it always did and writes nothing into any case."""
    from click.core import ParameterSource

    source = ctx.find_root().get_parameter_source("case_dir")
    if source in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
        return case_dir(ctx)
    return None


@click.group()
def link() -> None:
    """Link person lists across scripts and turn them into capture histories.

    \b
      tribunal link import A.csv B.xlsx                check mappings and keys first
      tribunal link run A.csv B.xlsx --out linked      link, cluster, write tables
      tribunal link review linked                      show pairs near the threshold
      tribunal link decide linked ID1 ID2 match --reviewer NAME
      tribunal link run A.csv B.xlsx --out linked --decisions linked/decisions.csv
      tribunal --case C link import A.csv B.xlsx       store the lists in the case
      tribunal --case C link run E-... E-... --out linked   link them by item id
    """


@link.command("run")
@click.argument("lists", nargs=-1, required=True)
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
@click.option("--include-protected", is_flag=True,
              help="Keep the records of protected lists, with their names, in clusters.csv, "
              "pairs.parquet, the review queue and records/ (withheld by default).")
@click.option("--record", is_flag=True,
              help="Store the capture-history table in the case, derived from each list item.")
@click.option("--no-assign", "no_assign", is_flag=True,
              help="Skip the second pass that matches records left alone against whole "
              "people.")
@json_option
@click.pass_context
def run(ctx: click.Context, lists: tuple[str, ...], mapping: Path | None, threshold: float,
        band: str, out_dir: Path, decisions: Path | None, seed: int, max_records: int | None,
        backend: str, include_protected: bool, record: bool, no_assign: bool,
        as_json: bool) -> None:
    """Link and deduplicate LISTS: CSV, TSV or XLSX files, or, with --case, item ids of
    lists in the case (tribunal --case C link run E-7K3QX9ZB2M ...)."""
    from tribunal.linkage.link import MARKER, run_linkage
    from tribunal.linkage.mapping import load_mapping
    from tribunal.linkage.model import ModelOptions
    from tribunal.progress import progress_bar

    mappings = load_mapping(mapping) if mapping else None
    if decisions is None and (out_dir / "decisions.csv").exists():
        decisions = out_dir / "decisions.csv"
    keep_decisions = decisions.read_bytes() if decisions and decisions.exists() else None
    case_path = _given_case(ctx)
    case = None
    if case_path is None:
        inputs: list = _plain_files(lists, record)
    else:
        from tribunal.archive.case import Case
        from tribunal.linkage.case_lists import case_inputs

        refuse_inside_case(out_dir, ctx, "linkage output")
        case = Case.open(case_path, readonly=not record)
    try:
        if case is not None:
            inputs = case_inputs(case, lists)
            if record:
                _all_held(inputs, case_path)
        with progress_bar("reading lists", enabled=False if as_json else None) as cb:
            result = run_linkage(inputs, out_dir, mappings=mappings, threshold=threshold,
                                 band=_thresholds(band), options=ModelOptions(seed=seed),
                                 decisions_path=decisions, max_records=max_records,
                                 on_progress=cb, backend=backend,
                                 include_protected=include_protected,
                                 assign=not no_assign)
        if record and case is not None:
            from tribunal.jsonutil import dumps
            from tribunal.linkage.case_lists import record_capture_history

            result.recorded = record_capture_history(case, result)
            (out_dir / MARKER).write_text(dumps(result) + "\n", encoding="utf-8")
    finally:
        if case is not None:
            case.close()
    # Decisions kept in the output folder survive the folder being replaced.
    if keep_decisions is not None and decisions == out_dir / "decisions.csv":
        (out_dir / "decisions.csv").write_bytes(keep_decisions)

    def human(r) -> None:
        console.print(f"[bold]{r.n_records}[/] records in {len(r.lists)} list(s) -> "
                      f"[bold]{r.n_clusters}[/] people at threshold {r.threshold}")
        for row in r.sensitivity:
            console.print(f"  threshold {row['threshold']:.3f}: {row['n_people']} people")
        console.print(f"capture histories: {safe_text(str(r.capture_table))}")
        console.print(f"clusters:          {safe_text(str(r.clusters))}")
        console.print(f"review queue:      {safe_text(str(r.review_queue))} ({r.n_review} pairs)")
        if len(r.lists) == 1:
            console.print("one list: its duplicates are merged; an estimate with tribunal mse "
                          "needs the people of two or more lists")
        if r.withheld:
            console.print(f"protected lists withheld from: {', '.join(r.withheld)} "
                          "(--include-protected keeps them)")
        if r.recorded:
            console.print(f"recorded in the case: {', '.join(r.recorded)}")
        for w in r.warnings:  # warnings name lists: file names are user text
            console.print(f"[yellow]warning:[/] {safe_text(w)}")
        for n in r.notes:
            console.print(f"note: {safe_text(n)}")

    emit(result, as_json, human)


def _all_held(inputs: list, case_path: Path) -> None:
    """--record cites every list through its item: a list the case does not hold would be
    in the table without anything in the case to cite."""
    from tribunal.errors import InputError

    missing = [str(i.path) for i in inputs if not i.item_id]
    if missing:
        raise InputError(f"--record needs every list in the case; not held: {', '.join(missing)}",
                         hint=f"import it first: tribunal --case {case_path} link import "
                         f"{missing[0]}")


def _plain_files(lists: tuple[str, ...], record: bool) -> list[Path]:
    from tribunal.errors import InputError
    from tribunal.linkage.case_lists import is_item_id

    if record:
        raise InputError("--record stores the capture histories in a case",
                         hint="give --case DIR (or set TRIBUNAL_CASE)")
    out = []
    for spec in lists:
        path = Path(spec)
        if not path.is_file():
            if is_item_id(spec):
                raise InputError(f"{spec} looks like an item id, but no case was given",
                                 hint=f"tribunal --case DIR link run {spec} ...")
            raise InputError(f"no such file: {spec}")
        out.append(path)
    return out


@link.command("import")
@click.argument("lists", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML mapping of each list's columns to standard fields.")
@click.option("--check", is_flag=True,
              help="Only check the lists and show their keys, even when a case is given.")
@click.option("--source-url", help="Where the lists were found (URL).")
@click.option("--captured-at", help="When they were obtained, ISO 8601 (stored in UTC).")
@click.option("--collector", help="Who obtained them.")
@click.option("--method", help="How they were obtained.")
@click.option("--language", help="Language of the lists (e.g. zh-Hans, ug, en).")
@click.option("--notes", help="Free-text notes about the lists.")
@click.option("--sensitivity", type=click.Choice(["public", "restricted", "protected"]),
              help="Sensitivity class of the list items [default: public]; protected lists "
              "leave no names in linkage outputs unless --include-protected.")
@click.option("--show-names", is_flag=True,
              help="Print the file names of protected lists (hidden by default).")
@json_option
@click.pass_context
def import_lists(ctx: click.Context, lists: tuple[Path, ...], mapping: Path | None,
                 check: bool, source_url: str | None, captured_at: str | None,
                 collector: str | None, method: str | None, language: str | None,
                 notes: str | None, sensitivity: str | None, show_names: bool,
                 as_json: bool) -> None:
    """Store LISTS in the case as sources (with --case or TRIBUNAL_CASE), each with its
    column mapping, and print their item ids; without a case (or with --check) only read
    them and show how they would be linked: the column mapping, encodings, warnings and
    how many records carry each key."""
    from tribunal.linkage.link import profile_lists
    from tribunal.linkage.mapping import load_mapping

    mappings = load_mapping(mapping) if mapping else None
    case_path = None if check else _given_case(ctx)
    capture_args = {"source_url": source_url, "captured_at": captured_at,
                    "collector": collector, "method": method, "language": language,
                    "notes": notes, "sensitivity": sensitivity}
    if case_path is not None:
        _import_into_case(case_path, lists, mappings, capture_args, show_names, as_json)
        return
    given = [f"--{k.replace('_', '-')}" for k, v in capture_args.items() if v]
    if given:
        from tribunal.errors import InputError

        raise InputError(f"{', '.join(given)} describe(s) lists stored in a case, and none "
                         "is stored here",
                         hint="give --case DIR (or set TRIBUNAL_CASE) to import the lists, or "
                         "leave these options out to only check them")
    result = profile_lists(list(lists), mappings)

    def human(rows) -> None:
        for r in rows:
            console.print(f"[bold]{safe_text(r['name'])}[/] ({r['n_rows']} rows, "
                          f"sha256 {r['sha256'][:12]}…)")
            for fld, cols in r["mapping"].get("fields", {}).items():
                console.print(f"  {fld:<11} <- {safe_text(', '.join(cols))}")
            if r["mapping"].get("attributes"):
                console.print(f"  attributes  <- {safe_text(', '.join(r['mapping']['attributes']))}")
            k = r["keys"]
            if k:
                console.print(
                    f"  names: {k['with_name']} ({k['han']} hanzi, {k['uyghur']} Uyghur, "
                    f"{k['latin']} Latin); birth: {k['birth_day']} day, {k['birth_month']} "
                    f"month, {k['birth_year']} year; place {k['place']}; sex {k['sex']}; "
                    f"ID {k['id_number']}")
            enc = ", ".join(k if k == "utf-16" else f"{k} ({v:,} line{'s' * (v != 1)})"
                            for k, v in r["encodings"].items())
            console.print(f"  encodings: {enc or 'ASCII only'}")
            for w in r["warnings"]:
                console.print(f"  [yellow]warning:[/] {safe_text(w)}")

    emit(result, as_json, human)


def _import_into_case(case_path: Path, lists: tuple[Path, ...], mappings, capture_args: dict,
                      show_names: bool, as_json: bool) -> None:
    from tribunal.archive.case import Case
    from tribunal.archive.items import Capture
    from tribunal.linkage.case_lists import import_lists as store_lists

    capture = Capture(**{**capture_args, "sensitivity": capture_args["sensitivity"] or "public"})
    case = Case.open(case_path)
    try:
        imported = store_lists(case, list(lists), mappings, capture)
    finally:
        case.close()
    rows = [i.to_dict(reveal=show_names) for i in imported]

    def human(rs) -> None:
        for r in rs:
            state = "new " if r["new"] else "held"
            console.print(f"{state} [bold]{r['item_id']}[/]  {safe_text(r['name'])}  "
                          f"(mapping {r['mapping_item']}, {r['sensitivity']})", soft_wrap=True)
            for fld, cols in r["mapping"].get("fields", {}).items():
                console.print(f"  {fld:<11} <- {safe_text(', '.join(cols))}")
            for w in r["warnings"]:
                console.print(f"  [yellow]warning:[/] {safe_text(w)}")
        ids = " ".join(r["item_id"] for r in rs)
        console.print(f"link them with: tribunal --case {safe_text(str(case_path))} link run "
                      f"{ids} --out DIR", soft_wrap=True)

    emit(rows, as_json, human)


@link.command("review")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--limit", default=20, show_default=True, help="How many pairs to show.")
@click.option("--show-protected", is_flag=True,
              help="With --case: show the withheld fields of protected lists, read from the "
              "case (printed only, nothing written).")
@json_option
@click.pass_context
def review(ctx: click.Context, out_dir: Path, limit: int, show_protected: bool,
           as_json: bool) -> None:
    """Show pairs near the threshold from an earlier run in OUT_DIR, side by side."""
    import pandas as pd

    from tribunal.linkage.link import load_result
    from tribunal.linkage.review import load_decisions

    summary = load_result(out_dir)
    queue = pd.read_csv(out_dir / "review_queue.csv", dtype=str, keep_default_na=False)
    done = load_decisions(out_dir / "decisions.csv")
    if len(done) and len(queue):
        decided = set(zip(done["unique_id_l"], done["unique_id_r"], strict=True))
        keep = [(min(a, b), max(a, b)) not in decided
                for a, b in zip(queue["unique_id_l"], queue["unique_id_r"], strict=True)]
        queue = queue[keep]
    queue = queue.head(limit)
    if show_protected:
        queue = _revealed(ctx, summary, queue)

    def human(rows) -> None:
        if not rows:
            console.print("no pairs left to review")
            return
        for r in rows:
            console.print(f"[bold]{safe_text(r['unique_id_l'])}[/]  vs  "
                          f"[bold]{safe_text(r['unique_id_r'])}[/]"
                          f"   p={float(r['match_probability']):.3f}")
            attrs = [k[:-2] for k in r if k.startswith("attr_") and k.endswith("_l")]
            for f in ("name", "sex", "birth_date", "birth_ym", "birth_year", "place_leaf",
                      "id_number", *attrs):
                if r.get(f"{f}_l") or r.get(f"{f}_r"):  # "[protected]" is not markup
                    console.print(f"    {f.removeprefix('attr_'):<11} "
                                  f"{safe_text(str(r[f + '_l'])):<28} "
                                  f"{safe_text(str(r[f + '_r']))}")
        console.print(f"decide with: tribunal link decide {safe_text(str(out_dir))} ID1 ID2 "
                      "match|non-match|unsure --reviewer NAME", soft_wrap=True)

    emit(queue.to_dict(orient="records"), as_json, human)


def _revealed(ctx: click.Context, summary: dict, queue):
    from tribunal.errors import InputError

    case_path = _given_case(ctx)
    if case_path is None:
        raise InputError("--show-protected reads the protected lists from their case",
                         hint="give --case DIR (or set TRIBUNAL_CASE)")
    from tribunal.archive.case import open_case
    from tribunal.linkage.case_lists import reveal_protected

    with open_case(case_path, readonly=True) as case:
        return reveal_protected(case, summary, queue)


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

    summary = load_result(out_dir)
    import pandas as pd

    ids = set(pd.read_csv(out_dir / "clusters.csv", usecols=["unique_id"])["unique_id"])
    for rid in (id_l, id_r):
        if (rid not in ids and "clusters.csv" in summary.get("withheld", [])
                and rid.rpartition(":")[0] in summary.get("protected_lists", [])):
            raise InputError(
                f"{rid} is a record of a protected list, left out of {out_dir}",
                hint="decide its pairs inside the case, in a run with --include-protected "
                "into a folder kept as protected as the case")
        if rid not in ids:
            raise InputError(f"no record {rid!r} in {out_dir}",
                             hint="record ids look like LIST:ROW; see clusters.csv")
    row = record_decision(out_dir / "decisions.csv", id_l, id_r, decision, reviewer, note)
    emit(row, as_json, lambda r: console.print(
        f"recorded {r['decision']} for {safe_text(r['unique_id_l'])} / "
        f"{safe_text(r['unique_id_r'])} by {safe_text(r['reviewer'])} at {r['decided_at']}"))


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
            console.print(safe_text(f"{r['name']}: script={r['script']} hanzi={r['hanzi']} "
                                    f"key={r['key']!r} variants={r['variants']} "
                                    f"skeleton={r['skeleton']!r}"))

    emit(rows, as_json, human)
