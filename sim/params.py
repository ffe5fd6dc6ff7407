"""Typed model parameters with units, allowed ranges and typed sources, and their validation.

The dataclasses are the one source of truth: Hydra registers them as the config schema
(experiments/config.py), the model only ever receives a validated `ModelParams`.
Every default carries a `Source`: the article, the case file, the literature, or an assumption
(the only kind that is calibrated or varied in a sensitivity analysis). Case facts (fighters,
civilians, deal terms of Daraa al-Balad) live in conf/cases/ and reach the parameters through
sim/cases.py.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from sim.enums import AirCover, Corridor, DealTemplate, Escalation, WeaponsHandover

ARTICLE = "article (shared/sources/daraa_al_balad_2021_article.txt)"
CASES = "case file (shared/cases/syrian_sieges.yaml)"


class SourceKind(Enum):
    """Where a default comes from: only assumptions are calibrated and varied in sensitivity analyses."""

    ARTICLE = "article"              # the Daraa al-Balad 2021 article (ARTICLE)
    CASE_FILE = "case_file"          # the shared case file of Syrian sieges (CASES)
    LITERATURE = "literature"        # a paper or a rule of MECHANISMS.md
    ASSUMPTION = "assumption"        # the modellers' choice, even when it cites a source for the idea
    SPECIFICATION = "specification"  # the study's own frame or an optional input, not a claim about a siege


@dataclass(frozen=True)
class Source:
    """The provenance of a default: its kind and the human-readable citation (the provenance text)."""

    kind: SourceKind
    citation: str


def assumption(text: str) -> Source:
    """An assumption; the text says what is assumed and, where there is one, what it leans on."""
    return Source(SourceKind.ASSUMPTION, f"assumption: {text}")


def article(text: str) -> Source:
    """A value read off the Daraa al-Balad 2021 article."""
    return Source(SourceKind.ARTICLE, f"{ARTICLE}: {text}")


def case_file(text: str) -> Source:
    """A value read off the shared case file."""
    return Source(SourceKind.CASE_FILE, f"{CASES}: {text}")


def literature(text: str) -> Source:
    """A value from a paper or a rule of MECHANISMS.md; the text starts with the citation."""
    return Source(SourceKind.LITERATURE, text)


def specification(text: str) -> Source:
    """A frame set by the study itself (an issue, an optional input), not a claim about a siege."""
    return Source(SourceKind.SPECIFICATION, text)


def param(default: Any, source: Source, lo: float | None = None, hi: float | None = None,
          unit: str = "") -> Any:
    """A dataclass field carrying its allowed range, unit and source (and the source's text as provenance)."""
    return field(default=default, metadata={"lo": lo, "hi": hi, "unit": unit,
                                            "provenance": source.citation, "source": source})


class ParameterError(ValueError):
    """A parameter is out of range or inconsistent; the message names key, value and what is allowed."""

    def __init__(self, key: str, value: Any, allowed: str):
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"{key}={value!r} is not allowed: {allowed}")


@dataclass
class FighterParams:
    """The rebels inside the enclave."""

    count: int = param(
        400, article("'most of the 400 or so rebels in Daraa Al Balad'"), 1, 100_000, "fighters")
    factions: int = param(
        4, assumption("Daraa al-Balad's rebels were a handful of local groups (the brief's 'a handful of "
                      "local factions'); no count in the sources"), 1, 20)
    faction_size_concentration: float = param(
        4.0, assumption("factions of uneven but comparable size: their shares of the fighters are "
                        "Dirichlet(c, ..., c), c = 4"), 0.01, 1000)
    hardliner_share: float = param(
        0.25, assumption(f"the ~100 'wanted' men the regime named ({CASES}, daraa regime_demand) out of ~400 "
                         "are the hard core"), 0, 1)
    resolve_mean: float = param(
        0.55, assumption("mid-scale resolve, calibrated so that most rebels reject the first offer for about "
                         f"a month ({ARTICLE})"), 0, 1)
    resolve_sd: float = param(0.15, assumption("moderate spread of resolve within factions"), 0, 0.5)
    hardliner_concentration: float = param(
        2.0, assumption("hardliners cluster in some factions: a faction's hardliner propensity is the share "
                        "times B / E[B], B ~ Beta(c, c), c = 2 (a broad spread around the share)"), 0.01, 1000)
    hardliner_resolve_shift: float = param(
        0.25, assumption("hardliners hold more resolve (Stedman 1997 on spoilers)"), 0, 1)
    frontline_share: float = param(
        0.6, assumption("most fighters man the perimeter in urban defence"), 0, 1)
    defection_base_rate: float = param(
        0.002, assumption("individual surrender ('settling status') is rare before a deal; ~900 settled only "
                          f"after the deal ({CASES}, daraa deal_terms)"), 0, 1, "per fighter-day")
    defection_sensitivity: float = param(
        3.0, assumption("the defection hazard grows e-fold for each third of a unit by which pressure "
                        "(hardship plus the faction's takeover belief) exceeds a fighter's resolve "
                        "(concession hazard, MECHANISMS A.6)"), 0, 100)

    wounded_recovery_rate: float = param(
        0.05, assumption("a wounded fighter returns to the line after about three weeks"), 0, 1, "per day")

@dataclass
class CivilianParams:
    """Civilians as counts on the district grid."""

    count: int = param(
        10_000, assumption(f"generic enclave of 'thousands of civilians' ({ARTICLE}); scenarios set their own "
                           "figure"), 0, 10_000_000, "people")
    injured_per_killed: float = param(
        3.0, assumption("a common 3:1 injured-to-killed ratio for explosive weapons in towns"), 0, 20)
    corridor: Corridor = param(
        Corridor.OPEN, case_file("OCHA registered 38,600 displaced from Daraa al-Balad, so civilians could leave"))
    restricted_flight_share: float = param(
        0.03, case_file("(derived by simulation) Eastern Ghouta 2018, whose corridors opened only in daily "
                        "five-hour pauses under one of the war's heaviest bombardments: about 80,000 of 395,000 "
                        "left through them by early April, some 36 days, about 0.6% a day; 0.03 gives 0.54-0.63% "
                        "a day in the model's Eastern Ghouta (10-90%, 40 replicates, seed 20210624), where an "
                        "open corridor under the same shelling would let out about 20% a day"),
        0, 1, "share of the open corridor's daily flight")
    flight_intercept: float = param(
        -3.7, Source(SourceKind.CASE_FILE, "case file: OCHA registered 38,600 displaced from ~40,000-50,000 in "
                     "75 days, ~2% a day; the intercept gives 1.96-2.16% a day in the model's Daraa (10-90%, 60 "
                     "replicates, seed 20210624), about 1.8% on a quiet day"), -20, 20)
    flight_hardship: float = param(2.0, assumption("hardship drives flight (MECHANISMS E.23)"), 0, 20)
    flight_shelling: float = param(
        0.375, assumption("the danger a resident runs drives flight (Davenport, Moore & Poe 2003): the shells "
                          "on a resident's cell, not per resident, since a crowd does not make a shell less "
                          "deadly; 0.375 is the former 1.5 per shell per 100 residents at Daraa's 400 residents "
                          "a cell"), 0, 20, "per shell per cell")
    flight_journey_risk: float = param(
        1.0, assumption("checkpoint detention deters flight (MECHANISMS D.19, Todman 2017)"), 0, 20)
    flight_shelling_cap: float = param(
        40.0, assumption("above 40 shells a day on a cell more shelling drives no more flight (the logit "
                         "saturates where people already run; the former ten per 100 residents at Daraa's 400 "
                         "a cell)"), 0, 1000, "shells per cell")
    journey_risk: float = param(0.3, assumption("moderate risk at regime checkpoints"), 0, 1)
    starvation_mortality: float = param(
        2e-5, assumption("small deaths from deprivation at full hardship (MECHANISMS D.19)"), 0, 0.01,
        "per person-day")


@dataclass
class DistrictParams:
    """The district grid, its supplies and shelter."""

    grid_width: int = param(
        10, assumption("< 2 km2 besieged area (case file, CCSD) in ~130 m cells"), 2, 60, "cells")
    grid_height: int = param(10, assumption("see grid_width"), 2, 60, "cells")
    housing_density_shape: float = param(
        4.0, assumption("uneven housing: each cell's share of the civilians is proportional to a Gamma(k, 1) "
                        "density, k = 4 (most cells between half and twice the mean)"), 0.01, 1000)
    initial_supply_days: float = param(
        40.0, assumption("stocks for about six weeks at the start of a tight siege"), 0, 1000, "days of need")
    resupply_share: float = param(
        0.6, assumption("smuggling and occasional aid cover most of daily need; the Saraya crossing was only "
                        "partly closed (case file)"), 0, 2, "share of daily need")
    scarcity_leakage: float = param(
        0.8, assumption("at total hardship smuggling, tunnels, farming and aid bring in another 80% of daily "
                        "need: with the 0.6 resupply stocks settle at hardship 0.5, chronic but not total "
                        "(shared/PATTERNS.md, pattern 6: a grim equilibrium, not zero)"), 0, 10, "share of daily need")
    hardship_buffer_days: float = param(
        20.0, assumption("hardship starts when stocks fall below about three weeks of need and is total when "
                         "they are gone (MECHANISMS D.19)"), 1, 1000, "days of need")
    shelter: float = param(
        0.85, assumption("undamaged masonry shelters most residents from area fire"), 0, 1)
    damage_per_shell: float = param(
        0.004, assumption("a cell is badly damaged after a few hundred shells"), 0, 1, "per shell")
    evacuation_point_row: int = param(
        0, assumption("the crossing sits on the grid's north edge (al-Saraya crossing, case file)"), 0, 59)


@dataclass
class BesiegerParams:
    """Army and Iran-backed militia around the perimeter."""

    army_strength: int = param(
        1500, assumption(f"several army battalions (4th and 9th Divisions, {CASES}) committed to the "
                         "perimeter"), 0, 1_000_000, "troops")
    militia_strength: int = param(
        500, assumption(f"Iran-backed militia alongside the army ({ARTICLE}: 'Shiite militia supported by "
                        "Iran')"), 0, 1_000_000, "troops")
    storm_confidence: float = param(
        0.6, assumption("with no mediator, the besieger offers no terms while it expects to take the district "
                        "by force with at least this chance: a quick takeover is cheaper than a deal "
                        "(PATTERNS 2: takeover where no mediator offers terms and force is overwhelming)"),
        0, 1, "takeover probability")
    army_restraint: float = param(0.85, assumption("the army obeys the mediator's ceiling"), 0, 1)
    militia_restraint: float = param(
        0.5, assumption("the militia is less restrained (brief section 3; Stedman 1997)"), 0, 1)
    militia_violation_hazard: float = param(
        0.03, assumption("a command at restraint 0.5 (the militia's default) breaks a pause about once a "
                         "month; case file lists breached deals; scaled by (1 - restraint)/0.5 for each "
                         "command"), 0, 1, "per day")
    shells_per_day: float = param(
        60.0, assumption(f"sustained artillery and rocket fire ({ARTICLE}: 'three days of shelling')"),
        0, 100_000, "shells/day")
    assault_shelling_multiplier: float = param(
        1.5, assumption("a full assault brings half as many shells again as a shelling campaign"), 1, 20)
    violation_shelling_share: float = param(
        0.3, assumption("a command breaking a ceasefire fires a fraction of a campaign's shells"), 0, 1,
        "share of shells_per_day")
    probe_attacks_per_day: int = param(
        2, assumption(f"a couple of frontier pushes a day ({ARTICLE}: 'trying to advance on the ground')"),
        0, 100)
    assault_attacks_per_day: int = param(
        2, Source(SourceKind.CASE_FILE, "case file (derived): East Aleppo's final offensive took about 95% of the "
                  "enclave in 37 days and Eastern Ghouta's ground push about three quarters in 47, about 2 "
                  "cells of a 100-cell enclave a day at an assault's near-certain success (docs/ODD.md, "
                  "section 9, item 19)"), 0, 1000)
    probe_force_share: float = param(
        0.02, assumption("a ground probe commits a platoon-sized share of the besieger"), 0, 1)
    assault_force_share: float = param(
        0.08, assumption("an assault attack commits a company-sized share of the besieger"), 0, 1)
    loss_tolerance_share: float = param(
        0.075, assumption("the besieger lifts the siege after losing this share of its troops (150 of "
                          "Daraa's 2,000; Daraa saw 26-32 killed, case file, well below); a share so that "
                          "large forces tolerate proportionally more"), 0.0001, 1, "share of troops")
    second_front_losses: float = param(
        0.0, assumption("no second front unless a scenario has one (Daraa 2021 does: see its scenario "
                        "file)"), 0, 1000, "besieger killed/day")


@dataclass
class CombatParams:
    """Attrition and assault rules (Lanchester 1916; Deitchman 1962; Mearsheimer 1989)."""

    urban_defence_multiplier: float = param(
        1.6, assumption("defenders in built-up areas fight above their numbers (MECHANISMS C.14)"), 1, 20)
    required_force_ratio: float = param(
        3.0, literature("Mearsheimer 1989: attackers need about 3:1 locally"), 1, 20)
    assault_steepness: float = param(2.0, assumption("logistic slope of the 3:1 rule"), 0.1, 20)
    attacker_lethality: float = param(
        0.008, assumption("aimed-fire kill rate per attacker per attack (Lanchester square law)"), 0, 1)
    defender_lethality: float = param(
        0.03, assumption("aimed-fire kill rate per defender per attack (Lanchester square law)"), 0, 1)
    shell_lethality: float = param(
        0.00009, assumption("chance a shell landing in a cell kills a given person in the open there "
                            "(Deitchman area fire)"), 0, 1, "per shell")
    fighter_exposure: float = param(
        5.0, assumption("fighters at their posts are five times more exposed to shelling than sheltering "
                        "civilians"), 0, 100)
    fighter_shelter_share: float = param(
        0.5, assumption("fighters at their posts get half the shelter residents get"), 0, 1,
        "share of district.shelter")
    wounded_per_killed: float = param(2.0, assumption("combat wounded-to-killed ratio"), 0, 20)
    frontier_weight: float = param(
        3.0, assumption("a frontier cell draws three times the shells of an interior cell: the guns aim at "
                        "the front line"), 1, 100)
    support_weight: float = param(
        0.5, assumption("fighters in enclave cells next to the attacked cell count half as defenders"), 0, 1)
    crossfire_rate: float = param(
        0.002, assumption("share of a cell's residents hurt in each ground attack on it (crossfire)"), 0, 1,
        "per resident per attack")
    air_multiplier: float = param(
        3.0, assumption("air cover triples the strength of ground attacks (East Aleppo, Eastern Ghouta in "
                        "the case file)"), 1, 50)
    air_bombardment_multiplier: float = param(
        8.0, Source(SourceKind.CASE_FILE, "case file: Eastern Ghouta 2018 lost >1,700 civilians of ~400,000 "
                    "in 55 days under air attack vs Daraa 2021 16-25 of ~45,000 in 75 days without: ~8x per "
                    "head per day (derived)"), 1, 100)


@dataclass
class MediatorParams:
    """The mediator (Russia): escalation ceiling, terms and guarantee (Kydd 2003; Schelling 1966)."""

    present: bool = param(
        True, Source(SourceKind.CASE_FILE, "case file mediator: Russia brokered every Daraa 2021 deal; a case "
                     "with no mediator offering terms sets it false (PATTERNS 2)"))
    air_cover: AirCover = param(
        AirCover.CONDITIONAL, assumption("by default the mediator decides air cover by its own cost rule"))
    max_escalation: Escalation = param(
        Escalation.ASSAULT_WITH_AIR, assumption("no cap beyond the mediator's own cost rule; set lower for a "
                                                "mediator that never approves more than a given rung"))
    external_constraint: float = param(
        0.3, assumption("generic weak outside constraint; scenarios set it"), 0, 1)
    image_weight: float = param(0.2, assumption("weight on a peacemaker image"), 0, 1)
    civilian_harm_weight: float = param(
        0.5, assumption("cost to the mediator of civilian deaths"), 0, 10, "per 10 deaths/week")
    impatience: float = param(
        0.01, assumption("pressure to escalate added by each rejected offer: rejections alone build pressure "
                         "slowly, so a decisive phase is launched by the siege's length or the collapse of talks "
                         "rather than by the first refusals (shared/PATTERNS.md, pattern 5; Daraa 2021's ground "
                         "offensive began on day 35, case file; the calibration fit to the four cases found 0.014)"),
        0, 5)
    siege_weariness: float = param(
        0.1, assumption("pressure to escalate added per 30 days of siege"), 0, 5)
    initial_credibility: float = param(0.5, assumption("neutral trust in the guarantee"), 0, 1)
    credibility_loss: float = param(
        0.15, assumption("share of credibility lost per violation (Walter 1997)"), 0, 1)
    credibility_gain: float = param(
        0.01, assumption("slow trust gain per compliant implementation day"), 0, 1)
    concession_step: float = param(
        0.3, assumption("share of the gap to the committee's counter the mediator concedes after a rejection "
                        "(Powell 2004 screening)"), 0, 1)
    hardening: float = param(
        1.0, assumption("how strongly terms track the balance of power (Hinnebusch & Imady 2017)"), 0, 5)
    hardening_threshold: float = param(
        0.5, assumption("demands harden once a takeover within a decisive campaign "
                        "(beliefs.campaign_horizon_days) is more likely than not"), 0, 0.99,
        "takeover probability")
    collapse_pressure: float = param(
        0.2, assumption("pressure to escalate added by each collapsed deal: enough on its own to approve ground "
                        "operations under Daraa's costs (base 0.2 against 0.3 x (0.9 + 0.4) = 0.39), as the "
                        "breach of its 24/25 July 2021 deal was followed by the 29 July offensive (case file); "
                        "failed talks trigger escalation (shared/PATTERNS.md, patterns 5 and 7)"), 0, 5)
    collapse_tightening: float = param(
        0.1, assumption("after a collapse the named-list demand returns a tenth above the broken deal's share, "
                        "and is never conceded below it (pattern 7: renegotiated on tighter terms)"), 0, 1,
        "share of the broken deal's demand")
    base_pressure: float = param(
        0.2, assumption("the pressure to compel on day 0, before any rejection: enough to approve shelling "
                        "and, under a weak constraint, ground probes (Schelling 1966)"), 0, 10)
    level_cost_shelling: float = param(
        0.1, assumption("political cost of approving a shelling campaign, the cheapest rung"), 0, 10)
    level_cost_ground_probes: float = param(
        0.3, assumption("ground probes cost three times a shelling campaign"), 0, 10)
    level_cost_full_assault: float = param(
        1.0, assumption("a full assault costs the mediator ten times a shelling campaign"), 0, 10)
    level_cost_assault_with_air: float = param(
        1.6, assumption("air cover adds the most visible commitment of the mediator's own forces to an "
                        "assault (unless air cover is granted anyway: then it costs a full assault)"), 0, 10)


@dataclass
class TermsParams:
    """The deal on the table at the start."""

    template: DealTemplate = param(
        DealTemplate.NAMED_LIST, article("the besieger named who must leave: 'accept expulsion of one-fourth of "
                                         "their number'; the rest settle"))
    expulsion_fraction: float = param(
        0.25, article("'accept expulsion of one-fourth of their number'"), 0, 1)
    expulsion_list: int | None = param(
        None, specification("optional absolute number of wanted men; overrides expulsion_fraction when set"),
        0, 10_000_000, "fighters")
    expulsion_floor_share: float = param(
        0.5, case_file("Daraa's besieger demanded ~100 wanted men and settled for 53-61 bused out: it concedes "
                       "at most about half of its opening demand"), 0, 1, "share of the opening demand")
    weapons_handover: WeaponsHandover = param(
        WeaponsHandover.ALL, article("'the rest of the rebels would have to hand over their weapons'"))
    besieger_entry: bool = param(True, article("'accept a resumption of regime control'"))
    guarantor_on_ground: bool = param(
        False, case_file("Russian military police entered Daraa al-Balad only on 24 Aug 2021, day 61 of the siege "
                         "(The National), so the deal first on the table had no guarantor on the ground"))
    ground_guarantee_weight: float = param(
        0.3, assumption("the guarantor's military police on the ground close this share of the gap to a fully "
                        "credible guarantee for those who settle (Walter 1997: third-party enforcement makes "
                        "disarming safe; shared/PATTERNS.md, pattern 10)"), 0, 1, "share of the credibility gap")
    ground_guarantee_buffer: float = param(
        0.5, assumption("military police posted between the besieger's units and the district halve the commands' "
                        "breaches of a deal's ceasefire (pattern 10: communities bargained for them to keep out "
                        "the units they feared most; case file: Russia pledged to bar the 4th Division)"), 0, 1,
        "share of breaches prevented")


@dataclass
class NegotiationParams:
    """Factions' payoffs and the committee's rule (Fearon 1995; Powell 2006; Cunningham 2006)."""

    round_interval_days: int = param(
        4, assumption("talks met every few days (case file lists deals on 24 Jul, mid-Aug, 31 Aug, 5 Sep)"),
        1, 365, "days")
    value_hold: float = param(
        0.5, assumption("holding out leaves the district besieged, not free; worth half of autonomy "
                        "(autonomy = 1)"), -10, 10)
    value_fall: float = param(-0.6, assumption("the cost of the district falling by force"), -10, 10)
    value_settle: float = param(0.7, assumption("disarmed life under the besieger, honoured"), -10, 10)
    value_exile: float = param(
        -0.2, assumption("exile to the north is worse than an honoured settlement at home (case file: listed "
                         "men refused to leave)"), -10, 10)
    value_reneged: float = param(
        -0.3, assumption("arrest or assassination after disarming (Powell 2006; case file: 95 killed after "
                         "the 2021 deal)"), -10, 10)
    reprisal_fear: float = param(
        0.05, assumption("what a fighter who settles fears beyond a broken guarantee: detention of military-age "
                        "men and conscription (shared/PATTERNS.md, pattern 13), in the units of the values above"),
        0, 10)
    family_exile_bonus: float = param(
        0.15, assumption("leaving with one's family and a personal rifle, as a settle-or-leave deal or a full exit "
                         "allows, is worth more than being expelled alone as a listed man (shared/PATTERNS.md, "
                         "pattern 3; case file: 3 of Daraa's 53 evacuees left with families, Homs's fighters left "
                         "with relatives, Eastern Ghouta's with their families)"), 0, 10)
    exile_resolve_weight: float = param(
        0.5, assumption("how much a fighter's resolve above the scale's middle favours leaving over settling "
                        "under a settle-or-leave deal (those who refuse to surrender their cause leave)"), 0, 10)
    exile_hardliner_bonus: float = param(
        0.2, assumption("how much more a hardliner (the 'wanted', Stedman's spoilers) prefers leaving to "
                        "settling: they have most to fear from staying"), 0, 10)
    choice_temperature: float = param(
        0.1, assumption("noise in each fighter's choice to settle or to leave (logit scale), as the factions' "
                        "own temperature"), 0.001, 10)
    handover_cost: float = param(0.03, assumption("cost per step of the weapons-handover scale"), 0, 5)
    entry_cost: float = param(0.06, assumption("cost of besieger checkpoints inside"), 0, 5)
    hardship_cost: float = param(0.5, assumption("weight of supply hardship in fighting on"), 0, 10)
    hardship_adaptation: float = param(
        1.0, assumption("share of the hardship a long low-intensity phase left that the community has adapted "
                        "to, so that only hardship beyond it weighs in fighting on: enclaves lived for years at a "
                        "grim supply equilibrium without giving in (shared/PATTERNS.md, patterns 5 and 6); "
                        "reference dependence (Kahneman & Tversky 1979)"), 0, 1, "share of the starting hardship")
    casualty_cost: float = param(
        0.15, assumption("weight of own losses per 10% of the faction killed or wounded"), 0, 10)
    civilian_cost: float = param(
        0.01, assumption("weight of civilians killed or injured per 1,000 residents: a community weighs the "
                         "share of its people hurt, so a large enclave does not give in at once. Bounded by Eastern "
                         "Ghouta (case file): its fighters held out 55 days while at least 1,600 of 395,000 were "
                         "killed (4 per 1,000, about 16 harmed with the injured); at the earlier 0.04 that harm alone "
                         "would outweigh the whole gap between holding out and a deal within two weeks"),
        0, 10, "per harmed per 1,000 residents")
    weariness_cost: float = param(
        0.1, assumption("holding cost per month of siege (war of attrition; Zartman 2000 hurting "
                        "stalemate)"), 0, 10)
    resolve_weight: float = param(0.6, assumption("value of fighting on from resolve itself"), 0, 10)
    temperature: float = param(
        0.08, assumption("noise in factions' choices (logit scale)"), 0.001, 10)
    majority: float = param(
        0.5, assumption("the committee needs a majority of fighters' weight"), 0, 1)
    veto_min_share: float = param(
        0.2, assumption("a hardline faction this large can veto (Cunningham 2006)"), 0, 1)
    hardline_majority: float = param(
        0.5, assumption("a faction is hardline, and may veto, when more than half its fighting members are "
                        "hardliners"), 0, 1, "share of its fighting members")
    reason_takeover_belief: float = param(
        0.5, assumption("a yes vote is put down to an expected fall when the takeover belief is at least "
                        "even (a label in the event table; it decides no vote)"), 0, 1)
    reason_guarantee_gap: float = param(
        0.3, assumption("a no vote is put down to the guarantee when an honoured settlement beats reneging "
                        "by this much times the doubt (1 - credibility) (a label; it decides no vote)"), 0, 20)
    reason_exile_share: float = param(
        0.3, assumption("a no vote is otherwise put down to the expulsion demand when the faction expects "
                        "at least this share of it on the list (a label; it decides no vote)"), 0, 1)
    spoil_threshold: float = param(
        0.35, assumption("an outvoted faction this far below indifference spoils implementation "
                         "(Stedman 1997)"), 0, 10)
    preemptive_threshold: float = param(
        0.8, assumption("the belief in a takeover at which a faction strikes first; the article reports "
                        "rebels struck 'to prevent an impending takeover', not at what belief"),
        0, 1)
    strike_probability: float = param(
        0.2, assumption("a faction expecting a takeover strikes first on about one day in five"), 0, 1, "per day")
    raid_share: float = param(
        0.3, assumption("a pre-emptive strike commits about a third of the faction's fighting members"), 0, 1,
        "share of the faction")


@dataclass
class ImplementationParams:
    """Convoys, settlement and breakdowns (MECHANISMS E.22)."""

    buses_per_convoy: int = param(
        2, article("'About 50 fighters and civilians left in green buses last week'"), 0, 1000, "buses")
    seats_per_bus: int = param(
        50, literature("MECHANISMS E.22: a bus carries about 50"), 1, 200, "seats")
    convoys_per_week: float = param(
        2.0, Source(SourceKind.CASE_FILE, "case file: two batches on 24-25 and 26 Aug 2021"), 0, 50)
    family_seat_share: float = param(
        0.15, Source(SourceKind.CASE_FILE, "case file: 'some family members accompanied' (3 of 53 with "
                     "families, SOHR): the share of a named list's seats relatives take"), 0, 0.95)
    families_seat_share: float = param(
        0.72, Source(SourceKind.CASE_FILE, "case file (derived): Douma 2018, 3,354 fighters and 8,642 relatives "
                     "(Russian MoD), 2.6 relatives a fighter: the share of the seats relatives take where "
                     "fighters leave with their families (settle-or-leave, full exit; shared/PATTERNS.md, "
                     "pattern 3)"), 0, 0.95)
    list_hardliner_weight: float = param(
        3.0, assumption(f"a hardliner is four times as likely as a moderate of the same resolve to be named on "
                        f"the list (weight 1 + 3), after the regime's list of 'wanted' men ({CASES})"), 0, 100)
    list_resolve_offset: float = param(
        0.5, assumption("the list weight grows with resolve as (offset + resolve): the most resolute are named "
                        "three times as often as the least at offset 0.5"), 0, 10)
    settle_rate: float = param(
        0.2, assumption("share of remaining fighters settling status per day once a deal holds (~900 within "
                        "days, case file)"), 0, 1, "per day")
    refusal_base: float = param(
        0.05, Source(SourceKind.CASE_FILE, "case file: 2 of 10 listed men refused to leave in Aug 2021"), 0, 1)
    refusal_resolve_slope: float = param(
        2.0, assumption("refusal to board rises with resolve as 1 + slope (resolve - 0.5): none at resolve 0, "
                        "twice the base at full resolve"), 0, 100)
    refusal_credibility_offset: float = param(
        1.5, assumption("refusal scales with (offset - credibility): the base rate at credibility 0.5, half "
                        "of it under a fully credible guarantee, 1.5 times it under none"), 1, 10)
    refusal_breakdown_probability: float = param(
        0.5, assumption("half the convoys with refusers stall the deal (Daraa Aug 2021: 2 of 10 refused and "
                        "the deal crumbled, case file)"), 0, 1)
    suspension_days: int = param(
        3, Source(SourceKind.CASE_FILE, "case file: Aleppo convoys halted 16 Dec, resumed 18 Dec"), 0, 365,
        "days")
    collapse_probability: float = param(
        0.6, Source(SourceKind.CASE_FILE, "case file (derived): of five breakdowns recorded, three ended the deal "
                    "(Daraa 2021: the 24/25 Jul deal breached, the Aug deal crumbled, the 31 Aug deal collapsed) "
                    "and two were suspensions that resumed (East Aleppo 16-18 Dec 2016; Homs May 2014, delayed "
                    "over the aid to Nubl and Zahraa): 3/5"), 0, 1)
    spoiler_hazard: float = param(
        0.05, assumption("daily chance a spoiling faction attacks (Stedman 1997)"), 0, 1, "per day")
    completion_settled_share: float = param(
        0.8, assumption("the besieger enters once most remaining fighters have settled"), 0, 1)


@dataclass
class BeliefParams:
    """Beta beliefs about the besieger's chance of taking the district by force (Smith & Stam 2004)."""

    rebel_prior_alpha: float = param(
        1.0, assumption("rebels start optimistic, expecting about one probe in six to take a cell (mutual "
                        "optimism, Smith & Stam 2004)"), 0.01, 1000)
    rebel_prior_beta: float = param(5.0, assumption("see rebel_prior_alpha"), 0.01, 1000)
    besieger_prior_alpha: float = param(
        3.0, assumption("the besieger and mediator expect about three probes in eight to succeed"), 0.01, 1000)
    besieger_prior_beta: float = param(5.0, assumption("see besieger_prior_alpha"), 0.01, 1000)
    learning_rate: float = param(
        1.0, assumption("pseudo-observations per probe won or held"), 0, 100)
    planning_horizon_days: float = param(
        30.0, assumption("sides weigh the coming month"), 1, 3650, "days")
    campaign_horizon_days: float = param(
        56.0, assumption("the mediator (or, with none, the besieger's command) judges whether force alone "
                         "would take the enclave over the length of a decisive campaign, not the coming "
                         "month: decisive phases last roughly 2 to 8 weeks (shared/PATTERNS.md, pattern 5; "
                         "the case file's longest, Eastern Ghouta's, 55 days), so its hardening and "
                         "storming thresholds are reachable at an offensive's recorded pace"),
        1, 3650, "days")
    anticipation: float = param(
        0.25, assumption("weight sides give to the mediator approving the next rung within the horizon "
                         "(Schelling 1966)"), 0, 1)
    signal_bias_offset: float = param(
        1.5, assumption("a faction counts a cell taken as (offset - its mean resolve) signals: resolute "
                        "factions discount bad news, and one at resolve offset - 1 (0.5) reads it as it is"),
        1, 10)
    forgetting: float = param(0.97, assumption("daily discount on old evidence"), 0.5, 1)

@dataclass
class OutcomeParams:
    """When a run ends and how it is classed (docs/ODD.md, section 7.9)."""

    takeover_control_share: float = param(
        0.1, assumption("the district has fallen when the enclave is a tenth of the grid; the sides' "
                        "takeover beliefs count the cells still to take down to it"), 0, 1, "share of cells")
    min_fighting_share: float = param(
        0.05, assumption("the fighters are exhausted when fewer than 5% of them can still fight"), 0, 1,
        "share of the initial fighters")
    full_evacuation_share: float = param(
        0.6, assumption("a deal that buses out most of the surviving fighters (60%) is a full evacuation"),
        0, 1, "share of surviving fighters")
    partial_evacuation_share: float = param(
        0.05, assumption("a deal that buses out at least 5% of the fighters is a partial evacuation (Daraa's "
                         "53-61 of ~400, case file, are well above it)"), 0, 1, "share of the initial fighters")



@dataclass
class CaseMappingParams:
    """How a case's facts become parameters (sim/cases.py; docs/ODD.md, section 6.3): one value per
    level of each qualitative fact, and what is assumed where a case gives no figure. Chosen so that
    the Daraa 2021 case gives the article's values."""

    external_constraint_none: float = param(
        0.0, assumption("no outside power, border or talks make escalation costly: no constraint"), 0, 1)
    external_constraint_low: float = param(
        0.3, assumption("a LOW outside constraint is the generic one (mediator.external_constraint)"), 0, 1)
    external_constraint_medium: float = param(
        0.6, assumption("a MEDIUM outside constraint is twice a LOW one"), 0, 1)
    external_constraint_high: float = param(
        0.9, assumption("a HIGH outside constraint, as at Daraa 2021 (Jordan and Israel next door, article), "
                        "is near the top of the scale"), 0, 1)
    image_weight_none: float = param(
        0.0, assumption("a mediator with no concern for its image gives it no weight"), 0, 1)
    image_weight_low: float = param(0.1, assumption("a LOW image concern is half the generic one"), 0, 1)
    image_weight_medium: float = param(
        0.2, assumption("a MEDIUM image concern is the generic one (mediator.image_weight)"), 0, 1)
    image_weight_high: float = param(
        0.4, assumption("a HIGH image concern, as at Daraa 2021 (a peacemaker image and reconstruction "
                        "funds, article), is twice the generic one"), 0, 1)
    credibility_none: float = param(
        0.1, assumption("no trust in the guarantor still leaves a small chance its guarantee holds"), 0, 1)
    credibility_low: float = param(
        0.35, assumption("LOW trust, as at Daraa 2021 (the 2018 peace 'marred by numerous assassinations', "
                         "article): well below even"), 0, 1)
    credibility_medium: float = param(
        0.5, assumption("MEDIUM trust is neutral (mediator.initial_credibility)"), 0, 1)
    credibility_high: float = param(
        0.7, assumption("HIGH trust: the guarantee is expected to hold more often than not"), 0, 1)
    second_front_losses: float = param(
        0.15, assumption("opposition towns outside joining the fight (Daraa 2021, article) cost the besieger "
                         "about one soldier a week"), 0, 1000, "besieger killed/day")
    troops_per_fighter: float = param(
        5.0, assumption("when no besieger count is known, five troops per fighter (Daraa's 2,000 : 400)"),
        0.01, 1000, "troops per fighter")
    militia_share: float = param(
        0.25, assumption("when a case gives no militia share, a quarter of the besieging force is militia "
                         "(the share assumed for Daraa 2021)"), 0, 1, "share of troops")
    bus_weeks_for_demand: float = param(
        2.0, assumption("when no bus count is known, convoys are sized to move the demanded fighters in two "
                        "weeks"), 0.1, 520, "weeks")
    min_buses_per_convoy: int = param(
        2, assumption("a convoy sized from the demand has at least Daraa 2021's two buses (article)"), 0, 1000,
        "buses")
    default_convoys_per_week: float = param(
        2.0, assumption("the bus sizing of a case that gives no convoy rate assumes Daraa's two batches a "
                        "week (case file)"), 0.01, 50, "convoys per week")
    full_exit_demand: float = param(
        0.95, assumption("a case file that names no deal template but demands (nearly) every fighter leave "
                         "describes the exit of all organised fighters (shared case file: Homs, East Aleppo "
                         "'~1.0 of fighters'); below it, a named list"), 0, 1, "share of fighters")
    supply_days_at_siege_start: float = param(
        40.0, assumption("stocks for about six weeks when a siege begins, as district.initial_supply_days"),
        0, 1000, "days of need")


@dataclass
class ModelParams:
    """Everything one replicate needs."""

    horizon_days: int = param(120, specification("issue 2: up to 120 days"), 1, 3650, "days")
    start_date: str = param("2021-06-24", case_file("daraa start_date (day 0)"))
    fighters: FighterParams = field(default_factory=FighterParams)
    civilians: CivilianParams = field(default_factory=CivilianParams)
    district: DistrictParams = field(default_factory=DistrictParams)
    besieger: BesiegerParams = field(default_factory=BesiegerParams)
    combat: CombatParams = field(default_factory=CombatParams)
    mediator: MediatorParams = field(default_factory=MediatorParams)
    terms: TermsParams = field(default_factory=TermsParams)
    negotiation: NegotiationParams = field(default_factory=NegotiationParams)
    implementation: ImplementationParams = field(default_factory=ImplementationParams)
    beliefs: BeliefParams = field(default_factory=BeliefParams)
    outcome: OutcomeParams = field(default_factory=OutcomeParams)
    mapping: CaseMappingParams = field(default_factory=CaseMappingParams)


def iter_leaves(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any, dataclasses.Field]]:
    """Yield (dotted path, value, field) for every leaf parameter of a params dataclass."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        path = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            yield from iter_leaves(value, path + ".")
        else:
            yield path, value, f


def source_of(f: dataclasses.Field) -> Source:
    """The typed source of a leaf parameter's default."""
    return f.metadata["source"]


def _is_numeric(value: Any) -> bool:
    """A number a design or a fit can vary: not a flag, not an enum (IntEnums are ints), not unset."""
    return isinstance(value, (int, float)) and not isinstance(value, (bool, Enum))


def assumption_paths(params: ModelParams | None = None) -> list[str]:
    """Dotted paths of the numeric leaves whose default is an assumption (of `ModelParams()` when
    `params` is None): what calibration may fit and a sensitivity analysis should vary."""
    return [path for path, value, f in iter_leaves(params if params is not None else ModelParams())
            if _is_numeric(value) and source_of(f).kind == SourceKind.ASSUMPTION]


def with_values(params: Any, values: dict[str, Any]) -> Any:
    """A copy of a params dataclass with some leaves replaced, by dotted path ('mediator.impatience')."""
    for path, value in values.items():
        head, _, rest = path.partition(".")
        if not any(f.name == head for f in dataclasses.fields(params)):
            raise ParameterError(path, value, "a parameter of the model")
        if rest:
            value = with_values(getattr(params, head), {rest: value})
        params = dataclasses.replace(params, **{head: value})
    return params


def value_at(params: Any, path: str) -> Any:
    """The value of a leaf (or section) of a params dataclass, by dotted path."""
    for part in path.split("."):
        if not dataclasses.is_dataclass(params) or not any(f.name == part for f in dataclasses.fields(params)):
            raise ParameterError(path, None, "a parameter of the model")
        params = getattr(params, part)
    return params


def _check_leaf(path: str, value: Any, f: dataclasses.Field, expected: Any) -> None:
    lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
    if value is None:
        return
    if isinstance(expected, type) and issubclass(expected, Enum):
        if not isinstance(value, expected):
            raise ParameterError(path, value, "one of " + ", ".join(m.name for m in expected))
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise ParameterError(path, value, "a finite number")
    if lo is not None and hi is not None and not (lo <= value <= hi):
        raise ParameterError(path, value, f"a value in [{lo}, {hi}]")


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(key: str, value: Any, horizon_days: int = 0) -> date:
    """The calendar date a `YYYY-MM-DD` string names; raise ParameterError naming `key` otherwise, or
    when the date `horizon_days` later is past the calendar's end (the daily table dates every day).
    Only this one form: Python's own parser also takes `20210624` and `2021-W25-4`."""
    allowed = "an ISO date YYYY-MM-DD that exists in the calendar, such as 2021-06-24"
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise ParameterError(key, value, allowed)
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise ParameterError(key, value, f"{allowed} ({exc})") from None
    if (date.max - day).days < horizon_days:
        raise ParameterError(key, value, f"a date at least horizon_days ({horizon_days}) before {date.max}, "
                                         "the last date the daily table can hold")
    return day


def validate(params: ModelParams) -> ModelParams:
    """Check ranges and cross-field consistency; raise ParameterError on the first problem. The case
    mapping's constants come first, so that a mapped value out of range is blamed on its cause."""
    for path, value, f in sorted(iter_leaves(params), key=lambda leaf: not leaf[0].startswith("mapping.")):
        _check_leaf(path, value, f, f.type if not isinstance(f.type, str) else _resolve_type(f))
    iso_date("start_date", params.start_date, params.horizon_days)
    fp, tp, dp = params.fighters, params.terms, params.district
    if tp.expulsion_list is not None and tp.expulsion_list > fp.count:
        raise ParameterError("terms.expulsion_list", tp.expulsion_list,
                             f"at most fighters.count ({fp.count}): cannot expel more fighters than there are")
    if fp.factions > fp.count:
        raise ParameterError("fighters.factions", fp.factions,
                             f"at most fighters.count ({fp.count}): every faction needs a fighter")
    if dp.evacuation_point_row >= dp.grid_height:
        raise ParameterError("district.evacuation_point_row", dp.evacuation_point_row,
                             f"a row below district.grid_height ({dp.grid_height})")
    if params.besieger.army_strength + params.besieger.militia_strength <= 0:
        raise ParameterError("besieger.army_strength", params.besieger.army_strength,
                             "army_strength + militia_strength must be positive")
    return params


def _resolve_type(f: dataclasses.Field) -> Any:
    """Map a string annotation (from `from __future__ import annotations`) to the enum it names."""
    names = {"AirCover": AirCover, "Escalation": Escalation, "WeaponsHandover": WeaponsHandover,
             "DealTemplate": DealTemplate}
    return names.get(f.type, f.type)


def provenance_table(params: ModelParams) -> list[dict[str, Any]]:
    """One row per leaf parameter: path, value, unit, allowed range, provenance of the default and its kind."""
    rows = []
    for path, value, f in iter_leaves(params):
        rows.append({"parameter": path,
                     "value": value.name if isinstance(value, Enum) else value,
                     "default": _default_of(f),
                     "unit": f.metadata.get("unit", ""),
                     "range": _range_text(f),
                     "provenance": f.metadata.get("provenance", ""),
                     "source_kind": source_of(f).kind.name.lower()})
    return rows


def _default_of(f: dataclasses.Field) -> Any:
    value = f.default
    return value.name if isinstance(value, Enum) else value


def _range_text(f: dataclasses.Field) -> str:
    lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
    return "" if lo is None else f"[{lo}, {hi}]"
