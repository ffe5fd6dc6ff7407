"""Tidy records of one replicate: one row per day, one row per event, one row for the run, and
(optionally) the district's layers per day for the animated map."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.enums import Escalation, EventKind, FighterStatus, HarmCause

if TYPE_CHECKING:
    from sim.model import SiegeModel


class Recorder:
    """Collects rows as plain dicts; the runner turns them into DataFrames."""

    def __init__(self, model: SiegeModel, record_grid: bool):
        self.model = model
        self.daily: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.grid: list[dict[str, np.ndarray]] | None = [] if record_grid else None
        self.start = date.fromisoformat(model.params.start_date)

    def event(self, kind: EventKind, **fields: Any) -> None:
        self.events.append({"day": self.model.day, "event": kind.value, **fields})

    def record_day(self) -> None:
        m = self.model
        d, f = m.district, m.fighters
        counts = f.counts()
        shares = d.control_shares()
        row = {
            "day": m.day,
            "date": (self.start + timedelta(days=m.day)).isoformat(),
            "phase": m.phase.value,
            "control_rebel": shares[0], "control_contested": shares[1], "control_besieger": shares[2],
            "fighters_active": int(counts[FighterStatus.ACTIVE]),
            "fighters_wounded": int(counts[FighterStatus.WOUNDED]),
            "fighters_killed": int(counts[FighterStatus.KILLED]),
            "fighters_evacuated": int(counts[FighterStatus.EVACUATED]),
            "fighters_settled": int(counts[FighterStatus.SETTLED]),
            "fighters_armed": int(f.armed.sum()),
            "fighters_listed": int((f.listed & f.inside()).sum()),
            "civilians_present": int(d.civilians.sum()),
            "civilians_inside_enclave": int(d.civilians[d.rebel_held()].sum()),
            "civilians_killed": int(d.civilians_killed.sum()),
            "civilians_injured": int(d.civilians_injured.sum()),
            "civilians_injured_present": int(d.civilians_injured_present.sum()),
            "civilian_injury_events": int(d.civilian_injury_events.sum()),
            "civilians_displaced": int(d.civilians_displaced.sum()),
            **{f"civilians_killed_{c.value}": n for c, n in d.killed_by.items()},
            **{f"fighters_killed_{c.value}": n for c, n in f.killed_by.items() if c != HarmCause.STARVATION},
            "shells": m.tally.shells,
            "escalation_ceiling": int(m.mediator.ceiling),
            "escalation_used": int(m.tally.level),
            "ground_attacks": m.tally.attacks,
            "air_strikes": m.tally.air_strikes,
            "cells_taken": m.tally.cells_taken,
            "violations": m.tally.violations,
            "besieger_strength": m.army.strength + m.militia.strength,
            "besieger_killed": m.army.killed + m.militia.killed,
            "supply_days": d.supply_days,
            "hardship": m.hardship,
            "mean_damage": float(d.damage.mean()),
            "rebel_belief_takeover": float(np.mean([leader.p_takeover for leader in m.leaders])),
            "mediator_belief_takeover": m.mediator.p_takeover,
            "rebel_belief_probe_success": float(np.mean([leader.theta for leader in m.leaders])),
            "credibility": m.mediator.credibility,
            "expulsion_fraction": m.offered.expulsion_fraction,
            "weapons_handover": int(m.offered.weapons_handover),
            "besieger_entry": bool(m.offered.besieger_entry),
            "rejections": m.rejections,
            "rounds": m.rounds,
        }
        # each faction's chance of accepting in today's round; empty (NaN) on a day without one
        acceptance = m.tally.acceptance or [float("nan")] * len(m.leaders)
        for faction, p_accept in enumerate(acceptance):
            row[f"acceptance_f{faction}"] = p_accept
        self.daily.append(row)
        if self.grid is not None:
            self.grid.append({"control": d.control.copy(), "damage": d.damage.copy(),
                              "civilians": d.civilians.copy()})

    def run_row(self) -> dict[str, Any]:
        m = self.model
        last = self.daily[-1]
        return {
            "outcome": m.outcome.value if m.outcome else None,
            "end_day": last["day"],
            "end_date": last["date"],
            "fighters_initial": m.initial_fighters,
            "fighters_killed": last["fighters_killed"],
            "fighters_wounded": last["fighters_wounded"],
            "fighters_evacuated": last["fighters_evacuated"],
            "fighters_settled": last["fighters_settled"],
            "fighters_active": last["fighters_active"],
            "civilians_initial": m.initial_civilians,
            "civilians_killed": last["civilians_killed"],
            "civilians_injured": last["civilians_injured"],
            "civilian_injury_events": last["civilian_injury_events"],
            "civilians_displaced": last["civilians_displaced"],
            **{k: v for k, v in last.items() if k.startswith(("civilians_killed_", "fighters_killed_"))},
            "besieger_killed": last["besieger_killed"],
            "enclave_share": last["control_rebel"] + last["control_contested"],
            "rounds": m.rounds,
            "rejections": m.rejections,
            "breakdowns": m.breakdowns,
            "collapses": m.collapses,
            "convoys": sum(1 for e in self.events if e["event"] == EventKind.CONVOY.value),
            "max_escalation": max(r["escalation_used"] for r in self.daily),
            "final_expulsion_fraction": m.terms.expulsion_fraction,
            "final_weapons_handover": m.terms.weapons_handover.name,
            "deal_template": m.terms.template.value,
            "final_besieger_entry": bool(m.terms.besieger_entry),
            "final_credibility": m.mediator.credibility,
            "deal_day": m.deal.day if m.deal is not None else -1,
            "decisive_phase_days": last["day"] - next(
                (r["day"] for r in self.daily if r["escalation_used"] >= Escalation.GROUND_PROBES), last["day"]),
        }
