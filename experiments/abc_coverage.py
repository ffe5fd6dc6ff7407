"""How often the CI's planted ABC check covers the planted value: `python -m experiments.abc_coverage`.

The CI check (tests/test_abc.py) runs one small ABC-SMC on one sampler seed. This repeats the same
check over several sampler and root seeds and prints, per seed, the posterior's 5-95% interval and
whether it holds the planted value, then the coverage rate with its 95% Wilson interval. A 90%
interval should cover the planted value about 90% of the time; far less means the check passes by
luck, far more that the posterior is wider than it needs to be.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd

from experiments.config.compose import compose, to_run_config
from experiments.evaluation.abc import run_abc
from experiments.stats import wilson_interval

CHECK = ("+experiment=abc", "abc.cases=[daraa_2021]", "abc.parameters=[combat.shell_lethality]",
         "abc.population_size=16", "abc.populations=2", "abc.leave_one_out=false", "replicates=5", "workers=1",
         "hindcast.horizon_days=150", "progress=false", "report=false")   # as tests/test_abc.py runs it
PLANTED = 0.00012
ROOT_SEED = 20210624


def one_check(seed: int, planted: float, folder: Path) -> dict[str, float | int | bool]:
    """The planted check with sampler seed `seed` and root seed ROOT_SEED + seed: its posterior
    5-50-95% and whether the 5-95% interval holds the planted value."""
    run = to_run_config(compose([*CHECK, f"abc.planted=[{{path:combat.shell_lethality,value:{planted}}}]",
                                 f"abc.sampler_seed={seed}", f"seed={ROOT_SEED + seed}"]))
    with redirect_stdout(sys.stderr):
        run_abc(run, folder)
    row = pd.read_parquet(folder / "abc_summary.parquet").iloc[0]
    return {"seed": seed, "q05": float(row["q05"]), "median": float(row["median"]), "q95": float(row["q95"]),
            "share_of_prior": float(row["interval_share_of_prior"]),
            "covered": bool(row["q05"] <= planted <= row["q95"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="how many sampler seeds (1, 2, ...)")
    parser.add_argument("--planted", type=float, default=PLANTED, help="the planted shell lethality")
    args = parser.parse_args()
    if args.seeds < 1:
        parser.error(f"--seeds={args.seeds}: at least 1")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for seed in range(1, args.seeds + 1):
            rows.append(one_check(seed, args.planted, Path(scratch) / str(seed)))
            r = rows[-1]
            print(f"seed {seed:>3}: 5-50-95% {r['q05']:.3g} - {r['median']:.3g} - {r['q95']:.3g} "
                  f"({r['share_of_prior']:.0%} of the prior): {'covers' if r['covered'] else 'MISSES'} "
                  f"{args.planted:g}", flush=True)
    covered = sum(r["covered"] for r in rows)
    low, high = wilson_interval(covered, len(rows))
    mean_share = sum(r["share_of_prior"] for r in rows) / len(rows)
    print(f"\nCoverage of the 90% interval: {covered}/{len(rows)} = {covered / len(rows):.0%} "
          f"(95% Wilson interval {low:.0%}-{high:.0%}); mean interval {mean_share:.0%} of the prior's width")


if __name__ == "__main__":
    main()
