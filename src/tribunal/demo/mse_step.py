"""Demo: log-linear MSE on published benchmark tables, with the published figures beside ours.

Tables shipped in ``tribunal/data/mse`` (each with a .md naming its source): Korea
(Palembang), the Western U.S. site and the UK 2013 five-list table, and Rcapture's hares
for the closed-population models. Writes a plot of observed against fitted pattern counts
and one of the best models' BIC weights.
"""

from __future__ import annotations

from importlib.resources import as_file, files

from rich.markup import escape
from rich.table import Table

from tribunal.demo import DemoContext


def _table(name: str):
    from tribunal.mse.table import read_table

    with as_file(files("tribunal.data") / "mse" / f"{name}.csv") as path:
        return read_table(path)[None]


def _interval(iv) -> str:
    return f"[{iv[0]:,.1f}, {iv[1]:,.1f}]" if iv else ""


def run(ctx: DemoContext) -> None:
    from tribunal.mse.closed import fit_closed
    from tribunal.mse.hierarchy import format_model
    from tribunal.mse.loglinear_estimate import estimate_loglinear
    from tribunal.mse.plots import plot_model_weights, plot_observed_fitted
    from tribunal.mse.selection import exhaustive_search, model_weights

    ctx.console.rule("[bold]MSE: log-linear models on published benchmark tables")
    n_boot = 100 if ctx.quick else 400
    shown = Table("table", "method", "published", "tribunal", "95% interval (ours)")

    korea = _table("korea_palembang")
    bic = estimate_loglinear(korea, search="exhaustive", criterion="bic")
    shown.add_row("Korea (Palembang), 3 lists", escape("best BIC [b:c, c:d]"), "157.1667",
                  f"{bic.estimate:.4f}", _interval(bic.interval) + " profile")
    csv = estimate_loglinear(korea, search="csv", bootstrap=n_boot, seed=ctx.seed)
    shown.add_row("", f"stepwise p<0.02, BCa {n_boot}", "268.7778 [123.3, 440.3]",
                  f"{csv.estimate:.4f}", _interval(csv.interval) + " BCa")

    west = _table("western_us")
    wres = estimate_loglinear(west, search="csv", bootstrap=n_boot, seed=ctx.seed)
    shown.add_row("Western U.S., 5 lists", escape(f"stepwise [{', '.join(wres.model)}], BCa {n_boot}"),
                  "2,483 [1,293, 3,670]", f"{wres.estimate:,.3f}",
                  _interval(wres.interval) + " BCa")

    uk = _table("uk_2013_5lists")
    search = exhaustive_search(uk, max_order=2, criterion="bic")
    shown.add_row("UK 2013, 5 lists", f"best BIC of {search.n_models:,} order-2 models",
                  "22,991", f"{search.best.estimate:,.1f}", "")

    hare = _table("hare_6occasions")
    mth = fit_closed(hare, "Mth", "Poisson2")
    shown.add_row("Hares, 6 occasions", "Rcapture Mth Poisson2", "81.1 (s.e. 5.6)",
                  f"{mth.estimate:.1f} (s.e. {mth.se:.1f})", "")
    ctx.console.print(shown)
    ctx.console.print(
        "  Bootstrap intervals vary with the resamples (Monte Carlo error); the published "
        "ones used 1,000 resamples."
    )

    fitted_png = plot_observed_fitted(wres.details["fit"], ctx.plots_dir / "mse_western_fit.png")
    ok = [r for r, _ in model_weights(uk, search)[0]][:15]
    weights_png = plot_model_weights(
        [", ".join(format_model(r.model, uk.lists)) for r in ok], [r.bic for r in ok],
        [r.estimate for r in ok], ctx.plots_dir / "mse_uk5_model_weights.png", criterion="BIC",
    )
    ctx.outputs["MSE observed vs fitted (Western U.S.)"] = fitted_png
    ctx.outputs["MSE model weights (UK 2013, 5 lists)"] = weights_png
    ctx.summary["mse_loglinear"] = {
        "korea_bic": bic.estimate,
        "korea_stepwise": csv.estimate,
        "western_us": wres.estimate,
        "western_us_bca": list(wres.interval or ()),
        "uk5_bic": search.best.estimate,
        "hare_mth_poisson2": mth.estimate,
    }
