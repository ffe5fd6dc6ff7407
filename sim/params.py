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
          unit: str = "", *, meaning: str = "") -> Any:
    """A dataclass field carrying its allowed range, unit and source (and the source's text as provenance),
    and its meaning: what the number is and what raising it does, in plain words for an analyst (the
    provenance says why the default has its value; experiments/catalogue.py lists both)."""
    return field(default=default, metadata={"lo": lo, "hi": hi, "unit": unit, "meaning": meaning,
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
        400, article("'most of the 400 or so rebels in Daraa Al Balad'"), 1, 100_000, "fighters",
        meaning="How many armed rebels are inside the enclave on day 0; more fighters hold cells better against "
                "ground attacks, and a named list of the same share is longer to bus out.")
    factions: int = param(
        4, assumption("Daraa al-Balad's rebels were a handful of local groups (shared/MODEL_BRIEF.md: 'a handful of "
                      "local factions'); no count in the sources"), 1, 20,
        meaning="How many rebel factions share the fighters, each with its own leader, belief and vote in the "
                "negotiating committee; more factions make each one smaller and the vote more fragmented.")
    faction_size_concentration: float = param(
        4.0, assumption("factions of uneven but comparable size: their shares of the fighters are "
                        "Dirichlet(c, ..., c), c = 4"), 0.01, 1000,
        meaning="How even the factions' sizes are (the concentration of the Dirichlet draw of their shares): a large "
                "value makes the factions nearly equal, a small one lets one or two dominate.")
    hardliner_share: float = param(
        0.25, assumption(f"the ~100 'wanted' men the regime named ({CASES}, daraa regime_demand) out of ~400 "
                         "are the hard core"), 0, 1,
        meaning="The average share of fighters who are hardliners (the 'wanted' hard core), who have more resolve, "
                "are named on the expulsion list more often and, as a faction's majority, give it a veto; raising it "
                "makes deals harder.")
    resolve_mean: float = param(
        0.55, assumption("mid-scale resolve, calibrated so that most rebels reject the first offer for about "
                         f"a month ({ARTICLE})"), 0, 1,
        meaning="The fighters' average resolve on a 0-1 scale, their will to fight on whatever it costs; raising it "
                "makes them value fighting on more, defect less and reject offers for longer.")
    resolve_sd: float = param(
        0.15, assumption("moderate spread of resolve within factions"), 0, 0.5,
        meaning="How much resolve varies from fighter to fighter (standard deviation on the 0-1 scale); raising it "
                "gives more very resolute and more wavering fighters.")
    hardliner_concentration: float = param(
        2.0, assumption("hardliners cluster in some factions: a faction's hardliner propensity is the share "
                        "times B / E[B], B ~ Beta(c, c), c = 2 (a broad spread around the share)"), 0.01, 1000,
        meaning="How evenly hardliners spread across the factions (the concentration of the Beta draw of each "
                "faction's hardliner propensity): a small value clusters them in a few factions, which may then be "
                "hardline and hold a veto; a large value spreads them evenly.")
    hardliner_resolve_shift: float = param(
        0.25, assumption("hardliners hold more resolve (Stedman 1997 on spoilers)"), 0, 1,
        meaning="How much more resolve, on the 0-1 scale, a hardliner has than a moderate drawn alike; raising it "
                "makes hardliners harder to bring to a deal.")
    frontline_share: float = param(
        0.6, assumption("most fighters man the perimeter in urban defence"), 0, 1,
        meaning="The share of fighters posted in the perimeter's frontier cells at the start, the rest in interior "
                "cells; raising it puts more defenders where ground attacks and the heaviest shelling land.")
    defection_base_rate: float = param(
        0.002, assumption("individual surrender ('settling status') is rare before a deal; ~900 settled only "
                          f"after the deal ({CASES}, daraa deal_terms)"), 0, 1, "per fighter-day",
        meaning="The daily chance, per fighter, that a fighter quits and settles with the besieger on his own during "
                "the siege when the pressure on him equals his resolve; raising it thins the ranks before any deal.")
    defection_sensitivity: float = param(
        3.0, assumption("the defection hazard grows e-fold for each third of a unit by which pressure "
                        "(hardship plus the faction's takeover belief) exceeds a fighter's resolve "
                        "(concession hazard, MECHANISMS A.6)"), 0, 100,
        meaning="How sharply lone defection grows as the pressure on a fighter (hardship plus his faction's belief in "
                "a takeover) exceeds his resolve; raising it makes defection surge under pressure and all but stop "
                "without it.")

    wounded_recovery_rate: float = param(
        0.05, assumption("a wounded fighter returns to the line after about three weeks"), 0, 1, "per day",
        meaning="The daily chance that a wounded fighter recovers and returns to the line (0.05 a day is about three "
                "weeks on average); raising it keeps more defenders in the fight.")

@dataclass
class CivilianParams:
    """Civilians as counts on the district grid."""

    count: int = param(
        10_000, assumption(f"generic enclave of 'thousands of civilians' ({ARTICLE}); scenarios set their own "
                           "figure"), 0, 10_000_000, "people",
        meaning="How many civilians live in the enclave on day 0, spread over the grid's cells; more civilians mean "
                "more people exposed to shelling and a larger daily need for supplies.")
    injured_per_killed: float = param(
        3.0, assumption("a common 3:1 injured-to-killed ratio for explosive weapons in towns"), 0, 20,
        meaning="How many civilians are injured for each one killed by shelling or crossfire; raising it raises the "
                "injured count, and with it the civilian harm the fighters weigh.")
    corridor: Corridor = param(
        Corridor.OPEN, case_file("OCHA registered 38,600 displaced from Daraa al-Balad, so civilians could leave"),
        meaning="Whether civilians can leave for besieger-held areas: OPEN freely, RESTRICTED only through pauses and "
                "checkpoints on the besieger's terms (a small share of an open corridor's flight), CLOSED not at all; "
                "closing it keeps more people under the bombardment.")
    restricted_flight_share: float = param(
        0.03, case_file("(derived by simulation) Eastern Ghouta 2018, whose corridors opened only in daily "
                        "five-hour pauses under one of the war's heaviest bombardments: about 80,000 of 395,000 "
                        "left through them by early April, some 36 days, about 0.6% a day; 0.03 gives 0.54-0.63% "
                        "a day in the model's Eastern Ghouta (10-90%, 40 replicates, seed 20210624), where an "
                        "open corridor under the same shelling would let out about 20% a day"),
        0, 1, "share of the open corridor's daily flight",
        meaning="Under a RESTRICTED corridor, the share of the daily flight an open corridor would allow that "
                "actually gets out; raising it lets more civilians escape through the pauses.")
    flight_intercept: float = param(
        -3.7, Source(SourceKind.CASE_FILE, "case file: OCHA registered 38,600 displaced from ~40,000-50,000 in "
                     "75 days, ~2% a day; the intercept gives 1.96-2.16% a day in the model's Daraa (10-90%, 60 "
                     "replicates, seed 20210624), about 1.8% on a quiet day"), -20, 20,
        meaning="The baseline of the civilians' daily flight (the intercept of its logit) on a day with no hardship, "
                "no shelling and no journey risk; raising it makes more people leave every day.")
    flight_hardship: float = param(
        2.0, assumption("hardship drives flight (MECHANISMS E.23)"), 0, 20,
        meaning="How strongly supply hardship (0 none to 1 total) drives civilians to flee (a weight on the logit "
                "scale); raising it makes hunger empty the enclave faster.")
    flight_shelling: float = param(
        0.375, assumption("the danger a resident runs drives flight (Davenport, Moore & Poe 2003): the shells "
                          "on a resident's cell, not per resident, since a crowd does not make a shell less "
                          "deadly; 0.375 is the former 1.5 per shell per 100 residents at Daraa's 400 residents "
                          "a cell"), 0, 20, "per shell per cell",
        meaning="How strongly the shells landing on a resident's own cell that day drive flight (a weight on the "
                "logit scale per shell, up to flight_shelling_cap); raising it makes bombardment empty the enclave "
                "faster.")
    flight_journey_risk: float = param(
        1.0, assumption("checkpoint detention deters flight (MECHANISMS D.19, Todman 2017)"), 0, 20,
        meaning="How strongly the risk of the journey out (civilians.journey_risk) deters flight (a weight on the "
                "logit scale); raising it keeps more people inside.")
    flight_shelling_cap: float = param(
        40.0, assumption("above 40 shells a day on a cell more shelling drives no more flight (the logit "
                         "saturates where people already run; the former ten per 100 residents at Daraa's 400 "
                         "a cell)"), 0, 1000, "shells per cell",
        meaning="The shells a day on a cell above which more shelling drives no more flight (where the flight "
                "response saturates); raising it lets the heaviest bombardment push still more people out.")
    journey_risk: float = param(
        0.3, assumption("moderate risk at regime checkpoints"), 0, 1,
        meaning="How dangerous leaving is, on a 0-1 scale: detention and violence at the besieger's checkpoints; "
                "raising it keeps more civilians inside.")
    starvation_mortality: float = param(
        2e-5, assumption("small deaths from deprivation at full hardship (MECHANISMS D.19)"), 0, 0.01,
        "per person-day",
        meaning="The daily chance that a civilian dies of deprivation at total hardship (scaled down with hardship), "
                "per person-day; raising it adds starvation deaths once stocks run out.")


@dataclass
class DistrictParams:
    """The district grid, its supplies and shelter."""

    grid_width: int = param(
        10, assumption("< 2 km2 besieged area (case file, CCSD) in ~130 m cells"), 2, 60, "cells",
        meaning="The width of the district's grid, in cells of about 130 m; with grid_height it sets how many cells "
                "the besieger must take, and so how long a takeover by force takes.")
    grid_height: int = param(
        10, assumption("see grid_width"), 2, 60, "cells",
        meaning="The height of the district's grid, in cells of about 130 m; with grid_width it sets the enclave's "
                "size, and the crossing (evacuation_point_row) must lie in one of its rows.")
    housing_density_shape: float = param(
        4.0, assumption("uneven housing: each cell's share of the civilians is proportional to a Gamma(k, 1) "
                        "density, k = 4 (most cells between half and twice the mean)"), 0.01, 1000,
        meaning="How evenly the civilians are spread over the cells (the shape of the Gamma draw of each cell's "
                "housing density): a large value gives nearly equal cells, a small one crowds people into a few "
                "blocks.")
    initial_supply_days: float = param(
        40.0, assumption("stocks for about six weeks at the start of a tight siege"), 0, 1000, "days of need",
        meaning="The food and other stocks inside on day 0, in days of the whole population's need; more stock delays "
                "hardship.")
    resupply_share: float = param(
        0.6, assumption("smuggling and occasional aid cover most of daily need; the Saraya crossing was only "
                        "partly closed (case file)"), 0, 2, "share of daily need",
        meaning="What smuggling and occasional aid bring in every day, as a share of the starting population's daily "
                "need, whatever the fighting; raising it keeps stocks up and hardship down.")
    scarcity_leakage: float = param(
        0.8, assumption("at total hardship smuggling, tunnels, farming and aid bring in another 80% of daily "
                        "need: with the 0.6 resupply stocks settle at hardship 0.5, chronic but not total "
                        "(shared/PATTERNS.md, pattern 6: a grim equilibrium, not zero)"), 0, 10, "share of daily need",
        meaning="The extra supplies that scarcity itself draws in (smuggling, tunnels, farming, aid) at total "
                "hardship, as a share of daily need, less as hardship eases; raising it makes a long siege settle at "
                "a milder hardship.")
    hardship_buffer_days: float = param(
        20.0, assumption("hardship starts when stocks fall below about three weeks of need and is total when "
                         "they are gone (MECHANISMS D.19)"), 1, 1000, "days of need",
        meaning="The stock, in days of need, below which hardship begins; it then rises in step to total when the "
                "stocks are gone, so raising it makes hardship set in earlier.")
    shelter: float = param(
        0.85, assumption("undamaged masonry shelters most residents from area fire"), 0, 1,
        meaning="The share of area fire that undamaged buildings keep off the people inside them (0 none, 1 full "
                "protection), less as buildings are damaged; raising it lowers civilian and fighter harm from "
                "shelling.")
    damage_per_shell: float = param(
        0.004, assumption("a cell is badly damaged after a few hundred shells"), 0, 1, "per shell",
        meaning="How much of a cell's remaining shelter each shell landing on it destroys (damage is never repaired); "
                "raising it strips shelter faster, so later shelling hurts more.")
    evacuation_point_row: int = param(
        0, assumption("the crossing sits on the grid's north edge (al-Saraya crossing, case file)"), 0, 59,
        meaning="The grid row (0 is the north edge) where the crossing out of the district lies; only the report's "
                "map shows it, and the simulation does not use it.")


@dataclass
class BesiegerParams:
    """Army and Iran-backed militia around the perimeter."""

    army_strength: int = param(
        1500, assumption(f"several army battalions (4th and 9th Divisions, {CASES}) committed to the "
                         "perimeter"), 0, 1_000_000, "troops",
        meaning="The regular army troops committed to the siege; with the militia they make the force that attacks, "
                "so more troops make ground attacks stronger and the siege harder to break by losses.")
    militia_strength: int = param(
        500, assumption(f"Iran-backed militia alongside the army ({ARTICLE}: 'Shiite militia supported by "
                        "Iran')"), 0, 1_000_000, "troops",
        meaning="The militia troops (Iran-backed) beside the army; they attack with the army and form the less "
                "restrained command, which breaks ceilings and ceasefires more often.")
    storm_confidence: float = param(
        0.6, assumption("with no mediator, the besieger offers no terms while it expects to take the district "
                        "by force with at least this chance: a quick takeover is cheaper than a deal "
                        "(PATTERNS 2: takeover where no mediator offers terms and force is overwhelming)"),
        0, 1, "takeover probability",
        meaning="With no mediator present, the besieger's own belief in a takeover (a probability) at or above which "
                "it offers no terms and storms instead; raising it makes a besieger without a mediator keep talking "
                "for longer.")
    army_restraint: float = param(
        0.85, assumption("the army obeys the mediator's ceiling"), 0, 1,
        meaning="How well the army keeps to the mediator's limits, from 0 (not at all) to 1 (always): it never "
                "exceeds the approved ceiling in the siege, and its chance of breaking a deal's ceasefire falls as "
                "restraint rises.")
    militia_restraint: float = param(
        0.5, assumption("the militia is less restrained (brief section 3; Stedman 1997)"), 0, 1,
        meaning="How well the militia keeps to the mediator's limits, from 0 (not at all) to 1 (always); lower "
                "restraint means it more often goes a rung above the approved ceiling in the siege and breaks "
                "ceasefires during a deal.")
    militia_violation_hazard: float = param(
        0.03, assumption("a command at restraint 0.5 (the militia's default) breaks a pause about once a "
                         "month; case file lists breached deals; scaled by (1 - restraint)/0.5 for each "
                         "command"), 0, 1, "per day",
        meaning="The daily chance that a command of restraint 0.5 breaks the mediator's limits (each command's chance "
                "is scaled by its own restraint); raising it makes ceiling breaches and ceasefire violations, and so "
                "deal breakdowns, more frequent.")
    shells_per_day: float = param(
        60.0, assumption(f"sustained artillery and rocket fire ({ARTICLE}: 'three days of shelling')"),
        0, 100_000, "shells/day",
        meaning="The average number of shells a day in a shelling campaign (SHELLING and higher rungs), before the "
                "assault and air multipliers; raising it raises civilian and fighter harm and building damage.")
    assault_shelling_multiplier: float = param(
        1.5, assumption("a full assault brings half as many shells again as a shelling campaign"), 1, 20,
        meaning="How many times a shelling campaign's daily shells are fired on days of a full assault (with or "
                "without air); raising it makes assault days deadlier.")
    violation_shelling_share: float = param(
        0.3, assumption("a command breaking a ceasefire fires a fraction of a campaign's shells"), 0, 1,
        "share of shells_per_day",
        meaning="The share of a campaign's daily shells that a command fires when it breaks a ceasefire during a "
                "deal; raising it makes violations deadlier.")
    probe_attacks_per_day: int = param(
        2, assumption(f"a couple of frontier pushes a day ({ARTICLE}: 'trying to advance on the ground')"),
        0, 100,
        meaning="How many ground attacks on frontier cells the besieger makes a day at the GROUND_PROBES rung; "
                "raising it takes cells faster and tells both sides more about the balance of force.")
    assault_attacks_per_day: int = param(
        2, Source(SourceKind.CASE_FILE, "case file (derived): East Aleppo's final offensive took about 95% of the "
                  "enclave in 37 days and Eastern Ghouta's ground push about three quarters in 47, about 2 "
                  "cells of a 100-cell enclave a day at an assault's near-certain success (docs/ODD.md, "
                  "section 9, item 19)"), 0, 1000,
        meaning="How many ground attacks on frontier cells the besieger makes a day at the full-assault rungs (with "
                "or without air); raising it takes the district faster once an assault is approved.")
    probe_force_share: float = param(
        0.02, assumption("a ground probe commits a platoon-sized share of the besieger"), 0, 1,
        meaning="The share of the besieger's troops committed to each ground probe; raising it makes probes likelier "
                "to take a cell and deadlier for the defenders.")
    assault_force_share: float = param(
        0.08, assumption("an assault attack commits a company-sized share of the besieger"), 0, 1,
        meaning="The share of the besieger's troops committed to each assault attack; raising it makes assaults "
                "likelier to take a cell and deadlier for the defenders.")
    loss_tolerance_share: float = param(
        0.075, assumption("the besieger lifts the siege after losing this share of its troops (150 of "
                          "Daraa's 2,000; Daraa saw 26-32 killed, case file, well below); a share so that "
                          "large forces tolerate proportionally more"), 0.0001, 1, "share of troops",
        meaning="The share of its initial troops the besieger can lose before it lifts the siege (the siege broken); "
                "raising it makes the besieger hold on despite heavier losses.")
    second_front_losses: float = param(
        0.0, assumption("no second front unless a scenario has one (Daraa 2021 does: see its scenario "
                        "file)"), 0, 1000, "besieger killed/day",
        meaning="The troops the besieger loses on average each siege day to opposition fighters attacking from "
                "outside the enclave (a second front); raising it brings a broken siege closer.")


@dataclass
class CombatParams:
    """Attrition and assault rules (Lanchester 1916; Deitchman 1962; Mearsheimer 1989)."""

    urban_defence_multiplier: float = param(
        1.6, assumption("defenders in built-up areas fight above their numbers (MECHANISMS C.14)"), 1, 20,
        meaning="How many attackers each defender in built-up terrain is worth (a multiplier on the defenders' "
                "strength and lethality); raising it makes cells harder to take and attacks costlier for the "
                "besieger.")
    required_force_ratio: float = param(
        3.0, literature("Mearsheimer 1989: attackers need about 3:1 locally"), 1, 20,
        meaning="The ratio of attackers to urban-weighted defenders at which a ground attack has an even chance of "
                "taking a cell (the 3:1 rule); raising it makes cells harder to take.")
    assault_steepness: float = param(
        2.0, assumption("logistic slope of the 3:1 rule"), 0.1, 20,
        meaning="How sharply an attack's chance of taking a cell rises with its force ratio around the even-chance "
                "point (the logistic slope); raising it makes strong attacks near certain and weak ones hopeless.")
    attacker_lethality: float = param(
        0.008, assumption("aimed-fire kill rate per attacker per attack (Lanchester square law)"), 0, 1,
        meaning="How many defenders each attacker hits per attack (aimed fire, divided by the urban multiplier); "
                "raising it makes ground attacks costlier for the rebels.")
    defender_lethality: float = param(
        0.03, assumption("aimed-fire kill rate per defender per attack (Lanchester square law)"), 0, 1,
        meaning="How many attackers each defender kills per attack (aimed fire, times the urban multiplier); raising "
                "it makes ground attacks costlier for the besieger.")
    shell_lethality: float = param(
        0.00009, assumption("chance a shell landing in a cell kills a given person in the open there "
                            "(Deitchman area fire)"), 0, 1, "per shell",
        meaning="The chance that one shell landing in a cell kills a given person in the open there (area fire); "
                "raising it raises every shelling death and injury.")
    fighter_exposure: float = param(
        5.0, assumption("fighters at their posts are five times more exposed to shelling than sheltering "
                        "civilians"), 0, 100,
        meaning="How many times more exposed to shelling a fighter at his post is than a sheltering civilian in the "
                "same cell; raising it makes shelling wear the fighters down faster.")
    fighter_shelter_share: float = param(
        0.5, assumption("fighters at their posts get half the shelter residents get"), 0, 1,
        "share of district.shelter",
        meaning="The share of the buildings' shelter (district.shelter) that fighters at their posts get; raising it "
                "protects fighters from shelling.")
    wounded_per_killed: float = param(
        2.0, assumption("combat wounded-to-killed ratio"), 0, 20,
        meaning="How many fighters are wounded for each one killed when hit (a hit fighter dies with chance 1/(1 + "
                "this), and always if already wounded); raising it turns more hits into wounds that can heal.")
    frontier_weight: float = param(
        3.0, assumption("a frontier cell draws three times the shells of an interior cell: the guns aim at "
                        "the front line"), 1, 100,
        meaning="How many times more shells a frontier cell draws than an interior cell; raising it concentrates the "
                "bombardment on the front line and spares the interior.")
    support_weight: float = param(
        0.5, assumption("fighters in enclave cells next to the attacked cell count half as defenders"), 0, 1,
        meaning="How much the fighters in enclave cells next to an attacked cell count as its defenders, as a share "
                "of a fighter in the cell itself; raising it makes manned neighbourhoods harder to take.")
    crossfire_rate: float = param(
        0.002, assumption("share of a cell's residents hurt in each ground attack on it (crossfire)"), 0, 1,
        "per resident per attack",
        meaning="The share of a cell's residents hurt in each ground attack on it (crossfire, multiplied by "
                "air_multiplier under an assault with air); raising it adds civilian harm from ground fighting, which "
                "also costs the mediator.")
    air_multiplier: float = param(
        3.0, assumption("air cover triples the strength of ground attacks (East Aleppo, Eastern Ghouta in "
                        "the case file)"), 1, 50,
        meaning="How many times air cover multiplies the strength, lethality and crossfire of a ground attack at the "
                "ASSAULT_WITH_AIR rung; raising it makes an assault with air take cells much faster.")
    air_bombardment_multiplier: float = param(
        8.0, Source(SourceKind.CASE_FILE, "case file: Eastern Ghouta 2018 lost >1,700 civilians of ~400,000 "
                    "in 55 days under air attack vs Daraa 2021 16-25 of ~45,000 in 75 days without: ~8x per "
                    "head per day (derived)"), 1, 100,
        meaning="How many times air strikes multiply the day's shells whenever air joins the bombardment (at the "
                "assault-with-air rung, or every siege day under GRANTED air cover); raising it raises civilian harm "
                "under air power.")


@dataclass
class MediatorParams:
    """The mediator (Russia): escalation ceiling, terms and guarantee (Kydd 2003; Schelling 1966)."""

    present: bool = param(
        True, Source(SourceKind.CASE_FILE, "case file mediator: Russia brokered every Daraa 2021 deal; a case "
                     "with no mediator offering terms sets it false (PATTERNS 2)"),
        meaning="Whether a third party (the mediator) puts terms on the table every round (true); false leaves the "
                "besieger alone, offering terms only while it doubts a quick takeover (besieger.storm_confidence) and "
                "storming otherwise.")
    air_cover: AirCover = param(
        AirCover.CONDITIONAL, assumption("by default the mediator decides air cover by its own cost rule"),
        meaning="Whether the mediator lets the besieger use air power: WITHHELD never, CONDITIONAL only when its own "
                "cost rule approves the assault-with-air rung, GRANTED on every siege day, an assault with air then "
                "costing it no more than a plain assault.")
    max_escalation: Escalation = param(
        Escalation.ASSAULT_WITH_AIR, assumption("no cap beyond the mediator's own cost rule; set lower for a "
                                                "mediator that never approves more than a given rung"),
        meaning="The highest rung of the escalation ladder (NONE, SHELLING, GROUND_PROBES, FULL_ASSAULT, "
                "ASSAULT_WITH_AIR) the mediator will ever approve, whatever its cost rule says; lowering it caps the "
                "besieger's force (the militia may still breach it by one rung).")
    external_constraint: float = param(
        0.3, assumption("generic weak outside constraint; scenarios set it"), 0, 1,
        meaning="How costly outside powers, borders and international talks make escalation for the mediator, from 0 "
                "(not at all) to 1 (very); raising it multiplies the cost of every rung, so force comes later and "
                "lower, and tempers how far its demands harden with the balance of power.")
    image_weight: float = param(
        0.2, assumption("weight on a peacemaker image"), 0, 1,
        meaning="How much the mediator cares about looking like a peacemaker, from 0 to 1; like the external "
                "constraint, raising it multiplies the cost of every rung of escalation, so it approves force later.")
    civilian_harm_weight: float = param(
        0.5, assumption("cost to the mediator of civilian deaths"), 0, 10, "per 10 deaths/week",
        meaning="How much the civilians killed in ground fighting over the last week add to the mediator's cost of "
                "approving ground operations, per 10 deaths a week; raising it makes recent civilian harm hold the "
                "mediator back from ground attacks and assaults.")
    impatience: float = param(
        0.01, assumption("pressure to escalate added by each rejected offer: rejections alone build pressure "
                         "slowly, so a decisive phase is launched by the siege's length or the collapse of talks "
                         "rather than by the first refusals (shared/PATTERNS.md, pattern 5; Daraa 2021's ground "
                         "offensive began on day 35, case file; the calibration fit to the four cases found 0.014)"),
        0, 5,
        meaning="The pressure to escalate that each rejected offer adds (as do a pre-emptive strike and a collapsed "
                "deal); raising it makes rejections push the mediator to approve force sooner.")
    siege_weariness: float = param(
        0.1, assumption("pressure to escalate added per 30 days of siege"), 0, 5,
        meaning="The pressure to escalate that each 30 days of siege adds; raising it makes a long siege push the "
                "mediator to approve ground operations and assaults sooner.")
    initial_credibility: float = param(
        0.5, assumption("neutral trust in the guarantee"), 0, 1,
        meaning="How far the rebels trust, at the start, the mediator's guarantee that those who disarm and settle "
                "will not be arrested or killed, from 0 (not at all) to 1 (fully); raising it makes settling safer, "
                "so deals come sooner and fewer listed men refuse to board.")
    credibility_loss: float = param(
        0.15, assumption("share of credibility lost per violation (Walter 1997)"), 0, 1,
        meaning="The share of the guarantee's credibility lost with each violation during a deal (a ceasefire breach "
                "or a spoiler attack); raising it makes trust collapse faster after breaches.")
    credibility_gain: float = param(
        0.01, assumption("slow trust gain per compliant implementation day"), 0, 1,
        meaning="The share of the remaining gap to full credibility the guarantee gains on each day of a deal without "
                "violations; raising it rebuilds trust faster while a deal holds.")
    concession_step: float = param(
        0.3, assumption("share of the gap to the committee's counter the mediator concedes after a rejection "
                        "(Powell 2004 screening)"), 0, 1,
        meaning="The share of the gap between its expulsion demand and the committee's counter-offer that the "
                "mediator gives up after each rejection (never below the floor, terms.expulsion_floor_share); raising "
                "it lowers the demand faster round by round.")
    hardening: float = param(
        1.0, assumption("how strongly terms track the balance of power (Hinnebusch & Imady 2017)"), 0, 5,
        meaning="How strongly the expulsion demand climbs towards the exit of every fighter once the mediator expects "
                "a takeover by force (before the external constraint tempers it); raising it makes demands harsher "
                "when the besieger is winning.")
    hardening_threshold: float = param(
        0.5, assumption("demands harden once a takeover within a decisive campaign "
                        "(beliefs.campaign_horizon_days) is more likely than not"), 0, 0.99,
        "takeover probability",
        meaning="The mediator's belief in a takeover within a decisive campaign above which its demands harden with "
                "the balance of power; raising it makes them harden only when a takeover is near certain.")
    collapse_pressure: float = param(
        0.2, assumption("pressure to escalate added by each collapsed deal: enough on its own to approve ground "
                        "operations under Daraa's costs (base 0.2 against 0.3 x (0.9 + 0.4) = 0.39), as the "
                        "breach of its 24/25 July 2021 deal was followed by the 29 July offensive (case file); "
                        "failed talks trigger escalation (shared/PATTERNS.md, patterns 5 and 7)"), 0, 5,
        meaning="The pressure to escalate that each collapsed deal adds, on top of counting as a rejection; raising "
                "it makes a failed deal bring heavier force sooner.")
    collapse_tightening: float = param(
        0.1, assumption("after a collapse the named-list demand returns a tenth above the broken deal's share, "
                        "and is never conceded below it (pattern 7: renegotiated on tighter terms)"), 0, 1,
        "share of the broken deal's demand",
        meaning="How much harsher a named-list demand returns after a collapsed deal, as a share of the broken deal's "
                "demand, which is then never conceded below again; raising it makes renegotiated terms tighter.")
    base_pressure: float = param(
        0.2, assumption("the pressure to compel on day 0, before any rejection: enough to approve shelling "
                        "and, under a weak constraint, ground probes (Schelling 1966)"), 0, 10,
        meaning="The mediator's pressure to compel on day 0, before any rejection or weariness, weighed against each "
                "rung's political cost; raising it lets it approve shelling and ground probes from the start.")
    level_cost_shelling: float = param(
        0.1, assumption("political cost of approving a shelling campaign, the cheapest rung"), 0, 10,
        meaning="The mediator's political cost of approving a shelling campaign, the lowest rung, before scaling by "
                "the external constraint and its image concern; raising it delays or rules out shelling.")
    level_cost_ground_probes: float = param(
        0.3, assumption("ground probes cost three times a shelling campaign"), 0, 10,
        meaning="The mediator's political cost of approving ground probes, whose first approval launches the decisive "
                "phase, before scaling by the external constraint and its image concern; raising it delays ground "
                "operations.")
    level_cost_full_assault: float = param(
        1.0, assumption("a full assault costs the mediator ten times a shelling campaign"), 0, 10,
        meaning="The mediator's political cost of approving a full ground assault, before scaling by the external "
                "constraint and its image concern; raising it makes assaults rarer and later.")
    level_cost_assault_with_air: float = param(
        1.6, assumption("air cover adds the most visible commitment of the mediator's own forces to an "
                        "assault (unless air cover is granted anyway: then it costs a full assault)"), 0, 10,
        meaning="The mediator's political cost of approving an assault with air power under CONDITIONAL air cover "
                "(under GRANTED it costs a plain assault), before scaling; raising it makes air support rarer.")


@dataclass
class TermsParams:
    """The deal on the table at the start."""

    template: DealTemplate = param(
        DealTemplate.NAMED_LIST, article("the besieger named who must leave: 'accept expulsion of one-fourth of "
                                         "their number'; the rest settle"),
        meaning="Who must leave under the deal: NAMED_LIST (the besieger names a share of the fighters to be bused "
                "out, the rest disarm and settle), SETTLE_OR_LEAVE (each fighter chooses) or FULL_EXIT (every "
                "organised fighter leaves); only a named list has a demand to bargain over.")
    expulsion_fraction: float = param(
        0.25, article("'accept expulsion of one-fourth of their number'"), 0, 1,
        meaning="The opening demand under a named list: the share of the initial fighters who must board the buses "
                "and leave, an opening bid the mediator may lower round by round (to no less than "
                "expulsion_floor_share of it); raising it makes the deal harder to accept while staying beats exile.")
    expulsion_list: int | None = param(
        None, specification("optional absolute number of wanted men; overrides expulsion_fraction when set"),
        0, 10_000_000, "fighters",
        meaning="An optional number of named fighters to expel; when set it replaces expulsion_fraction as the "
                "opening demand (null: use the fraction).")
    expulsion_floor_share: float = param(
        0.5, case_file("Daraa's besieger demanded ~100 wanted men and settled for 53-61 bused out: it concedes "
                       "at most about half of its opening demand"), 0, 1, "share of the opening demand",
        meaning="The lowest the mediator will ever lower the expulsion demand, as a share of its opening demand; "
                "raising it keeps the final demand closer to the opening bid.")
    weapons_handover: WeaponsHandover = param(
        WeaponsHandover.ALL, article("'the rest of the rebels would have to hand over their weapons'"),
        meaning="How much of their arsenal the fighters who settle must hand over (NONE, HEAVY, HEAVY_AND_MEDIUM, "
                "ALL); each step makes the deal less attractive to them (every settled fighter is disarmed whatever "
                "the level).")
    besieger_entry: bool = param(
        True, article("'accept a resumption of regime control'"),
        meaning="Whether the deal lets the besieger's forces and checkpoints back into the district (true); it makes "
                "the deal less attractive, and a completed deal then hands every rebel-held cell over.")
    guarantor_on_ground: bool = param(
        False, case_file("Russian military police entered Daraa al-Balad only on 24 Aug 2021, day 61 of the siege "
                         "(The National), so the deal first on the table had no guarantor on the ground"),
        meaning="Whether the deal deploys the guarantor's military police inside the district (true); they raise the "
                "credibility the fighters give the guarantee and reduce the besieger's ceasefire breaches.")
    ground_guarantee_weight: float = param(
        0.3, assumption("the guarantor's military police on the ground close this share of the gap to a fully "
                        "credible guarantee for those who settle (Walter 1997: third-party enforcement makes "
                        "disarming safe; shared/PATTERNS.md, pattern 10)"), 0, 1, "share of the credibility gap",
        meaning="With a guarantor on the ground, the share of the gap to a fully credible guarantee that its military "
                "police close for those who settle; raising it makes such deals more acceptable.")
    ground_guarantee_buffer: float = param(
        0.5, assumption("military police posted between the besieger's units and the district halve the commands' "
                        "breaches of a deal's ceasefire (pattern 10: communities bargained for them to keep out "
                        "the units they feared most; case file: Russia pledged to bar the 4th Division)"), 0, 1,
        "share of breaches prevented",
        meaning="With a guarantor on the ground, the share of the besieger commands' ceasefire breaches during a deal "
                "that its military police prevent; raising it makes such deals break down less.")


@dataclass
class NegotiationParams:
    """Factions' payoffs and the committee's rule (Fearon 1995; Powell 2006; Cunningham 2006)."""

    round_interval_days: int = param(
        4, assumption("talks met every few days (case file lists deals on 24 Jul, mid-Aug, 31 Aug, 5 Sep)"),
        1, 365, "days",
        meaning="The days between scheduled negotiation rounds (a round is also held whenever the approved escalation "
                "rises); raising it slows the bargaining.")
    value_hold: float = param(
        0.5, assumption("holding out leaves the district besieged, not free; worth half of autonomy "
                        "(autonomy = 1)"), -10, 10,
        meaning="What holding out in a district that stays besieged is worth to a faction, on the model's value scale "
                "(autonomy = 1); raising it makes fighting on more attractive while no takeover is expected.")
    value_fall: float = param(
        -0.6, assumption("the cost of the district falling by force"), -10, 10,
        meaning="What the district falling by force is worth to a faction, a loss on the same value scale; lowering "
                "it makes the expectation of a takeover push factions harder towards a deal.")
    value_settle: float = param(
        0.7, assumption("disarmed life under the besieger, honoured"), -10, 10,
        meaning="What disarming and living on under the besieger with the guarantee honoured is worth, on the same "
                "value scale; raising it makes staying under a deal more attractive.")
    value_exile: float = param(
        -0.2, assumption("exile to the north is worse than an honoured settlement at home (case file: listed "
                         "men refused to leave)"), -10, 10,
        meaning="What being bused out into exile in the north is worth to a fighter, on the same value scale; raising "
                "it makes expulsion demands easier to accept.")
    value_reneged: float = param(
        -0.3, assumption("arrest or assassination after disarming (Powell 2006; case file: 95 killed after "
                         "the 2021 deal)"), -10, 10,
        meaning="What settling and then being arrested or killed because the guarantee is broken is worth, on the "
                "same value scale; lowering it makes a weak guarantee weigh more against a deal.")
    reprisal_fear: float = param(
        0.05, assumption("what a fighter who settles fears beyond a broken guarantee: detention of military-age "
                        "men and conscription (shared/PATTERNS.md, pattern 13), in the units of the values above"),
        0, 10,
        meaning="What a fighter who settles fears beyond a broken guarantee (detention of military-age men, "
                "conscription), taken off the value of staying; raising it makes settling less attractive and leaving "
                "more.")
    family_exile_bonus: float = param(
        0.15, assumption("leaving with one's family and a personal rifle, as a settle-or-leave deal or a full exit "
                         "allows, is worth more than being expelled alone as a listed man (shared/PATTERNS.md, "
                         "pattern 3; case file: 3 of Daraa's 53 evacuees left with families, Homs's fighters left "
                         "with relatives, Eastern Ghouta's with their families)"), 0, 10,
        meaning="The extra value of leaving with one's family and a rifle, as settle-or-leave deals and full exits "
                "allow, over being expelled alone as a listed man; raising it makes those templates' exit more "
                "attractive.")
    exile_resolve_weight: float = param(
        0.5, assumption("how much a fighter's resolve above the scale's middle favours leaving over settling "
                        "under a settle-or-leave deal (those who refuse to surrender their cause leave)"), 0, 10,
        meaning="Under settle-or-leave, how much a fighter's resolve above the middle of the scale tilts him towards "
                "leaving rather than settling; raising it sends more of the resolute north.")
    exile_hardliner_bonus: float = param(
        0.2, assumption("how much more a hardliner (the 'wanted', Stedman's spoilers) prefers leaving to "
                        "settling: they have most to fear from staying"), 0, 10,
        meaning="Under settle-or-leave, how much more a hardliner prefers leaving to settling than a moderate does; "
                "raising it sends more hardliners north.")
    choice_temperature: float = param(
        0.1, assumption("noise in each fighter's choice to settle or to leave (logit scale), as the factions' "
                        "own temperature"), 0.001, 10,
        meaning="The randomness in each fighter's own choice to settle or to leave under settle-or-leave (logit "
                "scale): small values make the better option near certain, large ones make the choice a coin toss.")
    handover_cost: float = param(
        0.03, assumption("cost per step of the weapons-handover scale"), 0, 5,
        meaning="The value lost per step of the weapons-handover scale (NONE 0 to ALL 3) demanded of those who "
                "settle; raising it makes disarmament terms weigh more against a deal.")
    entry_cost: float = param(
        0.06, assumption("cost of besieger checkpoints inside"), 0, 5,
        meaning="The value lost when the deal lets the besieger's forces and checkpoints back inside; raising it "
                "makes besieger entry weigh more against a deal.")
    hardship_cost: float = param(
        0.5, assumption("weight of supply hardship in fighting on"), 0, 10,
        meaning="How much supply hardship (0 to 1, beyond what the community had adapted to) lowers a faction's value "
                "of fighting on; raising it makes hunger push factions to a deal.")
    hardship_adaptation: float = param(
        1.0, assumption("share of the hardship a long low-intensity phase left that the community has adapted "
                        "to, so that only hardship beyond it weighs in fighting on: enclaves lived for years at a "
                        "grim supply equilibrium without giving in (shared/PATTERNS.md, patterns 5 and 6); "
                        "reference dependence (Kahneman & Tversky 1979)"), 0, 1, "share of the starting hardship",
        meaning="The share of the hardship left by the siege before day 0 that the community has adapted to, so that "
                "only hardship beyond it weighs on the factions; raising it makes a long earlier siege's hardship "
                "count less.")
    casualty_cost: float = param(
        0.15, assumption("weight of own losses per 10% of the faction killed or wounded"), 0, 10,
        meaning="How much a faction's own losses lower its value of fighting on, per 10% of its members killed or "
                "wounded; raising it makes attrition push factions to a deal.")
    civilian_cost: float = param(
        0.01, assumption("weight of civilians killed or injured per 1,000 residents: a community weighs the "
                         "share of its people hurt, so a large enclave does not give in at once. Bounded by Eastern "
                         "Ghouta (case file): its fighters held out 55 days while at least 1,600 of 395,000 were "
                         "killed (4 per 1,000, about 16 harmed with the injured); at the earlier 0.04 that harm alone "
                         "would outweigh the whole gap between holding out and a deal within two weeks"),
        0, 10, "per harmed per 1,000 residents",
        meaning="How much civilian harm lowers the factions' value of fighting on, per civilian killed or injured per "
                "1,000 residents; raising it makes civilian suffering push factions to a deal.")
    weariness_cost: float = param(
        0.1, assumption("holding cost per month of siege (war of attrition; Zartman 2000 hurting "
                        "stalemate)"), 0, 10,
        meaning="How much each month of siege lowers a faction's value of fighting on (war weariness); raising it "
                "makes long sieges end in deals sooner.")
    resolve_weight: float = param(
        0.6, assumption("value of fighting on from resolve itself"), 0, 10,
        meaning="How much a faction's mean resolve above the middle of the scale adds to its value of fighting on; "
                "raising it makes resolute factions reject more offers.")
    temperature: float = param(
        0.08, assumption("noise in factions' choices (logit scale)"), 0.001, 10,
        meaning="The randomness in each faction's vote (logit scale): small values make a faction vote for whichever "
                "option is worth more, large ones make its vote closer to a coin toss.")
    majority: float = param(
        0.5, assumption("the committee needs a majority of fighters' weight"), 0, 1,
        meaning="The share of the fighters' weight (the factions' fighting members) that must vote yes for the "
                "committee to accept a deal; raising it makes deals harder to reach.")
    veto_min_share: float = param(
        0.2, assumption("a hardline faction this large can veto (Cunningham 2006)"), 0, 1,
        meaning="The smallest share of the fighters a hardline faction must hold to veto a deal on its own; raising "
                "it leaves fewer factions with a veto.")
    hardline_majority: float = param(
        0.5, assumption("a faction is hardline, and may veto, when more than half its fighting members are "
                        "hardliners"), 0, 1, "share of its fighting members",
        meaning="The share of a faction's fighting members who must be hardliners for the faction to count as "
                "hardline, and so able to veto; raising it makes hardline factions rarer.")
    reason_takeover_belief: float = param(
        0.5, assumption("a yes vote is put down to an expected fall when the takeover belief is at least "
                        "even (a label in the event table; it decides no vote)"), 0, 1,
        meaning="The takeover belief at or above which a yes vote is labelled 'expects the district to fall by force' "
                "in the event table; a label only, it decides nothing.")
    reason_guarantee_gap: float = param(
        0.3, assumption("a no vote is put down to the guarantee when an honoured settlement beats reneging "
                        "by this much times the doubt (1 - credibility) (a label; it decides no vote)"), 0, 20,
        meaning="The threshold above which a no vote is labelled 'guarantee not credible' (the gap between an "
                "honoured settlement and being reneged on, times the doubt in the guarantee); a label only, it "
                "decides nothing.")
    reason_exile_share: float = param(
        0.3, assumption("a no vote is otherwise put down to the expulsion demand when the faction expects "
                        "at least this share of it on the list (a label; it decides no vote)"), 0, 1,
        meaning="The share of its members a faction expects on the list at or above which a no vote not put down to "
                "the guarantee is labelled 'expulsion demand too large'; a label only, it decides nothing.")
    spoil_threshold: float = param(
        0.35, assumption("an outvoted faction this far below indifference spoils implementation "
                         "(Stedman 1997)"), 0, 10,
        meaning="How far below indifference, on the value scale, an outvoted faction must be to turn spoiler and "
                "attack during the deal; raising it makes spoilers rarer.")
    preemptive_threshold: float = param(
        0.8, assumption("the belief in a takeover at which a faction strikes first; the article reports "
                        "rebels struck 'to prevent an impending takeover', not at what belief"),
        0, 1,
        meaning="The takeover belief at or above which a faction may strike first to prevent an impending takeover; "
                "raising it makes pre-emptive strikes rarer.")
    strike_probability: float = param(
        0.2, assumption("a faction expecting a takeover strikes first on about one day in five"), 0, 1, "per day",
        meaning="The daily chance that a faction at or above the pre-emptive threshold strikes first; each strike "
                "kills besieger troops and counts as a rejection, which adds to the mediator's pressure.")
    raid_share: float = param(
        0.3, assumption("a pre-emptive strike commits about a third of the faction's fighting members"), 0, 1,
        "share of the faction",
        meaning="The share of a faction's fighting members committed to a pre-emptive strike; raising it makes "
                "strikes kill more besieger troops.")


@dataclass
class ImplementationParams:
    """Convoys, settlement and breakdowns (MECHANISMS E.22)."""

    buses_per_convoy: int = param(
        2, article("'About 50 fighters and civilians left in green buses last week'"), 0, 1000, "buses",
        meaning="How many buses each evacuation convoy has; with seats_per_bus and convoys_per_week it sets how fast "
                "the listed fighters and their relatives leave (0 runs no convoy, so a deal with a list never "
                "completes).")
    seats_per_bus: int = param(
        50, literature("MECHANISMS E.22: a bus carries about 50"), 1, 200, "seats",
        meaning="The seats on one bus; with buses_per_convoy it sets a convoy's capacity.")
    convoys_per_week: float = param(
        2.0, Source(SourceKind.CASE_FILE, "case file: two batches on 24-25 and 26 Aug 2021"), 0, 50,
        meaning="How many convoys leave each week while a deal is carried out; raising it moves the listed fighters "
                "out faster and ends deals sooner.")
    family_seat_share: float = param(
        0.15, Source(SourceKind.CASE_FILE, "case file: 'some family members accompanied' (3 of 53 with "
                     "families, SOHR): the share of a named list's seats relatives take"), 0, 0.95,
        meaning="Under a named list, the share of a convoy's seats that relatives of the listed men take; raising it "
                "leaves fewer fighter seats and buses out more civilians.")
    families_seat_share: float = param(
        0.72, Source(SourceKind.CASE_FILE, "case file (derived): Douma 2018, 3,354 fighters and 8,642 relatives "
                     "(Russian MoD), 2.6 relatives a fighter: the share of the seats relatives take where "
                     "fighters leave with their families (settle-or-leave, full exit; shared/PATTERNS.md, "
                     "pattern 3)"), 0, 0.95,
        meaning="Under settle-or-leave or a full exit, where fighters leave with their families, the share of a "
                "convoy's seats that relatives take; raising it leaves fewer fighter seats and buses out more "
                "civilians.")
    list_hardliner_weight: float = param(
        3.0, assumption(f"a hardliner is four times as likely as a moderate of the same resolve to be named on "
                        f"the list (weight 1 + 3), after the regime's list of 'wanted' men ({CASES})"), 0, 100,
        meaning="How much likelier a hardliner is to be named on the expulsion list than a moderate of the same "
                "resolve (his weight is 1 plus this); raising it fills the list with hardliners.")
    list_resolve_offset: float = param(
        0.5, assumption("the list weight grows with resolve as (offset + resolve): the most resolute are named "
                        "three times as often as the least at offset 0.5"), 0, 10,
        meaning="The offset in a fighter's weight for the list, (offset + resolve): a small offset names the resolute "
                "far more often than the wavering, a large one names fighters almost regardless of resolve.")
    settle_rate: float = param(
        0.2, assumption("share of remaining fighters settling status per day once a deal holds (~900 within "
                        "days, case file)"), 0, 1, "per day",
        meaning="The daily chance that each fighter still inside and not on the list settles his status (disarms and "
                "stays) once a deal holds; raising it completes deals faster.")
    refusal_base: float = param(
        0.05, Source(SourceKind.CASE_FILE, "case file: 2 of 10 listed men refused to leave in Aug 2021"), 0, 1,
        meaning="The chance that a listed fighter queued for a convoy refuses to board, at middling resolve and "
                "credibility (0.5 each); raising it shrinks the realised expulsion and breaks more deals.")
    refusal_resolve_slope: float = param(
        2.0, assumption("refusal to board rises with resolve as 1 + slope (resolve - 0.5): none at resolve 0, "
                        "twice the base at full resolve"), 0, 100,
        meaning="How much the refusal to board rises with a fighter's resolve, as 1 + slope x (resolve - 0.5); "
                "raising it makes the resolute refuse more.")
    refusal_credibility_offset: float = param(
        1.5, assumption("refusal scales with (offset - credibility): the base rate at credibility 0.5, half "
                        "of it under a fully credible guarantee, 1.5 times it under none"), 1, 10,
        meaning="The offset in how refusal to board falls with the guarantee's credibility (refusal scales with "
                "offset - credibility); raising it raises refusals overall and makes credibility matter less to them.")
    refusal_breakdown_probability: float = param(
        0.5, assumption("half the convoys with refusers stall the deal (Daraa Aug 2021: 2 of 10 refused and "
                        "the deal crumbled, case file)"), 0, 1,
        meaning="The chance that a convoy on which some listed fighters refused to board breaks the deal down; "
                "raising it makes refusals stall deals more often.")
    suspension_days: int = param(
        3, Source(SourceKind.CASE_FILE, "case file: Aleppo convoys halted 16 Dec, resumed 18 Dec"), 0, 365,
        "days",
        meaning="How many days a deal stays suspended after a breakdown that is not a collapse, before convoys "
                "resume; raising it lengthens implementation.")
    collapse_probability: float = param(
        0.6, Source(SourceKind.CASE_FILE, "case file (derived): of five breakdowns recorded, three ended the deal "
                    "(Daraa 2021: the 24/25 Jul deal breached, the Aug deal crumbled, the 31 Aug deal collapsed) "
                    "and two were suspensions that resumed (East Aleppo 16-18 Dec 2016; Homs May 2014, delayed "
                    "over the aid to Nubl and Zahraa): 3/5"), 0, 1,
        meaning="The chance that a breakdown of a deal (after a violation or refusals) is a collapse that sends the "
                "siege back to fighting rather than a suspension; raising it makes deals fail more often.")
    spoiler_hazard: float = param(
        0.05, assumption("daily chance a spoiling faction attacks (Stedman 1997)"), 0, 1, "per day",
        meaning="The daily chance that a spoiler faction attacks during a deal, each attack a violation that can "
                "break it; raising it makes spoilers more disruptive.")
    completion_settled_share: float = param(
        0.8, assumption("the besieger enters once most remaining fighters have settled"), 0, 1,
        meaning="The share of the fighters inside when the deal was struck who must be gone (settled, bused out or "
                "killed), with no listed fighter left inside, before the deal is complete and the rest settle at "
                "once; raising it lengthens implementation.")


@dataclass
class BeliefParams:
    """Beta beliefs about the besieger's chance of taking the district by force (Smith & Stam 2004)."""

    rebel_prior_alpha: float = param(
        1.0, assumption("rebels start optimistic, expecting about one probe in six to take a cell (mutual "
                        "optimism, Smith & Stam 2004)"), 0.01, 1000,
        meaning="With rebel_prior_beta, the rebels' starting belief about the chance that a ground probe takes a cell "
                "(a Beta prior with mean alpha / (alpha + beta)); raising it makes them start more pessimistic about "
                "holding out.")
    rebel_prior_beta: float = param(
        5.0, assumption("see rebel_prior_alpha"), 0.01, 1000,
        meaning="With rebel_prior_alpha, the rebels' starting belief about a probe's chance of taking a cell (a Beta "
                "prior); raising it makes them start more confident of holding out.")
    besieger_prior_alpha: float = param(
        3.0, assumption("the besieger and mediator expect about three probes in eight to succeed"), 0.01, 1000,
        meaning="With besieger_prior_beta, the starting belief of the mediator (the besieger side's view) about a "
                "probe's chance of taking a cell (a Beta prior); raising it makes it start more confident of a "
                "takeover, so its demands harden sooner.")
    besieger_prior_beta: float = param(
        5.0, assumption("see besieger_prior_alpha"), 0.01, 1000,
        meaning="With besieger_prior_alpha, the besieger side's starting belief about a probe's chance of taking a "
                "cell (a Beta prior); raising it makes it start less confident of a takeover.")
    learning_rate: float = param(
        1.0, assumption("pseudo-observations per probe won or held"), 0, 100,
        meaning="How much evidence each ground attack taken or held adds to every side's belief, in "
                "probe-equivalents; raising it makes beliefs move faster with the news from the battle.")
    planning_horizon_days: float = param(
        30.0, assumption("sides weigh the coming month"), 1, 3650, "days",
        meaning="How many days ahead the rebels judge the chance of a takeover under the approved threat (and over "
                "which the mediator's credible threat assumes every round rejected); raising it makes a takeover look "
                "likelier.")
    campaign_horizon_days: float = param(
        56.0, assumption("the mediator (or, with none, the besieger's command) judges whether force alone "
                         "would take the enclave over the length of a decisive campaign, not the coming "
                         "month: decisive phases last roughly 2 to 8 weeks (shared/PATTERNS.md, pattern 5; "
                         "the case file's longest, Eastern Ghouta's, 55 days), so its hardening and "
                         "storming thresholds are reachable at an offensive's recorded pace"),
        1, 3650, "days",
        meaning="How many days ahead the mediator (or, with none, the besieger) judges whether force alone would take "
                "the enclave, which decides when its demands harden and whether it storms; raising it makes a "
                "takeover look likelier to it.")
    anticipation: float = param(
        0.25, assumption("weight sides give to the mediator approving the next rung within the horizon "
                         "(Schelling 1966)"), 0, 1,
        meaning="The weight the rebels give to the mediator approving the next, more dangerous rung within their "
                "horizon (0 only the approved rung counts, 1 only the next); raising it makes a threatened escalation "
                "weigh before it happens.")
    signal_bias_offset: float = param(
        1.5, assumption("a faction counts a cell taken as (offset - its mean resolve) signals: resolute "
                        "factions discount bad news, and one at resolve offset - 1 (0.5) reads it as it is"),
        1, 10,
        meaning="How factions read bad news: a cell taken counts as (offset - the faction's mean resolve) signals, so "
                "resolute factions discount it; raising it makes every faction take lost cells more seriously.")
    forgetting: float = param(
        0.97, assumption("daily discount on old evidence"), 0.5, 1,
        meaning="The share of accumulated battle evidence kept from one day to the next (1 never forgets); lowering "
                "it pulls beliefs back to their priors faster in quiet spells.")

@dataclass
class OutcomeParams:
    """When a run ends and how it is classed (docs/ODD.md, section 7.9)."""

    takeover_control_share: float = param(
        0.1, assumption("the district has fallen when the enclave is a tenth of the grid; the sides' "
                        "takeover beliefs count the cells still to take down to it"), 0, 1, "share of cells",
        meaning="The share of the grid still held by the rebels at or below which the district counts as taken by "
                "force; raising it ends sieges in a takeover sooner.")
    min_fighting_share: float = param(
        0.05, assumption("the fighters are exhausted when fewer than 5% of them can still fight"), 0, 1,
        "share of the initial fighters",
        meaning="The share of the initial fighters still able to fight at or below which the rebels count as "
                "exhausted (a takeover if more were killed or wounded than settled, else a settlement without a "
                "deal); raising it ends sieges by exhaustion sooner.")
    full_evacuation_share: float = param(
        0.6, assumption("a deal that buses out most of the surviving fighters (60%) is a full evacuation"),
        0, 1, "share of surviving fighters",
        meaning="The share of the surviving fighters who must have been bused out for an ending to count as a full "
                "evacuation; raising it makes that class rarer.")
    partial_evacuation_share: float = param(
        0.05, assumption("a deal that buses out at least 5% of the fighters is a partial evacuation (Daraa's "
                         "53-61 of ~400, case file, are well above it)"), 0, 1, "share of the initial fighters",
        meaning="The share of the initial fighters who must have been bused out for a settlement to count as a "
                "partial evacuation rather than a local stay; raising it makes partial evacuations rarer.")



@dataclass
class CaseMappingParams:
    """How a case's facts become parameters (sim/cases.py; docs/ODD.md, section 6.3): one value per
    level of each qualitative fact, and what is assumed where a case gives no figure. Chosen so that
    the Daraa 2021 case gives the article's values."""

    external_constraint_none: float = param(
        0.0, assumption("no outside power, border or talks make escalation costly: no constraint"), 0, 1,
        meaning="The mediator.external_constraint a case gets when its external constraint is NONE; raising it makes "
                "escalation costlier in such cases.")
    external_constraint_low: float = param(
        0.3, assumption("a LOW outside constraint is the generic one (mediator.external_constraint)"), 0, 1,
        meaning="The mediator.external_constraint a case gets when its external constraint is LOW; raising it makes "
                "escalation costlier in such cases.")
    external_constraint_medium: float = param(
        0.6, assumption("a MEDIUM outside constraint is twice a LOW one"), 0, 1,
        meaning="The mediator.external_constraint a case gets when its external constraint is MEDIUM; raising it "
                "makes escalation costlier in such cases.")
    external_constraint_high: float = param(
        0.9, assumption("a HIGH outside constraint, as at Daraa 2021 (Jordan and Israel next door, article), "
                        "is near the top of the scale"), 0, 1,
        meaning="The mediator.external_constraint a case gets when its external constraint is HIGH (Daraa 2021); "
                "raising it makes escalation costlier in such cases.")
    image_weight_none: float = param(
        0.0, assumption("a mediator with no concern for its image gives it no weight"), 0, 1,
        meaning="The mediator.image_weight a case gets when its mediator has no image concern, and every case without "
                "a mediator; raising it makes escalation costlier in such cases.")
    image_weight_low: float = param(
        0.1, assumption("a LOW image concern is half the generic one"), 0, 1,
        meaning="The mediator.image_weight a case gets when its mediator's image concern is LOW; raising it makes "
                "escalation costlier in such cases.")
    image_weight_medium: float = param(
        0.2, assumption("a MEDIUM image concern is the generic one (mediator.image_weight)"), 0, 1,
        meaning="The mediator.image_weight a case gets when its mediator's image concern is MEDIUM; raising it makes "
                "escalation costlier in such cases.")
    image_weight_high: float = param(
        0.4, assumption("a HIGH image concern, as at Daraa 2021 (a peacemaker image and reconstruction "
                        "funds, article), is twice the generic one"), 0, 1,
        meaning="The mediator.image_weight a case gets when its mediator's image concern is HIGH (Daraa 2021); "
                "raising it makes escalation costlier in such cases.")
    credibility_none: float = param(
        0.1, assumption("no trust in the guarantor still leaves a small chance its guarantee holds"), 0, 1,
        meaning="The mediator.initial_credibility a case gets when there is no trust in the guarantee; raising it "
                "makes deals easier in such cases.")
    credibility_low: float = param(
        0.35, assumption("LOW trust, as at Daraa 2021 (the 2018 peace 'marred by numerous assassinations', "
                         "article): well below even"), 0, 1,
        meaning="The mediator.initial_credibility a case gets when the trust in the guarantee is LOW (Daraa 2021); "
                "raising it makes deals easier in such cases.")
    credibility_medium: float = param(
        0.5, assumption("MEDIUM trust is neutral (mediator.initial_credibility)"), 0, 1,
        meaning="The mediator.initial_credibility a case gets when the trust in the guarantee is MEDIUM; raising it "
                "makes deals easier in such cases.")
    credibility_high: float = param(
        0.7, assumption("HIGH trust: the guarantee is expected to hold more often than not"), 0, 1,
        meaning="The mediator.initial_credibility a case gets when the trust in the guarantee is HIGH; raising it "
                "makes deals easier in such cases.")
    second_front_losses: float = param(
        0.15, assumption("opposition towns outside joining the fight (Daraa 2021, article) cost the besieger "
                         "about one soldier a week"), 0, 1000, "besieger killed/day",
        meaning="The besieger's daily losses to a second front (besieger.second_front_losses) that a case with "
                "outside support gets; raising it breaks such sieges sooner.")
    troops_per_fighter: float = param(
        5.0, assumption("when no besieger count is known, five troops per fighter (Daraa's 2,000 : 400)"),
        0.01, 1000, "troops per fighter",
        meaning="The besieging troops per rebel fighter assumed when a case gives no troop count; raising it makes "
                "such besiegers stronger.")
    militia_share: float = param(
        0.25, assumption("when a case gives no militia share, a quarter of the besieging force is militia "
                         "(the share assumed for Daraa 2021)"), 0, 1, "share of troops",
        meaning="The share of the besieging force that is militia when a case gives none; raising it puts more of the "
                "force in the less restrained command.")
    bus_weeks_for_demand: float = param(
        2.0, assumption("when no bus count is known, convoys are sized to move the demanded fighters in two "
                        "weeks"), 0.1, 520, "weeks",
        meaning="When a case gives no bus count, the weeks in which its convoys are sized to move the demanded "
                "fighters and their relatives; raising it gives fewer buses per convoy and slower evacuations.")
    min_buses_per_convoy: int = param(
        2, assumption("a convoy sized from the demand has at least Daraa 2021's two buses (article)"), 0, 1000,
        "buses",
        meaning="The fewest buses a convoy sized from the demand gets, when a case gives no bus count; raising it "
                "speeds up small evacuations.")
    default_convoys_per_week: float = param(
        2.0, assumption("the bus sizing of a case that gives no convoy rate assumes Daraa's two batches a "
                        "week (case file)"), 0.01, 50, "convoys per week",
        meaning="The convoy rate assumed to size the buses of a case that gives no convoy rate (it sizes the buses "
                "only: the convoys then run at implementation.convoys_per_week); raising it gives fewer buses per "
                "convoy.")
    full_exit_demand: float = param(
        0.95, assumption("a case file that names no deal template but demands (nearly) every fighter leave "
                         "describes the exit of all organised fighters (shared case file: Homs, East Aleppo "
                         "'~1.0 of fighters'); below it, a named list"), 0, 1, "share of fighters",
        meaning="The expulsion fraction at or above which a case that names no deal template is read as the exit of "
                "all organised fighters (FULL_EXIT), below it as a named list.")
    supply_days_at_siege_start: float = param(
        40.0, assumption("stocks for about six weeks when a siege begins, as district.initial_supply_days"),
        0, 1000, "days of need",
        meaning="The stocks, in days of need, a siege is assumed to begin with: a case that starts after "
                "siege_days_so_far days of siege starts from what the supply rule leaves of them; raising it eases "
                "hardship in such cases.")


@dataclass
class ModelParams:
    """Everything one replicate needs."""

    horizon_days: int = param(
        120, specification("the study's frame: 120 days hold Daraa 2021's 75 with room for a siege that drags on; "
                           "a hindcast sets each case's own horizon (hindcast.horizon_days)"), 1, 3650, "days",
        meaning="The longest a run lasts, in days from day 0: a siege with no outcome by then, or a deal still being "
                "carried out, is classed as a stalemate; raising it gives slow sieges time to end.")
    start_date: str = param(
        "2021-06-24", case_file("daraa start_date (day 0)"),
        meaning="The calendar date of day 0 (YYYY-MM-DD); it only dates the daily rows and the report and changes "
                "nothing in the simulation.")
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
    """One row per leaf parameter: path, meaning, value, unit, allowed range, provenance of the default and its
    kind."""
    rows = []
    for path, value, f in iter_leaves(params):
        rows.append({"parameter": path,
                     "meaning": f.metadata.get("meaning", ""),
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
