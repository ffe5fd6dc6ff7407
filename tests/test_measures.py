"""The measure registry: every selection names registered measures, and the replicate measures are
columns of the run table."""

from __future__ import annotations

import pytest

from experiments import measures
from experiments.measures import MEASURES, Measure
from helpers.scenarios import scenario_params, simulate

SELECTIONS = {name: value for name, value in vars(measures).items()
              if name.isupper() and isinstance(value, tuple) and name not in ("SETTLEMENT", "FORCED")}


@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_every_selection_names_registered_measures(name):
    unknown = [c for c in SELECTIONS[name] if c not in MEASURES]
    assert not unknown, f"{name} names measures not in the registry: {unknown}"


def test_replicate_measures_are_columns_of_the_run_table():
    runs, _, _ = simulate(scenario_params("model.horizon_days=30"), 2, workers=1)
    per_replicate = set(measures.RUN_SUMMARY) | set(measures.SWEEP_MEDIANS) | set(measures.SWEEP_PAIRED)
    assert per_replicate <= set(runs.columns), per_replicate - set(runs.columns)


def test_labels_carry_their_unit_once():
    assert Measure("x", "decisive phase", "days").label_with_unit == "decisive phase (days)"
    assert Measure("x", "days to resolution", "days").label_with_unit == "days to resolution"
    assert Measure("x", "civilians killed", "people").label_with_unit == "civilians killed"
    assert MEASURES["end_day"].title == "Days to resolution"


def test_outcome_groups_partition_the_endings_they_compare():
    assert not set(measures.SETTLEMENT) & set(measures.FORCED)
    assert set(measures.SETTLEMENT) | set(measures.FORCED) <= set(measures.OUTCOMES)
