"""Demo: Madigan & York's spina bifida example, averaged over decomposable graphs (dga).

Runs the published analysis (Madigan & York 1997, Biometrika 84:19-31: delta 1, their
negative-binomial prior on N, 1..300 unseen cases) on the table shipped in
``tribunal/data/mse/spina_bifida_3.csv`` and prints the published figures beside ours,
then the package defaults for comparison, and writes a plot of the posterior of N.
"""

from __future__ import annotations

from importlib.resources import as_file, files

from rich.table import Table

from tribunal.demo import DemoContext
from tribunal.jsonutil import dumps

# Madigan & York (1997), as asserted in HRDAG dga's tests (rounded as published).
PUBLISHED = {
    "top model posterior probability": (0.37, 2),
    "top model Bayes estimate": (731, 0),
    "top model posterior mode": (729, 0),
    "model-averaged Bayes estimate": (731, 0),
    "model-averaged posterior mode": (728, 0),
}


def run(ctx: DemoContext) -> None:
    from tribunal.mse.dga import estimate_dga, negative_binomial_prior
    from tribunal.mse.dga_plot import plot_dga_posterior
    from tribunal.mse.table import read_table

    ctx.console.rule("[bold]MSE: Bayesian model averaging over decomposable graphs (dga)")
    with as_file(files("tribunal.data") / "mse" / "spina_bifida_3.csv") as path:
        table = read_table(path)[None]
    ctx.console.print(
        f"Spina bifida, upstate New York: {table.n_lists} lists, {table.n_observed} cases "
        "seen (Madigan & York 1997)."
    )
    result = estimate_dga(
        table,
        delta=1.0,
        prior=negative_binomial_prior(13.14, 55.17),
        grid=range(1, 301),
        seed=ctx.seed,
    )
    top = result.diagnostics["top_models"][0]
    ours = {
        "top model posterior probability": top["probability"],
        "top model Bayes estimate": top["bayes_estimate"],
        "top model posterior mode": top["mode"],
        "model-averaged Bayes estimate": result.diagnostics["bayes_estimate"],
        "model-averaged posterior mode": result.diagnostics["mode"],
    }
    shown = Table("quantity", "published", "tribunal", "match")
    for key, (value, digits) in PUBLISHED.items():
        mine = round(float(ours[key]), digits)
        shown.add_row(key, f"{value:g}", f"{mine:g}", "yes" if mine == value else "NO")
    shown.add_row(
        "posterior median, 95% interval",
        "(not published)",
        f"{result.estimate:,.0f} [{result.interval[0]:,.0f}, {result.interval[1]:,.0f}]",
        "",
    )
    ctx.console.print(shown)
    ctx.console.print(f"Top model {top['model']}; {result.diagnostics['n_models']} graphs.")

    default = estimate_dga(table, seed=ctx.seed)
    ctx.console.print(
        f"Package defaults (delta 2^-3, prior 1/N, 0..{default.parameters['grid']['max_missing']}"
        f" unseen): median {default.estimate:,.0f}, 95% "
        f"[{default.interval[0]:,.0f}, {default.interval[1]:,.0f}]"
    )
    for warning in result.warnings:
        ctx.console.print(f"[yellow]warning:[/] {warning}")

    plot = plot_dga_posterior(result, ctx.plots_dir / "mse_dga_spina_bifida.png")
    out = ctx.out_dir / "mse"
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "dga_spina_bifida.json"
    json_path.write_text(dumps(result) + "\n")
    ctx.outputs["MSE dga posterior of N (spina bifida)"] = plot
    ctx.outputs["MSE dga result (spina bifida)"] = json_path
    ctx.summary["mse_dga_spina_bifida"] = {
        "estimate": result.estimate,
        "interval": list(result.interval),
        "published_bayes_estimate": 731,
        "bayes_estimate": round(result.diagnostics["bayes_estimate"]),
    }
