"""Fighters as individuals held in arrays (struct of arrays), so daily updates are vectorised.

Each fighter keeps an identity (its index), a faction, a hardliner flag, resolve, an armed flag,
expulsion-list membership, a position (cell index) and a status. The arrays own the rules that act
on fighters one by one: being hit, recovering, defecting, retreating, settling, boarding a convoy,
and the per-faction tallies that the factions' leaders and the committee read."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim import combat
from sim.decisions import defection_probability
from sim.enums import FighterStatus, HarmCause
from sim.params import CombatParams, FighterParams, ImplementationParams
from sim.units import RESOLVE_MIDPOINT


@dataclass
class FactionStats:
    """Arrays over factions: fighting members, their mean resolve, losses, listing propensity."""

    weight: np.ndarray
    resolve: np.ndarray
    losses_share: np.ndarray
    exile_scale: np.ndarray
    hardline: np.ndarray


@dataclass
class Fighters:
    """Per-fighter attributes, all arrays of the same length, and the fighters killed by cause."""

    faction: np.ndarray      # int16
    hardliner: np.ndarray    # bool
    resolve: np.ndarray      # float in [0, 1]
    armed: np.ndarray        # bool
    listed: np.ndarray       # bool: on the current expulsion list
    cell: np.ndarray         # int32 flat cell index
    status: np.ndarray       # int8 FighterStatus
    list_weight: np.ndarray  # float: how likely the besieger is to name the fighter on its list
    killed_by: dict[HarmCause, int] = field(default_factory=lambda: {cause: 0 for cause in HarmCause})
    _fighting: np.ndarray | None = field(default=None, init=False, repr=False)  # cached mask, see `fighting`

    @classmethod
    def create(cls, p: FighterParams, ip: ImplementationParams, frontier_cells: np.ndarray,
               interior_cells: np.ndarray, rng: np.random.Generator) -> Fighters:
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
        # hardliners and the resolute are named more often (the regime's list of 'wanted' men)
        list_weight = (1.0 + ip.list_hardliner_weight * hardliner) * (ip.list_resolve_offset + resolve)
        return cls(faction=faction, hardliner=hardliner, resolve=resolve,
                   armed=np.ones(n, dtype=bool), listed=np.zeros(n, dtype=bool),
                   cell=cell.astype(np.int32), status=np.zeros(n, dtype=np.int8), list_weight=list_weight)

    @property
    def size(self) -> int:
        return self.status.size

    def in_status(self, status: FighterStatus) -> np.ndarray:
        return self.status == status

    def fighting(self) -> np.ndarray:
        """Active and armed: those who can defend, vote and be targeted as combatants. Computed once
        per change of status or arms (every change goes through the methods below) and read-only, so
        the many readers of a day share one mask."""
        if self._fighting is None:
            self._fighting = (self.status == FighterStatus.ACTIVE) & self.armed
            self._fighting.flags.writeable = False
        return self._fighting

    def _changed(self) -> None:
        """A status or an arms flag changed: the fighting mask must be recomputed."""
        self._fighting = None

    def inside(self) -> np.ndarray:
        """Still in the enclave and not settled: active or wounded."""
        return self.status <= FighterStatus.WOUNDED

    def counts(self) -> np.ndarray:
        """Number of fighters in each status, indexed by FighterStatus."""
        return np.bincount(self.status, minlength=len(FighterStatus))

    # ------------------------------------------------------------------ harm and recovery
    def hurt(self, hit: np.ndarray, cause: HarmCause, wounded_per_killed: float, rng: np.random.Generator) -> None:
        """Hit fighters are killed (disarmed, and off any expulsion list) with 1/(1+w) chance,
        otherwise wounded; the wounded hit again die."""
        if hit.size == 0:
            return
        dies = (rng.random(hit.size) < 1.0 / (1.0 + wounded_per_killed)) | (self.status[hit] == FighterStatus.WOUNDED)
        self.status[hit[dies]] = FighterStatus.KILLED
        self.armed[hit[dies]] = False
        self.listed[hit[dies]] = False
        self.killed_by[cause] += int(dies.sum())
        self.status[hit[~dies]] = FighterStatus.WOUNDED
        self._changed()

    def take_shelling(self, shells: np.ndarray, shelter: np.ndarray, cp: CombatParams,
                      rng: np.random.Generator) -> None:
        """Area fire on every fighter inside: more exposed than civilians, with part of their shelter."""
        inside = np.flatnonzero(self.inside())
        p_hit = combat.area_fire_hit_probability(shells[self.cell[inside]], cp.shell_lethality * cp.fighter_exposure,
                                                 shelter[self.cell[inside]] * cp.fighter_shelter_share)
        self.hurt(inside[rng.random(inside.size) < p_hit], HarmCause.SHELLING, cp.wounded_per_killed, rng)

    def recover(self, rate: float, rng: np.random.Generator) -> None:
        """Each wounded fighter returns to the line with a daily chance."""
        wounded = np.flatnonzero(self.status == FighterStatus.WOUNDED)
        self.status[wounded[rng.random(wounded.size) < rate]] = FighterStatus.ACTIVE
        self._changed()

    # ------------------------------------------------------------------ combat positions
    def defending(self, cell: int, support_cells: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray]:
        """Masks of the fighting fighters in an attacked cell and in the enclave cells supporting it
        (`cells`: the grid's size; a lookup table over cells is faster than a set test)."""
        fighting = self.fighting()
        supporting = np.zeros(cells, dtype=bool)
        supporting[support_cells] = True
        return fighting & (self.cell == cell), fighting & supporting[self.cell]

    def retreat_from(self, cell: int, options: np.ndarray, rng: np.random.Generator) -> None:
        """Fighters still inside a lost cell fall back to a random cell among `options`."""
        movers = np.flatnonzero((self.cell == cell) & self.inside())
        if movers.size == 0:
            return
        if options.size:
            self.cell[movers] = rng.choice(options, size=movers.size)

    # ------------------------------------------------------------------ leaving the fight
    def settle(self, who: np.ndarray) -> None:
        """These fighters settle their status: they stay, disarmed."""
        self.status[who] = FighterStatus.SETTLED
        self.armed[who] = False
        self._changed()

    def board(self, who: np.ndarray) -> None:
        """These fighters leave on a convoy: evacuated, off the list, disarmed."""
        self.status[who] = FighterStatus.EVACUATED
        self.listed[who] = False
        self.armed[who] = False
        self._changed()

    def defect(self, hardship: float, faction_belief: np.ndarray, base_rate: float, sensitivity: float,
               rng: np.random.Generator) -> None:
        """Fighting fighters give up and settle alone, more often under hardship and when their
        faction expects a takeover, less often when resolute."""
        fighting = np.flatnonzero(self.fighting())
        pressure = hardship + faction_belief[self.faction[fighting]]
        p = defection_probability(self.resolve[fighting], pressure, base_rate, sensitivity)
        self.settle(fighting[rng.random(fighting.size) < p])

    # ------------------------------------------------------------------ the expulsion list
    def list_target(self, fraction: float) -> int:
        """Fighters still to be expelled under `fraction`: the demand counts those already gone."""
        evacuated = int((self.status == FighterStatus.EVACUATED).sum())
        return max(0, round(fraction * self.size) - evacuated)

    def list_scale(self) -> float:
        """Converts an expulsion fraction of the initial force into a share of those still fighting."""
        fighting = max(1, int(self.fighting().sum()))
        return self.size / fighting

    def effective_expulsion(self, fraction: float) -> float:
        """Share of the fighters still fighting that `fraction` would put on the list."""
        fighting = max(1, int(self.fighting().sum()))
        return min(1.0, self.list_target(fraction) / fighting)

    def faction_mean(self, values: np.ndarray, factions: int, empty: float) -> np.ndarray:
        """The mean over each faction's fighting members of `values` (one per fighting fighter, in
        index order); `empty` for a faction with none."""
        fac = self.faction[self.fighting()]
        count = np.bincount(fac, minlength=factions).astype(float)
        total = np.bincount(fac, weights=values, minlength=factions)
        return np.where(count > 0, total / np.maximum(count, 1.0), empty)

    def faction_resolve(self, factions: int) -> np.ndarray:
        """Mean resolve of each faction's fighting members (the midpoint for a faction with none)."""
        fac = self.faction[self.fighting()]
        weight = np.bincount(fac, minlength=factions).astype(float)
        return np.where(weight > 0, np.bincount(fac, weights=self.resolve[self.fighting()], minlength=factions)
                        / np.maximum(weight, 1.0), RESOLVE_MIDPOINT)

    def faction_stats(self, factions: int, hardline_majority: float) -> FactionStats:
        """Per-faction tallies of the fighters, in one vectorised pass."""
        n = factions
        fighting = self.fighting()
        fac = self.faction[fighting]
        weight = np.bincount(fac, minlength=n).astype(float)
        safe = np.maximum(weight, 1.0)
        resolve = self.faction_resolve(n)
        hurt = (self.status == FighterStatus.KILLED) | (self.status == FighterStatus.WOUNDED)
        members = np.maximum(np.bincount(self.faction, minlength=n), 1)
        losses = np.bincount(self.faction[hurt], minlength=n) / members
        list_weight = self.list_weight[fighting]
        overall = list_weight.mean() if list_weight.size else 1.0
        scale = np.where(weight > 0, np.bincount(fac, weights=list_weight, minlength=n) / safe / overall, 1.0)
        hardliners = np.bincount(fac, weights=self.hardliner[fighting].astype(float), minlength=n)
        hardline = np.where(weight > 0, hardliners / safe, 0.0) > hardline_majority
        return FactionStats(weight=weight, resolve=resolve, losses_share=losses, exile_scale=scale, hardline=hardline)
