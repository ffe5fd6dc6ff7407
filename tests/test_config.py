"""Configuration at the edge: every bad input stops the run before any simulation with a one-line
message naming the key, the value and what is allowed, and a non-zero exit; good inputs compose."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.config.compose import compose, group_options, to_run_config
from experiments.config.schema import ConfigError
from experiments.run import precheck
from sim.params import (
    ARTICLE,
    ModelParams,
    Source,
    SourceKind,
    assumption_paths,
    iter_leaves,
    provenance_table,
    source_of,
    with_values,
)

ROOT = Path(__file__).resolve().parent.parent

BAD_INPUTS = [
    (["model.fighters.cont=5"], "model.fighters.cont", "count"),                    # unknown key, suggestion
    (["+model.foo=1"], "model.foo", "allowed"),                                      # '+' cannot slip past
    (["model.fighters.count=abc"], "model.fighters.count='abc'", "whole number"),   # wrong type
    (["model.mediator.air_cover=MAYBE"], "air_cover='MAYBE'", "WITHHELD, CONDITIONAL, GRANTED"),
    (["model.civilians.corridor_open=perhaps"], "corridor_open='perhaps'", "true or false"),
    (["model.fighters.count=-5"], "model.fighters.count=-5", "[1, 100000]"),         # out of range
    (["model.terms.expulsion_fraction=1.5"], "expulsion_fraction=1.5", "[0, 1]"),
    (["model.terms.expulsion_list=500"], "expulsion_list=500", "at most fighters.count (400)"),  # inconsistent
    (["model.fighters.count=10", "model.fighters.factions=15"], "factions=15", "at most fighters.count (10)"),
    (["model.district.evacuation_point_row=12"], "evacuation_point_row=12", "below district.grid_height (10)"),
    (["replicates=0"], "replicates=0", ">= 1"),
    (["workers=-1"], "workers=-1", "0 (all cores)"),
    (["scenario=atlantis"], "scenario='atlantis'", "daraa_2021"),
]


@pytest.mark.parametrize("overrides, key_and_value, allowed", BAD_INPUTS)
def test_bad_input_gives_one_clear_line(overrides, key_and_value, allowed):
    with pytest.raises(ConfigError) as info:
        precheck(overrides)
    message = str(info.value)
    assert "\n" not in message
    assert key_and_value in message
    assert allowed in message


@pytest.mark.parametrize("override", ["model.terms.expulsion_list=500", "model.fighters.count=abc",
                                      "model.nonsense=1"])
def test_bad_input_exits_nonzero_before_writing_anything(tmp_path, override):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "experiments.run", override, f"hydra.run.dir={out}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert not out.exists(), "no output folder for a run that never started"


def test_default_run_composes_to_the_daraa_scenario():
    run = to_run_config(compose([]))
    assert run.scenario_name == "daraa_2021"
    assert run.model.fighters.count == 400
    assert run.model.terms.expulsion_fraction == 0.25
    assert run.model.mediator.air_cover.name == "WITHHELD"


def test_overrides_reach_the_typed_parameters():
    run = to_run_config(compose(["replicates=7", "seed=3", "model.mediator.air_cover=GRANTED",
                                 "model.implementation.buses_per_convoy=5"]))
    assert (run.replicates, run.seed) == (7, 3)
    assert run.model.mediator.air_cover.name == "GRANTED"
    assert run.model.implementation.buses_per_convoy == 5


@pytest.mark.parametrize("scenario", group_options("scenario"))
def test_every_scenario_value_carries_provenance(scenario):
    """Every model value a scenario sets (through its case file) has a provenance that names a source."""
    run = to_run_config(compose([f"scenario={scenario}"]))
    default = to_run_config(compose(["scenario=daraa_2021"]))  # for the set of keys a case maps
    assert run.provenance and set(run.provenance) == set(default.provenance)
    valid = {f"model.{p}" for p, _, _ in iter_leaves(run.model)}
    assert set(run.provenance) <= valid
    assert all("case file" in text or "article" in text or "assumption" in text for text in run.provenance.values())


def test_every_parameter_default_has_provenance():
    run = to_run_config(compose([]))
    for path, _, field in iter_leaves(run.model):
        text = field.metadata.get("provenance", "")
        assert text, f"{path} has no provenance"
        assert any(word in text for word in ("article", "case file", "assumption", "MECHANISMS", "issue",
                                             "normalisation", "Mearsheimer", "optional")) \
            or "19" in text or "20" in text, path


def kind_named_by(text: str) -> SourceKind:
    """The kind of source a provenance text names by how it starts (an author and year, or a rule of
    MECHANISMS.md, is literature)."""
    for start, kind in (("assumption: ", SourceKind.ASSUMPTION), (f"{ARTICLE}: ", SourceKind.ARTICLE),
                        ("case file", SourceKind.CASE_FILE), ("issue ", SourceKind.SPECIFICATION),
                        ("optional ", SourceKind.SPECIFICATION)):
        if text.startswith(start):
            return kind
    assert re.match(r"(MECHANISMS [A-G]\.\d+|[A-Z][A-Za-z&' ]+ (19|20)\d\d)\b", text), f"no source named: {text}"
    return SourceKind.LITERATURE


def test_every_parameter_has_a_source_whose_kind_matches_its_provenance():
    for path, _, field in iter_leaves(ModelParams()):
        source = source_of(field)
        assert isinstance(source, Source) and isinstance(source.kind, SourceKind), path
        assert source.citation == field.metadata["provenance"], f"{path}: provenance is the source's text"
        assert source.kind == kind_named_by(source.citation), f"{path}: {source.kind} but '{source.citation}'"


def test_source_of_reads_the_typed_source():
    fields = {path: field for path, _, field in iter_leaves(ModelParams())}
    assert source_of(fields["combat.required_force_ratio"]).kind == SourceKind.LITERATURE
    assert source_of(fields["fighters.count"]) == Source(
        SourceKind.ARTICLE, f"{ARTICLE}: 'most of the 400 or so rebels in Daraa Al Balad'")
    assert source_of(fields["negotiation.temperature"]).kind == SourceKind.ASSUMPTION


def test_assumption_paths_are_the_numeric_assumptions():
    leaves = list(iter_leaves(ModelParams()))
    by_text = {path for path, value, field in leaves if field.metadata["provenance"].startswith("assumption:")
               and type(value) in (int, float)}
    paths = assumption_paths()
    assert len(paths) == len(set(paths)) and set(paths) == by_text
    assert "negotiation.temperature" in paths and "fighters.factions" in paths
    assert "mediator.air_cover" not in paths, "an enum is a policy switch, not a quantity"
    assert "fighters.count" not in paths and "terms.expulsion_list" not in paths, "sourced or unset"
    assert "terms.expulsion_list" not in assumption_paths(with_values(ModelParams(), {"terms.expulsion_list": 50}))


def test_the_provenance_table_names_each_source_kind():
    rows = provenance_table(ModelParams())
    assert list(rows[0]) == ["parameter", "value", "default", "unit", "range", "provenance", "source_kind"]
    kinds = {row["parameter"]: row["source_kind"] for row in rows}
    assert kinds["negotiation.temperature"] == "assumption" and kinds["fighters.count"] == "article"
    assert kinds["start_date"] == "case_file" and kinds["implementation.seats_per_bus"] == "literature"
