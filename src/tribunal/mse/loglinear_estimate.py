"""``estimate_loglinear``: choose a log-linear model, fit it, and say how sure we are.

This is the library entry point behind ``tribunal mse estimate --method loglinear``. It
ties together the model search (:mod:`tribunal.mse.selection`), the existence checks
(:mod:`tribunal.mse.existence`), the profile-likelihood interval
(:mod:`tribunal.mse.intervals`) and the BCa bootstrap (:mod:`tribunal.mse.bootstrap`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tribunal.errors import InputError
from tribunal.mse.bootstrap import bca_bootstrap
from tribunal.mse.existence import check_existence, existence_code, non_overlapping_pairs
from tribunal.mse.hierarchy import Model, format_model, parse_model
from tribunal.mse.intervals import profile_interval
from tribunal.mse.loglinear import LoglinearFit, check_fittable, fit_loglinear
from tribunal.mse.result import MSEResult
from tribunal.mse.selection import exhaustive_search, model_weights, stepwise_bhs, stepwise_csv
from tribunal.mse.table import CaptureTable

ProgressCallback = Callable[[int, int], None]
SEARCHES = ("exhaustive", "bhs", "csv", "fixed")


@dataclass(frozen=True)
class ModelChoice:
    """How a model is chosen: a fixed model, or a search with its settings."""

    search: str = "exhaustive"
    model: Model = ()
    max_order: int = 2
    criterion: str = "bic"
    p_threshold: float | None = None

    def select(self, table: CaptureTable) -> LoglinearFit:
        return self.select_with_report(table, report_models=False)[0]

    def select_with_report(
        self, table: CaptureTable, *, report_models: bool = True
    ) -> tuple[LoglinearFit, dict[str, object]]:
        """The chosen fit and, for an exhaustive search, the best models and those skipped."""
        if self.search == "exhaustive":
            res = exhaustive_search(table, max_order=self.max_order, criterion=self.criterion)
            if not report_models:
                return res.best, {}
            weighted, averaged = model_weights(table, res)
            top = [
                {"model": format_model(r.model, table.lists), "estimate": r.estimate,
                 "aic": r.aic, "bic": r.bic, "weight": w}
                for r, w in weighted[:5]
            ]
            report = {
                "n_models": res.n_models,
                "top_models": top,
                "model_averaged_estimate": averaged,
                "better_models_failing_existence": [
                    format_model(r.model, table.lists) for r in res.skipped
                ],
            }
            return res.best, report
        return self._select(table), {}

    def _select(self, table: CaptureTable) -> LoglinearFit:
        if self.search == "fixed":
            if existence_code(table, self.model) != 0:
                check = check_existence(table, self.model)
                terms = ", ".join(format_model(self.model, table.lists)) or "main effects"
                raise InputError(
                    f"model [{terms}]: {check.message}",
                    hint="drop interaction terms, or let a search choose (--search)",
                )
            return fit_loglinear(table, self.model)
        if self.search == "exhaustive":
            return exhaustive_search(
                table, max_order=self.max_order, criterion=self.criterion
            ).best
        if self.search == "bhs":
            return stepwise_bhs(table, p_threshold=self.p_threshold or 0.05)
        if self.search == "csv":
            return stepwise_csv(table, p_threshold=self.p_threshold or 0.02)
        raise InputError(f"unknown search {self.search!r}", hint=f"one of {', '.join(SEARCHES)}")

    def describe(self) -> dict[str, object]:
        out: dict[str, object] = {"search": self.search}
        if self.search == "exhaustive":
            out.update(max_order=self.max_order, criterion=self.criterion)
        if self.search in ("bhs", "csv"):
            out["p_threshold"] = self.p_threshold or (0.05 if self.search == "bhs" else 0.02)
        return out


def choose(
    table: CaptureTable,
    *,
    model: str | Sequence[str] | None = None,
    search: str | None = None,
    max_order: int = 2,
    criterion: str = "bic",
    p_threshold: float | None = None,
) -> ModelChoice:
    """Build a :class:`ModelChoice`; without a model or search, exhaustive BIC for up to
    6 lists and the Chan-Silverman-Vincent stepwise search beyond."""
    if model is not None:
        if search not in (None, "fixed"):
            raise InputError("give either --model or --search, not both")
        return ModelChoice("fixed", parse_model(model, table.lists))
    if search is None:
        search = "exhaustive" if table.n_lists <= 6 else "csv"
    search = search.lower()
    if search not in SEARCHES or search == "fixed":
        raise InputError(f"unknown search {search!r}", hint="exhaustive, bhs or csv")
    return ModelChoice(search, (), max_order, criterion.lower(), p_threshold)


def _diagnose(
    table: CaptureTable, fit: LoglinearFit, report: dict, level: float
) -> tuple[dict[str, object], list[str], tuple[float, float] | None]:
    """Diagnostics, warnings and the profile-likelihood interval of the chosen fit."""
    warnings = list(table.warnings)
    diagnostics: dict[str, object] = {"fit": fit.summary()}
    if report:
        diagnostics["search"] = report
    if report.get("better_models_failing_existence"):
        warnings.append(
            f"{len(report['better_models_failing_existence'])} better-ranked model(s) were "
            "passed over because their MLE does not exist or is not identifiable"
        )
    if not fit.converged:
        warnings.append("the model fit did not converge; the estimate may be unreliable")
    try:
        prof = profile_interval(fit, level)
    except (ValueError, RuntimeError):
        prof = None
        warnings.append("the profile-likelihood interval could not be computed")
    diagnostics["profile_interval"] = list(prof) if prof else None
    if prof and prof[1] == float("inf"):
        warnings.append("the profile-likelihood interval has no finite upper end")
    nonover = non_overlapping_pairs(table)
    if nonover:
        diagnostics["non_overlapping_pairs"] = nonover
    if fit.empty_terms:
        warnings.append(
            "terms at minus infinity (lists that never overlap): "
            + ", ".join(format_model(fit.empty_terms, table.lists))
        )
    return diagnostics, warnings, prof


def estimate_loglinear(
    table: CaptureTable,
    *,
    model: str | Sequence[str] | None = None,
    search: str | None = None,
    max_order: int = 2,
    criterion: str = "bic",
    p_threshold: float | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    level: float = 0.95,
    on_progress: ProgressCallback | None = None,
) -> MSEResult:
    """Estimate N with a log-linear model chosen as asked.

    The interval is the profile-likelihood interval of the chosen model (conditional on
    that model) unless ``bootstrap`` > 0, in which case it is the BCa interval from that
    many resamples, each redoing the model choice; both are in ``diagnostics``.
    """
    check_fittable(table)
    choice = choose(
        table, model=model, search=search, max_order=max_order, criterion=criterion,
        p_threshold=p_threshold,
    )
    fit, report = choice.select_with_report(table)
    diagnostics, warnings, prof = _diagnose(table, fit, report, level)
    details: dict[str, object] = {"fit": fit}
    interval = prof
    interval_kind = "profile likelihood (conditional on the chosen model)"
    if bootstrap:
        boot = bca_bootstrap(
            table, lambda t: choice.select(t).estimate, n_boot=bootstrap, seed=seed,
            level=level, on_progress=on_progress,
        )
        diagnostics["bootstrap"] = boot.summary()
        details["replicates"] = boot.replicates
        interval = boot.interval
        interval_kind = "BCa bootstrap with model selection in every resample"
        if boot.n_failed:
            # Failed resamples are the sparse ones (a list lost, an MLE at infinity), whose
            # estimates would mostly be extreme: without them the interval is too narrow.
            understated = (": the interval is probably too narrow"
                           if boot.n_failed > 0.05 * bootstrap else "")
            warnings.append(
                f"the estimator failed on {boot.n_failed} of {bootstrap} resamples "
                f"(left out of the interval){understated}"
            )
    diagnostics["interval_kind"] = interval_kind
    return MSEResult(
        method="loglinear",
        estimate=fit.estimate,
        interval=interval,
        n_observed=table.n_observed,
        lists=list(table.lists),
        input_sha256=table.input_sha256,
        model=fit.terms,
        stratum=table.stratum,
        parameters={**choice.describe(), "bootstrap": bootstrap, "seed": seed, "level": level},
        diagnostics=diagnostics,
        warnings=warnings,
        details=details,
    )
