"""What a page's probabilities are, said first on every scenario report, comparison report and the
explorer: the model's, conditional on its assumptions, with its current hindcast skill and where it
misses. The figures are those the hindcast prints (README, "Hindcast" and "Bayesian calibration");
they are re-measured and updated here whenever the model changes."""

from __future__ import annotations

# `siege-run +experiment=hindcast replicates=100` (fixed defaults, seed 20210624) and
# `siege-run +experiment=hindcast +calibration=abc_cases replicates=100` (the left-out refits)
IN_SAMPLE_P, IN_SAMPLE_BRIER = 0.99, 0.000
LEFT_OUT_P, LEFT_OUT_BRIER = 0.85, 0.113
MISSES = "3 of 12 reachable recorded figures fall outside the model's 10-90% ranges, all in Eastern Ghouta 2018"

FRAMING = (
    "These probabilities are the model's: the share of its seeded runs that ended each way, given its "
    "assumptions. They are not a forecast of any real siege. On the four Syrian sieges it was built from, the "
    f"default parameters give the recorded outcome a mean probability of {IN_SAMPLE_P:.2f} (Brier "
    f"{IN_SAMPLE_BRIER:.3f}), but they were tuned on those same cases; fitted without each case in turn, the model "
    f"gave it {LEFT_OUT_P:.2f} (Brier {LEFT_OUT_BRIER:.3f}). Four cases are few: its skill on a siege it has not "
    "seen is unproven.")
WHERE_IT_MISSES = (f"Where it misses: {MISSES}; the hindcast report (siege-run +experiment=hindcast) lists each "
                   "miss, and the README's Hindcast section discusses them.")
