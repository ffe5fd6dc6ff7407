"""The reports' colours: one per outcome class and per control state, shared by every page so an
outcome looks the same in the scenario, sweep and hindcast reports."""

from __future__ import annotations

from sim.enums import Control, Outcome

OUTCOME_COLOURS = {
    Outcome.SETTLEMENT_LOCAL_STAY.value: "#4c9a2a",
    Outcome.PARTIAL_EVACUATION.value: "#2a7ab0",
    Outcome.FULL_EVACUATION.value: "#7b4fa3",
    Outcome.MILITARY_TAKEOVER.value: "#c0392b",
    Outcome.STALEMATE.value: "#8c8c8c",
    Outcome.SIEGE_BROKEN.value: "#e08e0b",
}
CONTROL_COLOURS = {Control.REBEL: "#2e8b57", Control.CONTESTED: "#f2c14e", Control.BESIEGER: "#b03a2e"}


def rgba(hex_colour: str, alpha: float) -> str:
    """'#2a7ab0', 0.18 -> 'rgba(42,122,176,0.18)': a translucent band in a line's colour."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"

# A comparison's arms: the baseline in dark grey, the arms in a qualitative order (Okabe-Ito, which
# stays distinct for the common forms of colour blindness); more arms than colours cycle.
BASELINE_COLOUR = "#444444"
ARM_COLOURS = ("#e69f00", "#0072b2", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#f0e442")


def arm_colours(arms: list[str], baseline: str) -> dict[str, str]:
    """A colour per arm, the baseline's fixed."""
    others = [a for a in arms if a != baseline]
    return {baseline: BASELINE_COLOUR, **{a: ARM_COLOURS[i % len(ARM_COLOURS)] for i, a in enumerate(others)}}
