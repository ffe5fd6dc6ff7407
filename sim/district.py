"""The besieged district: a grid of cells with control, damage and civilian counts (property layers
held as flat arrays), a perimeter held by the besieger outside the grid, and an evacuation point."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.enums import Control
from sim.params import CivilianParams, DistrictParams


def neighbour_table(width: int, height: int) -> np.ndarray:
    """(cells, 4) flat indices of von Neumann neighbours, -1 where the grid ends (the perimeter)."""
    idx = np.arange(width * height).reshape(height, width)
    table = np.full((height, width, 4), -1, dtype=np.int32)
    table[1:, :, 0] = idx[:-1, :]
    table[:-1, :, 1] = idx[1:, :]
    table[:, 1:, 2] = idx[:, :-1]
    table[:, :-1, 3] = idx[:, 1:]
    return table.reshape(-1, 4)


def evacuation_cell(d: DistrictParams) -> int:
    """Flat index of the evacuation point: the middle of the configured row."""
    return d.evacuation_point_row * d.grid_width + d.grid_width // 2


@dataclass
class District:
    """Per-cell layers; civilians are counts, never objects."""

    width: int
    height: int
    neighbours: np.ndarray
    control: np.ndarray              # int8 Control
    damage: np.ndarray               # float in [0, 1]
    civilians: np.ndarray            # int64 present in the cell
    civilians_killed: np.ndarray     # int64
    civilians_injured: np.ndarray    # int64 (injured are still present)
    civilians_displaced: np.ndarray  # int64 left the enclave from this cell
    evacuation_cell: int
    supply_days: float
    _enclave: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _frontier: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def create(cls, d: DistrictParams, c: CivilianParams, rng: np.random.Generator) -> District:
        n = d.grid_width * d.grid_height
        # uneven housing density; the scale of the Gamma is irrelevant, only relative densities count
        density = rng.standard_gamma(d.housing_density_shape, size=n)
        civilians = rng.multinomial(c.count, density / density.sum()).astype(np.int64)
        zeros = np.zeros(n, dtype=np.int64)
        return cls(width=d.grid_width, height=d.grid_height,
                   neighbours=neighbour_table(d.grid_width, d.grid_height),
                   control=np.full(n, Control.REBEL, dtype=np.int8),
                   damage=np.zeros(n), civilians=civilians, civilians_killed=zeros.copy(),
                   civilians_injured=zeros.copy(), civilians_displaced=zeros.copy(),
                   evacuation_cell=evacuation_cell(d),
                   supply_days=d.initial_supply_days)

    @property
    def cells(self) -> int:
        return self.control.size

    def rebel_held(self) -> np.ndarray:
        """Cells the besieger does not hold (rebel or contested): the enclave. Cached until a cell falls."""
        if self._enclave is None:
            self._enclave = self.control != Control.BESIEGER
        return self._enclave

    def frontier(self) -> np.ndarray:
        """Enclave cells touching the perimeter or a besieger-held cell. Cached until a cell falls."""
        if self._frontier is None:
            nb = self.neighbours
            outside = (nb < 0) | (self.control[np.maximum(nb, 0)] == Control.BESIEGER)
            self._frontier = self.rebel_held() & outside.any(axis=1)
        return self._frontier

    def fall(self, cell: int) -> None:
        """The besieger takes a cell."""
        self.control[cell] = Control.BESIEGER
        self._enclave = self._frontier = None

    def contest(self, cell: int) -> None:
        """An attack on the cell was repulsed: contested for the rest of the day."""
        self.control[cell] = Control.CONTESTED

    def end_day(self) -> None:
        """Contested cells revert to rebel control overnight."""
        self.control[self.control == Control.CONTESTED] = Control.REBEL

    def control_shares(self) -> np.ndarray:
        """Share of cells under rebel, contested and besieger control (sums to one)."""
        return np.bincount(self.control, minlength=3) / self.cells
