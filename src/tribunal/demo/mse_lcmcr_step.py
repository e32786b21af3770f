"""Demo: LCMCR (Manrique-Vallier 2016) on shipped benchmark tables, beside R's LCMCR.

Korea (Palembang, 3 lists, K=5) and the Western U.S. site (5 lists, K=10), each with 4
chains; R's figures were measured with LCMCR 0.4 (burn-in 10,000, 1,000 samples, thinning
100, 4 seeds). Writes a plot of the posterior of N per chain and the result as JSON.
"""

from __future__ import annotations

from importlib.resources import as_file, files

from rich.table import Table

from tribunal.demo import DemoContext

# R LCMCR on this project's machines (benchmark notes): median, 2.5%, 97.5%.
R_FIGURES = {
    "korea_palembang": (5, (137, 124, 197)),
    "western_us": (10, (1830, 1304, 3024)),
}
LABELS = {"korea_palembang": "Korea (Palembang), 3 lists", "western_us": "Western U.S., 5 lists"}


def _table(name: str):
    from tribunal.mse.table import read_table

    with as_file(files("tribunal.data") / "mse" / f"{name}.csv") as path:
        return read_table(path)[None]


def _fmt(median: float, lower: float, upper: float) -> str:
    return f"{median:,.0f} [{lower:,.0f}, {upper:,.0f}]"


def run(ctx: DemoContext) -> None:
    from tribunal.jsonutil import dumps
    from tribunal.mse.lcmcr import estimate_lcmcr
    from tribunal.mse.lcmcr_plot import plot_chains

    ctx.console.rule("[bold]MSE: LCMCR, Bayesian latent class model (several chains)")
    settings = (
        dict(burnin=2_000, samples=500, thin=20) if ctx.quick
        else dict(burnin=10_000, samples=1_000, thin=100)
    )  # fmt: skip
    shown = Table("table", "K", "R LCMCR", "tribunal (4 chains)", "split R-hat", "ESS", "chains")
    results = {}
    for name, (K, published) in R_FIGURES.items():
        res = estimate_lcmcr(_table(name), K=K, chains=4, seed=ctx.seed, **settings)
        results[name] = res
        d = res.diagnostics
        shown.add_row(
            LABELS[name], str(K), _fmt(*published), _fmt(res.estimate, *res.interval),
            f"{d['rhat']:.3f}", f"{d['ess']:,.0f}",
            "agree" if d["chains_agree"] else "[red]DISAGREE[/]",
        )  # fmt: skip
        for warning in res.warnings:
            ctx.console.print(f"[yellow]warning ({name}):[/] {warning}")
    ctx.console.print(shown)
    sweeps = settings["burnin"] + settings["samples"] * settings["thin"]
    ctx.console.print(
        f"  {sweeps:,} Gibbs sweeps per chain (timings: bench/mse_lcmcr_speed.py). "
        "Posterior figures vary with the "
        "seed by Monte Carlo error; on Western U.S. our sampler settles a few percent above "
        "R's figure (see docs/mse.md)."
    )
    plot = plot_chains(
        results["korea_palembang"], ctx.plots_dir / "mse_lcmcr_korea_chains.png",
        published=R_FIGURES["korea_palembang"][1][0],
        title="LCMCR posterior of N per chain, Korea (Palembang), K=5",
    )  # fmt: skip
    out = ctx.out_dir / "mse"
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "lcmcr_korea_palembang.json"
    json_path.write_text(dumps(results["korea_palembang"]) + "\n")
    ctx.outputs["MSE LCMCR posterior of N per chain (Korea)"] = plot
    ctx.outputs["MSE LCMCR result (Korea)"] = json_path
    ctx.summary["mse_lcmcr"] = {
        name: {
            "estimate": r.estimate,
            "interval": list(r.interval),
            "r_lcmcr": list(R_FIGURES[name][1]),
            "chains_agree": r.diagnostics["chains_agree"],
        }
        for name, r in results.items()
    }
