"""Which replicate the scenario report draws as a map and a timeline: a typical one, chosen from the
run table alone, so re-rendering a report shows the same replicate."""

from __future__ import annotations

import pandas as pd

from experiments.measures import OUTCOMES


def choose_showcase(runs: pd.DataFrame) -> int:
    """The representative replicate: in the modal outcome class (ties: the class first in Outcome
    order), the run whose end day is closest to that class's median (ties: the lowest replicate)."""
    counts = runs["outcome"].value_counts()
    top = counts.max()
    modal = next(o for o in OUTCOMES if counts.get(o, 0) == top) if top > 0 else runs["outcome"].iloc[0]
    members = runs[runs["outcome"] == modal]
    distance = (members["end_day"] - members["end_day"].median()).abs()
    best = members.assign(distance=distance).sort_values(["distance", "replicate"])
    return int(best["replicate"].iloc[0])
