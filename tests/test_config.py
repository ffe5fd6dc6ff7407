"""Configuration at the edge: good inputs compose to typed parameters, each with its provenance and
source (bad inputs, refused in one line before anything runs, are tests/test_bad_inputs.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from experiments.config.cases import register_cases
from experiments.config.compose import compose, group_options, to_run_config
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


# the case scenarios exist once the built-in cases are registered; register them here so that the
# parametrisation does not depend on which test module was collected first
register_cases()
SCENARIOS = group_options("scenario")


@pytest.mark.parametrize("scenario", SCENARIOS)
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
                        ("case file", SourceKind.CASE_FILE), ("the study's frame", SourceKind.SPECIFICATION),
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
    assert list(rows[0]) == ["parameter", "meaning", "value", "default", "unit", "range", "provenance", "source_kind"]
    kinds = {row["parameter"]: row["source_kind"] for row in rows}
    assert kinds["negotiation.temperature"] == "assumption" and kinds["fighters.count"] == "article"
    assert kinds["start_date"] == "case_file" and kinds["implementation.seats_per_bus"] == "literature"
