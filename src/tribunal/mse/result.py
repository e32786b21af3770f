"""The result every MSE estimator returns, ready for JSON, reports and the case record."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class MSEResult:
    """One population estimate with its provenance.

    ``estimate`` is the MLE for log-linear models and the posterior median for Bayesian
    ones; ``interval`` is the 95% interval [lower, upper]. ``model`` lists the selected
    interaction terms as "A:B" strings built from the table's column names (empty for the
    independence model and for methods without a single model). ``diagnostics`` holds
    method-specific checks (convergence, existence, chains); ``warnings`` holds sentences a
    user must read before quoting the number.
    """

    method: str
    estimate: float
    interval: tuple[float, float] | None
    n_observed: int
    lists: list[str]
    input_sha256: str
    model: list[str] = field(default_factory=list)
    stratum: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def unobserved(self) -> float:
        """Estimated number of cases on no list."""
        return self.estimate - self.n_observed

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["interval"] = list(self.interval) if self.interval is not None else None
        return data
