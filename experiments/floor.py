"""The speed floor: one simulated day's irreducible array work, written straight.

The same random draws on arrays of the same sizes as the model's day under ground probes (shelling
of every cell and every fighter, the day's ground attacks with their crossfire, supplies,
starvation, flight, recovery, defection, the factions' beliefs, a negotiation round every
`round_interval_days`, the day's tallies), with no objects, no dispatch and no bookkeeping beyond
what the arithmetic needs. The benchmark prints the model's cost per day against it: how far the
code is from what NumPy alone would cost, not a model result.
"""

from __future__ import annotations

import time

import numpy as np

from sim.params import ModelParams

# Stand-ins for state the straight day does not evolve: they set values, not how many operations run.
HARDSHIP = 0.5       # hardship for starvation and flight
PROBE_SUCCESS = 0.3  # chance a probe takes its cell


def floor_ms_per_day(params: ModelParams, days: int = 4000, seed: int = 1) -> float:
    """Milliseconds per simulated day of the straight-written day (median of three passes)."""
    times = [_floor_pass(params, days, np.random.default_rng(seed + r)) for r in range(3)]
    return 1000 * sorted(times)[1] / days


def _floor_pass(p: ModelParams, days: int, rng: np.random.Generator) -> float:
    """Seconds for `days` straight-written days; the state is kept from day to day (damage, the dead)
    so that the arrays' contents, and hence the draws' costs, stay realistic."""
    d, c, cp, f, b, bp = p.district, p.civilians, p.combat, p.fighters, p.besieger, p.beliefs
    cells, n, factions = d.grid_width * d.grid_height, f.count, f.factions
    civilians = rng.multinomial(c.count, np.full(cells, 1.0 / cells)).astype(np.int64)
    killed_total = np.zeros(cells, dtype=np.int64)
    injured = np.zeros(cells, dtype=np.int64)
    displaced = np.zeros(cells, dtype=np.int64)
    damage = np.zeros(cells)
    frontier = np.zeros(cells, dtype=bool)
    frontier[: d.grid_width] = True
    weights = 1.0 + (cp.frontier_weight - 1.0) * frontier
    fighter_cell = rng.integers(0, cells, size=n)
    faction = rng.integers(0, factions, size=n)
    resolve = rng.random(n)
    wounded = np.zeros(n, dtype=bool)
    fighting = np.ones(n, dtype=bool)
    alpha, beta = np.ones(factions), np.ones(factions)
    daily = np.zeros((days, 40))
    start = time.perf_counter()
    for day in range(days):
        per_cell = rng.poisson(b.shells_per_day) * weights / weights.sum()
        shelter = d.shelter * (1.0 - damage)
        p_kill = -np.expm1(-cp.shell_lethality * per_cell * (1.0 - shelter))
        killed = rng.binomial(civilians, p_kill)
        hits = rng.binomial(civilians - killed, np.minimum(1.0, p_kill * c.injured_per_killed))
        civilians -= killed
        killed_total += killed
        injured += hits
        damage = 1.0 - (1.0 - damage) * np.exp(-d.damage_per_shell * per_cell)
        p_hit = -np.expm1(-cp.shell_lethality * cp.fighter_exposure * per_cell[fighter_cell]
                          * (1.0 - shelter[fighter_cell] * cp.fighter_shelter_share))
        wounded |= rng.random(n) < p_hit
        taken = 0.0
        for _ in range(b.probe_attacks_per_day):
            target = rng.integers(0, d.grid_width)
            defenders = np.count_nonzero(fighting & (fighter_cell == target))
            rng.poisson(cp.defender_lethality * defenders)
            rng.poisson(0.1)
            hurt = rng.binomial(civilians[target], cp.crossfire_rate)
            rng.binomial(hurt, 1.0 / (1.0 + c.injured_per_killed))
            taken += rng.random() < PROBE_SUCCESS
        starving = rng.binomial(civilians, c.starvation_mortality * HARDSHIP)
        civilians -= starving
        x = (c.flight_intercept + c.flight_hardship * HARDSHIP
             + c.flight_shelling * np.minimum(per_cell, c.flight_shelling_cap))
        leaving = rng.binomial(civilians, 1.0 / (1.0 + np.exp(-x)))
        civilians -= leaving
        displaced += leaving
        wounded &= rng.random(n) >= f.wounded_recovery_rate
        fighting = ~wounded
        fighting &= rng.random(n) >= f.defection_base_rate * (1.0 - resolve)
        alpha = 1.0 + bp.forgetting * (alpha - 1.0) + taken
        beta = 1.0 + bp.forgetting * (beta - 1.0) + (b.probe_attacks_per_day - taken)
        theta = alpha / (alpha + beta)
        p_takeover = -np.expm1(-b.probe_attacks_per_day * theta * bp.planning_horizon_days / cells)
        count = np.bincount(faction[fighting], minlength=factions)
        mean_resolve = (np.bincount(faction[fighting], weights=resolve[fighting], minlength=factions)
                        / np.maximum(count, 1))
        if day % p.negotiation.round_interval_days == 0:
            u = mean_resolve - p_takeover
            (rng.random(factions) < 1.0 / (1.0 + np.exp(u / p.negotiation.temperature))).sum()
        row = daily[day]
        row[0] = civilians.sum()
        row[1] = killed_total.sum()
        row[2] = injured.sum()
        row[3] = displaced.sum()
        row[4] = fighting.sum()
        row[5] = wounded.sum()
        row[6] = damage.mean()
        row[7] = theta.mean()
        row[8] = p_takeover.mean()
    return time.perf_counter() - start
