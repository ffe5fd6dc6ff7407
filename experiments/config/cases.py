"""Read case files (facts only, conf/cases/*.yaml or a folder of the user's) and make each a
scenario: `scenario=<case id>` runs it, with any override on top. The mapping from facts to
parameters is sim.cases.case_overrides; this module does the file handling and validation, and
wires the mapping into the composed config.

A case scenario's node holds the facts (`case.*`) and, for each parameter the facts determine, an
interpolation `${siege_case:<path>}` that a resolver computes from the config's own `case` and
`model.mapping` sections. So the precedence is the defaults, then the case mapped with the run's
mapping constants, then explicit overrides: `model.mapping.credibility_low=0.2` reaches the mapped
`model.mediator.initial_credibility` of every case whose trust is LOW, while an override of
`model.mediator.initial_credibility` itself replaces the interpolation."""

from __future__ import annotations

import dataclasses
import functools
import json
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from experiments.config.schema import CONF_DIR, ConfigError
from experiments.keys import nest
from sim.cases import MAPPING_INPUTS, CaseFacts, RecordedOutcome, case_overrides
from sim.params import CaseMappingParams, ModelParams, with_values

RESOLVER = "siege_case"

CASES_DIR = CONF_DIR / "cases"


class Case:
    """One case file: id, name, facts, recorded outcome and the source of each fact."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            data = yaml.safe_load(self.path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{self.path}: not valid YAML ({str(exc).splitlines()[0]})") from None
        unknown = set(data) - {"id", "name", "facts", "recorded", "sources"}
        if unknown or "id" not in data or "facts" not in data:
            raise ConfigError(f"{self.path}: a case file has id, name, facts, recorded and sources"
                              f"{'; unknown: ' + ', '.join(sorted(unknown)) if unknown else ''}")
        self.id: str = str(data["id"])
        self.name: str = str(data.get("name", self.id))
        self.facts: CaseFacts = _typed(CaseFacts, data["facts"], self.path, "facts")
        self.recorded: RecordedOutcome = _typed(RecordedOutcome, data.get("recorded") or {}, self.path, "recorded")
        self.sources: dict[str, str] = {str(k): str(v) for k, v in (data.get("sources") or {}).items()}
        missing = [k for k in data["facts"] if k not in self.sources]
        if missing:
            raise ConfigError(f"{self.path}: every fact needs a source; missing for {', '.join(missing)}")

    def scenario(self) -> dict[str, Any]:
        """The scenario node: the facts, the mapped parameters (as interpolations the resolver computes
        from the composed config) and, for each, the source of the fact behind it."""
        model: dict[str, Any] = {}
        provenance = {}
        for path in case_overrides(self.facts, ModelParams()):
            nest(model, path, f"${{{RESOLVER}:{path}}}")
            provenance[f"model.{path}"] = f"case {self.id} (mapped by sim.cases): " + "; ".join(
                f"{fact}: {self.sources[fact]}" if fact in self.sources
                else f"{fact} not given, the mapping's assumption (ODD 6.3)" for fact in _facts_behind(path))
        return {"scenario_name": self.id, "case": _plain(dataclasses.asdict(self.facts)), "model": model,
                "provenance": provenance}


def _plain(value: Any) -> Any:
    """Enums as their names, recursively, so a node holds only what a YAML file could."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value.name if isinstance(value, Enum) else value


@functools.lru_cache(maxsize=256)
def _mapped(facts_json: str, mapping_json: str, inputs_json: str) -> dict[str, Any]:
    """The mapped parameters of one set of facts under one mapping (enums as names); cached, as each
    mapped key of a composed config asks for the same mapping."""
    facts = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(CaseFacts), json.loads(facts_json)))
    mapping = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(CaseMappingParams), json.loads(mapping_json)))
    base = with_values(dataclasses.replace(ModelParams(), mapping=mapping), json.loads(inputs_json))
    return _plain(case_overrides(facts, base))


def mapped_value(path: str, *, _root_: DictConfig) -> Any:
    """The resolver behind `${siege_case:<path>}`: the value the case mapping gives `path`, from the
    config's own facts (`case`), mapping constants (`model.mapping`) and MAPPING_INPUTS."""
    def as_json(node: Any) -> str:
        return json.dumps(_plain(OmegaConf.to_container(node, resolve=True)), sort_keys=True)

    inputs = {p: OmegaConf.select(_root_, f"model.{p}") for p in MAPPING_INPUTS}
    return _mapped(as_json(_root_.case), as_json(_root_.model.mapping), json.dumps(inputs, sort_keys=True))[path]


def register_resolver() -> None:
    """Make `${siege_case:...}` resolvable in this process (idempotent)."""
    if not OmegaConf.has_resolver(RESOLVER):
        OmegaConf.register_new_resolver(RESOLVER, mapped_value)


def _facts_behind(path: str) -> list[str]:
    """Which facts a mapped parameter comes from (for its provenance)."""
    table = {"start_date": ["start_date"], "fighters.count": ["fighters_inside"],
             "civilians.count": ["civilians_inside"],
             "district.initial_supply_days": ["siege_days_so_far"],
             "besieger.army_strength": ["besieger_troops", "militia_share", "fighters_inside"],
             "besieger.militia_strength": ["besieger_troops", "militia_share", "fighters_inside"],
             "besieger.second_front_losses": ["outside_support"],
             "mediator.air_cover": ["air_power", "air_cover"],
             "mediator.external_constraint": ["external_constraint"],
             "mediator.image_weight": ["mediator_image_concern"],
             "mediator.initial_credibility": ["trust_in_guarantee"],
             "terms.expulsion_fraction": ["expulsion_fraction"], "terms.weapons_handover": ["weapons_handover"],
             "terms.besieger_entry": ["besieger_entry"],
             "implementation.buses_per_convoy": ["buses_per_convoy", "expulsion_fraction", "fighters_inside"],
             "implementation.convoys_per_week": ["convoys_per_week"]}
    return table.get(path, [])


def _typed(schema: type, data: dict, path: Path, section: str) -> Any:
    """Validate a section against its dataclass (unknown keys, types, enum values) via OmegaConf."""
    try:
        return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), data))
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", "") or "?"
        reason = str(getattr(exc, "msg", exc)).splitlines()[0]
        raise ConfigError(f"{path}: {section}.{key}: {reason}") from None


def load_cases(folder: Path = CASES_DIR) -> list[Case]:
    """Every case file in a folder, sorted by file name."""
    return [Case(p) for p in sorted(Path(folder).glob("*.yaml"))]


_REGISTERED: dict[str, Case] = {}


def register_cases(folder: Path = CASES_DIR, user_dir: Path | None = None) -> list[str]:
    """Make every case in `folder`, and in a user's folder, a scenario option (`scenario=<id>`);
    returns their ids. A user's case may not reuse a built-in id (which one would run is unclear)."""
    register_resolver()
    store = ConfigStore.instance()
    cases = load_cases(folder)
    if user_dir is not None:
        own = {case.id: case.path for case in cases}
        for case in load_cases(user_dir):
            if case.id in own:
                raise ConfigError(f"{case.path}: case id {case.id!r} is already used by {own[case.id]}; "
                                  "give the case a new id")
            own[case.id] = case.path
            cases.append(case)
    ids = []
    for case in cases:
        if ids.count(case.id):
            raise ConfigError(f"{case.path}: case id {case.id!r} appears twice in {case.path.parent}")
        store.store(group="scenario", name=case.id, node=case.scenario(), package="_global_")
        _REGISTERED[case.id] = case
        ids.append(case.id)
    return ids


def registered_case_ids() -> list[str]:
    """Every case registered so far in this process (built-in and a user's), sorted."""
    return sorted(_REGISTERED)


def chosen_cases(ids: list[str], setting: str) -> list[Case]:
    """The registered cases named in a setting (e.g. `hindcast.cases`), or all when it names none."""
    known = registered_case_ids()
    unknown = [c for c in ids if c not in known]
    if unknown:
        raise ConfigError(f"{setting}: unknown case {', '.join(unknown)}; known: {', '.join(known)}")
    return [_REGISTERED[c] for c in (ids or known)]
