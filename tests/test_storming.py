"""The besieger's choice between talks and storming (shared/PATTERNS.md, pattern 2: a takeover happens
where no mediator offers terms and the besieger has overwhelming force). The pure rule, the case
mapping, and paired directional tests over replicates."""

from __future__ import annotations

import pytest

from experiments.config.compose import compose, to_run_config
from helpers.intervals import bootstrap_ci
from helpers.scenarios import scenario_params, simulate
from sim import mediator as mediator_rules

N = 100
# Daraa's enclave under a weak outside constraint, with a besieger of 6,000 against 400 fighters
OVERWHELMING = ("model.mediator.external_constraint=0.3", "model.mediator.image_weight=0",
                "model.besieger.army_strength=6000")


@pytest.mark.parametrize("present, p, expected", [(True, 0.99, True), (False, 0.59, True),
                                                  (False, 0.6, False), (False, 0.9, False)])
def test_terms_are_offered_with_a_mediator_or_while_a_quick_takeover_is_doubtful(present, p, expected):
    assert mediator_rules.offers_terms(present, p, 0.6) is expected


def test_a_case_without_a_mediator_maps_to_no_mediator_and_no_image_concern():
    run = to_run_config(compose(["case.mediator_present=false"]))
    assert run.model.mediator.present is False
    assert run.model.mediator.image_weight == run.model.mapping.image_weight_none
    assert to_run_config(compose([])).model.mediator.present is True


def test_without_a_mediator_overwhelming_force_storms_instead_of_talking():
    """Paired by replicate: the same siege with and without a mediator offering terms."""
    alone = simulate(scenario_params(*OVERWHELMING, "model.mediator.present=false"), N, seed=23)
    mediated = simulate(scenario_params(*OVERWHELMING), N, seed=23)
    takeover = lambda runs: (runs["outcome"] == "military_takeover").to_numpy(float)  # noqa: E731
    lo, _ = bootstrap_ci(takeover(alone[0]) - takeover(mediated[0]))
    assert lo > 0.5, f"storming should replace most deals (paired difference lo {lo:.2f})"
    assert takeover(mediated[0]).mean() < 0.1, "a mediator's terms still end it in a deal"
    talks = alone[2][alone[2]["event"] == "talks"]
    first = talks.groupby("replicate")["detail"].first()
    assert len(first) == N and set(first) == {"no terms: storming expected to succeed"}, \
        "the besieger declines terms from the start in every replicate"
    offered = set(talks.loc[talks["detail"] == "terms offered", "replicate"])
    assert len(offered) <= 0.1 * N, "terms come back only where a quick takeover briefly looked doubtful"
    held = set(alone[0].loc[alone[0]["rounds"] > 0, "replicate"])
    assert held <= offered, "no round is held in a replicate where terms were never offered"
