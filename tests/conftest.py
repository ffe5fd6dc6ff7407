"""Session fixtures; the helpers the tests share live in tests/helpers/."""

from __future__ import annotations

import pytest

from helpers.scenarios import scenario_params
from sim.params import ModelParams


@pytest.fixture(scope="session")
def daraa() -> ModelParams:
    return scenario_params()
