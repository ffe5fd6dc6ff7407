"""The framing every probability page opens with states the model's hindcast skill: these tests run
the two hindcasts it quotes (the fixed defaults, and the shipped posterior with its left-out refits,
100 replicates a case on the root seed) and fail when the figures printed are no longer the code's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.reports import framing

ROOT = Path(__file__).resolve().parent.parent


def hindcast(out: Path, *overrides: str) -> Path:
    proc = subprocess.run([sys.executable, "-m", "experiments.run", "+experiment=hindcast", "replicates=100",
                           "workers=2", "progress=false", *overrides, f"hydra.run.dir={out}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


@pytest.mark.slow
def test_the_in_sample_figures_are_the_defaults_hindcast(tmp_path):
    out = hindcast(tmp_path / "defaults")
    scores = json.loads((out / "metadata.json").read_text())["scores"]
    assert f"{scores['mean_p_recorded']:.2f}" == f"{framing.IN_SAMPLE_P:.2f}"   # as the hindcast prints them
    assert f"{scores['mean_brier']:.3f}" == f"{framing.IN_SAMPLE_BRIER:.3f}"
    reachable, inside = scores["figures_reachable"], scores["figures_inside"]
    assert f"{reachable - inside} of {reachable} reachable" in framing.MISSES
    figures = pd.read_parquet(out / "hindcast_figures.parquet")
    missed = figures[(figures["inside"] == False) & ~figures["unreachable"]]  # noqa: E712 (None: not recorded)
    assert set(missed["case"]) == {"eastern_ghouta_2018"}, "the framing says every miss is in Eastern Ghouta"


@pytest.mark.slow
def test_the_left_out_figures_are_the_posteriors_left_out_hindcast(tmp_path):
    fits = pd.read_parquet(hindcast(tmp_path / "posterior", "+calibration=abc_cases") / "hindcast_fits.parquet")
    left_out = fits[fits["fit"] == "left_out"]
    assert len(left_out) == 4
    assert f"{left_out['p_recorded'].mean():.2f}" == f"{framing.LEFT_OUT_P:.2f}"
    assert f"{left_out['brier'].mean():.3f}" == f"{framing.LEFT_OUT_BRIER:.3f}"

