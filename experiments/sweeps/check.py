"""A sweep's axes and the early check of every value on them, before any job starts."""

from __future__ import annotations

import sys
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

from experiments.config.compose import SCHEMA_PATHS, compose, to_run_config
from experiments.config.schema import ConfigError
from experiments.keys import same_value


def sweep_axes(overrides: list[str], sweeper_params: dict[str, Any] | None) -> dict[str, list[str]]:
    """The sweep's axes and their values, from the config's `hydra.sweeper.params` and from
    command-line sweep overrides (`key=a,b,c`, `key=range(...)`), as Hydra's basic sweeper sees them."""
    parser = OverridesParser.create()
    axes: dict[str, list[str]] = {}
    texts = [f"{k}={v}" for k, v in (sweeper_params or {}).items()] + list(overrides)
    for override in parser.parse_overrides(texts):
        if override.is_sweep_override():
            axes[override.get_key_element()] = [str(v) for v in override.sweep_string_iterator()]
        elif override.get_key_element() in axes:
            axes.pop(override.get_key_element())  # a plain command-line value replaces a config axis
    return axes


def plain_overrides(overrides: list[str]) -> list[str]:
    """The overrides that set one value (not `a,b,c` or `range(...)` sweeps)."""
    return [o.input_line for o in OverridesParser.create().parse_overrides(overrides) if not o.is_sweep_override()]


def sweeper_params(sweeper: DictConfig) -> dict[str, Any]:
    """The sweeper's `params` block as a plain dict (empty when the config sets none)."""
    params = sweeper.get("params")
    return {} if params is None else dict(OmegaConf.to_container(params))


def check_sweep(overrides: list[str]) -> dict[str, list[str]]:
    """Validate a cartesian sweep before any job starts: the base point, then every value of every
    axis on its own (not the whole cross product). Returns the axes."""
    plain = plain_overrides(overrides)
    cfg = compose(plain, with_hydra=True)
    axes = sweep_axes(overrides, sweeper_params(cfg.hydra.sweeper))
    first = [f"{k}={values[0]}" for k, values in axes.items()]
    run = to_run_config(compose(plain + first))
    for key, value in run.reference.items():
        if key not in SCHEMA_PATHS:
            raise ConfigError(f"reference.{key}={value!r} is not allowed: the reference names model parameters "
                              f"(such as {', '.join(axes) or 'model.terms.expulsion_fraction'})")
        if key not in axes:
            fixed = OmegaConf.select(cfg, key)
            fixed = getattr(fixed, "name", fixed)
            if not same_value(value, fixed):
                print(f"note: reference.{key}={value} but this sweep holds it at {fixed}; differences will be "
                      "measured against the point matching the reference on the sweep's axes", file=sys.stderr)
            continue
        if not any(same_value(value, v) for v in axes[key]):
            print(f"note: reference.{key}={value} is not among this sweep's values ({', '.join(axes[key])}); "
                  "differences will be measured against the first point", file=sys.stderr)
    for key, values in axes.items():
        for value in values[1:]:
            to_run_config(compose(plain + first + [f"{key}={value}"]))
    return axes
