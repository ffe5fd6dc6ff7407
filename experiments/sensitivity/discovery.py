"""Scenario discovery (Bryant & Lempert 2010) with CART: which regions of the inputs make the cases
of interest (by default, the siege ends by force: military takeover or full evacuation, rather than
a negotiated settlement)? A shallow decision tree is fitted on replicate-level rows and each leaf is
read as a box: a rule (a conjunction of thresholds, one interval per input), its coverage (the
share of all cases of interest that fall in it) and its density (the share of its rows that are of
interest). `python -m experiments.sensitivity.discovery SWEEP_DIR` runs it on any sweep folder."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.io import write_parquet
from experiments.measures import FORCED, SETTLEMENT
from experiments.sensitivity.files import DESIGN_FILE, DesignError, design_runs
from experiments.sweeps.folder import collect, read_axes, varying_keys

DISCOVERY_FILE = "discovery.parquet"
INTEREST = FORCED
BOX_COLUMNS = ["box", "rule", "n", "n_interest", "coverage", "density"]


@dataclass
class TreeSettings:
    """A shallow tree with large leaves: few, readable boxes rather than a fine classifier."""

    max_depth: int = 3
    min_leaf_share: float = 0.05   # a leaf holds at least this share of the rows
    balanced: bool = True          # weigh the rarer class up, so the tree seeks boxes where it is dense
    seed: int = 0


def discover(inputs: pd.DataFrame, interest: np.ndarray, settings: TreeSettings | None = None) -> pd.DataFrame:
    """Boxes from a tree fitted on `inputs` (numeric columns) to the boolean `interest`, sorted by
    density (then coverage); one row per leaf: rule, rows, rows of interest, coverage, density."""
    from sklearn.tree import DecisionTreeClassifier  # heavy: imported only when discovery runs

    settings = settings or TreeSettings()
    y = np.asarray(interest, dtype=bool)
    if len(inputs) != len(y) or len(y) == 0:
        raise ValueError("discover needs as many rows of inputs as outcomes, and at least one")
    x = inputs.to_numpy(float)
    tree = DecisionTreeClassifier(max_depth=settings.max_depth, min_samples_leaf=settings.min_leaf_share,
                                  class_weight="balanced" if settings.balanced else None,
                                  random_state=settings.seed).fit(x, y)
    leaves = tree.apply(x)
    total = int(y.sum())
    rows = []
    for leaf, bounds in _leaf_bounds(tree.tree_).items():
        in_leaf = leaves == leaf
        n, k = int(in_leaf.sum()), int(y[in_leaf].sum())
        rows.append({"rule": _rule(bounds, list(inputs.columns)), "n": n, "n_interest": k,
                     "coverage": k / total if total else float("nan"), "density": k / n if n else float("nan")})
    boxes = pd.DataFrame(rows, columns=BOX_COLUMNS[1:]).sort_values(["density", "coverage"], ascending=False)
    boxes.insert(0, "box", range(1, len(boxes) + 1))
    return boxes.reset_index(drop=True)


def _leaf_bounds(tree) -> dict[int, dict[int, list[float]]]:
    """For every leaf, the interval [lower, upper] of each feature on its path (tightest thresholds)."""
    out: dict[int, dict[int, list[float]]] = {}
    stack = [(0, {})]
    while stack:
        node, bounds = stack.pop()
        left, right = tree.children_left[node], tree.children_right[node]
        if left == right:  # a leaf
            out[node] = bounds
            continue
        feature, threshold = int(tree.feature[node]), float(tree.threshold[node])
        lo, hi = bounds.get(feature, [-np.inf, np.inf])
        stack.append((left, {**bounds, feature: [lo, min(hi, threshold)]}))
        stack.append((right, {**bounds, feature: [max(lo, threshold), hi]}))
    return out


def _rule(bounds: dict[int, list[float]], names: list[str]) -> str:
    """'a > 0.7 and 0.1 < b <= 0.4' (sklearn's split is x <= threshold to the left)."""
    def num(v: float) -> str:
        return f"{v:.4g}" if abs(v) < 1e4 else f"{v:,.0f}"

    parts = []
    for feature in sorted(bounds):
        lo, hi = bounds[feature]
        name = names[feature].removeprefix("model.")
        if np.isfinite(lo) and np.isfinite(hi):
            parts.append(f"{num(lo)} < {name} <= {num(hi)}")
        elif np.isfinite(lo):
            parts.append(f"{name} > {num(lo)}")
        else:
            parts.append(f"{name} <= {num(hi)}")
    return " and ".join(parts) or "all rows"


def outcome_rows(runs: pd.DataFrame, inputs: list[str]) -> tuple[pd.DataFrame, np.ndarray, int]:
    """(inputs, interest, dropped) from replicate rows: only rows ending in a case of interest or in
    a negotiated settlement are kept (stalemates and broken sieges are neither); input columns are
    made numeric, and a column of labels becomes one 0/1 column per label."""
    kept = runs[runs["outcome"].isin(INTEREST + SETTLEMENT)].reset_index(drop=True)
    frame = pd.DataFrame(index=kept.index)
    for column in inputs:
        numeric = pd.to_numeric(kept[column], errors="coerce")
        if numeric.notna().all():
            frame[column] = numeric
        else:
            for label in sorted(kept[column].astype(str).unique()):
                frame[f"{column}={label}"] = (kept[column].astype(str) == label).astype(float)
    return frame, kept["outcome"].isin(INTEREST).to_numpy(), len(runs) - len(kept)


def sweep_rows(sweep_dir: Path) -> tuple[pd.DataFrame, list[str]]:
    """Replicate rows of a sweep folder with their point's inputs, and the input columns: a
    sensitivity design's parameters (design.parquet), or an ordinary sweep's axes."""
    if (sweep_dir / DESIGN_FILE).exists():
        design, runs = design_runs(sweep_dir)
        return runs, [c for c in design.columns if c != "point" and not c.startswith("raw.")]
    points, runs, _ = collect(sweep_dir)
    axes = read_axes(sweep_dir)
    return runs, list(axes) if axes else varying_keys(points)


def write_boxes(sweep_dir: Path, boxes: pd.DataFrame) -> Path:
    return write_parquet(sweep_dir / DISCOVERY_FILE, boxes)


def format_boxes(boxes: pd.DataFrame, dropped: int = 0) -> str:
    """The boxes as a few lines of text."""
    lines = [f"Scenario discovery: where do {' or '.join(INTEREST)} happen (vs a negotiated settlement)?"]
    if dropped:
        lines.append(f"  ({dropped} replicates ending otherwise, stalemate or siege broken, left out)")
    for row in boxes.itertuples():
        lines.append(f"  box {row.box}: density {row.density:6.1%}  coverage {row.coverage:6.1%}  n={row.n:<6} "
                     f"{row.rule}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Scenario discovery (CART boxes) on a sweep folder.")
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--max-depth", type=int, default=TreeSettings.max_depth)
    parser.add_argument("--min-leaf-share", type=float, default=TreeSettings.min_leaf_share)
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"error: {args.sweep_dir} is not a folder", file=sys.stderr)
        return 2
    if args.max_depth < 1 or not 0 < args.min_leaf_share < 0.5:
        print("error: --max-depth is at least 1 and --min-leaf-share lies in (0, 0.5)", file=sys.stderr)
        return 2
    try:
        runs, inputs = sweep_rows(args.sweep_dir)
    except (FileNotFoundError, DesignError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if runs.empty or not inputs:
        print(f"error: {args.sweep_dir} has no finished replicates or no varying inputs", file=sys.stderr)
        return 2
    x, y, dropped = outcome_rows(runs, inputs)
    boxes = discover(x, y, TreeSettings(max_depth=args.max_depth, min_leaf_share=args.min_leaf_share))
    path = write_boxes(args.sweep_dir, boxes)
    print(format_boxes(boxes, dropped))
    print(f"Boxes: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
