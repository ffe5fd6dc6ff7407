"""Session fixtures; the helpers the tests share live in tests/helpers/."""

from __future__ import annotations

import pytest

from helpers.browser import start_browser
from helpers.scenarios import scenario_params
from sim.params import ModelParams


@pytest.fixture(scope="session")
def daraa() -> ModelParams:
    return scenario_params()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser check of the session (started on first use)."""
    driver = start_browser()
    yield driver
    driver.quit()
