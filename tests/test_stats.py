"""The interval for a paired difference of shares (experiments/stats.py) covers the true difference
about 95% of the time, including where few pairs differ, which a bootstrap over pairs does not."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.stats import paired_difference, paired_share_difference, wilson_interval

DRAWS = 2000


def paired_draws(rng: np.random.Generator, n: int, only_a: float, only_b: float) -> tuple[np.ndarray, np.ndarray]:
    """n pairs of 0/1 outcomes where a pair is (1, 0) with probability only_a, (0, 1) with only_b, and
    (1, 1) or (0, 0) otherwise, half each."""
    kind = rng.choice(4, size=n, p=[only_a, only_b, (1 - only_a - only_b) / 2, (1 - only_a - only_b) / 2])
    a = np.isin(kind, (0, 2)).astype(float)
    b = np.isin(kind, (1, 2)).astype(float)
    return a, b


@pytest.mark.parametrize("n, only_a, only_b", [(40, 0.05, 0.15), (200, 0.0, 0.02), (100, 0.1, 0.1), (30, 0.0, 0.3)])
def test_the_paired_share_interval_covers_the_true_difference(n, only_a, only_b):
    rng = np.random.default_rng(20210624)
    truth = only_b - only_a
    hits = 0
    for _ in range(DRAWS):
        _, lo, hi = paired_share_difference(*paired_draws(rng, n, only_a, only_b))
        hits += lo <= truth <= hi
    low, _ = wilson_interval(hits, DRAWS)
    assert low > 0.925, f"coverage {hits / DRAWS:.3f} over {DRAWS} draws"


def test_a_bootstrap_over_pairs_undercovers_where_few_pairs_differ_and_this_interval_does_not():
    """200 pairs, 2% of them flip one way: the bootstrap's coverage falls well short of 95%."""
    rng = np.random.default_rng(7)
    boot_hits = share_hits = 0
    for _ in range(500):
        a, b = paired_draws(rng, 200, 0.0, 0.02)
        _, boot_lo, boot_hi = paired_difference(a, b, rng, resamples=400)
        boot_hits += boot_lo <= 0.02 <= boot_hi
        _, lo, hi = paired_share_difference(a, b)
        share_hits += lo <= 0.02 <= hi
    assert share_hits / 500 > 0.93 and boot_hits < share_hits


def test_the_paired_share_difference_by_hand():
    a = np.array([1, 1, 0, 0, 0, 1, 0, 0, 0, 0], float)
    b = np.array([1, 0, 1, 1, 0, 1, 0, 0, 0, 0], float)
    d, lo, hi = paired_share_difference(a, b)
    assert d == pytest.approx((2 - 1) / 10)
    p_b, p_a = 3 / 12, 2 / 12                      # Bonett-Price: one added to each kind of discordant pair
    half = 1.959963984540054 * np.sqrt((p_b + p_a - (p_b - p_a) ** 2) / 12)
    assert (lo, hi) == pytest.approx((p_b - p_a - half, p_b - p_a + half))
    assert all(np.isnan(paired_share_difference(np.array([]), np.array([]))))
