"""The besieged district: a grid of cells with control, damage and civilian counts (property layers
held as flat arrays), a perimeter held by the besieger outside the grid, and an evacuation point.

The district owns what happens to its civilians and stocks: harm by cause and the record of daily
deaths, shelling and damage, crossfire, supplies and hardship, starvation, flight and the families
who leave on convoys (MECHANISMS C.13, D.18, D.19, E.23)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim import combat, harm
from sim.enums import Control, HarmCause
from sim.params import CivilianParams, CombatParams, DistrictParams
from sim.units import DAYS_PER_WEEK, PER_HUNDRED


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
    initial_civilians: int
    killed_by: dict[HarmCause, int] = field(default_factory=lambda: {cause: 0 for cause in HarmCause})
    deaths_today: int = 0
    death_record: list[int] = field(default_factory=list)  # civilians killed on each day so far
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
                   supply_days=d.initial_supply_days, initial_civilians=int(civilians.sum()))

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
        """Contested cells revert to rebel control overnight, and a new day's death count starts."""
        self.control[self.control == Control.CONTESTED] = Control.REBEL
        self.deaths_today = 0

    def enclave_neighbours(self, cell: int) -> np.ndarray:
        """The enclave cells next to `cell`."""
        nb = self.neighbours[cell]
        nb = nb[(nb >= 0)]
        return nb[self.rebel_held()[nb]]

    def fallback_cells(self, cell: int) -> np.ndarray:
        """Where defenders of a lost cell retreat: an enclave cell next to it, or anywhere inside."""
        options = self.enclave_neighbours(cell)
        return options if options.size else np.flatnonzero(self.rebel_held())

    def cells_to_take(self, takeover_share: float) -> float:
        """Enclave cells the besieger must still take before the district has fallen."""
        return float(self.rebel_held().sum()) - takeover_share * self.cells

    # ------------------------------------------------------------------ civilian harm
    def harm(self, killed: np.ndarray, injured: np.ndarray, cause: HarmCause) -> None:
        """Book civilians killed and injured per cell, with their cause (Athena CIVCAS accounting)."""
        self.civilians -= killed
        self.civilians_killed += killed
        self.civilians_injured += injured
        self.deaths_today += int(killed.sum())
        self.killed_by[cause] += int(killed.sum())

    def record_deaths(self) -> None:
        """Close the day's death count into the record the mediator reads."""
        self.death_record.append(self.deaths_today)

    def deaths_last_week(self) -> float:
        """Civilians killed over the last seven recorded days."""
        return float(sum(self.death_record[-DAYS_PER_WEEK:]))

    def harm_total(self) -> float:
        """Civilians killed plus injury events so far."""
        return float(self.civilians_killed.sum() + self.civilians_injured.sum())

    def take_shelling(self, shells: float, cp: CombatParams, dp: DistrictParams, injured_per_killed: float,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Area fire over the enclave: civilians killed and injured, then buildings damaged. Returns the
        shells per cell and the shelter they met (before today's damage), for the hits on fighters."""
        per_cell = combat.shells_by_cell(shells, self.rebel_held(), self.frontier(), cp.frontier_weight)
        shelter = harm.shelter(dp.shelter, self.damage)
        p_kill = combat.area_fire_hit_probability(per_cell, cp.shell_lethality, shelter)
        killed = rng.binomial(self.civilians, p_kill)
        injured = rng.binomial(self.civilians - killed, np.minimum(1.0, p_kill * injured_per_killed))
        self.harm(killed, injured, HarmCause.SHELLING)
        self.damage = harm.damage_after_shelling(self.damage, per_cell, dp.damage_per_shell)
        return per_cell, shelter

    def crossfire(self, cell: int, rate: float, air: float, injured_per_killed: float,
                  rng: np.random.Generator) -> None:
        """Residents of an attacked cell caught in the crossfire: a share hurt, of whom 1/(1+q) die."""
        hurt = rng.binomial(self.civilians[cell], min(1.0, rate * air))
        killed = np.zeros(self.cells, dtype=np.int64)
        killed[cell] = rng.binomial(hurt, 1.0 / (1.0 + injured_per_killed))
        injured = np.zeros(self.cells, dtype=np.int64)
        injured[cell] = hurt - killed[cell]
        self.harm(killed, injured, HarmCause.GROUND)

    # ------------------------------------------------------------------ supplies, starvation, flight
    def consume_supplies(self, resupply_share: float, buffer_days: float) -> float:
        """One day of the stock (need scales with the civilians still in the enclave); returns hardship."""
        need = float(self.civilians[self.rebel_held()].sum()) / max(self.initial_civilians, 1)
        self.supply_days = harm.supply_after_day(self.supply_days, need, resupply_share)
        return harm.hardship(self.supply_days, buffer_days)

    def starve(self, mortality: float, hardship: float, rng: np.random.Generator) -> None:
        """Deaths from deprivation in every cell, rising with hardship."""
        starving = rng.binomial(self.civilians, mortality * hardship)
        self.harm(starving, np.zeros_like(starving), HarmCause.STARVATION)

    def flee(self, hardship: float, shells: float, cp: CivilianParams, frontier_weight: float,
             rng: np.random.Generator) -> None:
        """Residents of enclave cells leave with a chance that rises with hardship and with today's
        shells per resident (capped), and falls with the journey's risk; leavers are displaced."""
        per_cell = combat.shells_by_cell(shells, self.rebel_held(), self.frontier(), frontier_weight)
        shells_per_100 = per_cell * PER_HUNDRED / np.maximum(self.civilians, 1)
        p_flee = harm.flight_probability(hardship, np.minimum(shells_per_100, cp.flight_shelling_cap),
                                         cp.journey_risk, cp.flight_intercept, cp.flight_hardship,
                                         cp.flight_shelling, cp.flight_journey_risk) * self.rebel_held()
        leaving = rng.binomial(self.civilians, p_flee)
        self.civilians -= leaving
        self.civilians_displaced += leaving

    def evacuate_families(self, n: int, rng: np.random.Generator) -> int:
        """Relatives take a convoy's family seats: up to `n` people leave the enclave (displacement is harm)."""
        pool = self.civilians * self.rebel_held()
        n = int(min(n, pool.sum()))
        if n <= 0:
            return 0
        leaving = rng.multivariate_hypergeometric(pool, n)
        self.civilians -= leaving
        self.civilians_displaced += leaving
        return n

    def control_shares(self) -> np.ndarray:
        """Share of cells under rebel, contested and besieger control (sums to one)."""
        return np.bincount(self.control, minlength=3) / self.cells
