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
import difflib
import functools
import json
from enum import Enum
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue, OmegaConfBaseException

from experiments.config.schema import CONF_DIR, ConfigError, check_name
from experiments.config.userfiles import read_yaml, shown
from experiments.keys import nest
from sim.cases import MAPPING_INPUTS, CaseFacts, RecordedOutcome, case_overrides
from sim.enums import Outcome
from sim.params import CaseMappingParams, ModelParams, ParameterError, iso_date, with_values

RESOLVER = "siege_case"

CASES_DIR = CONF_DIR / "cases"
CASE_KEYS = ("id", "name", "facts", "recorded", "sources")
MAX_CASE_BYTES = 64 * 1024
CASE_CAP_REASON = "a case is a few dozen facts with their sources; the shipped ones are about 2 kB"


class Case:
    """One case file: id, name, facts, recorded outcome and the source of each fact."""

    def __init__(self, path: Path):
        self.path = Path(path)
        data = read_yaml(self.path, "case file", MAX_CASE_BYTES, CASE_CAP_REASON)
        if not isinstance(data, dict):
            raise ConfigError(f"{self.path} is not allowed: a case file is a mapping of {', '.join(CASE_KEYS)}; "
                              f"this one holds {_kind(data)}")
        unknown = [str(k) for k in data if k not in CASE_KEYS]
        if unknown:
            raise ConfigError(f"{self.path}: {unknown[0]} is not allowed: a case file has {', '.join(CASE_KEYS)}")
        missing = [k for k in ("id", "facts") if k not in data]
        if missing:
            raise ConfigError(f"{self.path}: {missing[0]} is not allowed to be missing: every case file has an id "
                              "and facts")
        self.id: str = check_name(f"{self.path}: id", data["id"], "the id is the scenario's name and its output "
                                  "folder, outputs/<id>/")
        name = data.get("name")
        if name is not None and not isinstance(name, str):
            raise ConfigError(f"{self.path}: name={name!r} is not allowed: text (the siege's name for the reports)")
        self.name: str = name or self.id
        self.facts: CaseFacts = _typed(CaseFacts, data["facts"], self.path, "facts")
        _check_date(self.facts.start_date, self.path)
        self.recorded: RecordedOutcome = _typed(RecordedOutcome, data.get("recorded") or {}, self.path, "recorded")
        _check_recorded(self.recorded, self.facts, self.path)
        sources = data.get("sources") or {}
        if not isinstance(sources, dict):
            raise ConfigError(f"{self.path}: sources={shown(sources)} is not allowed: a mapping of fact: source")
        self.sources: dict[str, str] = {str(k): str(v) for k, v in sources.items()}
        missing = [k for k in data["facts"] if k not in self.sources]
        if missing:
            raise ConfigError(f"{self.path}: sources.{missing[0]} is not allowed to be missing: every fact needs a "
                              "source")
        try:
            self.mapped_keys = list(case_overrides(self.facts, ModelParams()))
        except (ArithmeticError, ValueError) as exc:  # e.g. an expulsion fraction of 1e308: no bus count
            raise ConfigError(f"{self.path}: facts are not allowed: values the mapping (sim/cases.py) can compute "
                              f"with ({exc})") from None

    def scenario(self) -> dict[str, Any]:
        """The scenario node: the facts, the mapped parameters (as interpolations the resolver computes
        from the composed config) and, for each, the source of the fact behind it."""
        model: dict[str, Any] = {}
        provenance = {}
        for path in self.mapped_keys:
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
             "mediator.present": ["mediator_present"],
             "civilians.corridor": ["corridor"],
             "mediator.image_weight": ["mediator_image_concern", "mediator_present"],
             "mediator.initial_credibility": ["trust_in_guarantee"],
             "terms.template": ["deal_template", "expulsion_fraction"],
             "terms.expulsion_fraction": ["expulsion_fraction"],
             "terms.weapons_handover": ["weapons_handover"],
             "terms.besieger_entry": ["besieger_entry"],
             "terms.guarantor_on_ground": ["guarantor_on_ground"],
             "implementation.buses_per_convoy": ["buses_per_convoy", "expulsion_fraction", "fighters_inside"],
             "implementation.convoys_per_week": ["convoys_per_week"]}
    return table.get(path, [])


def _typed(schema: type, data: Any, path: Path, section: str) -> Any:
    """Validate a section against its dataclass (unknown keys, types, enum values) via OmegaConf."""
    names = [f.name for f in dataclasses.fields(schema)]
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: {section}={shown(data)} is not allowed: a mapping of {', '.join(names)}")
    unknown = [str(k) for k in data if k not in names]
    if unknown:
        close = difflib.get_close_matches(unknown[0], names, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ConfigError(f"{path}: {section}.{unknown[0]} is not allowed: {hint}the keys of {section} are "
                          f"{', '.join(names)}")
    try:
        return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), data))
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", "") or "?"
        reason = str(getattr(exc, "msg", exc)).splitlines()[0]
        if isinstance(exc, MissingMandatoryValue):
            raise ConfigError(f"{path}: {section}.{key} is not allowed to be missing: every case gives it") from None
        value = data.get(key.split(".")[0].split("[")[0], getattr(exc, "value", None))
        raise ConfigError(f"{path}: {section}.{key}={value!r} is not allowed: {reason}") from None


def _kind(value: Any) -> str:
    """What a YAML value is, in words, for a message about a file of the wrong shape."""
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return f"the {type(value).__name__} {value!r}"[:80]


def _check_date(start_date: str, path: Path) -> None:
    try:
        iso_date("start_date", start_date)
    except ParameterError as exc:
        raise ConfigError(f"{path}: facts.start_date={exc.value!r} is not allowed: {exc.allowed}") from None


OUTCOME_CLASSES = [o.value for o in Outcome]


def _check_recorded(recorded: RecordedOutcome, facts: CaseFacts, path: Path) -> None:
    """What happened must be something the model can end in and numbers it could produce: a known
    outcome class, figures that are not negative, ranges as [low, high] with low <= high, and no
    more fighters evacuated than were inside (at the range's low end). Checked when the file is
    read, not after a hindcast has simulated."""
    where = f"{path}: recorded"
    if recorded.outcome_class is not None and recorded.outcome_class not in OUTCOME_CLASSES:
        raise ConfigError(f"{where}.outcome_class={recorded.outcome_class!r} is not allowed: one of "
                          f"{', '.join(OUTCOME_CLASSES)} (the classes the model ends in), or none")
    for key in ("siege_length_days", "decisive_phase_days"):
        value = getattr(recorded, key)
        if value is not None and value < 0:
            raise ConfigError(f"{where}.{key}={value!r} is not allowed: a number of days >= 0")
    for key in ("fighters_evacuated", "civilian_deaths"):
        pair = getattr(recorded, key)
        given = [v for v in pair if v is not None]
        if len(pair) > 2 or any(v < 0 for v in given) or (len(given) == 2 and given[0] > given[1]):
            raise ConfigError(f"{where}.{key}={pair!r} is not allowed: [low, high] with 0 <= low <= high "
                              "(either may be null)")
    # a range is consistent when part of it is possible (Homs records up to 1,800 of a midpoint of 1,500)
    given = [v for v in recorded.fighters_evacuated if v is not None]
    if given and min(given) > facts.fighters_inside:
        raise ConfigError(f"{where}.fighters_evacuated={recorded.fighters_evacuated!r} is not allowed: a low end of "
                          f"at most facts.fighters_inside ({facts.fighters_inside}): no more fighters leave than were "
                          "inside")


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
                raise ConfigError(f"{case.path}: id={case.id!r} is not allowed: an id no other case has (already "
                                  f"used by {own[case.id]}; which one would run is unclear)")
            own[case.id] = case.path
            cases.append(case)
    ids = []
    for case in cases:
        if ids.count(case.id):
            raise ConfigError(f"{case.path}: id={case.id!r} is not allowed: an id no other case has (it appears "
                              f"twice in {case.path.parent})")
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
        raise ConfigError(f"{setting}={ids!r} is not allowed: case ids among {', '.join(known)} (unknown: "
                          f"{', '.join(unknown)})")
    return [_REGISTERED[c] for c in (ids or known)]
