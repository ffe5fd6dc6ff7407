"""Model-level checks: invariants every day of many random runs, and limiting cases."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from experiments.stats import wilson_interval
from helpers.scenarios import scenario_params, simulate
from sim.district import District
from sim.enums import Control, Corridor, FighterStatus, Outcome
from sim.model import SiegeModel
from sim.params import ModelParams

REPLICATES_RANDOM = 60
VARIANTS = {
    "daraa": (),
    "air_granted_weak_constraint": ("model.mediator.air_cover=GRANTED", "model.mediator.external_constraint=0.1"),
    "harsh_expulsion": ("model.terms.expulsion_fraction=0.5",),
    "big_city": ("model.civilians.count=50000", "model.fighters.count=1200", "model.district.grid_width=14",
                 "model.district.grid_height=12"),
    "no_corridor_scarce_buses": ("model.civilians.corridor=CLOSED", "model.implementation.buses_per_convoy=1",
                                 "model.implementation.convoys_per_week=0.5"),
    "trusting_generous": ("model.mediator.initial_credibility=0.9", "model.terms.expulsion_fraction=0.05"),
}


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _corridor(u: float) -> Corridor:
    """Closed for half the draws, restricted or open for a quarter each (one uniform draw, as before)."""
    return Corridor.CLOSED if u < 0.5 else (Corridor.RESTRICTED if u < 0.75 else Corridor.OPEN)


def _random_params(rng: np.random.Generator) -> ModelParams:
    """A Daraa scenario with several behavioural parameters drawn at random within their ranges, and
    the harm to civilians from mild to extreme (up to every resident hit several times a day), so
    that the injured are often hit again."""
    p = scenario_params()
    p.mediator = dataclasses.replace(p.mediator, external_constraint=float(rng.uniform(0, 1)),
                                     initial_credibility=float(rng.uniform(0, 1)),
                                     impatience=float(rng.uniform(0, 0.3)))
    p.terms = dataclasses.replace(p.terms, expulsion_fraction=float(rng.uniform(0.1, 1)))
    p.besieger = dataclasses.replace(p.besieger, shells_per_day=_log_uniform(rng, 1, 10_000),
                                     militia_violation_hazard=float(rng.uniform(0, 0.2)),
                                     probe_attacks_per_day=int(rng.integers(0, 10)))
    p.implementation = dataclasses.replace(p.implementation, collapse_probability=float(rng.uniform(0, 1)))
    p.civilians = dataclasses.replace(p.civilians, count=int(_log_uniform(rng, 100, 100_000)),
                                      injured_per_killed=float(rng.uniform(0, 20)),
                                      corridor=_corridor(float(rng.random())))
    # the lethality of a shell set so that the chance of death in the open, per day in an average
    # cell, spans mild (1 in 10,000) to extreme (3 in 10); injuries are up to 20 times as common
    open_day_risk = _log_uniform(rng, 1e-4, 0.3)
    cells = p.district.grid_width * p.district.grid_height
    p.combat = dataclasses.replace(p.combat, crossfire_rate=_log_uniform(rng, 1e-3, 1),
                                   shell_lethality=min(1.0, open_day_risk * cells / p.besieger.shells_per_day))
    p.district = dataclasses.replace(p.district, shelter=float(rng.uniform(0, 1)))
    return p


def _check_invariants(model: SiegeModel) -> None:
    f, d = model.fighters, model.district
    counts = f.counts()
    assert counts.sum() == model.initial_fighters
    assert np.all(counts >= 0)
    assert not np.any(f.armed & (f.status >= FighterStatus.KILLED)), "the dead, evacuated and settled are unarmed"
    assert not np.any(f.listed & ~f.inside()), "only fighters still inside can be on the list"
    for layer in (d.civilians, d.civilians_killed, d.civilians_injured, d.civilians_injured_present,
                  d.civilian_injury_events, d.civilians_displaced):
        assert np.all(layer >= 0)
    assert d.civilians.sum() + d.civilians_killed.sum() + d.civilians_displaced.sum() == model.initial_civilians
    _check_injured_are_people(d, model.initial_civilians)
    assert np.all((d.damage >= 0) & (d.damage <= 1))
    shares = d.control_shares()
    assert shares.sum() == pytest.approx(1.0)
    assert set(np.unique(d.control)) <= {int(c) for c in Control}
    assert d.supply_days >= 0
    assert 0.0 <= model.mediator.credibility <= 1.0
    assert 0.0 <= model.terms.expulsion_fraction <= 1.0
    assert model.army.strength >= 0 and model.militia.strength >= 0
    for agent in (model.mediator, *model.leaders):
        assert 0.0 <= agent.p_takeover <= 1.0


def _check_injured_are_people(d: District, initial_civilians: int) -> None:
    """The injured are people, counted once: in every cell and overall, the injured still present are
    among the present, the injured no longer present among those gone (killed or displaced), and so
    the injured never exceed the people who have ever been there; the injury events include them."""
    gone = d.civilians_killed + d.civilians_displaced
    assert np.all(d.civilians_injured_present <= d.civilians), "more injured present than people present"
    assert np.all(d.civilians_injured - d.civilians_injured_present <= gone), "more injured gone than people gone"
    assert np.all(d.civilians_injured <= d.civilians + gone), "more injured than people in a cell"
    assert d.civilians_injured.sum() <= initial_civilians, "more injured than people in the enclave"
    assert np.all(d.civilians_injured <= d.civilian_injury_events)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_invariants_hold_every_day(variant):
    params = scenario_params(*VARIANTS[variant])
    for replicate in range(12):
        model = SiegeModel(params, root_seed=11, replicate=replicate)
        while model.running:
            model.step()
            _check_invariants(model)
        assert model.outcome is not None
        assert model.day <= params.horizon_days


def test_invariants_hold_for_random_parameters():
    """Every day of many random-parameter replicates, including the injured counted as people. The
    harm drawn is heavy enough that counting injury events as people would break the invariant: in
    some cells the events exceed everyone who was ever there (checked, so the test keeps that power)."""
    rng = np.random.default_rng(2021)
    events_beyond_people = rehit = 0
    for replicate in range(REPLICATES_RANDOM):
        model = SiegeModel(_random_params(rng), root_seed=5, replicate=replicate)
        injured = model.district.civilians_injured.copy()
        while model.running:
            model.step()
            _check_invariants(model)
            d = model.district
            assert np.all(d.civilians_injured >= injured), "the count of people injured never falls"
            injured = d.civilians_injured.copy()
        events_beyond_people += bool(np.any(d.civilian_injury_events > d.civilians + d.civilians_killed
                                            + d.civilians_displaced))
        rehit += bool(d.civilian_injury_events.sum() > d.civilians_injured.sum())
    assert events_beyond_people >= REPLICATES_RANDOM // 6, "too few runs where events exceed the people"
    # about half the random runs see the injured hit again (29-31 of 60 across recent versions): a third
    # keeps the power check from being a coin flip on each change to the mechanics
    assert rehit >= REPLICATES_RANDOM // 3, "too few runs where the injured are hit again"


def test_daily_table_is_consistent_with_the_run_row(daraa):
    runs, daily, _ = simulate(daraa, 20)
    status_cols = ["fighters_active", "fighters_wounded", "fighters_killed", "fighters_evacuated", "fighters_settled"]
    assert (daily[status_cols].sum(axis=1) == daraa.fighters.count).all()
    assert np.allclose(daily[["control_rebel", "control_contested", "control_besieger"]].sum(axis=1), 1.0)
    civilians = daily["civilians_present"] + daily["civilians_killed"] + daily["civilians_displaced"]
    assert (civilians == runs["civilians_initial"].iloc[0]).all()
    causes = daily[[c for c in daily if c.startswith("civilians_killed_")]].sum(axis=1)
    assert (causes == daily["civilians_killed"]).all(), "every civilian death has a cause"
    last = daily.groupby("replicate").tail(1).set_index("replicate")
    for col in ("fighters_killed", "fighters_evacuated", "civilians_killed", "civilians_displaced"):
        assert (runs.set_index("replicate")[col] == last[col]).all()
    assert (runs["end_day"] == last["day"]).all()
    assert set(runs["outcome"]) <= {o.value for o in Outcome}


def test_the_daily_terms_are_the_offer_on_the_table_not_its_revision(daraa):
    """On a day with a round the daily row holds that round's offer (a rejection's revision is first
    offered at the next round), and before the first round the opening demand."""
    _, daily, events = simulate(daraa, 20)
    offers = events[events["event"] == "offer"].groupby(["replicate", "day"])["expulsion_fraction"].last()
    on_round_days = daily.set_index(["replicate", "day"]).loc[offers.index, "expulsion_fraction"]
    assert np.allclose(on_round_days.to_numpy(), offers.to_numpy())
    assert offers.groupby("replicate").nunique().max() > 1, "the demand moved in no replicate: nothing was checked"
    assert np.allclose(daily.loc[daily["day"] == 0, "expulsion_fraction"], daraa.terms.expulsion_fraction)


def test_no_shelling_gives_no_shelling_harm():
    params = scenario_params("model.besieger.shells_per_day=0")
    _, daily, _ = simulate(params, 40)
    assert (daily["shells"] == 0).all()
    assert (daily["civilians_killed_shelling"] == 0).all()
    assert (daily["fighters_killed_shelling"] == 0).all()
    assert (daily["mean_damage"] == 0).all()


def test_no_shelling_and_no_ground_attacks_give_no_injuries():
    """Limiting case: only shells and the crossfire of ground attacks injure civilians, so without
    either no one is injured on any day (starvation kills, flight displaces, neither injures). The
    same replicates with the default shelling do injure, so the columns are not empty by design."""
    quiet = scenario_params("model.besieger.shells_per_day=0", "model.besieger.probe_attacks_per_day=0",
                            "model.besieger.assault_attacks_per_day=0")
    _, daily, _ = simulate(quiet, 40)
    assert (daily["shells"] == 0).all() and (daily["ground_attacks"] == 0).all()
    injury_columns = [c for c in daily if "injur" in c]
    assert injury_columns and (daily[injury_columns] == 0).all().all()
    runs, _, _ = simulate(scenario_params(), 40)
    assert (runs["civilians_injured"] > 0).mean() > 0.9


def test_no_escalation_and_no_ground_combat_gives_no_takeover():
    params = scenario_params("model.mediator.max_escalation=SHELLING", "model.besieger.probe_attacks_per_day=0",
                             "model.besieger.assault_attacks_per_day=0")
    runs, daily, _ = simulate(params, 60)
    assert (runs["outcome"] != Outcome.MILITARY_TAKEOVER.value).all()
    assert (daily["control_besieger"] == 0).all()
    assert (daily["escalation_ceiling"] <= 1).all()
    assert (daily["ground_attacks"] == 0).all()


def test_full_credibility_and_no_expulsion_settle_quickly():
    """A guarantee taken as certain and no one to expel, even as the balance of power shifts: the
    fighters stay and settle within weeks."""
    params = scenario_params("model.mediator.initial_credibility=1.0", "model.terms.expulsion_fraction=0",
                             "model.mediator.hardening=0")
    runs, _, _ = simulate(params, 200)
    stay = int((runs["outcome"] == Outcome.SETTLEMENT_LOCAL_STAY.value).sum())
    lo, _ = wilson_interval(stay, len(runs))
    assert lo > 0.9, f"local-stay settlement in {stay}/{len(runs)} runs"
    assert runs["end_day"].median() <= 14, "settles within two weeks in the typical run"
    assert runs["end_day"].quantile(0.9) <= 30, "and within a month in nine runs of ten"
    assert (runs["fighters_evacuated"] == 0).all()


def test_no_fighters_on_the_list_means_no_convoy_of_fighters():
    """No opening demand and demands that never harden with power: no one is bused out."""
    params = scenario_params("model.terms.expulsion_fraction=0", "model.mediator.hardening=0")
    runs, _, events = simulate(params, 40)
    assert (runs["fighters_evacuated"] == 0).all()
    assert "fighters" not in events or events.loc[events["event"] == "convoy", "fighters"].fillna(0).eq(0).all()


def test_zero_buses_evacuate_no_one():
    params = scenario_params("model.implementation.buses_per_convoy=0")
    runs, _, _ = simulate(params, 40)
    assert (runs["fighters_evacuated"] == 0).all()


def test_fully_restrained_besiegers_never_breach_a_ceasefire():
    params = scenario_params("model.besieger.army_restraint=1", "model.besieger.militia_restraint=1")
    _, daily, events = simulate(params, 40)
    assert (daily["violations"] == 0).all()
    assert "violation" not in set(events["event"]) or \
        events.loc[events["event"] == "violation", "actor"].str.startswith("faction").all()
