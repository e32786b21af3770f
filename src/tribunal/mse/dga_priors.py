"""Priors on the population size N for the Madigan-York model average (tribunal.mse.dga).

The prior is evaluated on the grid of N = n_obs + m. ``"1/N"`` is dga's default (improper,
proportional to 1/N); ``"uniform"`` is flat over the grid; the negative-binomial prior is the
one Madigan & York (1997, Biometrika 84:19-31, Sec. 5) use for the spina bifida example.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import gammaln

from tribunal.errors import InputError


@dataclass(frozen=True)
class NPrior:
    """A prior on the population size N, evaluated on the grid of N values.

    ``name`` is one of ``"1/N"`` (dga's default, improper, p(N) proportional to 1/N),
    ``"uniform"`` (flat over the grid) or ``"negative-binomial"`` (Madigan & York's
    spina bifida prior with parameters ``a`` and ``b``: mean a*b, as in dga's example).
    """

    name: str
    params: dict[str, float] = field(default_factory=dict)

    def log_density(self, n_total: np.ndarray) -> np.ndarray:
        n = np.asarray(n_total, dtype=float)
        if self.name == "1/N":
            return -np.log(n)
        if self.name == "uniform":
            return np.zeros_like(n)
        if self.name == "negative-binomial":
            a, b = self.params["a"], self.params["b"]
            return (
                n * np.log(b)
                - (n + a) * np.log1p(b)
                + gammaln(n + a)
                - gammaln(n + 1)
                - gammaln(a)
            )
        raise InputError(f"unknown prior on N: {self.name!r}", hint=PRIOR_HINT)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, **self.params}


PRIOR_HINT = "use '1/N', 'uniform' or 'negbin:A,B' (negative_binomial_prior(a, b))"


def negative_binomial_prior(a: float, b: float) -> NPrior:
    """Madigan & York's (1997, Sec. 5) negative-binomial prior on N.

    log p(N) = N log b - (N + a) log(1 + b) + lgamma(N + a) - lgamma(N + 1) - lgamma(a);
    their spina bifida analysis uses a = 13.14, b = 55.17 (prior mean about 725).
    """
    if not (0 < a < np.inf and 0 < b < np.inf):  # also refuses NaN
        raise InputError(
            f"the negative-binomial prior needs finite a > 0 and b > 0, not a={a}, b={b}",
            hint="Madigan & York's spina bifida prior is negbin:13.14,55.17",
        )
    return NPrior("negative-binomial", {"a": float(a), "b": float(b)})


def resolve_prior(prior: str | NPrior) -> NPrior:
    if isinstance(prior, NPrior):
        return prior
    key = str(prior).strip().lower().replace(" ", "")
    if key in ("1/n", "inverse", "jeffreys"):
        return NPrior("1/N")
    if key in ("uniform", "flat"):
        return NPrior("uniform")
    name, _, args = key.partition(":")
    if name in ("negative-binomial", "negbin") and args:
        try:
            a, b = (float(x) for x in args.split(","))
        except ValueError:
            raise InputError(f"cannot read {prior!r}", hint="write e.g. negbin:13.14,55.17") from None
        return negative_binomial_prior(a, b)
    raise InputError(f"unknown prior on N: {prior!r}", hint=PRIOR_HINT)


