"""Historical cases as scenarios: every case file composes, validates and runs; the Daraa case maps
to the Daraa scenario's values; a new case file works without code changes (bad case files are
refused: tests/test_bad_inputs.py)."""

from __future__ import annotations

import dataclasses

import pytest

from experiments.config.cases import CASES_DIR, load_cases, register_cases
from experiments.config.compose import compose, to_run_config
from experiments.config.schema import ConfigError
from sim.cases import MAPPING_INPUTS, AirPower, Level, case_overrides
from sim.enums import AirCover, Outcome
from sim.params import ModelParams, iter_leaves, with_values
from sim.runner import run_replicate

CASE_IDS = [case.id for case in load_cases()]


def test_the_four_cases_of_the_case_file_are_there():
    assert set(CASE_IDS) == {"daraa_2021", "homs_old_city_2014", "east_aleppo_2016", "eastern_ghouta_2018"}
    for case in load_cases():
        assert case.recorded.outcome_class in {o.value for o in Outcome}


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_case_composes_validates_and_runs(case_id):
    run = to_run_config(compose([f"scenario={case_id}", "model.horizon_days=15"]))
    assert run.scenario_name == case_id
    assert all(text.startswith(f"case {case_id}") for text in run.provenance.values())
    result = run_replicate(run.model, root_seed=1, replicate=0)
    assert result.run["end_day"] <= 14
    assert result.run["fighters_initial"] == run.model.fighters.count


def test_the_default_daraa_scenario_is_the_daraa_case_mapped():
    """One source of truth: the default run's case facts become the article's values."""
    run = to_run_config(compose([]))
    assert run.scenario_name == "daraa_2021"
    m = run.model
    assert (m.fighters.count, m.civilians.count, m.start_date) == (400, 40000, "2021-06-24")
    assert (m.besieger.army_strength, m.besieger.militia_strength, m.besieger.second_front_losses) == (1500, 500, 0.15)
    assert (m.mediator.air_cover, m.mediator.external_constraint, m.mediator.image_weight,
            m.mediator.initial_credibility) == (AirCover.WITHHELD, 0.9, 0.4, 0.35)
    assert (m.terms.expulsion_fraction, m.terms.weapons_handover.name, m.terms.besieger_entry) == (0.25, "ALL", True)
    assert "article" in run.provenance["model.fighters.count"]


def test_a_new_case_file_runs_without_code_changes(tmp_path):
    text = (CASES_DIR / "homs_old_city_2014.yaml").read_text()
    text = text.replace("id: homs_old_city_2014", "id: user_case_x").replace("fighters_inside: 1500",
                                                                           "fighters_inside: 250")
    text = text.replace("fighters_evacuated: [900, 1800]", "fighters_evacuated: [150, 250]")  # of the 250
    (tmp_path / "user_case_x.yaml").write_text(text)
    assert register_cases(tmp_path) == ["user_case_x"]
    run = to_run_config(compose(["scenario=user_case_x", "model.horizon_days=10"]))
    assert run.model.fighters.count == 250
    assert run_replicate(run.model, 1, 0).run["end_day"] <= 9


def test_mapping_comparative_statics():
    facts = load_cases()[0].facts
    base = case_overrides(facts, ModelParams())
    trusted = case_overrides(dataclasses.replace(facts, trust_in_guarantee=Level.HIGH), ModelParams())
    assert trusted["mediator.initial_credibility"] == ModelParams().mapping.credibility_high \
        > base["mediator.initial_credibility"]
    no_air = case_overrides(dataclasses.replace(facts, air_power=AirPower.NONE, air_cover=AirCover.GRANTED),
                            ModelParams())
    assert no_air["mediator.air_cover"] == AirCover.WITHHELD, "no air power, nothing to grant"
    alone = case_overrides(dataclasses.replace(facts, outside_support=False), ModelParams())
    assert alone["besieger.second_front_losses"] == 0 < base["besieger.second_front_losses"]
    counted = case_overrides(dataclasses.replace(facts, besieger_troops=1000, militia_share=0.5), ModelParams())
    assert (counted["besieger.army_strength"], counted["besieger.militia_strength"]) == (500, 500)


def every_mapped_key() -> set[str]:
    """Every key case_overrides writes, over facts that switch on each of its branches."""
    facts = load_cases()[0].facts
    variants = [facts, dataclasses.replace(facts, buses_per_convoy=3, convoys_per_week=1.0, besieger_troops=900)]
    return {key for v in variants for key in case_overrides(v, ModelParams())}


def test_the_mapping_inputs_are_never_mapped_keys():
    """What the mapping reads outside `mapping` it never writes, so a resolver can feed it the composed config."""
    keys = every_mapped_key()
    assert "implementation.convoys_per_week" in keys and "district.initial_supply_days" in keys
    leaves = {path for path, _, _ in iter_leaves(ModelParams())}
    assert set(MAPPING_INPUTS) <= leaves
    assert not set(MAPPING_INPUTS) & keys
    assert not any(key.startswith("mapping.") for key in keys)


def test_the_mapping_reads_only_its_section_and_its_inputs():
    facts = load_cases()[0].facts
    default = case_overrides(facts, ModelParams())
    others = {}
    for path, value, _ in iter_leaves(ModelParams()):
        if path.startswith("mapping.") or path in MAPPING_INPUTS:
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            others[path] = value + 1
        elif isinstance(value, str):
            others[path] = value + "x"
    assert case_overrides(facts, with_values(ModelParams(), others)) == default, "reads a leaf it should not"
    for path, value in (("implementation.seats_per_bus", 5), ("implementation.family_seat_share", 0.9)):
        changed = case_overrides(facts, with_values(ModelParams(), {path: value}))
        assert changed["implementation.buses_per_convoy"] != default["implementation.buses_per_convoy"], path


def test_the_mapping_constants_are_parameters():
    facts = load_cases()[0].facts   # Daraa: trust LOW, constraint and image HIGH, outside support
    base = with_values(ModelParams(), {"mapping.credibility_low": 0.2, "mapping.external_constraint_high": 0.8,
                                       "mapping.second_front_losses": 0.3, "mapping.troops_per_fighter": 10.0,
                                       "mapping.supply_days_at_siege_start": 30.0})
    mapped = case_overrides(facts, base)
    assert (mapped["mediator.initial_credibility"], mapped["mediator.external_constraint"]) == (0.2, 0.8)
    assert mapped["besieger.second_front_losses"] == 0.3 and mapped["district.initial_supply_days"] == 30.0
    assert mapped["besieger.army_strength"] + mapped["besieger.militia_strength"] == 4000
    unknown_share = case_overrides(dataclasses.replace(facts, militia_share=None),
                                   with_values(ModelParams(), {"mapping.militia_share": 0.5}))
    assert unknown_share["besieger.militia_strength"] == 1000


def test_mapping_constants_reach_a_case_scenario_and_explicit_values_win():
    """The mapped keys are computed from the composed config's own facts and mapping section."""
    def params(*overrides: str) -> ModelParams:
        return to_run_config(compose(list(overrides))).model

    assert params().mediator.initial_credibility == 0.35, "Daraa's trust is LOW"
    assert params("model.mapping.credibility_low=0.2").mediator.initial_credibility == 0.2
    assert params("model.mapping.credibility_high=0.9").mediator.initial_credibility == 0.35, "another level"
    assert params("model.mapping.credibility_low=0.2",
                  "model.mediator.initial_credibility=0.6").mediator.initial_credibility == 0.6
    assert params("model.mapping.troops_per_fighter=10").besieger.army_strength == 3000
    aleppo = params("scenario=east_aleppo_2016", "model.mapping.external_constraint_low=0.1")
    assert aleppo.mediator.external_constraint == 0.1


def test_a_fact_can_be_overridden_and_a_misspelt_fact_is_named():
    run = to_run_config(compose(["case.trust_in_guarantee=HIGH", "case.fighters_inside=500"]))
    assert run.model.mediator.initial_credibility == 0.7 and run.model.fighters.count == 500
    assert run.case.fighters_inside == 500
    with pytest.raises(ConfigError, match=r"did you mean case\.fighters_inside"):
        compose(["case.fighters_insid=3"])


def test_a_case_file_without_a_deal_template_gets_one_from_its_demand(tmp_path):
    """Older case files name no template: a demand for (nearly) every fighter is a full exit, a
    smaller one a named list, and a template the file gives wins."""
    text = (CASES_DIR / "homs_old_city_2014.yaml").read_text()
    older = "\n".join(line for line in text.splitlines() if "deal_template" not in line)
    for case_id, fraction in (("older_all", "1.0"), ("older_list", "0.3")):
        body = older.replace("id: homs_old_city_2014", f"id: {case_id}").replace(
            "expulsion_fraction: 1.0", f"expulsion_fraction: {fraction}")
        (tmp_path / f"{case_id}.yaml").write_text(body)
    (tmp_path / "given.yaml").write_text(text.replace("id: homs_old_city_2014", "id: given").replace(
        "deal_template: FULL_EXIT", "deal_template: SETTLE_OR_LEAVE"))
    register_cases(tmp_path)
    for case_id, expected in (("older_all", "FULL_EXIT"), ("older_list", "NAMED_LIST"), ("given", "SETTLE_OR_LEAVE")):
        run = to_run_config(compose([f"scenario={case_id}"]))
        assert run.model.terms.template.name == expected, case_id
