"""Demo: link three generated, clearly fictitious lists, review, and count with MSE.

The lists name the same fictitious people in different scripts (characters, pinyin,
Wade-Giles, Uyghur in Chinese characters, Latin, Cyrillic and Arabic script), with partial
dates and places at different levels. Because they are generated, the true number of people
is known, so the linkage (B-cubed F1, people found) and the estimate can be checked.
Review decisions are simulated from the known truth and fed back. The lists are imported
into the demo case as sources (the testimony list as ``protected``) and linked by item id.
"""

from __future__ import annotations

from rich.table import Table

from tribunal.demo import DemoContext


def run(ctx: DemoContext) -> None:
    import pandas as pd

    from tribunal.linkage.evaluate import evaluate_clusters
    from tribunal.linkage.link import run_linkage
    from tribunal.linkage.review import record_decision
    from tribunal.linkage.synth import make_lists

    ctx.console.rule("[bold]Linkage: fictitious lists in several scripts -> capture histories")
    n_people = 250 if ctx.quick else 400
    lists, truth = make_lists(n_people, seed=ctx.seed % (2**31))
    base = ctx.out_dir / "linkage"
    (base / "lists").mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in lists.items():
        path = base / "lists" / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    out = base / "linked"
    inputs, shown = _case_lists(ctx, paths)
    first = run_linkage(inputs, out, threshold=0.8)
    # records are named LIST:ROW, where a protected list is named by its item id
    truth_by_id = {f"{shown[r.list]}:{r.row}": r.person for r in truth.itertuples()}

    # Simulated clerical review of the most uncertain pairs, decided from the known truth.
    queue = pd.read_csv(out / "review_queue.csv", dtype=str)
    decisions = base / "decisions.csv"
    decisions.unlink(missing_ok=True)
    n_review = min(len(queue), 30)
    for row in queue.head(n_review).itertuples():
        same = truth_by_id[row.unique_id_l] == truth_by_id[row.unique_id_r]
        record_decision(decisions, row.unique_id_l, row.unique_id_r,
                        "match" if same else "non-match", "demo reviewer (simulated)")
    result = run_linkage(inputs, out, threshold=0.8, decisions_path=decisions)

    clusters = pd.read_csv(out / "clusters.csv")
    true_labels = [truth_by_id[u] for u in clusters["unique_id"]]
    after = evaluate_clusters(clusters["person_id"], true_labels)
    observed_true = truth["person"].nunique()

    shown = Table("", "records", "people (true)", "people (linked)", "B-cubed F1")
    shown.add_row("after review", str(result.n_records), str(observed_true),
                  str(result.n_clusters), f"{after.bcubed.f1:.3f}")
    shown.add_row("before review", str(first.n_records), str(observed_true),
                  str(first.n_clusters), "")
    ctx.console.print(shown)

    band = Table("threshold", "people linked", "people on lists (true)",
                 "MSE estimate (independence)", "population (true)")
    estimates = {}
    try:
        from tribunal.mse.loglinear_estimate import estimate_loglinear
        from tribunal.mse.table import read_table
    except ImportError:  # the MSE area may be absent in a trimmed install
        estimate_loglinear = None
    for row in result.sensitivity:
        est = ""
        if estimate_loglinear is not None:
            table = read_table(out / row["table"])[None]
            res = estimate_loglinear(table, model=[])
            estimates[row["threshold"]] = res.estimate
            est = f"{res.estimate:,.0f}"
        band.add_row(f"{row['threshold']:.2f}", str(row["n_people"]), str(observed_true), est,
                     str(n_people))
    ctx.console.print(band)
    items = ", ".join(f"{s.name}={s.item_id}" if s.name != s.item_id else s.item_id
                      for s in result.sources if s.item_id)
    if items:
        ctx.console.print(
            f"lists linked from the case {ctx.case_dir} by item id ({items}); the protected "
            f"testimony list is named by its item id and its names are withheld from "
            f"{', '.join(result.withheld) or 'no output'}", markup=False)
    ctx.console.print(
        f"{n_review} uncertain pairs reviewed (simulated); capture histories in {out}\n"
        "Records left unlinked count one person twice, which pushes the estimate up: the band "
        "shows how far the choice of threshold moves it.")
    ctx.outputs["linkage capture histories"] = out / "capture_history.csv"
    ctx.outputs["linkage clusters"] = out / "clusters.csv"
    ctx.summary["linkage_people_true"] = observed_true
    ctx.summary["linkage_people_linked"] = result.n_clusters
    ctx.summary["linkage_bcubed_f1"] = round(after.bcubed.f1, 3)
    if result.threshold in estimates:
        ctx.summary["linkage_mse_estimate"] = round(estimates[result.threshold], 1)
        ctx.summary["linkage_true_population"] = n_people


def _case_lists(ctx: DemoContext, paths: list) -> tuple[list, dict[str, str]]:
    """Import the generated lists into the demo case (creating it when the archive step did
    not run) and return them as case inputs, with each list's name in the outputs."""
    from tribunal.archive.case import DB_NAME, Case
    from tribunal.archive.items import Capture
    from tribunal.linkage.case_lists import case_inputs, import_lists

    case = (Case.open(ctx.case_dir) if (ctx.case_dir / DB_NAME).exists()
            else Case.init(ctx.case_dir))
    try:
        ids = []
        for path in paths:
            sensitivity = "protected" if path.stem == "testimony" else "restricted"
            (held,) = import_lists(case, [path], None, Capture(
                collector="tribunal demo", method="generated (fictitious people)",
                sensitivity=sensitivity))
            ids.append(held.item_id)
        inputs = case_inputs(case, ids)  # read back from the case's blob store
    finally:
        case.close()
    return inputs, {p.stem: src.name for p, src in zip(paths, inputs, strict=True)}
