"""The besieging force: the army and the Iran-backed militia as two commands (Mesa agents) that press
up to the mediator's ceiling, and the force they make together, which shells the enclave, attacks
its frontier and takes losses (Lanchester 1916; Deitchman 1962; Mearsheimer 1989; Stedman 1997)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim import combat
from sim.enums import Escalation, HarmCause, Phase
from sim.params import ModelParams
from sim.units import EPSILON, REFERENCE_RESTRAINT

if TYPE_CHECKING:
    from sim.district import District
    from sim.fighters import Fighters


class BesiegerKind(Enum):
    ARMY = "army"
    MILITIA = "militia"


class BesiegerCommand(mesa.Agent):
    """Army or Iran-backed militia: presses up to the mediator's ceiling; the militia may spoil."""

    def __init__(self, model: mesa.Model, kind: BesiegerKind, strength: int, restraint: float):
        super().__init__(model)
        self.kind = kind
        self.strength = float(strength)
        self.restraint = restraint
        self.killed = 0  # whole troops

    def level_today(self, ceiling: Escalation, phase: Phase, rng: np.random.Generator,
                    buffer: float = 0.0) -> tuple[Escalation, bool]:
        """The rung this command uses today and whether that breaks the ceiling (a violation).

        During a siege both press to the ceiling; during a deal's implementation the ceiling is
        a ceasefire, which a command breaks with a hazard that falls with its restraint and, where
        the guarantor's military police stand between it and the district, by the share `buffer`.
        """
        if self.strength <= 0:
            return Escalation.NONE, False
        p = self.model.params.besieger
        # the parameter is the hazard of a command at the reference restraint; more restraint, fewer breaches
        hazard = min(1.0, p.militia_violation_hazard * (1.0 - self.restraint) / REFERENCE_RESTRAINT)
        if phase == Phase.SIEGE:
            if self.kind == BesiegerKind.MILITIA and ceiling < Escalation.FULL_ASSAULT and rng.random() < hazard:
                return Escalation(ceiling + 1), True
            return ceiling, False
        if rng.random() < hazard * (1.0 - buffer):
            return Escalation.SHELLING, True
        return Escalation.NONE, False

    def lose(self, troops: int) -> None:
        """Whole troops killed, never more than the command has."""
        lost = min(troops, int(self.strength))
        self.strength -= lost
        self.killed += lost


@dataclass
class Engagement:
    """One ground attack on a frontier cell: the odds, the forces and whether the cell fell."""

    cell: int
    p_success: float
    attackers: float
    defenders: float
    taken: bool


class Besieger:
    """The two commands as one force: their strength is pooled in attacks and their losses are split
    in proportion to their strength."""

    def __init__(self, model: mesa.Model, params: ModelParams):
        b = params.besieger
        self.params = params
        self.army = BesiegerCommand(model, BesiegerKind.ARMY, b.army_strength, b.army_restraint)
        self.militia = BesiegerCommand(model, BesiegerKind.MILITIA, b.militia_strength, b.militia_restraint)
        # the siege is lifted after losing this many troops (at least one)
        self.loss_tolerance = max(1.0, b.loss_tolerance_share * (b.army_strength + b.militia_strength))
        assault = b.assault_force_share / max(b.probe_force_share, EPSILON)
        self._profiles = {Escalation.GROUND_PROBES: (float(b.probe_attacks_per_day), 1.0),
                          Escalation.FULL_ASSAULT: (float(b.assault_attacks_per_day), assault),
                          Escalation.ASSAULT_WITH_AIR: (float(b.assault_attacks_per_day),
                                                        assault * params.combat.air_multiplier)}

    @property
    def strength(self) -> float:
        return self.army.strength + self.militia.strength

    @property
    def killed(self) -> int:
        return self.army.killed + self.militia.killed

    def broken(self) -> bool:
        """Losses have reached what the besieger tolerates: it lifts the siege."""
        return self.killed >= self.loss_tolerance

    def levels_today(self, ceiling: Escalation, phase: Phase, rng: np.random.Generator, buffer: float = 0.0
                     ) -> tuple[Escalation, list[tuple[BesiegerCommand, Escalation]]]:
        """The rung used today (the higher of the two commands') and each command that broke the
        ceiling, with the rung it used; `buffer` is the share of ceasefire breaches the guarantor's
        military police prevent."""
        levels, violations = [], []
        for command in (self.army, self.militia):
            level, violated = command.level_today(ceiling, phase, rng, buffer)
            levels.append(level)
            if violated:
                violations.append((command, level))
        return max(levels), violations

    def take_losses(self, losses: int, rng: np.random.Generator) -> None:
        """Split whole losses between army and militia in proportion to their strength, drawing from
        the caller's stream (combat, or negotiation for a pre-emptive strike)."""
        total = self.strength
        if losses <= 0 or total <= 0:
            return
        militia = int(rng.binomial(losses, self.militia.strength / total))
        for command, lost in ((self.army, losses - militia), (self.militia, militia)):
            command.lose(lost)

    def second_front(self, rng: np.random.Generator) -> None:
        """Attacks from opposition towns outside the district cost the besieger troops."""
        self.take_losses(int(rng.poisson(self.params.besieger.second_front_losses)), rng)

    def shells_today(self, level: Escalation, phase: Phase, air_strikes: bool, rng: np.random.Generator) -> float:
        """The day's shells ~ Poisson: the campaign's rate, raised by an assault and by air strikes,
        a fraction of it when a command breaks a ceasefire."""
        b = self.params.besieger
        assault = level >= Escalation.FULL_ASSAULT
        intensity = b.shells_per_day * (b.assault_shelling_multiplier if assault else 1.0)
        if phase != Phase.SIEGE:
            intensity *= b.violation_shelling_share
        if air_strikes:
            intensity *= self.params.combat.air_bombardment_multiplier
        return float(rng.poisson(intensity))

    def attacks_today(self, level: Escalation) -> int:
        """Ground attacks a rung brings: probes, or the many attacks of an assault."""
        b = self.params.besieger
        return {Escalation.GROUND_PROBES: b.probe_attacks_per_day,
                Escalation.FULL_ASSAULT: b.assault_attacks_per_day,
                Escalation.ASSAULT_WITH_AIR: b.assault_attacks_per_day}.get(level, 0)

    def air_factor(self, level: Escalation) -> float:
        """How much air cover multiplies the strength of a ground attack at this rung."""
        return self.params.combat.air_multiplier if level == Escalation.ASSAULT_WITH_AIR else 1.0

    def attack_profile(self, level: Escalation) -> tuple[float, float]:
        """(attacks per day, strength relative to a probe) that an escalation level brings; the table
        is built once from the parameters."""
        return self._profiles.get(level, (0.0, 0.0))

    def ground_attack(self, level: Escalation, district: District, fighters: Fighters, rng: np.random.Generator,
                      harm_rng: np.random.Generator) -> Engagement | None:
        """One attack on a random frontier cell: the 3:1 rule for success, the square law for losses,
        crossfire on its residents; a taken cell falls and its defenders fall back. Hits on fighters
        are resolved on the harm stream, everything else on `rng` (combat)."""
        b, cp = self.params.besieger, self.params.combat
        frontier = np.flatnonzero(district.frontier())
        if frontier.size == 0:
            return None
        air = self.air_factor(level)
        target = int(rng.choice(frontier))
        share = b.probe_force_share if level == Escalation.GROUND_PROBES else b.assault_force_share
        attackers = share * self.strength * air
        in_cell, support = fighters.defending(target, district.enclave_neighbours(target), district.cells)
        defenders = float(in_cell.sum()) + cp.support_weight * float(support.sum())
        p_win = combat.assault_success_probability(attackers, defenders, cp.urban_defence_multiplier,
                                                   cp.required_force_ratio, cp.assault_steepness)
        lost_att, lost_def = combat.ground_losses(attackers / air, defenders, cp.urban_defence_multiplier,
                                                  cp.attacker_lethality * air, cp.defender_lethality)
        self.take_losses(int(rng.poisson(lost_att)), rng)
        pool = np.flatnonzero(in_cell | support)
        n_def = min(pool.size, int(rng.poisson(lost_def * (1.0 + cp.wounded_per_killed))))
        fighters.hurt(rng.choice(pool, size=n_def, replace=False) if n_def else pool[:0], HarmCause.GROUND,
                      cp.wounded_per_killed, harm_rng)
        district.crossfire(target, cp.crossfire_rate, air, self.params.civilians.injured_per_killed, rng)
        taken = bool(rng.random() < p_win)
        if taken:
            district.fall(target)
            fighters.retreat_from(target, district.fallback_cells(target), rng)
        else:
            district.contest(target)
        return Engagement(cell=target, p_success=p_win, attackers=attackers, defenders=defenders, taken=taken)
