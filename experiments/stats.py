"""Interval estimates on replicate samples: Wilson intervals for shares, Newcombe's interval for a
paired difference of shares, bootstrap intervals for medians and for paired differences of means.
Pure functions on arrays."""

from __future__ import annotations

import math

import numpy as np

Z95 = 1.959963984540054
BOOTSTRAP_RESAMPLES = 1000


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (Wilson 1927); (0, 1) when n = 0.
    The bounds are exactly 0 when k = 0 and exactly 1 when k = n."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    lo = 0.0 if k <= 0 else max(0.0, centre - half)
    hi = 1.0 if k >= n else min(1.0, centre + half)
    return lo, hi


def bootstrap_median_interval(values: np.ndarray, rng: np.random.Generator,
                              resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[float, float]:
    """Percentile bootstrap 95% interval of the median; NaNs for an empty sample."""
    if values.size == 0:
        return float("nan"), float("nan")
    idx = rng.integers(0, values.size, size=(resamples, values.size))
    medians = np.median(values[idx], axis=1)
    return float(np.quantile(medians, 0.025)), float(np.quantile(medians, 0.975))


def paired_difference(a: np.ndarray, b: np.ndarray, rng: np.random.Generator,
                      resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[float, float, float]:
    """Mean of b - a over replicates paired by index, and its percentile bootstrap 95% interval."""
    diff = b - a
    idx = rng.integers(0, diff.size, size=(resamples, diff.size))
    means = diff[idx].mean(axis=1)
    return float(diff.mean()), float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def paired_share_difference(a: np.ndarray, b: np.ndarray, z: float = Z95) -> tuple[float, float, float]:
    """The share of b's replicates in a class minus a's, paired by index (a and b are 0/1 per
    replicate), with the Bonett-Price adjusted Wald interval for paired proportions (Bonett & Price
    2012; recommended by Fagerland, Lydersen & Laake 2014 for its coverage). It is built on the
    discordant pairs with one added to each, so unlike a bootstrap over pairs it does not collapse
    when few or no pairs differ: none of 200 still leaves about a point either way. NaNs when there
    are no pairs."""
    n = int(a.size)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    a, b = a.astype(bool), b.astype(bool)
    only_b, only_a = int(np.sum(b & ~a)), int(np.sum(a & ~b))
    d = (only_b - only_a) / n
    p_b, p_a = (only_b + 1) / (n + 2), (only_a + 1) / (n + 2)
    centre = p_b - p_a
    half = z * math.sqrt(max(0.0, p_b + p_a - centre ** 2) / (n + 2))
    return d, max(-1.0, min(d, centre - half)), min(1.0, max(d, centre + half))
