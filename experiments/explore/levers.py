"""The explorer's levers: the questions an analyst asks, in words and units, each bound to the
command-line key that answers it. A lever's value in a scenario is read off the scenario as
composed; a value the user types is checked exactly as `siege-run` checks it, so the message next
to the control is the command line's own; the levers a user changed become one comparison arm, and
the command that reproduces the screen is the comparison job's."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

from experiments.config.cases import load_cases
from experiments.config.compose import compose, parse_overrides, to_run_config
from experiments.config.schema import ConfigError, RunConfig
from experiments.keys import command_line_text, same_value
from sim.params import ModelParams, iter_leaves

ARM = "your_settings"          # the comparison arm holding the user's changes
BASELINE = "baseline"          # the scenario as configured
COMMAND = "siege-run"
# a typed value reaches Hydra inside a {key:value} mapping: letters, digits and . _ + - only, so that
# it can neither close the mapping nor start a sweep
PLAIN_VALUE = re.compile(r"^[A-Za-z0-9_.+-]+$")


@dataclass(frozen=True)
class Lever:
    """One control: `key` is the command-line override it sets (`case.*` facts are mapped like a
    scenario's own), `choices` the allowed names of a choice (empty: a typed value)."""

    id: str
    label: str
    key: str
    meaning: str
    choices: tuple[tuple[str, str], ...] = ()   # (value, words) of a choice lever
    unit: str = ""
    allowed: str = ""                           # the range of a typed value, in words

    @property
    def range_text(self) -> str:
        """What a typed value may be: as written here, else the model parameter's own range."""
        if self.allowed or self.choices:
            return self.allowed
        bounds = MODEL_RANGES.get(self.key.removeprefix("model."))
        return f"{bounds[0]:g} to {bounds[1]:g}" if bounds else ""

    @property
    def help(self) -> str:
        """The tooltip: what the lever means, its unit and what it allows."""
        extra = "; ".join(t for t in (f"unit: {self.unit}" if self.unit else "",
                                      f"allowed: {self.range_text}" if self.range_text else "") if t)
        return f"{self.meaning} ({self.key}{'; ' + extra if extra else ''})"


MODEL_RANGES = {path: (f.metadata["lo"], f.metadata["hi"]) for path, _, f in iter_leaves(ModelParams())
                if f.metadata.get("lo") is not None}
LEVELS = (("NONE", "none"), ("LOW", "low"), ("MEDIUM", "medium"), ("HIGH", "high"))
MODEL_LEVERS: tuple[Lever, ...] = (
    Lever("deal_template", "Deal on the table", "case.deal_template",
          "Who must leave under the deal: a list of wanted men named by the besieger (the rest disarm and "
          "stay), each fighter's own choice to settle or leave, or the exit of every organised fighter.",
          (("NAMED_LIST", "a named list leaves"), ("SETTLE_OR_LEAVE", "each fighter chooses"),
           ("FULL_EXIT", "every fighter leaves"))),
    Lever("expulsion", "Expulsion demand", "case.expulsion_fraction",
          "The share of the fighters the opening deal demands be bused out. It is an opening bid: after a "
          "rejection the mediator may lower it round by round towards its floor, or harden it when it expects "
          "a takeover.",
          unit="share of the fighters", allowed="0 to 1"),
    Lever("air_cover", "Air cover", "case.air_cover",
          "Whether the mediator (who controls the air) lets the besieger use air power: withheld never; "
          "conditional only when the mediator's own cost rule approves an assault with air; granted on every "
          "siege day, shelling included, an assault with air then costing the mediator no more than a plain one.",
          (("WITHHELD", "withheld"), ("CONDITIONAL", "conditional"), ("GRANTED", "granted"))),
    Lever("external_constraint", "External constraint on the mediator", "case.external_constraint",
          "How much outside powers, borders and talks make escalation costly for the mediator: the higher, "
          "the more the mediator pays for harm it enables, and the longer it holds the besieger back.",
          LEVELS),
    Lever("trust", "Trust in the guarantee", "case.trust_in_guarantee",
          "The history of the guarantor's promises: how far fighters believe those who settle will be "
          "left alone. Low trust makes staying under a deal look dangerous.", LEVELS),
    Lever("buses", "Buses per convoy", "model.implementation.buses_per_convoy",
          "How many green buses each evacuation convoy has; with convoys per week it sets how fast an "
          "agreed evacuation can be carried out.", unit="buses"),
    Lever("convoys", "Convoys per week", "model.implementation.convoys_per_week",
          "How many evacuation convoys can leave in a week once a deal is agreed.", unit="convoys per week"),
    Lever("corridor", "Civilian corridor", "case.corridor",
          "Whether civilians can leave for besieger-held areas: freely, only through pauses and checkpoints "
          "on the besieger's terms, or not at all.",
          (("OPEN", "open"), ("RESTRICTED", "restricted"), ("CLOSED", "closed"))),
    Lever("civilians", "Civilians inside", "case.civilians_inside",
          "How many civilians are inside the enclave when the siege begins.", unit="people",
          allowed="a whole number"),
)
RUN_LEVERS: tuple[Lever, ...] = (
    Lever("replicates", "Replicates", "replicates",
          "How many seeded runs of each column; more narrow the intervals (200 take about 10 s on two cores).",
          unit="runs", allowed="1 to 1000000"),
    Lever("seed", "Root seed", "seed",
          "The root seed every run's random streams derive from: the same seed gives the same results.",
          allowed="0 to 2**63 - 1"),
)
LEVERS: tuple[Lever, ...] = MODEL_LEVERS + RUN_LEVERS
BY_ID = {lever.id: lever for lever in LEVERS}


def scenarios() -> list[tuple[str, str]]:
    """Every shipped case as (id, name), the default scenario first."""
    cases = [(c.id, c.name) for c in load_cases()]
    return sorted(cases, key=lambda c: (c[0] != "daraa_2021", c[0]))


def lever_value(run: RunConfig, lever: Lever) -> str:
    """The lever's value in a composed run, as the command line would write it."""
    section, _, rest = lever.key.partition(".")
    if not rest:
        return command_line_text(getattr(run, lever.key))
    node: Any = run.case if section == "case" else run.model
    for part in rest.split("."):
        node = getattr(node, part)
    return command_line_text(node)


def scenario_values(scenario: str) -> dict[str, str]:
    """Every lever's value in the scenario as configured."""
    run = to_run_config(compose([f"scenario={scenario}"]))
    return {lever.id: lever_value(run, lever) for lever in LEVERS}


def check_lever(scenario: str, lever: Lever, raw: Any) -> str | None:
    """The one-line message `siege-run scenario=<scenario> <key>=<raw>` gives about the value (with its
    `error: `), or None when the value is allowed. A choice must be one of its names; a typed value
    must be plain (it goes inside a Hydra mapping), then the command line's own composition checks it."""
    text = "" if raw is None else str(raw).strip()
    if lever.choices:
        names = [name for name, _ in lever.choices]
        return None if text in names else f"error: {lever.key}={text!r} is not allowed: one of {', '.join(names)}"
    if not text:
        return f"error: {lever.key} is empty: give a value ({lever.range_text or 'see the tooltip'})"
    if not PLAIN_VALUE.match(text):
        return (f"error: {lever.key}={text!r} is not allowed: a number or a name (letters, digits and . _ + - "
                "only), as on the command line")
    overrides = [f"scenario={scenario}", f"{lever.key}={text}"]
    try:
        parse_overrides(overrides)
        to_run_config(compose(overrides))
    except ConfigError as exc:
        return f"error: {exc}"
    return None


@dataclass(frozen=True)
class Request:
    """What the explorer runs: the baseline scenario and, as one arm, the levers the user changed."""

    scenario: str
    replicates: str
    seed: str
    changes: dict[str, str]    # command-line key -> value, only the model levers that differ

    def arm_text(self) -> str:
        """The arm as a Hydra mapping; with no change, the arm restates the air cover, so that it exists
        and matches the baseline replicate for replicate."""
        return "{" + ",".join(f"{k}:{v}" for k, v in self.changes.items()) + "}"

    def overrides(self) -> list[str]:
        """The comparison job's command-line overrides."""
        return ["+experiment=compare", f"scenario={self.scenario}", f"replicates={self.replicates}",
                f"seed={self.seed}", "format=csv", f"+comparison.arms.{ARM}={self.arm_text()}"]

    def command(self) -> str:
        """The shell command that reproduces the explorer's tables."""
        return shlex.join([COMMAND, *self.overrides()])


def make_request(scenario: str, values: dict[str, Any]) -> Request:
    """The run the controls ask for (values by lever id, as typed). A ConfigError for a choice that is
    not one of its names or a typed value that is not plain, so that nothing can reach the command but
    a value (the values' own checks are `check_lever`'s)."""
    for lever in LEVERS:
        text = str(values.get(lever.id, "")).strip()
        allowed = [name for name, _ in lever.choices]
        if lever.id in values and (text not in allowed if allowed else not PLAIN_VALUE.match(text)):
            raise ConfigError(f"{lever.key}={text!r} is not allowed: "
                              + (f"one of {', '.join(allowed)}" if allowed else "a plain number or name"))
    defaults = scenario_values(scenario)
    typed = {lever.id: str(values.get(lever.id, defaults[lever.id])).strip() for lever in MODEL_LEVERS}
    changes = {lever.key: typed[lever.id] for lever in MODEL_LEVERS if not same_value(typed[lever.id],
                                                                                      defaults[lever.id])}
    if not changes:
        air = BY_ID["air_cover"]
        changes = {air.key: defaults[air.id]}
    return Request(scenario, str(values.get("replicates", defaults["replicates"])).strip(),
                   str(values.get("seed", defaults["seed"])).strip(), changes)
