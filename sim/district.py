"""The besieged district: a grid of cells with control, damage and civilian counts (property layers
held as flat arrays), a perimeter held by the besieger outside the grid, and an evacuation point.

The district owns what happens to its civilians and stocks: harm by cause and the record of daily
deaths, shelling and damage, crossfire, supplies and hardship, starvation, flight and the families
who leave on convoys (MECHANISMS C.13, D.18, D.19, E.23). Injuries count people: a person is injured
once, the injured stay present (and can be hit again, or killed, or leave) and only the uninjured
become newly injured; the `injury` stream decides which of the people harmed or leaving were injured.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim import combat, harm
from sim.enums import Control, HarmCause
from sim.params import CivilianParams, CombatParams, DistrictParams
from sim.units import DAYS_PER_WEEK


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
    civilians: np.ndarray            # int64 present in the cell, the injured among them
    civilians_killed: np.ndarray     # int64
    civilians_injured: np.ndarray    # int64 people injured so far, each once, still counted once gone
    civilians_injured_present: np.ndarray  # int64 the injured still present (part of `civilians`)
    civilian_injury_events: np.ndarray     # int64 injuries inflicted, a hit on someone already injured included
    civilians_displaced: np.ndarray  # int64 left the enclave from this cell
    evacuation_cell: int
    supply_days: float
    initial_civilians: int
    injury_rng: np.random.Generator = field(repr=False, compare=False)  # the `injury` stream
    killed_by: dict[HarmCause, int] = field(default_factory=lambda: {cause: 0 for cause in HarmCause})
    deaths_today: int = 0
    death_record: list[int] = field(default_factory=list)  # civilians killed on each day so far
    ground_deaths_today: int = 0
    ground_death_record: list[int] = field(default_factory=list)  # of them, killed in ground fighting
    _enclave: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _frontier: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def create(cls, d: DistrictParams, c: CivilianParams, rng: np.random.Generator,
               injury_rng: np.random.Generator) -> District:
        """Civilians placed on the grid from `rng` (setup); `injury_rng` is kept for the injury bookkeeping."""
        n = d.grid_width * d.grid_height
        # uneven housing density; the scale of the Gamma is irrelevant, only relative densities count
        density = rng.standard_gamma(d.housing_density_shape, size=n)
        civilians = rng.multinomial(c.count, density / density.sum()).astype(np.int64)
        zeros = np.zeros(n, dtype=np.int64)
        return cls(width=d.grid_width, height=d.grid_height,
                   neighbours=neighbour_table(d.grid_width, d.grid_height),
                   control=np.full(n, Control.REBEL, dtype=np.int8),
                   damage=np.zeros(n), civilians=civilians, civilians_killed=zeros.copy(),
                   civilians_injured=zeros.copy(), civilians_injured_present=zeros.copy(),
                   civilian_injury_events=zeros.copy(), civilians_displaced=zeros.copy(),
                   evacuation_cell=evacuation_cell(d),
                   supply_days=d.initial_supply_days, initial_civilians=int(civilians.sum()),
                   injury_rng=injury_rng)

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

    def hand_over(self) -> None:
        """A completed deal with besieger entry: every cell the rebels still hold changes hands."""
        self.control[self.rebel_held()] = Control.BESIEGER
        self._enclave = self._frontier = None

    def contest(self, cell: int) -> None:
        """An attack on the cell was repulsed: contested for the rest of the day."""
        self.control[cell] = Control.CONTESTED

    def end_day(self) -> None:
        """Contested cells revert to rebel control overnight, and a new day's death count starts."""
        self.control[self.control == Control.CONTESTED] = Control.REBEL
        self.deaths_today = 0
        self.ground_deaths_today = 0

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
    def harm(self, killed: np.ndarray, hits: np.ndarray, cause: HarmCause) -> None:
        """Book civilians killed per cell, with their cause (Athena CIVCAS accounting), then the
        injuring hits on the survivors (`hits` <= present - killed): the killed are drawn from everyone
        present, injured or not, and a hit injures a new person only if it lands on someone uninjured."""
        self._leave(killed)
        self._injure(hits)
        self.civilians_killed += killed
        self.deaths_today += int(killed.sum())
        if cause == HarmCause.GROUND:
            self.ground_deaths_today += int(killed.sum())
        self.killed_by[cause] += int(killed.sum())

    def _injured_among(self, leaving: np.ndarray) -> np.ndarray:
        """How many of the people leaving each cell (killed, fled or bused out) were injured: the
        leavers are a uniform draw without replacement from everyone present (assumption: the injured
        die, flee and board as often as the others)."""
        injured, among = self.civilians_injured_present, np.zeros_like(leaving)
        drawn = np.flatnonzero((injured > 0) & (leaving > 0))  # elsewhere none of the leavers was injured
        if drawn.size:
            among[drawn] = self.injury_rng.hypergeometric(injured[drawn], self.civilians[drawn] - injured[drawn],
                                                          leaving[drawn])
        return among

    def _leave(self, leaving: np.ndarray) -> None:
        """People leave each cell's present; the injured among them leave the injured present but stay
        in the cumulative count of people injured."""
        if self.civilians_injured_present.any() and leaving.any():
            self.civilians_injured_present -= self._injured_among(leaving)
        self.civilians -= leaving

    def _injure(self, hits: np.ndarray) -> None:
        """Injuring hits land on the people present uniformly without replacement: a hit on an
        uninjured person makes a new injured person, a hit on someone already injured is one more
        injury event but no one new. With the hits drawn as Bin(present, p), the new injured are then
        exactly Bin(uninjured, p): only the uninjured present can become injured."""
        if not hits.any():
            return
        self.civilian_injury_events += hits
        injured, new = self.civilians_injured_present, hits.copy()
        drawn = np.flatnonzero((injured > 0) & (hits > 0))  # elsewhere every hit lands on someone uninjured
        if drawn.size:
            new[drawn] = self.injury_rng.hypergeometric(self.civilians[drawn] - injured[drawn], injured[drawn],
                                                        hits[drawn])
        self.civilians_injured_present += new
        self.civilians_injured += new

    def record_deaths(self) -> None:
        """Close the day's death count into the record the mediator reads."""
        self.death_record.append(self.deaths_today)
        self.ground_death_record.append(self.ground_deaths_today)

    def deaths_last_week(self) -> float:
        """Civilians killed over the last seven recorded days."""
        return float(sum(self.death_record[-DAYS_PER_WEEK:]))

    def ground_deaths_last_week(self) -> float:
        """Civilians killed in ground fighting (crossfire) over the last seven recorded days: the harm
        that approving ground operations adds to the bombardment's."""
        return float(sum(self.ground_death_record[-DAYS_PER_WEEK:]))

    def harm_total(self) -> float:
        """Civilians killed plus civilians injured so far, both in people (a person injured and later
        killed is in both counts, as casualty reports count the killed and the injured)."""
        return float(self.civilians_killed.sum() + self.civilians_injured.sum())

    def take_shelling(self, shells: float, cp: CombatParams, dp: DistrictParams, injured_per_killed: float,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Area fire over the enclave: civilians killed and injured, then buildings damaged. Returns the
        shells per cell and the shelter they met (before today's damage), for the hits on fighters."""
        per_cell = combat.shells_by_cell(shells, self.rebel_held(), self.frontier(), cp.frontier_weight)
        shelter = harm.shelter(dp.shelter, self.damage)
        p_kill = combat.area_fire_hit_probability(per_cell, cp.shell_lethality, shelter)
        killed = rng.binomial(self.civilians, p_kill)
        hits = rng.binomial(self.civilians - killed, np.minimum(1.0, p_kill * injured_per_killed))
        self.harm(killed, hits, HarmCause.SHELLING)
        self.damage = harm.damage_after_shelling(self.damage, per_cell, dp.damage_per_shell)
        return per_cell, shelter

    def crossfire(self, cell: int, rate: float, air: float, injured_per_killed: float,
                  rng: np.random.Generator) -> None:
        """Residents of an attacked cell caught in the crossfire: a share hurt, of whom 1/(1+q) die and
        the rest are hit (injured, unless they already were)."""
        hurt = rng.binomial(self.civilians[cell], min(1.0, rate * air))
        killed = np.zeros(self.cells, dtype=np.int64)
        killed[cell] = rng.binomial(hurt, 1.0 / (1.0 + injured_per_killed))
        hits = np.zeros(self.cells, dtype=np.int64)
        hits[cell] = hurt - killed[cell]
        self.harm(killed, hits, HarmCause.GROUND)

    # ------------------------------------------------------------------ supplies, starvation, flight
    def consume_supplies(self, resupply_share: float, scarcity_leakage: float, buffer_days: float) -> float:
        """One day of the stock (need scales with the civilians still in the enclave); returns hardship."""
        need = float(self.civilians[self.rebel_held()].sum()) / max(self.initial_civilians, 1)
        self.supply_days = harm.supply_after_day(self.supply_days, need, resupply_share, scarcity_leakage,
                                                 buffer_days)
        return harm.hardship(self.supply_days, buffer_days)

    def starve(self, mortality: float, hardship: float, rng: np.random.Generator) -> None:
        """Deaths from deprivation in every cell, rising with hardship."""
        starving = rng.binomial(self.civilians, mortality * hardship)
        self.harm(starving, np.zeros_like(starving), HarmCause.STARVATION)

    def flee(self, hardship: float, shells: float, cp: CivilianParams, frontier_weight: float,
             rng: np.random.Generator) -> None:
        """Residents of enclave cells leave with a chance that rises with hardship and with the shells
        falling on their cell today (the danger each of them runs, whatever the cell's crowd; capped),
        and falls with the journey's risk, times the share the corridor lets through
        (harm.corridor_flight_share); leavers are displaced."""
        per_cell = combat.shells_by_cell(shells, self.rebel_held(), self.frontier(), frontier_weight)
        p_flee = harm.flight_probability(hardship, np.minimum(per_cell, cp.flight_shelling_cap),
                                         cp.journey_risk, cp.flight_intercept, cp.flight_hardship,
                                         cp.flight_shelling, cp.flight_journey_risk) * self.rebel_held()
        p_flee = p_flee * harm.corridor_flight_share(cp.corridor, cp.restricted_flight_share)
        leaving = rng.binomial(self.civilians, p_flee)
        self._leave(leaving)
        self.civilians_displaced += leaving

    def evacuate_families(self, n: int, rng: np.random.Generator) -> int:
        """Relatives take a convoy's family seats: up to `n` people leave the enclave (displacement is harm)."""
        pool = self.civilians * self.rebel_held()
        n = int(min(n, pool.sum()))
        if n <= 0:
            return 0
        leaving = rng.multivariate_hypergeometric(pool, n)
        self._leave(leaving)
        self.civilians_displaced += leaving
        return n

    def control_shares(self) -> np.ndarray:
        """Share of cells under rebel, contested and besieger control (sums to one)."""
        return np.bincount(self.control, minlength=3) / self.cells
