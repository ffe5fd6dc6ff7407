"""How a sweep's points are laid out on the report: axis values as strings, ordered numerically when
they all parse as numbers, the first axis along x, the second as panels or lines (up to MAX_PANELS
values), and every further axis chosen with a dropdown over the combinations present."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

MAX_PANELS = 10           # small multiples (and lines per panel) drawn for the second axis at most
UNSET = "(unset)"


@dataclass
class Plan:
    """How the sweep's axes are drawn: the first along x, the second as panels or lines (up to
    MAX_PANELS values), and the rest (`selectors`) chosen with a dropdown over their combinations."""

    axes: list[str]
    values: dict[str, list[str]]
    numeric: dict[str, bool]
    short: dict[str, str]
    x: str
    group: str | None
    selectors: list[str]
    combos: list[tuple[str, ...]]
    active: int                      # the combination shown first: the reference point's
    rows: dict[tuple[str, ...], dict[str, Any]] = field(default_factory=dict)  # axis values -> summary row
    reference: dict[str, Any] | None = None

    def row(self, **values: str) -> dict[str, Any] | None:
        return self.rows.get(tuple(values[a] for a in self.axes))

    def combo_text(self, combo: Sequence[str]) -> str:
        return ", ".join(f"{self.short[a]} = {v}" for a, v in zip(self.selectors, combo))

    def point_text(self, row: dict[str, Any]) -> str:
        return ", ".join(f"{self.short[a]} = {row[a]}" for a in self.axes)


def ordered_values(values: Sequence[Any]) -> tuple[list[str], bool]:
    """(distinct values, numeric?): sorted by number when every value parses as a finite float,
    else in order of first appearance."""
    distinct = list(dict.fromkeys(str(v) for v in values))
    try:
        numeric = bool(distinct) and all(math.isfinite(float(v)) for v in distinct)
    except ValueError:
        numeric = False
    return (sorted(distinct, key=float) if numeric else distinct), numeric


def _axis_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return UNSET
    return str(value)


def prepare(summary: pd.DataFrame, axes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The summary with axis values as strings and the bookkeeping columns present; with no axis
    (a single point), the point names serve as one."""
    frame = summary.copy().reset_index(drop=True)
    missing = [a for a in axes if a not in frame.columns]
    if missing:
        raise ValueError(f"sweep axes not in the summary table: {missing}")
    if "point" not in frame.columns:
        frame["point"] = [str(i) for i in range(len(frame))]
    axes = list(axes) or ["point"]
    for axis in dict.fromkeys([*axes, "point"]):
        frame[axis] = [_axis_text(v) for v in frame[axis]]
    defaults = {"status": "done", "error": "", "is_reference": False, "n": 0}
    for column, default in defaults.items():
        if column not in frame.columns:
            frame[column] = default
    frame["status"] = [_axis_text(v) if _axis_text(v) != UNSET else "unfinished" for v in frame["status"]]
    frame["error"] = ["" if _axis_text(v) == UNSET else str(v) for v in frame["error"]]
    frame["is_reference"] = frame["is_reference"].fillna(False).astype(bool)
    frame["n"] = pd.to_numeric(frame["n"], errors="coerce").fillna(0).astype(int)
    return frame, axes


def make_plan(frame: pd.DataFrame, axes: list[str]) -> Plan:
    """The plan of a summary made ready by `prepare`: each axis's values, short names (the last part
    of the key, unless two axes share it), which axis groups, which are chosen, and the reference."""
    values, numeric = {}, {}
    for axis in axes:
        values[axis], numeric[axis] = ordered_values(frame[axis])
    short = {a: a.rsplit(".", 1)[-1] for a in axes}
    if len(set(short.values())) < len(axes):
        short = {a: a for a in axes}
    group = axes[1] if len(axes) > 1 and len(values[axes[1]]) <= MAX_PANELS else None
    selectors = axes[2:] if group else axes[1:]
    rows: dict[tuple[str, ...], dict[str, Any]] = {}
    for record in frame.to_dict("records"):
        rows.setdefault(tuple(record[a] for a in axes), record)
    present = {tuple(r[a] for a in selectors) for r in rows.values()}
    combos = [c for c in itertools.product(*(values[a] for a in selectors)) if c in present] or [()]
    refs = [r for r in frame.to_dict("records") if r["is_reference"]]
    reference = refs[0] if refs else None
    active = combos.index(tuple(reference[a] for a in selectors)) if reference else 0
    return Plan(axes=axes, values=values, numeric=numeric, short=short, x=axes[0], group=group,
                selectors=selectors, combos=combos, active=active, rows=rows, reference=reference)
