"""Hydra instantiates sweepers only from the `hydra_plugins` namespace package, found by scanning it;
this is the SALib sweeper (experiments/salib_sweeper.py) under that name."""

from experiments.salib_sweeper import SalibSweeper as _SalibSweeper


class SalibSweeper(_SalibSweeper):
    """See experiments.salib_sweeper.SalibSweeper."""
