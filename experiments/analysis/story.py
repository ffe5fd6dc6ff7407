"""One replicate's story in plain language, told from its events table (and its last daily row):
what the mediator offered and how the factions answered, when the besieger escalated and took
ground, the deal, its convoys and breakdowns, and how the siege ended. Rounds that repeat the
same terms and the same answer are told once; reasons are in words and numbers rounded for people."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pandas as pd

from experiments.measures import outcome_label
from sim.enums import DealTemplate, EventKind

TEMPLATE_WORDS = {
    DealTemplate.NAMED_LIST.value: "fighters named on a list leave for the north and the rest settle",
    DealTemplate.SETTLE_OR_LEAVE.value: "each fighter chooses to settle or to leave for the north",
    DealTemplate.FULL_EXIT.value: "every organised fighter leaves for the north",
}
LEAVING_WORDS = {DealTemplate.NAMED_LIST.value: "named to leave", DealTemplate.SETTLE_OR_LEAVE.value: "chose to leave",
                 DealTemplate.FULL_EXIT.value: "to leave"}
HANDOVER_WORDS = {"NONE": "no weapons handed over", "HEAVY": "heavy weapons handed over",
                  "HEAVY_AND_MEDIUM": "heavy and medium weapons handed over", "ALL": "all weapons handed over"}
LEVEL_WORDS = {"NONE": "no fire", "SHELLING": "shelling", "GROUND_PROBES": "ground probes",
               "FULL_ASSAULT": "a full assault", "ASSAULT_WITH_AIR": "an assault with air support"}
# a faction's stated reason (sim.decisions.vote_reason) as a clause: "rejected it because ..."
REASON_WORDS = {
    "guarantee not credible": "because they do not trust the guarantee",
    "expulsion demand too large": "because the expulsion demand is too large",
    "expects to hold out": "because they expect to hold out",
    "expects the district to fall by force": "because they expect the district to fall by force",
    "the cost of holding out outweighs the terms": "because holding out costs more than the terms",
    "accepted though fighting on was valued slightly higher (unmodelled considerations)":
        "for reasons outside the model (on the modelled terms fighting on was narrowly better)",
    "rejected though the terms were valued slightly higher (unmodelled considerations)":
        "for reasons outside the model (on the modelled terms the deal was narrowly better)",
}
OUTCOME_WORDS = {
    "negotiated_settlement_local_stay": "a negotiated settlement, the fighters staying on",
    "negotiated_partial_evacuation": "a negotiated partial evacuation",
    "full_evacuation": "the full evacuation of the fighters",
    "military_takeover": "a military takeover",
    "stalemate_siege_continues": "a stalemate: the siege was still going on at the model's horizon",
    "siege_broken": "the siege being broken",
}
BREAKDOWN_WORDS = {"violation": "a ceasefire violation"}
# events that split a run of like rounds, and the blocks taken, into before and after
TURNING_POINTS = frozenset(k.value for k in (EventKind.ESCALATION, EventKind.TALKS, EventKind.DEAL,
                                            EventKind.BREAKDOWN, EventKind.RESUMPTION,
                                            EventKind.PRE_EMPTIVE_STRIKE, EventKind.OUTCOME))
NUMBER_WORDS = {2: "both", 3: "all three", 4: "all four", 5: "all five", 6: "all six"}


@dataclass(frozen=True)
class StoryLine:
    """One sentence of the story and the days it covers."""

    first_day: int
    last_day: int
    text: str
    position: int = 0   # the events-table row of the first event told, which orders lines of a day

    @property
    def days(self) -> str:
        """'Day 4', or 'Days 8-68' with an en dash."""
        return f"Day {self.first_day}" if self.first_day == self.last_day else f"Days {self.first_day}–{self.last_day}"


def percent(share: float) -> str:
    """A share as people read it: '25%', '17.5%', '0.4%'."""
    value = 100 * float(share)
    if value == 0 or abs(value) >= 10:
        text = f"{value:.1f}".removesuffix(".0")
    else:
        text = f"{value:.2g}" if abs(value) < 1 else f"{value:.1f}".removesuffix(".0")
    return f"{text}%"


def people(count: float) -> str:
    """A head count as people read it: exact up to 1,000, then 'about' and three significant figures."""
    n = round(float(count))
    if abs(n) < 1000:
        return str(n)
    digits = len(str(abs(n))) - 3
    return f"about {round(n, -digits):,}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{people(n) if n else 'no'} {one if n == 1 else (many or one + 's')}"


def _factions(ids: list[int], total: int) -> str:
    """'faction 2', 'factions 0 and 3', or 'all four factions'."""
    ids = sorted(ids)
    if len(ids) == total and total in NUMBER_WORDS:
        return f"{NUMBER_WORDS[total]} factions"
    if len(ids) == 1:
        return f"faction {ids[0]}"
    return "factions " + ", ".join(str(i) for i in ids[:-1]) + f" and {ids[-1]}"


def _value(row: pd.Series, name: str, default: Any = None) -> Any:
    value = row.get(name, default)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    return value


def _int(row: pd.Series, name: str) -> int:
    return round(float(_value(row, name, 0)))


@dataclass
class _Round:
    """A negotiation round: the offer, the factions' votes and the committee's verdict."""

    number: int
    day: int
    offer: pd.Series
    votes: pd.DataFrame
    decision: pd.Series | None

    @property
    def accepted(self) -> bool:
        return self.decision is not None and _value(self.decision, "vote") == "accept"

    def terms(self) -> tuple:
        """The terms as people would compare them (the demand to a tenth of a percent)."""
        o = self.offer
        return (_value(o, "template"), round(100 * float(_value(o, "expulsion_fraction", 0.0)), 1),
                _value(o, "weapons_handover"), bool(_value(o, "besieger_entry", False)),
                bool(_value(o, "guarantor_on_ground", False)))

    def yes(self) -> list[int]:
        return [int(f) for f, v in zip(self.votes["faction"], self.votes["vote"]) if v == "accept"]

    def no_reasons(self) -> Counter:
        return Counter(str(r) for r, v in zip(self.votes["reason"], self.votes["vote"]) if v != "accept")


def _rounds(events: pd.DataFrame) -> list[_Round]:
    kind = events["event"].astype(str)
    rounds: list[_Round] = []
    offers = events[kind == EventKind.OFFER.value]
    for _, offer in offers.iterrows():
        number = _int(offer, "round")
        same = events["round"] == number if "round" in events.columns else pd.Series(False, index=events.index)
        votes = events[same & (kind == EventKind.VOTE.value)]
        decisions = events[same & (kind == EventKind.DECISION.value)]
        rounds.append(_Round(number, _int(offer, "day"), offer, votes,
                             decisions.iloc[0] if len(decisions) else None))
    return rounds


def _demand(offer: pd.Series) -> str:
    """' (12.5% of the fighters to go)' for a named list; nothing where everyone or each one decides."""
    if _value(offer, "template") != DealTemplate.NAMED_LIST.value:
        return ""
    return f" ({percent(float(_value(offer, 'expulsion_fraction', 0.0)))} of the fighters to go)"


def _terms_text(r: _Round, previous: _Round | None) -> str:
    """What the mediator put on the table, said against the previous round's terms."""
    o = r.offer
    if previous is None:
        template = TEMPLATE_WORDS.get(str(_value(o, "template")), str(_value(o, "template")))
        entry = "the army to enter the district" if _value(o, "besieger_entry", False) else "no army entry"
        guarantor = ("a guarantor's troops on the ground" if _value(o, "guarantor_on_ground", False)
                     else "no guarantor on the ground")
        handover = HANDOVER_WORDS.get(str(_value(o, "weapons_handover")), str(_value(o, "weapons_handover")))
        return (f"the mediator opened with its terms: {template}{_demand(o)}; {handover}; "
                f"{entry}; {guarantor}. The factions judged its guarantee "
                f"{percent(float(_value(o, 'credibility', 0.0)))} credible")
    before = float(_value(previous.offer, "expulsion_fraction", 0.0))
    now = float(_value(o, "expulsion_fraction", 0.0))
    if previous.terms()[1] == r.terms()[1] or not _demand(o):
        text = f"the mediator offered the same terms{_demand(o)}"
    else:
        verb = "lowered" if now < before else "raised"
        text = f"the mediator {verb} the demand to {percent(now)} of the fighters"
    changes = []
    if r.terms()[2] != previous.terms()[2]:
        changes.append(HANDOVER_WORDS.get(str(_value(o, "weapons_handover")), ""))
    if r.terms()[4] and not previous.terms()[4]:
        changes.append("now with a guarantor's troops on the ground")
    if r.terms()[3] != previous.terms()[3]:
        changes.append("the army to enter" if r.terms()[3] else "no army entry")
    return text + (f" ({'; '.join(c for c in changes if c)})" if changes else "")


def _reasons_text(reasons: Counter) -> str:
    """The commonest stated reasons in words: 'because they do not trust the guarantee'."""
    return " or ".join(REASON_WORDS.get(reason, reason) for reason, _ in reasons.most_common(2))


def _answer_text(r: _Round, total: int) -> str:
    """How the factions voted and what the committee decided."""
    yes = r.yes()
    no = [int(f) for f in r.votes["faction"] if int(f) not in yes]
    parts = []
    if yes:
        parts.append(f"{_factions(yes, total)} accepted")
    if no:
        parts.append(f"{_factions(no, total)} rejected it {_reasons_text(r.no_reasons())}".rstrip())
    votes = "; ".join(parts)
    if r.decision is None:
        return votes
    veto = _value(r.decision, "faction")
    if r.accepted:
        verdict = "the committee accepted the deal"
    elif veto is not None and yes:
        verdict = f"faction {int(veto)} vetoed it"
    elif yes:
        verdict = "the committee turned it down by weighted majority"
    else:
        verdict = ""
    return "; ".join(p for p in (votes, verdict) if p)


def _other_terms(r: _Round) -> tuple:
    """Every term but the demand."""
    template, _, handover, entry, guarantor = r.terms()
    return template, handover, entry, guarantor


def _direction(a: _Round, b: _Round) -> int:
    """+1 when b demands more than a, -1 when less, 0 when the same (to a tenth of a percent)."""
    change = b.terms()[1] - a.terms()[1]
    return (change > 0) - (change < 0)


def _drift_end(rounds: list[_Round], i: int, turning: list[int]) -> int:
    """The end of a run of rejected rounds from i on, each moving a named-list demand the same way as
    round i did with nothing else changed, or i + 1 when there is none."""
    r, previous = rounds[i], rounds[i - 1] if i > 0 else None
    step = _direction(previous, r) if previous is not None else 0
    if step == 0 or r.accepted or not _demand(r.offer) or _other_terms(previous) != _other_terms(r):
        return i + 1   # a round that changes more than the demand is told alone, with its changes
    j = i + 1
    while (j < len(rounds) and not rounds[j].accepted and _direction(rounds[j - 1], rounds[j]) == step
           and _other_terms(rounds[j]) == _other_terms(r)
           and not any(rounds[j - 1].day < t <= rounds[j].day for t in turning)):
        j += 1
    return j


def _round_lines(rounds: list[_Round], total: int, turning: list[int]) -> list[StoryLine]:
    """A line per round, with a run of rejected rounds on unchanged terms told as one line, and so a
    run of rejected rounds whose demand moves the same way each time (the opening round is always
    told alone, with the terms in full, and a run stops at a turning point)."""
    lines: list[StoryLine] = []
    i = 0
    while i < len(rounds):
        r, previous = rounds[i], rounds[i - 1] if i > 0 else None
        j = i + 1
        while (previous is not None and not r.accepted and j < len(rounds) and not rounds[j].accepted
               and rounds[j].terms() == r.terms()
               and not any(rounds[j - 1].day < t <= rounds[j].day for t in turning)):
            j += 1
        drift = j == i + 1 and _drift_end(rounds, i, turning) > i + 1
        if drift:
            j = _drift_end(rounds, i, turning)
        group = rounds[i:j]
        if len(group) == 1:
            text = f"{_terms_text(r, previous)}; {_answer_text(r, total)}."
        else:
            reasons = sum((g.no_reasons() for g in group), Counter())
            yes = Counter(f for g in group for f in g.yes())
            by_count: dict[int, list[int]] = {}
            for f, n in sorted(yes.items()):
                by_count.setdefault(n, []).append(f)
            some_yes = "; ".join(f"{_factions(fs, 0)} {'each ' if len(fs) > 1 else ''}accepted in {n} of them"
                                 for n, fs in by_count.items())
            span = f"rounds {group[0].number}–{group[-1].number}"
            if drift:
                verb = "raised" if _direction(previous, r) > 0 else "lowered"
                first, last = (float(_value(g.offer, "expulsion_fraction", 0.0)) for g in (group[0], group[-1]))
                terms = (f"the mediator {verb} the demand round by round, from {percent(first)} of the fighters "
                         f"in round {group[0].number} to {percent(last)} in round {group[-1].number}")
            elif previous.terms() == r.terms():
                terms = f"the mediator kept the same terms{_demand(r.offer)} for {span}"
            else:
                terms = f"{_terms_text(r, previous)} and kept it there for {span}"
            rejected = "both were rejected" if len(group) == 2 else f"all {len(group)} were rejected"
            text = (f"{terms}; {rejected}, mostly {_reasons_text(reasons)}"
                    + (f" ({some_yes})" if some_yes else "") + ".")
        lines.append(StoryLine(group[0].day, group[-1].day, text, int(r.offer.name)))
        i = j
    return lines


def _cell_lines(events: pd.DataFrame, breaks: list[int], total_cells: int | None) -> list[StoryLine]:
    """The blocks the besieger took, one line per stretch between the story's turning points."""
    taken = events[events["event"].astype(str) == EventKind.CELL_TAKEN.value]
    if taken.empty:
        return []
    edges = sorted(set(breaks))
    stretch = [sum(day > e for e in edges) for day in taken["day"]]
    lines = []
    of = f" of the district's {total_cells}" if total_cells else ""
    for _, group in taken.groupby(stretch, sort=True):
        first, last, n = int(group["day"].min()), int(group["day"].max()), len(group)
        lines.append(StoryLine(first, last, f"the besieger's forces took {_plural(n, 'block')}{of}.",
                               int(group.index[0])))
    return lines


def _event_line(row: pd.Series) -> StoryLine | None:
    """A line for an event other than a round or a block taken, or None for one the story leaves out."""
    day, kind = _int(row, "day"), str(row["event"])
    text = None
    if kind == EventKind.ESCALATION.value:
        level = LEVEL_WORDS.get(str(_value(row, "level")), str(_value(row, "level")))
        text = f"the mediator approved the decisive phase: the besieger may now use {level}."
    elif kind == EventKind.TALKS.value:
        text = ("the mediator offered terms again." if _value(row, "detail") == "terms offered" else
                "no terms were offered: the besieger expected to take the district by storm.")
    elif kind == EventKind.DEAL.value:
        listed = _int(row, "listed")
        spoilers = _int(row, "spoilers")
        how = LEAVING_WORDS.get(str(_value(row, "template")), "to leave")
        text = (f"implementation began: {_plural(listed, 'fighter')} {how} for the north"
                + (f"; {_plural(spoilers, 'faction')} stayed out of the deal as spoilers" if spoilers else "") + ".")
    elif kind == EventKind.CONVOY.value:
        text = (f"a convoy of buses carried {_plural(_int(row, 'fighters'), 'fighter')} and "
                f"{_plural(_int(row, 'civilians'), 'civilian')} north ({people(_int(row, 'seats'))} seats)"
                + (f"; {_plural(_int(row, 'refused'), 'listed fighter')} refused to board" if _int(row, "refused")
                   else "") + ".")
    elif kind == EventKind.VIOLATION.value:
        actor = str(_value(row, "actor", "someone"))
        detail = str(_value(row, "detail", "broke the ceasefire"))
        if detail == "spoiler attack on the deal":
            text = f"{actor} attacked to wreck the deal."
        elif detail == "escalated above the ceiling":
            level = LEVEL_WORDS.get(str(_value(row, "level")), "fire")
            text = f"the {actor} went beyond the escalation the mediator allowed ({level})."
        else:
            text = f"the {actor} {detail}."
    elif kind == EventKind.BREAKDOWN.value:
        cause = str(_value(row, "detail", ""))
        cause = BREAKDOWN_WORDS.get(cause, cause)
        text = (f"after {cause}, the deal collapsed and the siege resumed." if _value(row, "collapsed", False)
                else f"after {cause}, implementation was suspended.")
    elif kind == EventKind.RESUMPTION.value:
        text = "implementation resumed."
    elif kind == EventKind.PRE_EMPTIVE_STRIKE.value:
        text = (f"{_value(row, 'actor', 'a faction')} struck first, expecting the district to fall "
                f"(it put the chance at {percent(float(_value(row, 'p_takeover', 0.0)))}).")
    elif kind == EventKind.ASSAULT.value:
        text = "the besieger launched an assault."
    return StoryLine(day, day, text, int(row.name)) if text else None


def _ending(row: pd.Series, last: pd.Series | None) -> StoryLine:
    day = _int(row, "day")
    outcome = str(_value(row, "detail", ""))
    text = f"the siege ended in {OUTCOME_WORDS.get(outcome, outcome_label(outcome))}."
    if last is not None:
        fighters = (f" By then {_plural(_int(last, 'fighters_evacuated'), 'fighter')} had left for the north, "
                    f"{people(_int(last, 'fighters_settled'))} had settled and {people(_int(last, 'fighters_killed'))} "
                    f"had been killed;")
        civilians = (f" {_plural(_int(last, 'civilians_killed'), 'civilian')} had been killed and "
                     f"{people(_int(last, 'civilians_injured'))} injured, and "
                     f"{people(_int(last, 'civilians_displaced'))} had fled.")
        text += fighters + civilians
    return StoryLine(day, day, text, int(row.name))


def run_story(events: pd.DataFrame, daily: pd.DataFrame | None = None,
              total_cells: int | None = None) -> list[StoryLine]:
    """The story of one replicate, in the order things happened; `daily` (its rows) adds the toll at
    the end and `total_cells` the district's size."""
    if events is None or events.empty:
        return []
    events = events.reset_index(drop=True)
    kind = events["event"].astype(str)
    rounds = _rounds(events)
    factions = int(events.loc[kind == EventKind.VOTE.value, "faction"].nunique()) if "faction" in events else 0
    lines: list[StoryLine] = []
    turning: list[int] = []
    last = daily.sort_values("day").iloc[-1] if daily is not None and len(daily) else None
    for _, row in events[~kind.isin([EventKind.OFFER.value, EventKind.VOTE.value, EventKind.DECISION.value,
                                     EventKind.CELL_TAKEN.value, EventKind.REFUSAL.value])].iterrows():
        line = _ending(row, last) if str(row["event"]) == EventKind.OUTCOME.value else _event_line(row)
        if line is not None:
            lines.append(line)
            if str(row["event"]) in TURNING_POINTS:
                turning.append(line.first_day)
    lines += _round_lines(rounds, factions, turning)
    lines += _cell_lines(events, turning + [r.day for r in rounds if r.accepted], total_cells)
    return sorted(lines, key=lambda line: (line.first_day, line.position))


def story_table(lines: list[StoryLine]) -> pd.DataFrame:
    """The story as rows (first_day, last_day, days, text), the form reports and exports take."""
    return pd.DataFrame({"first_day": [line.first_day for line in lines], "last_day": [line.last_day for line in lines],
                         "days": [line.days for line in lines],
                         "text": [line.text[0].upper() + line.text[1:] for line in lines]})
