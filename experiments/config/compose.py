"""The Hydra edge: registering the schema and the scenarios, composing a config as Hydra would, and
the one place where a composed config becomes validated dataclasses (or a one-line error naming the
key, the value and what is allowed)."""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import threading
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import HydraException, OverrideParseException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from experiments.config.cases import register_cases, registered_case_ids
from experiments.config.schema import (
    CONF_DIR,
    MAX_REPLICATES,
    MAX_SEED,
    MAX_WORKERS,
    REPLICATES_CAP_REASON,
    SEED_CAP_REASON,
    WORKERS_CAP_REASON,
    ConfigError,
    RunConfig,
    check_name,
)
from experiments.io import EXPORT_FORMATS, XLSX_MAX_ROWS
from experiments.keys import flatten
from sim.cases import CaseFacts
from sim.draws import ParameterDraws
from sim.params import ModelParams, ParameterError, SourceKind, iter_leaves, source_of, validate


def register(cases_dir: str | Path | None = None) -> None:
    """Register the schema so Hydra composes `config.yaml` on top of it, and every case file in
    conf/cases/ (and in `cases_dir`, a user's folder) as a scenario (`scenario=<case id>`)."""
    ConfigStore.instance().store(name="run_schema", node=RunConfig)
    register_cases(user_dir=Path(cases_dir) if cases_dir else None)


def cases_dir_argument(overrides: list[str]) -> str | None:
    """The `cases_dir=PATH` among command-line overrides, resolved to an absolute path and checked."""
    values = [o.split("=", 1)[1] for o in overrides if o.split("=", 1)[0].lstrip("+") == "cases_dir" and "=" in o]
    if not values or not values[-1]:
        return None
    folder = Path(values[-1]).expanduser().resolve()
    if not folder.is_dir():
        raise ConfigError(f"cases_dir={values[-1]!r} is not allowed: a folder of case files (*.yaml)")
    if not any(folder.glob("*.yaml")):
        raise ConfigError(f"cases_dir={values[-1]!r} is not allowed: a folder holding case files (*.yaml); this "
                          "one holds none")
    return str(folder)


def _schema_paths(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Every dotted key of the schema, mapped to its default (dataclasses for sections)."""
    paths: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        paths[prefix + f.name] = value
        if dataclasses.is_dataclass(value):
            paths.update(_schema_paths(value, prefix + f.name + "."))
    return paths


# `case` is unset by default; its keys are those of the facts a case scenario sets
SCHEMA_PATHS = {**_schema_paths(RunConfig()),
                **{f"case.{f.name}": f.default if f.default is not dataclasses.MISSING else None
                   for f in dataclasses.fields(CaseFacts)}}


def check_key(key: str, value: Any = None) -> None:
    """Raise ConfigError for an override key the schema does not know, suggesting the closest."""
    if key in SCHEMA_PATHS or key.startswith(("provenance.", "reference.", "comparison.arms.", "hydra")):
        return
    parent = key.rsplit(".", 1)[0] if "." in key else ""
    siblings = sorted(p for p in SCHEMA_PATHS if p.rsplit(".", 1)[0] == parent and "." in p) if parent else sorted(
        p for p in SCHEMA_PATHS if "." not in p)
    close = difflib.get_close_matches(key, list(SCHEMA_PATHS), n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    allowed = ", ".join(s.rsplit(".", 1)[-1] for s in siblings) if siblings else "see conf/ and sim/params.py"
    shown = key if value is None else f"{key}={value!r}"
    raise ConfigError(f"{shown} is not allowed: no such parameter; {hint}allowed under '{parent or 'top level'}': "
                      f"{allowed}")


def _refuse_non_finite(node: Any, path: str = "") -> None:
    """A ConfigError naming the first NaN or infinite number (the case mapping and the ranges cannot
    judge them: NaN passes every comparison)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if path or key not in ("provenance", "reference"):
                _refuse_non_finite(value, f"{path}{key}.")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _refuse_non_finite(value, f"{path.rstrip('.')}[{i}].")
    elif isinstance(node, float) and not math.isfinite(node):
        raise ConfigError(f"{path.rstrip('.')}={node!r} is not allowed: a finite number")


def to_run_config(cfg: DictConfig) -> RunConfig:
    """Merge a composed config into a fresh structured schema (so `+key=value` cannot slip past),
    convert it to dataclasses and validate ranges and consistency."""
    raw = OmegaConf.to_container(cfg, resolve=False)
    if isinstance(raw, dict):
        raw.pop("hydra", None)  # Hydra's own node, with interpolations only a running job can resolve
        _refuse_non_finite(raw)
    try:
        plain = OmegaConf.to_container(OmegaConf.create(raw), resolve=True)
    except OmegaConfBaseException as exc:  # the case mapping's resolvers, given facts they cannot map
        reason = str(getattr(exc, "msg", exc)).splitlines()[0]
        raise ConfigError(f"the case facts cannot be mapped to parameters ({reason})") from None
    if isinstance(plain, dict):
        for key in flatten(plain, keep=("provenance", "reference", "case", "comparison.arms")):
            if not key.startswith(("provenance", "reference")):
                check_key(key)
    try:
        merged = OmegaConf.merge(OmegaConf.structured(RunConfig), plain)
        run = OmegaConf.to_object(merged)
    except OmegaConfBaseException as exc:
        raise ConfigError(_omegaconf_message(exc)) from None
    assert isinstance(run, RunConfig)
    check_run(run)
    try:
        validate(run.model)
    except ParameterError as exc:
        raise ConfigError(f"model.{exc.key}={exc.value!r} is not allowed: {exc.allowed}") from None
    leaves = [p for p, _, _ in iter_leaves(run.model)]
    for key, text in run.provenance.items():
        if key.removeprefix("model.") not in leaves or not key.startswith("model."):
            close = difflib.get_close_matches(key.removeprefix("model."), leaves, n=1)
            hint = f"; did you mean model.{close[0]}?" if close else ""
            raise ConfigError(f"provenance.{key}={text!r} is not allowed: a key naming a model parameter, "
                              f"model.<section>.<name>{hint}")
    return run


def check_run(run: RunConfig) -> None:
    """The run's own settings: counts within their caps (schema.py says why each), and the names that
    become folders (outputs/<scenario_name>/, multirun/<experiment>) plain names."""
    if not 1 <= run.replicates <= MAX_REPLICATES:
        raise ConfigError(f"replicates={run.replicates!r} is not allowed: a whole number in [1, {MAX_REPLICATES}] "
                          f"({REPLICATES_CAP_REASON})")
    if not 0 <= run.workers <= MAX_WORKERS:
        raise ConfigError(f"workers={run.workers!r} is not allowed: 0 (all cores) or a whole number in "
                          f"[1, {MAX_WORKERS}] ({WORKERS_CAP_REASON})")
    if not 0 <= run.seed <= MAX_SEED:
        raise ConfigError(f"seed={run.seed!r} is not allowed: a whole number in [0, 2**63 - 1 = {MAX_SEED}] "
                          f"({SEED_CAP_REASON})")
    horizon = next(f for f in dataclasses.fields(ModelParams) if f.name == "horizon_days").metadata
    if not horizon["lo"] <= run.hindcast.horizon_days <= horizon["hi"]:
        raise ConfigError(f"hindcast.horizon_days={run.hindcast.horizon_days!r} is not allowed: a whole number in "
                          f"[{horizon['lo']}, {horizon['hi']}] (the range of model.horizon_days)")
    check_name("scenario_name", run.scenario_name, "it names the output folder, outputs/<scenario_name>/")
    if run.format not in EXPORT_FORMATS:
        raise ConfigError(f"format={run.format!r} is not allowed: one of {', '.join(EXPORT_FORMATS)} (the tables "
                          "are always Parquet; csv or xlsx adds a copy beside each)")
    daily_rows = run.replicates * run.model.horizon_days
    if run.format == "xlsx" and daily_rows + 1 > XLSX_MAX_ROWS:
        raise ConfigError(f"format=xlsx is not allowed with replicates={run.replicates} over {run.model.horizon_days} "
                          f"days: the daily table can reach {daily_rows:,} rows and an Excel sheet holds "
                          f"{XLSX_MAX_ROWS - 1:,}; use format=csv or fewer replicates")
    check_posterior(run)
    if run.experiment:
        check_name("experiment", run.experiment, "it names the sweep folder, multirun/<experiment>")


def check_posterior(run: RunConfig) -> None:
    """A posterior's particles: numeric model parameters marked 'assumption' (facts are never drawn),
    a value per path in every row, weights that make sense, and every particle a valid model."""
    try:
        draws = run.posterior.draws()
    except ValueError as exc:
        raise ConfigError(f"{exc} is not allowed") from None
    if draws is None:
        return
    leaves = {path: (value, f) for path, value, f in iter_leaves(ModelParams())}
    for path in draws.paths:
        if path not in leaves:
            raise ConfigError(f"posterior.paths: {path!r} is not allowed: a dotted path under model, such as "
                              "negotiation.resolve_weight")
        value, f = leaves[path]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or source_of(f).kind != SourceKind.ASSUMPTION:
            raise ConfigError(f"posterior.paths: {path!r} is not allowed: only numeric assumptions carry a posterior "
                              f"({path} is {source_of(f).kind.value})")
    _check_particles(run, draws, "posterior.values")
    cases = [fit.case for fit in run.posterior.left_out]
    for i, fit in enumerate(run.posterior.left_out):
        if not fit.case or cases.count(fit.case) > 1:
            raise ConfigError(f"posterior.left_out[{i}].case={fit.case!r} is not allowed: the id of the case left "
                              "out of the refit, each case once")
        try:
            left = run.posterior.left_out_draws(fit.case)
        except ValueError as exc:
            raise ConfigError(f"posterior.left_out[{i}] ({fit.case}): {exc} is not allowed") from None
        _check_particles(run, left, f"posterior.left_out[{i}].values")


def _check_particles(run: RunConfig, draws: ParameterDraws, key: str) -> None:
    """Every particle a valid model on top of the run's parameters."""
    for k in range(draws.weights.size):
        try:
            validate(draws.params_for(run.model, k))
        except ParameterError as exc:
            raise ConfigError(f"{key}[{k}]: model.{exc.key}={exc.value!r} is not allowed: "
                              f"{exc.allowed}") from None


def _list_sections(schema: type, prefix: str = "") -> dict[str, type]:
    """The schema's lists of dataclasses (calibration.parameters) by dotted key, with their item type."""
    sections: dict[str, type] = {}
    hints = typing.get_type_hints(schema)
    for f in dataclasses.fields(schema):
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint) and f.name != "model":
            sections.update(_list_sections(hint, f"{prefix}{f.name}."))
        elif typing.get_origin(hint) is list and dataclasses.is_dataclass(typing.get_args(hint)[0]):
            sections[prefix + f.name] = typing.get_args(hint)[0]
    return sections


LIST_SECTIONS = _list_sections(RunConfig)


def check_items(key: str, items: Any) -> None:
    """Each item of a list of dataclasses (`calibration.parameters`), named by its place
    (`calibration.parameters[0].lo`), which OmegaConf's own errors leave out."""
    item_type = LIST_SECTIONS[key]
    if not isinstance(items, list):
        return  # not a list: the schema's merge names the type
    names = [f.name for f in dataclasses.fields(item_type)]
    defaults = item_type()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ConfigError(f"{key}[{i}]={item!r} is not allowed: a mapping of {', '.join(names)}")
        for name, value in item.items():
            if name not in names:
                close = difflib.get_close_matches(str(name), names, n=1)
                hint = f"did you mean {close[0]}? " if close else ""
                raise ConfigError(f"{key}[{i}].{name}={value!r} is not allowed: {hint}an item has "
                                  f"{', '.join(names)}")
            try:
                OmegaConf.merge(OmegaConf.structured(item_type), {name: value})
            except OmegaConfBaseException:
                raise ConfigError(f"{key}[{i}].{name}={value!r} is not allowed: "
                                  f"{_expected_of(getattr(defaults, name))}") from None


def _expected(key: str) -> str:
    """What the schema allows at `key`, in words."""
    return _expected_of(SCHEMA_PATHS.get(key))


def _expected_of(default: Any) -> str:
    """What a field with this default allows, in words."""
    if isinstance(default, Enum):
        return "one of " + ", ".join(type(default).__members__)
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "a whole number"
    if isinstance(default, float):
        return "a number"
    if isinstance(default, str):
        return "a string"
    if isinstance(default, list):
        return "a list"
    if isinstance(default, dict):
        return "a mapping"
    return "a value of the schema's type"


def _omegaconf_message(exc: OmegaConfBaseException) -> str:
    key = getattr(exc, "full_key", None) or "config"
    value = getattr(exc, "value", None)
    reason = str(getattr(exc, "msg", exc)).splitlines()[0]
    if "not in struct" in reason:  # a new key under a mapping (a comparison's arm): Hydra wants it marked
        return f"{key} is not in the config yet: add it with a leading '+', as '+{key}=...'"
    return f"{key}={value!r} is not allowed: {_expected(key)} ({reason})"


def group_options(group: str) -> list[str]:
    """The configs available in a config group: its folder, and for scenarios every registered case."""
    names = {p.stem for p in (CONF_DIR / group).glob("*.yaml")}
    if group == "scenario":
        names |= set(registered_case_ids())
    return sorted(names)


def parse_overrides(overrides: list[str]) -> list[Override]:
    """Hydra's parse of command-line overrides; a ConfigError naming the first that does not parse
    (an empty sweep value `a=0.1,,0.3`, an unclosed bracket or quote)."""
    parser = OverridesParser.create()
    try:
        return parser.parse_overrides(overrides)
    except OverrideParseException:
        for text in overrides:
            try:
                parser.parse_overrides([text])
            except OverrideParseException as exc:
                problem = str(exc).split("\n")[1 if str(exc).startswith("Error parsing") else 0]
                problem = problem.split(" expecting ")[0]
                raise ConfigError(f"{text} is not allowed: key=value, or key=a,b,c to sweep, in Hydra's override "
                                  f"grammar: no value of a sweep left empty, every bracket and quote closed "
                                  f"(Hydra: {problem})") from None
        raise


# Hydra's global state (GlobalHydra, the config store) is one per process: the explorer composes from
# several threads at once (a control's check while a run starts), so compositions take turns
_COMPOSING = threading.RLock()


def compose(overrides: list[str], with_hydra: bool = False) -> DictConfig:
    """Compose the run config as Hydra would, without starting a Hydra run (used for early checks).
    Thread-safe: one composition at a time."""
    with _COMPOSING:
        return _compose(overrides, with_hydra)


def _compose(overrides: list[str], with_hydra: bool) -> DictConfig:
    register(cases_dir_argument(overrides))
    for ov in parse_overrides(overrides):
        key = ov.key_or_group
        if ov.is_delete() or key.startswith("hydra") or key == "scenario" or ov.package or (CONF_DIR / key).is_dir():
            continue
        check_key(key, None if ov.is_sweep_override() else ov.value())
        if key.startswith(("provenance.", "reference.")) and key.count(".") > 1:
            section = key.split(".", 1)[0]
            raise ConfigError(f"{key}={ov.value()!r} is not allowed: {section} is set in config files, keyed by "
                              "a parameter's dotted path, which a command line cannot give (Hydra nests it)")
        if key in LIST_SECTIONS and not ov.is_sweep_override():
            check_items(key, ov.value())
        if key.startswith("comparison.arms.") and key.count(".") == 2 and not isinstance(ov.value(), dict):
            raise ConfigError(f"{key}={ov.value()!r} is not allowed: an arm is a mapping of parameter paths to "
                              "values, e.g. {model.mediator.air_cover:GRANTED}")
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base=None):
            return hydra_compose(config_name="config", overrides=overrides, return_hydra_config=with_hydra)
    except HydraException as exc:
        cause = exc.__cause__ if isinstance(exc.__cause__, OmegaConfBaseException) else None
        if cause is not None:
            raise ConfigError(_omegaconf_message(cause)) from None
        message = str(exc).splitlines()[0]
        missing = re.search(r"Could not find '(\w+)/([^']+)'", message)
        if missing and group_options(missing.group(1)):
            group, bad = missing.groups()
            message = f"{group}={bad!r} is not allowed: one of {', '.join(group_options(group))}"
        raise ConfigError(message) from None
    finally:
        GlobalHydra.instance().clear()


# an arm changes parameters only: every arm runs the job's replicates on its seed, so its runs pair
# replicate by replicate with the baseline's
ARM_KEY_PREFIXES = ("model.", "case.")


def arm_configs(cfg: DictConfig, run: RunConfig) -> list[tuple[str, dict[str, Any], RunConfig]]:
    """A comparison's arms as (name, overrides, validated run config), the baseline (the job's own
    config, no overrides) first; a ConfigError naming the arm and the key for a bad arm. `cfg` is
    the job's composed config, so an arm's case.* facts flow through the case mapping."""
    comparison = run.comparison
    check_name("comparison.baseline", comparison.baseline, "it names the baseline arm in tables and its folder, "
               "arms/<name>/")
    if not comparison.arms:
        raise ConfigError("comparison.arms is empty: give at least one arm to compare with the baseline, e.g. "
                          "'+comparison.arms.granted={model.mediator.air_cover:GRANTED}'")
    arms: list[tuple[str, dict[str, Any], RunConfig]] = [(comparison.baseline, {}, run)]
    for name, overrides in comparison.arms.items():
        check_name(f"comparison.arms.{name}", name, "it names the arm in tables and its folder, arms/<name>/")
        if name == comparison.baseline:
            raise ConfigError(f"comparison.arms.{name} is not allowed: the name of the baseline arm "
                              "(comparison.baseline); name the arm something else")
        if not isinstance(overrides, dict) or not overrides:
            raise ConfigError(f"comparison.arms.{name}={overrides!r} is not allowed: a non-empty mapping of dotted "
                              "parameter paths to values, e.g. {model.mediator.air_cover: GRANTED}")
        arm_cfg = OmegaConf.create(OmegaConf.to_container(cfg, resolve=False))
        arm_cfg.pop("hydra", None)
        for key, value in overrides.items():
            shown = f"comparison.arms.{name}.{key}={value!r}"
            if not str(key).startswith(ARM_KEY_PREFIXES):
                raise ConfigError(f"{shown} is not allowed: an arm sets parameters (model.* or case.*); every arm "
                                  "runs the job's replicates on its seed so that its runs pair with the baseline's; "
                                  "to compare scenarios, sweep them: -m scenario=a,b")
            if str(key).startswith("case.") and run.case is None:
                raise ConfigError(f"{shown} is not allowed: case facts need a case scenario (scenario=<case id>)")
            if isinstance(value, dict | list):
                raise ConfigError(f"{shown} is not allowed: an arm sets single parameters by their full dotted path "
                                  f"(e.g. {key}.<name>: value); a whole section would reset its other parameters")
            if str(key).removeprefix("model.") in run.posterior.paths:
                raise ConfigError(f"{shown} is not allowed: the posterior (posterior.paths) draws this parameter "
                                  "for every replicate, so the arm would change nothing; compare without "
                                  "+calibration=... or on another parameter")
            try:
                check_key(str(key), value)
            except ConfigError as exc:
                raise ConfigError(f"comparison.arms.{name}: {exc}") from None
            OmegaConf.update(arm_cfg, str(key), value, merge=False)
        try:
            arms.append((name, dict(overrides), to_run_config(arm_cfg)))
        except ConfigError as exc:
            raise ConfigError(f"comparison.arms.{name}: {exc}") from None
    return arms
