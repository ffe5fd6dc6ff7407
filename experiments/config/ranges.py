"""The uncertain parameters of a sensitivity analysis: the ranges file (conf/sensitivity/ranges.yaml),
read and checked once, at the edge, against the model's own schema (types and allowed ranges)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from experiments.config.schema import CONF_DIR, ConfigError
from experiments.config.userfiles import read_yaml
from sim.params import ModelParams, SourceKind, iter_leaves, source_of

DEFAULT_RANGES = CONF_DIR / "sensitivity" / "ranges.yaml"
PROJECT_ROOT = CONF_DIR.parent
MAX_RANGES_BYTES = 256 * 1024


@dataclass
class UncertainParameter:
    """One parameter varied by the design: its override key, bounds, whether it is a whole number."""

    key: str            # "model.fighters.resolve_mean"
    lo: float
    hi: float
    integer: bool
    reason: str

    def override(self, value: float) -> str:
        """The Hydra override that sets this parameter to `value` (rounded for whole numbers)."""
        return f"{self.key}={self.value(value)!r}"

    def value(self, raw: float) -> float | int:
        """The value the model receives for a sampled `raw`: whole numbers rounded. On a Morris grid
        checked by `check_morris_grid` the rounding only removes floating-point dust; in a Sobol
        sample it quantises the input."""
        return round(raw) if self.integer else float(raw)


def _model_fields() -> dict[str, tuple[object, dataclasses.Field]]:
    """Every model leaf by override key, with its default value and field (for type and range)."""
    return {f"model.{path}": (value, f) for path, value, f in iter_leaves(ModelParams())}


def resolve_path(path: str | Path) -> Path:
    """A ranges file path: absolute, relative to the working folder, or relative to the project."""
    path = Path(path).expanduser()
    if path.is_absolute() or path.exists():
        return path
    return PROJECT_ROOT / path


def load_ranges(path: str | Path = DEFAULT_RANGES, only: list[str] | None = None) -> list[UncertainParameter]:
    """Read and check a ranges file; `only` keeps a subset (in the file's order). Raises ConfigError
    (one line naming the key) for an unknown or non-numeric parameter, lo >= hi, a bound outside the
    parameter's allowed range, or a fractional bound of a whole-number parameter."""
    file = resolve_path(path)
    if not file.is_file():
        raise ConfigError(f"hydra.sweeper.ranges={str(path)!r} is not allowed: a ranges file (no such file)")
    raw = read_ranges_file(file)
    entries = raw.get("parameters") if isinstance(raw, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise ConfigError(f"{file}: needs a 'parameters:' mapping of model.<path>: {{lo, hi, reason}}")
    fields = _model_fields()
    params = [_check(key, spec, fields, file) for key, spec in entries.items()]
    _check_left_out(raw.get("left_out") or {}, set(entries), fields, file)
    if only:
        known = {p.key for p in params}
        for key in only:
            if key not in known:
                raise ConfigError(f"hydra.sweeper.parameters: {key} is not in the ranges file {file}")
        params = [p for p in params if p.key in only]
    return params


def read_ranges_file(file: Path) -> object:
    """A ranges file's values, read literally and checked like every user file (experiments/config/userfiles.py)."""
    return read_yaml(file, "ranges file", MAX_RANGES_BYTES, "one entry per model parameter, about 140; the "
                     "shipped file is 17 kB")


def left_out(path: str | Path = DEFAULT_RANGES) -> dict[str, str]:
    """The assumptions a ranges file deliberately does not vary, each with its reason."""
    raw = read_ranges_file(resolve_path(path))
    return {str(k): str(v) for k, v in ((raw or {}).get("left_out") or {}).items()}


def _check_left_out(entries: object, varied: set[str], fields: dict[str, tuple[object, dataclasses.Field]],
                    file: Path) -> None:
    """`left_out` maps model keys to reasons; a key is either varied or left out, never both."""
    if not isinstance(entries, dict):
        raise ConfigError(f"{file}: left_out needs a mapping of model.<path>: reason")
    for key, reason in entries.items():
        where = f"{file.name}: left_out.{key}"
        if key not in fields:
            raise ConfigError(f"{where}: unknown parameter (keys are model.<section>.<name>, see sim/params.py)")
        if key in varied:
            raise ConfigError(f"{where}: also listed under parameters; a parameter is varied or left out, not both")
        if not str(reason or "").strip():
            raise ConfigError(f"{where}: needs a reason")


def _check(key: str, spec: object, fields: dict[str, tuple[object, dataclasses.Field]],
           file: Path) -> UncertainParameter:
    where = f"{file.name}: {key}"
    if key not in fields:
        raise ConfigError(f"{where}: unknown parameter (keys are model.<section>.<name>, see sim/params.py)")
    default, f = fields[key]
    if isinstance(default, (bool, Enum)) or not isinstance(default, (int, float)):
        raise ConfigError(f"{where}: not a numeric parameter, cannot be varied over a range")
    kind = source_of(f).kind
    if kind != SourceKind.ASSUMPTION:
        raise ConfigError(f"{where}: its value is sourced ({kind.value}), not an assumption; the ranges vary "
                          "assumptions only")
    if not isinstance(spec, dict) or not {"lo", "hi"} <= set(spec):
        raise ConfigError(f"{where}: needs {{lo: ..., hi: ..., reason: ...}}")
    lo, hi = spec["lo"], spec["hi"]
    for name, bound in (("lo", lo), ("hi", hi)):
        if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not math.isfinite(bound):
            raise ConfigError(f"{where}: {name}={bound!r} is not a number")
    integer = isinstance(default, int)
    if integer and (lo != int(lo) or hi != int(hi)):
        raise ConfigError(f"{where}: a whole-number parameter needs whole-number bounds (lo={lo}, hi={hi})")
    if lo >= hi:
        raise ConfigError(f"{where}: lo={lo} must be below hi={hi}")
    allowed_lo, allowed_hi = f.metadata.get("lo"), f.metadata.get("hi")
    if (allowed_lo is not None and lo < allowed_lo) or (allowed_hi is not None and hi > allowed_hi):
        raise ConfigError(f"{where}: [{lo}, {hi}] leaves the allowed range [{allowed_lo}, {allowed_hi}]")
    return UncertainParameter(key=key, lo=float(lo), hi=float(hi), integer=integer, reason=str(spec.get("reason", "")))


def check_morris_grid(params: list[UncertainParameter], levels: int) -> None:
    """Raise ConfigError (one line naming the key, with the nearest valid range) unless every
    whole-number parameter's Morris grid, lo + (hi - lo) * i / (levels - 1), falls on whole numbers.
    SALib's Morris estimator divides each output change by the nominal step of the grid; had the model
    received rounded values, the real step would differ (e.g. [1, 3] at 4 levels: a nominal 2/3 of
    the range, a real 1/2) and bias mu*, and rounding would pile the values up on some integers."""
    fields = _model_fields()
    step = levels - 1
    for p in params:
        if p.integer and int(p.hi - p.lo) % step:
            field = fields[p.key][1] if p.key in fields else None
            allowed = (field.metadata.get("lo"), field.metadata.get("hi")) if field is not None else (None, None)
            lo, hi = _nearest_grid_range(int(p.lo), int(p.hi), step, *allowed)
            raise ConfigError(f"{p.key}: a whole-number parameter's Morris range needs hi - lo divisible by "
                              f"levels - 1 = {step} so that the grid falls on whole numbers; [{p.lo:g}, {p.hi:g}] "
                              f"does not, the nearest that does is [{lo}, {hi}]")


def _nearest_grid_range(lo: int, hi: int, step: int, allowed_lo: float | None,
                        allowed_hi: float | None) -> tuple[int, int]:
    """The range closest to [lo, hi] (least total move of its bounds, then the wider, then the one
    keeping lo) whose width is a positive multiple of `step`, inside the allowed range."""
    best: tuple[int, int, int, int] | None = None
    for new_lo in range(lo - step, lo + step + 1):
        for new_hi in range(hi - step, hi + step + 1):
            width = new_hi - new_lo
            if width <= 0 or width % step:
                continue
            if (allowed_lo is not None and new_lo < allowed_lo) or (allowed_hi is not None and new_hi > allowed_hi):
                continue
            key = (abs(new_lo - lo) + abs(new_hi - hi), -width, abs(new_lo - lo), new_lo, new_hi)
            best = min(best, key) if best else key
    if best is None:  # the allowed range is narrower than one grid step: widen towards it anyway
        return lo, lo + step
    return best[3], best[4]
