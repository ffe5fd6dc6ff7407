"""Fighters as individuals held in arrays (struct of arrays), so daily updates are vectorised.

Each fighter keeps an identity (its index), a faction, a hardliner flag, resolve, an armed flag,
expulsion-list membership, a position (cell index) and a status."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.enums import FighterStatus
from sim.params import FighterParams


@dataclass
class Fighters:
    """Per-fighter attributes, all arrays of the same length."""

    faction: np.ndarray      # int16
    hardliner: np.ndarray    # bool
    resolve: np.ndarray      # float in [0, 1]
    armed: np.ndarray        # bool
    listed: np.ndarray       # bool: on the current expulsion list
    cell: np.ndarray         # int32 flat cell index
    status: np.ndarray       # int8 FighterStatus

    @classmethod
    def create(cls, p: FighterParams, frontier_cells: np.ndarray, interior_cells: np.ndarray,
               rng: np.random.Generator) -> Fighters:
        """Draw fighters: factions of uneven size, hardliners concentrated in some factions."""
        n = p.count
        faction_sizes = rng.dirichlet(np.full(p.factions, p.faction_size_concentration))
        faction = rng.choice(p.factions, size=n, p=faction_sizes).astype(np.int16)
        # Hardliners cluster: each faction's hardliner propensity varies around the overall share;
        # a Beta(c, c) draw divided by its mean (one half) has mean one.
        c = p.hardliner_concentration
        propensity = np.clip(rng.beta(c, c, size=p.factions) / (c / (c + c)) * p.hardliner_share, 0.0, 1.0)
        hardliner = rng.random(n) < propensity[faction]
        resolve = np.clip(rng.normal(p.resolve_mean, p.resolve_sd, size=n)
                          + p.hardliner_resolve_shift * hardliner, 0.0, 1.0)
        at_front = rng.random(n) < p.frontline_share
        if interior_cells.size == 0:
            at_front[:] = True
        cell = np.where(at_front, rng.choice(frontier_cells, size=n),
                        rng.choice(interior_cells if interior_cells.size else frontier_cells, size=n))
        return cls(faction=faction, hardliner=hardliner, resolve=resolve,
                   armed=np.ones(n, dtype=bool), listed=np.zeros(n, dtype=bool),
                   cell=cell.astype(np.int32), status=np.zeros(n, dtype=np.int8))

    @property
    def size(self) -> int:
        return self.status.size

    def in_status(self, status: FighterStatus) -> np.ndarray:
        return self.status == status

    def fighting(self) -> np.ndarray:
        """Active and armed: those who can defend, vote and be targeted as combatants."""
        return (self.status == FighterStatus.ACTIVE) & self.armed

    def inside(self) -> np.ndarray:
        """Still in the enclave and not settled: active or wounded."""
        return self.status <= FighterStatus.WOUNDED

    def counts(self) -> np.ndarray:
        """Number of fighters in each status, indexed by FighterStatus."""
        return np.bincount(self.status, minlength=len(FighterStatus))
