"""Hydra instantiates sweepers only from the `hydra_plugins` namespace package, which it scans at start
(importing every module in it); this is the SALib sweeper (experiments/sensitivity/sweeper.py) under
that name, and its config stored as `hydra/sweeper=salib`, as Hydra's own plugins store theirs."""

from hydra.core.config_store import ConfigStore

from experiments.sensitivity.sweeper import SalibSweeper as _SalibSweeper
from experiments.sensitivity.sweeper import SalibSweeperConf


class SalibSweeper(_SalibSweeper):
    """See experiments.sensitivity.sweeper.SalibSweeper."""


ConfigStore.instance().store(group="hydra/sweeper", name="salib", node=SalibSweeperConf, provider="siege-sim")
