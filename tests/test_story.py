"""A run's story in plain language (experiments/analysis/story.py): numbers rounded for people,
reasons in words, like rounds told once and split at turning points, every line in time order,
and, over replicates of every case, no codes, no missing values and the ending told last."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from experiments.analysis.story import OUTCOME_WORDS, REASON_WORDS, people, percent, run_story, story_table
from experiments.config.compose import compose, to_run_config
from sim.runner import run_replicate


def offer(day: int, rnd: int, demand: float, template: str = "named_list") -> dict:
    return dict(day=day, event="offer", actor="mediator", template=template, expulsion_fraction=demand,
                weapons_handover="ALL", besieger_entry=True, guarantor_on_ground=False, credibility=0.35, round=rnd)


def votes(day: int, rnd: int, verdicts: list[str], reason: str = "guarantee not credible") -> list[dict]:
    rows = [dict(day=day, event="vote", actor=f"faction {f}", faction=f, vote=v, round=rnd,
                 reason=reason if v == "reject" else "the cost of holding out outweighs the terms")
            for f, v in enumerate(verdicts)]
    accepted = verdicts.count("accept") > len(verdicts) / 2
    decision = dict(day=day, event="decision", actor="committee", vote="accept" if accepted else "reject",
                    round=rnd, reason="weighted majority for" if accepted else "weighted majority against")
    return [*rows, decision]


def round_of(day: int, rnd: int, demand: float, verdicts: list[str], **kw) -> list[dict]:
    return [offer(day, rnd, demand), *votes(day, rnd, verdicts, **kw)]


def story(rows: list[dict], daily: pd.DataFrame | None = None) -> pd.DataFrame:
    return story_table(run_story(pd.DataFrame(rows), daily))


def test_numbers_are_rounded_for_people():
    assert [percent(x) for x in (0.25, 0.175, 0.1375, 1.0, 0.0, 0.004)] == ["25%", "17.5%", "13.8%", "100%", "0%",
                                                                            "0.4%"]
    assert [people(x) for x in (7, 999, 32485, 12004.4, 1500)] == ["7", "999", "about 32,500", "about 12,000",
                                                                   "about 1,500"]


def test_the_opening_offer_is_told_in_full_and_a_concession_as_a_change():
    rows = round_of(0, 1, 0.25, ["reject"] * 4) + round_of(4, 2, 0.175, ["reject"] * 4)
    told = story(rows)
    assert list(told["days"]) == ["Day 0", "Day 4"]
    assert "opened with its terms" in told["text"][0] and "(25% of the fighters to go)" in told["text"][0]
    assert "all weapons handed over" in told["text"][0] and "35% credible" in told["text"][0]
    assert told["text"][1].startswith("The mediator lowered the demand to 17.5% of the fighters")
    assert "all four factions rejected it because they do not trust the guarantee" in told["text"][1]


def test_rejected_rounds_on_the_same_terms_are_told_once_and_split_at_an_escalation():
    rows = round_of(0, 1, 0.25, ["reject"] * 4)
    rows += [r for k, d in enumerate(range(4, 20, 4)) for r in round_of(d, k + 2, 0.125, ["reject"] * 4)]
    rows += [dict(day=21, event="escalation", actor="mediator", level="GROUND_PROBES",
                  detail="decisive phase launched: ground operations approved", pressure=0.6)]
    rows += [r for k, d in enumerate(range(24, 36, 4)) for r in
             round_of(d, k + 6, 0.125, ["accept", "reject", "reject", "reject"], reason="expects to hold out")]
    told = story(rows)
    assert list(told["days"]) == ["Day 0", "Days 4–16", "Day 21", "Days 24–32"]
    assert "lowered the demand to 12.5% of the fighters and kept it there for rounds 2–5" in told["text"][1]
    assert "all 4 were rejected, mostly because they do not trust the guarantee" in told["text"][1]
    assert "the besieger may now use ground probes" in told["text"][2]
    assert "kept the same terms (12.5% of the fighters to go) for rounds 6–8" in told["text"][3]
    assert "because they expect to hold out (faction 0 accepted in 3 of them)" in told["text"][3]


def test_rejected_rounds_whose_demand_climbs_each_time_are_told_once():
    """A mediator hardening its terms round after round: one line from the first raised demand to the
    last, not a line per step; a step back down starts a new line."""
    rows = round_of(0, 1, 0.25, ["reject"] * 4)
    rows += [r for k, (d, demand) in enumerate(zip(range(4, 20, 4), (0.59, 0.636, 0.656, 0.662)))
             for r in round_of(d, k + 2, demand, ["reject"] * 4)]
    rows += round_of(20, 6, 0.5, ["reject"] * 4)
    told = story(rows)
    assert list(told["days"]) == ["Day 0", "Days 4–16", "Day 20"]
    assert ("raised the demand round by round, from 59% of the fighters in round 2 to 66.2% in round 5; "
            "all 4 were rejected, mostly because they do not trust the guarantee") in told["text"][1]
    assert told["text"][2].startswith("The mediator lowered the demand to 50% of the fighters")
    guarantor = round_of(0, 1, 0.25, ["reject"] * 4) + round_of(4, 2, 0.3, ["reject"] * 4)
    guarantor += round_of(8, 3, 0.35, ["reject"] * 4)
    guarantor[len(round_of(0, 1, 0.25, ["reject"] * 4))]["guarantor_on_ground"] = True  # round 2's offer adds it
    guarantor[-6]["guarantor_on_ground"] = True                                    # and round 3 keeps it
    told = story(guarantor)
    assert "now with a guarantor's troops on the ground" in told["text"][1], "a changed term is never lost"


def test_a_deal_its_convoy_and_its_collapse_follow_the_accepting_round():
    rows = round_of(0, 1, 0.25, ["accept"] * 3 + ["reject"])
    rows += [dict(day=0, event="deal", actor="committee", listed=100, spoilers=1, template="named_list",
                  expulsion_fraction=0.25),
             dict(day=1, event="convoy", actor="mediator", fighters=93, civilians=0, refused=7, seats=100),
             dict(day=1, event="refusal", actor="listed fighters", refused=7),
             dict(day=1, event="breakdown", actor="mediator", detail="7 listed fighters refused to board",
                  collapsed=True),
             dict(day=9, event="outcome", actor="model", detail="military_takeover")]
    daily = pd.DataFrame([dict(day=9, fighters_evacuated=93, fighters_settled=0, fighters_killed=250,
                               civilians_killed=1234, civilians_injured=3000, civilians_displaced=0)])
    told = story(rows, daily)
    assert list(told["days"]) == ["Day 0", "Day 0", "Day 1", "Day 1", "Day 9"]
    assert "factions 0, 1 and 2 accepted; faction 3 rejected it" in told["text"][0]
    assert "the committee accepted the deal" in told["text"][0]
    assert told["text"][1] == ("Implementation began: 100 fighters named to leave for the north; 1 faction stayed "
                               "out of the deal as spoilers.")
    assert told["text"][2] == ("A convoy of buses carried 93 fighters and no civilians north (100 seats); 7 listed "
                               "fighters refused to board.")
    assert told["text"][3] == "After 7 listed fighters refused to board, the deal collapsed and the siege resumed."
    assert told["text"][4].startswith("The siege ended in a military takeover. By then 93 fighters had left")
    assert "about 1,230 civilians had been killed and about 3,000 injured" in told["text"][4]


def test_no_events_no_story():
    assert story([]).empty


CASES = ["daraa_2021", "east_aleppo_2016", "eastern_ghouta_2018", "homs_old_city_2014"]


@pytest.mark.parametrize("scenario", CASES)
def test_every_replicates_story_is_in_words_in_time_order_and_ends_with_its_outcome(scenario):
    run = to_run_config(compose([f"scenario={scenario}"]))
    d = run.model.district
    for replicate in range(8):
        result = run_replicate(run.model, run.seed, replicate)
        events, daily = pd.DataFrame(result.events), pd.DataFrame(result.daily)
        told = story_table(run_story(events, daily, d.grid_width * d.grid_height))
        text = " ".join(told["text"])
        assert told["first_day"].is_monotonic_increasing
        assert (told["last_day"] >= told["first_day"]).all()
        assert told["text"].iloc[-1].startswith("The siege ended in")
        assert OUTCOME_WORDS[str(result.run["outcome"])] in told["text"].iloc[-1]
        assert not re.search(r"\b(nan|None|NaN)\b|_|\{|\}", text), text
        codes = [reason for reason in REASON_WORDS if reason in text]
        assert not codes, codes
        assert int(told["last_day"].iloc[-1]) == int(daily["day"].max())
