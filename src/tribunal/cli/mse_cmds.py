"""``tribunal mse``: multiple systems estimation from a capture-history CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from tribunal.cli.output import console, emit, json_option


@click.group()
def mse() -> None:
    """Estimate a population from overlapping incomplete lists.

    \b
    TABLE.csv has one 0/1 column per list and a 'count' column (or one row per person
    without 'count'), and optionally a stratum column named with --stratum.
    \b
      tribunal mse estimate T.csv                     log-linear, best model by BIC
      tribunal mse estimate T.csv --search csv --bootstrap 1000 --seed 1
      tribunal mse estimate T.csv --method lcmcr --chains 4
      tribunal mse models T.csv                       rank every hierarchical model
      tribunal mse closed T.csv                       Rcapture's M0, Mt, Mh, Mth
    """


def _read(path: Path, stratum: str | None):
    from tribunal.mse.table import read_table

    return read_table(path, stratum_column=stratum)


def _public(result: Any) -> dict[str, Any]:
    """The result without its bulky in-memory details (fits, draws)."""
    data = result.to_dict() if hasattr(result, "to_dict") else dict(result)
    data.pop("details", None)
    for stratum in data.get("diagnostics", {}).get("strata", []) or []:
        if isinstance(stratum, dict):
            stratum.pop("details", None)
    return data


def _fmt_interval(interval) -> str:
    if not interval:
        return "n/a"
    lo, hi = interval
    hi_s = "inf" if hi == float("inf") else f"{hi:,.1f}"
    return f"[{lo:,.1f}, {hi_s}]"


def _print_result(data: dict[str, Any]) -> None:
    where = f" (stratum {data['stratum']})" if data.get("stratum") else ""
    console.print(f"[bold]{data['method']}[/bold]{where}: N = {data['estimate']:,.1f}  "
                  f"95% {_fmt_interval(data.get('interval'))}")
    console.print(f"  observed {data['n_observed']:,} on lists {', '.join(data['lists'])}")
    if data["method"] == "loglinear" and data.get("stratum") != "total":
        console.print(f"  model: {', '.join(data['model']) or 'main effects (independence)'}")
    diag = data.get("diagnostics") or {}
    kind = diag.get("interval_kind") or diag.get("interval_method")
    if kind:
        console.print(f"  interval: {kind}")
    for s in diag.get("strata", []) or []:
        model = ""
        if s.get("method") == "loglinear":
            model = f"  model: {', '.join(s.get('model') or []) or 'main effects'}"
        console.print(f"  stratum {s['stratum']}: N = {s['estimate']:,.1f} "
                      f"{_fmt_interval(s.get('interval'))}  observed {s['n_observed']:,}{model}")
    from rich.markup import escape

    for w in data.get("warnings", []):
        console.print(f"  [yellow]warning:[/yellow] {escape(w)}")
    console.print(f"  input sha256 {data['input_sha256'][:16]}...")


@mse.command()
@click.argument("table_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--method", type=click.Choice(["loglinear", "dga", "lcmcr"]), default="loglinear",
              show_default=True, help="Estimator.")
@click.option("--model", help='Log-linear: a fixed model, e.g. "A:B,B:C" (column names).')
@click.option("--search", type=click.Choice(["exhaustive", "bhs", "csv"]),
              help="Log-linear model search (default exhaustive for <= 6 lists, else csv).")
@click.option("--max-order", type=click.IntRange(min=1), default=2, show_default=True,
              help="Log-linear exhaustive search: highest interaction order.")
@click.option("--criterion", type=click.Choice(["aic", "bic"]), default="bic",
              show_default=True, help="Log-linear exhaustive search: ranking criterion.")
@click.option("--p-threshold", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="Stepwise searches: p-value threshold (bhs 0.05, csv 0.02).")
@click.option("--bootstrap", type=int, default=0, show_default=True,
              help="Log-linear: BCa resamples redoing the model choice (0 = profile interval).")
@click.option("--stratum", help="Column holding the stratum; estimates each and the total.")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Seed for every random step (a whole number >= 0).")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a PNG: observed vs fitted (log-linear) or the posterior of N; "
              "with --stratum, every stratum's estimate and the total.")
@click.option("--K", "K", type=int, help="LCMCR: number of latent classes (truncation).")
@click.option("--chains", type=int, help="LCMCR: independent chains.")
@click.option("--burnin", type=int, help="LCMCR: burn-in sweeps per chain.")
@click.option("--samples", type=int, help="LCMCR: draws kept per chain.")
@click.option("--thin", type=int, help="LCMCR: sweeps between kept draws.")
@click.option("--delta", type=float,
              help="dga: Dirichlet hyper-parameter delta.  [default: 2^-J for J lists]")  # fmt: skip
@click.option("--prior", metavar="1/N|uniform|negbin:A,B",
              help="dga: prior on N.  [default: 1/N]")  # fmt: skip
@click.option("--max-missing", type=int,
              help="dga: largest number of unseen cases on the grid.  "
                   "[default: 20 x observed cases, at most 2,000,000]")  # fmt: skip
@json_option
def estimate(
    table_csv: Path, method: str, model: str | None, search: str | None, max_order: int,
    criterion: str, p_threshold: float | None, bootstrap: int, stratum: str | None,
    seed: int | None, plot_path: Path | None, K: int | None, chains: int | None,
    burnin: int | None, samples: int | None, thin: int | None, delta: float | None,
    prior: str | None, max_missing: int | None, as_json: bool,
) -> None:
    """Estimate the population size from TABLE_CSV.

    Log-linear: the estimate is the MLE and the interval the profile-likelihood interval of
    the chosen model, or the BCa bootstrap interval with --bootstrap N. dga and lcmcr: the
    posterior median and the 95% equal-tailed credible interval.
    """
    from tribunal.errors import InputError
    from tribunal.mse.strata import estimate_strata, estimate_table
    from tribunal.progress import progress_bar

    loglinear_only = {"model": model, "search": search, "p_threshold": p_threshold,
                      "bootstrap": bootstrap or None}
    if method != "loglinear" and any(v is not None for v in loglinear_only.values()):
        given = [k for k, v in loglinear_only.items() if v is not None]
        raise InputError(f"--{given[0].replace('_', '-')} applies to --method loglinear only")
    if method == "loglinear":
        options: dict[str, Any] = {
            **loglinear_only, "max_order": max_order, "criterion": criterion,
            "bootstrap": bootstrap, "seed": seed,
        }
    elif method == "lcmcr":
        options = {"K": K, "chains": chains, "burnin": burnin, "samples": samples,
                   "thin": thin, "seed": seed}
    else:
        options = {"delta": delta, "prior": prior, "max_missing": max_missing, "seed": seed}
    tables = _read(table_csv, stratum)
    with progress_bar(f"mse {method}", enabled=None if not as_json else False) as bar:
        if stratum is None:
            result = estimate_table(tables[None], method, options, on_progress=bar)
        else:
            result = estimate_strata(tables, method, options, seed=seed)
    if plot_path is not None:
        _plot(result, plot_path)
    data = _public(result)
    if plot_path is not None:
        data["plot"] = str(plot_path)
    emit(data, as_json, _print_result)


def _plot(result: Any, path: Path) -> None:
    from tribunal.errors import InputError
    from tribunal.mse import plots
    from tribunal.mse.strata import draws_of

    if result.stratum == "total":
        data = result.to_dict()
        plots.plot_strata(data["diagnostics"]["strata"], data, path)
        return
    fit = result.details.get("fit")
    if fit is not None:
        plots.plot_observed_fitted(fit, path)
        return
    if result.method == "dga":
        from tribunal.mse.dga_plot import plot_dga_posterior

        plot_dga_posterior(result, path)
        return
    draws = draws_of(result)
    if draws is None:
        raise InputError("this result has nothing to plot (no fit and no posterior draws)")
    plots.plot_posterior(draws, path, title=f"Posterior of N ({result.method})")


@mse.command()
@click.argument("table_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--max-order", type=click.IntRange(min=1), default=2, show_default=True,
              help="Highest interaction order of the models ranked.")
@click.option("--criterion", type=click.Choice(["aic", "bic"]), default="bic", show_default=True,
              help="Ranking criterion (BIC with log of the number of observed cases).")
@click.option("--top", type=click.IntRange(min=1), default=15, show_default=True, help="How many models to list.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a PNG bar chart of the best models' weights.")
@json_option
def models(table_csv: Path, max_order: int, criterion: str, top: int,
           plot_path: Path | None, as_json: bool) -> None:
    """Rank every hierarchical log-linear model up to --max-order by AIC or BIC."""
    from tribunal.mse.existence import MESSAGES, check_existence
    from tribunal.mse.hierarchy import format_model
    from tribunal.mse.loglinear import check_fittable
    from tribunal.mse.selection import exhaustive_search
    from tribunal.mse.strata import check_table
    from tribunal.progress import progress_bar

    table = _read(table_csv, None)[None]
    check_fittable(table)
    check_table(table)
    with progress_bar("fitting models", enabled=None if not as_json else False) as bar:
        res = exhaustive_search(table, max_order=max_order, criterion=criterion,
                                on_progress=bar)
    rows = []
    for r in res.ranked[:top]:
        code = r.existence_code
        if code is None:
            code = check_existence(table, r.model).code
        rows.append({
            "model": format_model(r.model, table.lists), "estimate": r.estimate,
            "aic": r.aic, "bic": r.bic, "n_params": r.n_params, "existence_code": code,
            "existence": MESSAGES[code],
        })
    data = {"criterion": criterion, "max_order": max_order, "n_models": res.n_models,
            "best": res.best.terms, "best_estimate": res.best.estimate, "models": rows,
            "input_sha256": table.input_sha256}
    if plot_path is not None:
        from tribunal.mse.plots import plot_model_weights

        ok = [r for r in rows if r["existence_code"] == 0]
        plot_model_weights([", ".join(r["model"]) for r in ok], [r[criterion] for r in ok],
                           [r["estimate"] for r in ok], plot_path, criterion=criterion.upper())
        data["plot"] = str(plot_path)

    def human(d: dict[str, Any]) -> None:
        from rich.table import Table

        t = Table(title=f"{d['n_models']:,} models, ranked by {criterion.upper()}")
        for col in ("rank", "model", "N", "AIC", "BIC", "MLE"):
            t.add_column(col, justify="right" if col != "model" else "left")
        for i, r in enumerate(d["models"], 1):
            est = f"{r['estimate']:,.1f}" if r["existence_code"] == 0 else "n/a"
            t.add_row(str(i), ", ".join(r["model"]) or "main effects", est,
                      f"{r['aic']:.2f}", f"{r['bic']:.2f}",
                      "ok" if r["existence_code"] == 0 else f"fails ({r['existence_code']})")
        console.print(t)
        console.print(f"best model with an existing MLE: {', '.join(d['best']) or 'main effects'}"
                      f"  N = {d['best_estimate']:,.1f}")

    emit(data, as_json, human)


@mse.command()
@click.argument("table_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
def closed(table_csv: Path, as_json: bool) -> None:
    """Rcapture-style closed-population models: M0, Mt, Mh and Mth (Chao, Poisson2,
    Darroch, Gamma3.5), with estimates, standard errors, deviance and AIC/BIC."""
    from rich.markup import escape

    from tribunal.mse.closed import closedp
    from tribunal.mse.strata import check_table

    table = _read(table_csv, None)[None]
    warnings = check_table(table)
    fits = [f.to_dict() for f in closedp(table)]
    if any(not f["converged"] for f in fits):
        warnings.append("models marked 'no MLE' did not converge: their MLE is at infinity "
                        "(the table cannot support them)")
    data = {"n_observed": table.n_observed, "models": fits, "input_sha256": table.input_sha256,
            "warnings": warnings}

    def human(d: dict[str, Any]) -> None:
        from rich.table import Table

        t = Table(title=f"Closed-population models, {d['n_observed']} captured")
        for col in ("model", "N", "s.e.", "deviance", "df", "AIC", "BIC"):
            t.add_column(col, justify="left" if col == "model" else "right")
        for f in d["models"]:
            est, se = ((f"{f['estimate']:,.1f}", f"{f['se']:.1f}") if f["converged"]
                       else ("no MLE", ""))
            t.add_row(f["model"], est, se, f"{f['deviance']:.3f}", str(f["df"]),
                      f"{f['aic']:.3f}", f"{f['bic']:.3f}")
        console.print(t)
        for w in d["warnings"]:
            console.print(f"[yellow]warning:[/yellow] {escape(w)}")

    emit(data, as_json, human)
