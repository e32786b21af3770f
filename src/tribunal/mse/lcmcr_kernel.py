"""Compiled Gibbs sweeps for the LCMCR latent class capture-recapture model.

The model and sampler are those of Manrique-Vallier (2016), "Bayesian population size
estimation using Dirichlet process mixtures", Biometrics 72:1246-1254: every case belongs to
one of K latent classes (truncated stick-breaking prior with concentration alpha), lists
capture independently within a class with probability lambda[j, k] ~ Beta(1, 1), the prior on
N is proportional to 1/N, and the unseen cases are filled in by data augmentation (n0 drawn
from a negative binomial, then spread over the classes by a multinomial).

Speed comes from working on the collapsed pattern table: class assignments of the c_p cases
sharing observed pattern p are exchangeable given the parameters, so one multinomial draw per
pattern replaces c_p categorical draws, and the sufficient statistics are sums over patterns.
Patterns are stored sparsely (the lists each pattern is on), because wide tables such as the
20-list Colombia stratum have patterns on one or two lists. The sweep allocates nothing.

State arrays are updated in place so a chain can be run in chunks (for progress reports)
with the same random stream; the random generator is a NumPy ``Generator`` owned by the chain.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# Pattern counts up to this size are split over classes by individual categorical draws
# (one uniform each); larger ones by K conditional binomial draws, which cost more each.
_CATEGORICAL_MAX = 16
_TINY = 1e-300
# Draws of n0 above the cap are redrawn this many times before n0 is set to the cap.
_MAX_REJECT = 1000


@njit(cache=True, nogil=True)
def _beta_int(rng, s, f):  # pragma: no cover - compiled
    """Beta(1 + s, 1 + f) for non-negative integers s, f, with cheap exact special cases.

    Empty latent classes (s = f = 0) and lists nobody in a class is on (s = 0) are the
    common case in wide sparse tables; they need one uniform instead of two gamma draws.
    """
    if s == 0:
        if f == 0:
            return rng.random()
        # Beta(1, b) = 1 - U^(1/b)
        return -math.expm1(math.log1p(-rng.random()) / (1.0 + f))
    if f == 0:
        return math.exp(math.log1p(-rng.random()) / (1.0 + s))
    ga = rng.standard_gamma(1.0 + s)
    gb = rng.standard_gamma(1.0 + f)
    return ga / (ga + gb)


@njit(cache=True, nogil=True)
def _log_gamma(rng, shape):  # pragma: no cover - compiled
    """log of a Gamma(shape, 1) draw, exact for small shapes where the draw underflows.

    Uses Gamma(a) = Gamma(a + 1) U^(1/a) (Robert & Casella 2004, p. 45) below shape 0.5.
    """
    if shape < 0.5:
        return math.log(rng.standard_gamma(1.0 + shape)) + math.log1p(-rng.random()) / shape
    return math.log(rng.standard_gamma(shape))


@njit(cache=True, nogil=True)
def _categorical(rng, n, w, total, first, out):  # pragma: no cover - compiled
    """Add ``n`` categorical draws over classes ``first..K-1`` (weights sum to ``total``)."""
    k_count = w.shape[0]
    for _ in range(n):
        u = rng.random() * total
        acc = 0.0
        chosen = k_count - 1
        for k in range(first, k_count):
            acc += w[k]
            if u < acc:
                chosen = k
                break
        out[chosen] += 1


@njit(cache=True, nogil=True)
def _multinomial(rng, n, w, total, out):  # pragma: no cover - compiled
    """Split ``n`` cases over classes with unnormalised weights ``w`` (sum ``total``).

    Conditional binomials while many cases remain, then one categorical draw per case:
    both are exact, and the switch saves the binomial calls for nearly empty classes.
    """
    k_count = w.shape[0]
    for k in range(k_count):
        out[k] = 0
    remaining = n
    rest = total
    for k in range(k_count - 1):
        if remaining <= _CATEGORICAL_MAX:
            if remaining > 0 and rest > 0.0:
                _categorical(rng, remaining, w, rest, k, out)
            elif remaining > 0:
                out[k_count - 1] += remaining
            return
        if rest <= 0.0:
            break
        p = w[k] / rest
        if p >= 1.0:
            out[k] = remaining
            return
        if p > 0.0:
            x = rng.binomial(remaining, p)
            out[k] = x
            remaining -= x
        rest -= w[k]
    out[k_count - 1] += remaining


@njit(cache=True, nogil=True)
def run_sweeps(  # pragma: no cover - compiled
    rng,
    n_sweeps,
    record_every,
    skip,
    idx,
    ptr,
    counts,
    lam,
    v,
    pi,
    state,
    m,
    m0,
    a_alpha,
    b_alpha,
    update_alpha,
    max_unobserved,
    out_n,
    out_alpha,
    out_kstar,
    out_loglik,
    out_pos,
    work_q,
    work_r,
    work_w,
    work_cnt,
    work_nk,
    work_s,
):
    """Run ``n_sweeps`` Gibbs sweeps; record every ``record_every``-th after ``skip`` sweeps.

    ``state`` holds [alpha, n0, cap_hits, sweeps_done] as floats. ``idx``/``ptr`` give the
    lists of pattern p as idx[ptr[p]:ptr[p+1]]. Returns the next free position in the
    output arrays.
    """
    n_pat = counts.shape[0]
    n_lists = lam.shape[0]
    k_count = lam.shape[1]
    n_obs = 0
    for p in range(n_pat):
        n_obs += counts[p]
    alpha = state[0]
    n0 = int(state[1])
    cap_hits = int(state[2])
    done = int(state[3])
    pos = out_pos
    for _sweep in range(n_sweeps):
        # Probability of the all-zero pattern per class, and the odds ratios of capture.
        pi0 = 0.0
        for k in range(k_count):
            base = pi[k]
            for j in range(n_lists):
                q = 1.0 - lam[j, k]
                base *= q
                work_r[j, k] = lam[j, k] / max(q, _TINY)
            work_q[k] = base
            pi0 += base
        # n0 | params ~ NegBin(n, 1 - pi0) under the 1/N prior (gamma-Poisson form),
        # truncated to n0 <= max_unobserved by rejection: the exact Gibbs step for the prior
        # truncated there (R's LCMCR truncates at 20 n the same way).
        p_seen = 1.0 - pi0
        rejected = 0
        while True:
            if p_seen <= 0.0:
                n0 = max_unobserved + 1
            else:
                y = rng.gamma(n_obs, pi0 / p_seen)
                n0 = max_unobserved + 1 if y > 4.0 * max_unobserved + 100.0 else rng.poisson(y)
            if n0 <= max_unobserved:
                break
            rejected += 1
            if rejected >= _MAX_REJECT:
                n0 = max_unobserved
                break
        if rejected > 0:
            cap_hits += 1
        _multinomial(rng, n0, work_q, pi0, m0)
        # Class assignments of the observed cases, one multinomial per pattern.
        for k in range(k_count):
            work_nk[k] = m0[k]
            for j in range(n_lists):
                work_s[j, k] = 0
        for p in range(n_pat):
            total = 0.0
            for k in range(k_count):
                w = work_q[k]
                for t in range(ptr[p], ptr[p + 1]):
                    w *= work_r[idx[t], k]
                work_w[k] = w
                total += w
            if not (total > 0.0 and total < math.inf):
                # Products under/overflowed: redo this pattern in logs.
                best = -math.inf
                for k in range(k_count):
                    lw = math.log(max(pi[k], _TINY))
                    for j in range(n_lists):
                        lw += math.log(max(1.0 - lam[j, k], _TINY))
                    for t in range(ptr[p], ptr[p + 1]):
                        lw += math.log(max(work_r[idx[t], k], _TINY))
                    work_w[k] = lw
                    best = max(best, lw)
                total = 0.0
                for k in range(k_count):
                    work_w[k] = math.exp(work_w[k] - best)
                    total += work_w[k]
            _multinomial(rng, counts[p], work_w, total, work_cnt)
            for k in range(k_count):
                c = work_cnt[k]
                m[p, k] = c
                if c > 0:
                    work_nk[k] += c
                    for t in range(ptr[p], ptr[p + 1]):
                        work_s[idx[t], k] += c
        # lambda[j, k] | z ~ Beta(1 + captured, 1 + not captured), unseen cases included.
        for k in range(k_count):
            nk = work_nk[k]
            for j in range(n_lists):
                s = work_s[j, k]
                lam[j, k] = _beta_int(rng, s, nk - s)
        # Stick-breaking weights and alpha | V ~ Gamma(a + K - 1, b - sum log(1 - V)), in
        # logs: with alpha small an empty tail stick has 1 - V = U^(1/b) far below 1e-16,
        # and rounding V to 1 (then clipping) would cap -log(1 - V) and so inflate alpha.
        tail = 0
        for k in range(k_count):
            tail += work_nk[k]
        log_rest = 0.0
        for k in range(k_count - 1):
            tail -= work_nk[k]
            b = alpha + tail
            if work_nk[k] == 0:
                # Beta(1, b): 1 - V = U^(1/b)
                l1v = math.log1p(-rng.random()) / b
                lv = math.log(max(-math.expm1(l1v), _TINY))
            else:
                lga = math.log(rng.standard_gamma(1.0 + work_nk[k]))
                lgb = _log_gamma(rng, b)
                top = max(lga, lgb)
                ls = top + math.log(math.exp(lga - top) + math.exp(lgb - top))
                lv = lga - ls
                l1v = lgb - ls
            v[k] = math.exp(lv)
            pi[k] = math.exp(log_rest + lv)
            log_rest += l1v
        v[k_count - 1] = 1.0
        pi[k_count - 1] = math.exp(log_rest)
        if update_alpha:
            alpha = rng.gamma(a_alpha + k_count - 1.0, 1.0 / (b_alpha - log_rest))
            alpha = max(alpha, 1e-10)
        done += 1
        if done > skip and (done - skip) % record_every == 0 and pos < out_n.shape[0]:
            out_n[pos] = n_obs + n0
            out_alpha[pos] = alpha
            kstar = 0
            for k in range(k_count):
                if work_nk[k] > 0:
                    kstar += 1
            out_kstar[pos] = kstar
            out_loglik[pos] = _observed_loglik(counts, idx, ptr, lam, pi, work_w)
            pos += 1
    state[0] = alpha
    state[1] = n0
    state[2] = cap_hits
    state[3] = done
    return pos


@njit(cache=True, nogil=True)
def _observed_loglik(counts, idx, ptr, lam, pi, base):  # pragma: no cover - compiled
    """log P(observed patterns | seen, params): the conditional likelihood of the data.

    Used to compare modes when chains disagree (a higher value fits the seen cases better).
    ``base`` is a work array of length K.
    """
    n_lists = lam.shape[0]
    k_count = lam.shape[1]
    pi0 = 0.0
    for k in range(k_count):
        b = pi[k]
        for j in range(n_lists):
            b *= 1.0 - lam[j, k]
        base[k] = b
        pi0 += b
    log_seen = math.log(max(1.0 - pi0, _TINY))
    total = 0.0
    for p in range(counts.shape[0]):
        prob = 0.0
        for k in range(k_count):
            w = base[k]
            for t in range(ptr[p], ptr[p + 1]):
                q = 1.0 - lam[idx[t], k]
                w *= lam[idx[t], k] / max(q, _TINY)
            prob += w
        total += counts[p] * (math.log(max(prob, _TINY)) - log_seen)
    return total


def sparse_patterns(patterns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lists each pattern is on, as a CSR-style (indices, pointers) pair."""
    rows, cols = np.nonzero(patterns)
    ptr = np.zeros(patterns.shape[0] + 1, dtype=np.int64)
    np.add.at(ptr, rows + 1, 1)
    return cols.astype(np.int64), np.cumsum(ptr).astype(np.int64)
