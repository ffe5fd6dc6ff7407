"""Historical cases as scenarios: every case file composes, validates and runs; the Daraa case maps
to the Daraa scenario's values; a new case file works without code changes; bad files are refused."""

from __future__ import annotations

import dataclasses

import pytest

from experiments.config.cases import CASES_DIR, Case, load_cases, register_cases
from experiments.config.compose import compose, to_run_config
from experiments.config.schema import ConfigError
from sim.cases import CREDIBILITY, AirPower, Level, case_overrides
from sim.enums import AirCover, Outcome
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
    (tmp_path / "user_case_x.yaml").write_text(text)
    assert register_cases(tmp_path) == ["user_case_x"]
    run = to_run_config(compose(["scenario=user_case_x", "model.horizon_days=10"]))
    assert run.model.fighters.count == 250
    assert run_replicate(run.model, 1, 0).run["end_day"] <= 9


@pytest.mark.parametrize("edit, message", [
    (("fighters_inside: 1500", "fighters_inside: many"), "facts.fighters_inside"),
    (("air_power: INTENSIVE", "air_power: SOME"), "facts.air_power"),
    (("  outside_support: false\n", "  outside_support: false\n  rumour: 3\n"), "rumour"),
    (("  fighters_inside: \"case file", "  fighters_inside_src: \"case file"), "every fact needs a source"),
])
def test_a_bad_case_file_is_refused_with_its_name_and_key(tmp_path, edit, message):
    path = tmp_path / "bad.yaml"
    path.write_text((CASES_DIR / "homs_old_city_2014.yaml").read_text().replace(*edit))
    with pytest.raises(ConfigError) as info:
        Case(path)
    assert "bad.yaml" in str(info.value) and message in str(info.value)


def test_mapping_comparative_statics():
    facts = load_cases()[0].facts
    base = case_overrides(facts)
    trusted = case_overrides(dataclasses.replace(facts, trust_in_guarantee=Level.HIGH))
    assert trusted["mediator.initial_credibility"] == CREDIBILITY[Level.HIGH] > base["mediator.initial_credibility"]
    no_air = case_overrides(dataclasses.replace(facts, air_power=AirPower.NONE, air_cover=AirCover.GRANTED))
    assert no_air["mediator.air_cover"] == AirCover.WITHHELD, "no air power, nothing to grant"
    alone = case_overrides(dataclasses.replace(facts, outside_support=False))
    assert alone["besieger.second_front_losses"] == 0 < base["besieger.second_front_losses"]
    counted = case_overrides(dataclasses.replace(facts, besieger_troops=1000, militia_share=0.5))
    assert (counted["besieger.army_strength"], counted["besieger.militia_strength"]) == (500, 500)
