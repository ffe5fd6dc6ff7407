"""Parameter uncertainty carried into the replicates: a weighted sample of values for some parameters
(the particles of a posterior), from which every replicate draws its own.

Replicate r takes the particle drawn by its own named stream ('posterior'), so the draw depends only
on (root seed, r): the same seed gives the same particles, and the same tables, whatever the number
of workers or the launcher; the other streams are untouched by it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.params import ModelParams, value_at, with_values
from sim.rng import seed_sequence


@dataclass(frozen=True)
class ParameterDraws:
    """Particles (rows) of values for `paths` (columns) with their weights; `source` says where they
    came from (a calibration's name and date), for the reports."""

    paths: tuple[str, ...]
    values: np.ndarray   # (particles, paths)
    weights: np.ndarray  # (particles,), normalised to sum to 1
    source: str = ""

    @classmethod
    def create(cls, paths: list[str], values: list[list[float]], weights: list[float] | None = None,
               source: str = "") -> ParameterDraws:
        """Checked particles: one value per path in every row, non-negative weights (equal if none)."""
        array = np.asarray(values, dtype=float)
        if not paths or array.ndim != 2 or array.shape[0] == 0 or array.shape[1] != len(paths):
            raise ValueError(f"posterior: {len(paths)} parameter paths need rows of {len(paths)} values each, "
                             f"at least one row (got an array of shape {array.shape})")
        w = np.ones(array.shape[0]) if weights is None else np.asarray(weights, dtype=float)
        if w.shape != (array.shape[0],) or (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise ValueError(f"posterior: {array.shape[0]} particles need as many non-negative weights, "
                             f"not all zero (got {w.size})")
        return cls(tuple(paths), array, w / w.sum(), source)

    def particle(self, root_seed: int, replicate: int) -> int:
        """The particle replicate `replicate` uses, drawn by its 'posterior' stream."""
        rng = np.random.default_rng(seed_sequence(root_seed, replicate, "posterior"))
        return int(rng.choice(self.weights.size, p=self.weights))

    def params_for(self, base: ModelParams, particle: int) -> ModelParams:
        """`base` with the particle's values (whole-number parameters rounded to whole numbers)."""
        values = {}
        for path, v in zip(self.paths, self.values[particle], strict=True):
            current = value_at(base, path)
            values[path] = round(v) if isinstance(current, int) and not isinstance(current, bool) else float(v)
        return with_values(base, values)

    def weighted_quantiles(self, qs: tuple[float, ...] = (0.05, 0.5, 0.95)) -> dict[str, list[float]]:
        """Per path, the weighted quantiles of the particles (for the reports)."""
        out = {}
        for j, path in enumerate(self.paths):
            order = np.argsort(self.values[:, j])
            cumulative = np.cumsum(self.weights[order])
            out[path] = [float(self.values[order[min(np.searchsorted(cumulative, q), order.size - 1)], j])
                         for q in qs]
        return out
