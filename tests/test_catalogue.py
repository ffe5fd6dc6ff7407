"""The parameter catalogue (`siege-params`, experiments/catalogue.py): every parameter and case fact
has a plain-language meaning, the catalogue lists each once under a key the command line accepts,
with its value in the chosen scenario, and its word filter and command line behave."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.catalogue import COLUMNS, catalogue, filter_catalogue, main
from experiments.config.compose import check_key, compose, to_run_config
from sim.cases import CaseFacts
from sim.params import ModelParams, iter_leaves, provenance_table, value_at

ROOT = Path(__file__).resolve().parent.parent
LEAVES = list(iter_leaves(ModelParams()))
FACTS = dataclasses.fields(CaseFacts)


@pytest.fixture(scope="module")
def daraa() -> pd.DataFrame:
    return catalogue("daraa_2021")


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.catalogue", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def row(table: pd.DataFrame, key: str) -> pd.Series:
    rows = table[table["key"] == key]
    assert len(rows) == 1, f"{key}: {len(rows)} rows"
    return rows.iloc[0]


# ------------------------------------------------------------------------------------------ meanings
@pytest.mark.parametrize("path,field", [(p, f) for p, _, f in LEAVES], ids=[p for p, _, _ in LEAVES])
def test_every_model_parameter_has_its_own_meaning(path, field):
    meaning = field.metadata.get("meaning", "")
    provenance = field.metadata["provenance"]
    assert meaning.strip(), f"{path} has no meaning: add meaning=... to its param() in sim/params.py"
    assert meaning.strip() not in provenance and provenance.removeprefix("assumption: ") not in meaning, (
        f"{path}: the meaning repeats the provenance; say what the number is, not why it has its value")
    assert meaning.endswith(".") and not re.search(r"[.!?] [A-Z]", meaning), f"{path}: one sentence, please"


@pytest.mark.parametrize("field", FACTS, ids=[f.name for f in FACTS])
def test_every_case_fact_has_a_meaning(field):
    meaning = field.metadata.get("meaning", "")
    assert meaning.strip() and meaning.endswith("."), f"case.{field.name} has no meaning in sim/cases.py"


def test_meanings_are_distinct():
    meanings = [f.metadata["meaning"] for _, _, f in LEAVES] + [f.metadata["meaning"] for f in FACTS]
    repeated = sorted({m for m in meanings if meanings.count(m) > 1})
    assert not repeated, f"meanings used twice: {repeated}"


def test_the_parameter_table_carries_the_meaning_after_the_parameter():
    rows = provenance_table(ModelParams())
    assert list(rows[0])[:2] == ["parameter", "meaning"]
    assert all(r["meaning"] for r in rows)


# ------------------------------------------------------------------------------------------ the table
def test_one_row_per_parameter_and_case_fact(daraa):
    assert list(daraa.columns) == list(COLUMNS)
    expected = [f"model.{p}" for p, _, _ in LEAVES] + [f"case.{f.name}" for f in FACTS]
    assert list(daraa["key"]) == expected
    assert daraa["meaning"].str.len().gt(0).all() and daraa["provenance"].str.len().gt(0).all()
    assert set(daraa["source"]) <= {"article", "case_file", "literature", "assumption", "specification"}


def test_every_key_is_accepted_on_the_command_line(daraa):
    for key in daraa["key"]:
        check_key(key)  # raises ConfigError for a key siege-run would refuse


def test_allowed_values_in_words(daraa):
    assert row(daraa, "model.mediator.air_cover")["allowed"] == "one of WITHHELD, CONDITIONAL, GRANTED"
    assert row(daraa, "model.mediator.present")["allowed"] == "true or false"
    assert row(daraa, "model.mediator.initial_credibility")["allowed"] == "[0, 1]"
    assert row(daraa, "model.terms.expulsion_list")["allowed"].endswith("or null (not set)")
    assert row(daraa, "case.trust_in_guarantee")["allowed"] == "one of NONE, LOW, MEDIUM, HIGH"
    assert row(daraa, "case.fighters_inside")["allowed"] == "[1, 100000], a whole number"


def test_defaults_are_the_scenarios_values(daraa):
    run = to_run_config(compose(["scenario=daraa_2021"]))
    for path, _, _ in LEAVES:
        value = value_at(run.model, path)
        shown = getattr(value, "name", None) or (str(value).lower() if isinstance(value, bool) else str(value))
        assert row(daraa, f"model.{path}")["default"] == ("null" if value is None else shown), path
    # Daraa's LOW trust maps to mapping.credibility_low, not the model's neutral 0.5, and cites the case
    credibility = row(daraa, "model.mediator.initial_credibility")
    assert credibility["default"] == "0.35" and ModelParams().mediator.initial_credibility == 0.5
    assert credibility["source"] == "case_file" and "trust_in_guarantee" in credibility["provenance"]
    assert row(daraa, "case.trust_in_guarantee")["default"] == "LOW"


def test_another_case_shows_its_own_values(daraa):
    ghouta = catalogue("eastern_ghouta_2018")
    for key, at_daraa, at_ghouta in [("case.corridor", "OPEN", "RESTRICTED"),
                                     ("model.civilians.corridor", "OPEN", "RESTRICTED"),
                                     ("model.mediator.air_cover", "WITHHELD", "GRANTED"),
                                     ("model.terms.template", "NAMED_LIST", "SETTLE_OR_LEAVE")]:
        assert (row(daraa, key)["default"], row(ghouta, key)["default"]) == (at_daraa, at_ghouta), key
    assert "eastern_ghouta_2018" in row(ghouta, "case.corridor")["provenance"]


# ------------------------------------------------------------------------------------------ the filter
def test_the_word_filter_finds_air_cover(daraa):
    found = filter_catalogue(daraa, ["air", "cover"])
    assert {"model.mediator.air_cover", "case.air_cover"} <= set(found["key"])
    assert len(found) < len(daraa)
    for r in found.itertuples():
        text = f"{r.key} {r.meaning} {r.provenance}".lower().replace("_", " ")
        assert "air" in text and "cover" in text, r.key
    assert set(filter_catalogue(daraa, ["AIR_COVER"])["key"]) >= {"model.mediator.air_cover", "case.air_cover"}
    assert set(filter_catalogue(daraa, ["air cover"])["key"]) == set(found["key"])
    assert filter_catalogue(daraa, []).equals(daraa)


def test_a_word_in_no_row_exits_1_with_a_suggestion(capsys):
    assert main(["air_cuver"]) == 1
    out, err = capsys.readouterr()
    assert not out and len(err.strip().splitlines()) == 1
    assert "air_cuver" in err and "model.mediator.air_cover" in err


# ------------------------------------------------------------------------------------------ the command line
def test_the_command_line_lists_a_parameter_in_words(tmp_path):
    done = cli("air_cover", cwd=tmp_path)  # from any folder: the package's conf/, not the cwd
    assert done.returncode == 0, done.stderr
    assert "model.mediator.air_cover" in done.stdout and "case.air_cover" in done.stdout
    assert "Whether the mediator lets the besieger use air power" in done.stdout
    assert "default (daraa_2021): WITHHELD" in done.stdout
    assert re.search(r"^model\.mediator \(\d+\)$", done.stdout, re.MULTILINE), "grouped by section"


def test_csv_parses_with_pandas(daraa):
    done = cli("--format", "csv")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(io.StringIO(done.stdout), keep_default_na=False, dtype=str)
    assert list(table.columns) == list(COLUMNS) and len(table) == len(daraa)
    assert list(table["key"]) == list(daraa["key"])


def test_markdown_prints_the_table(capsys):
    assert main(["convoy", "--format", "markdown"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "| " + " | ".join(COLUMNS) + " |"
    assert any(line.startswith("| `model.implementation.convoys_per_week` |") for line in lines)


def test_an_unknown_scenario_exits_2_in_one_line():
    done = cli("--scenario", "nowhere_1999")
    assert done.returncode == 2 and not done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: scenario='nowhere_1999' is not allowed: one of ")
    assert "daraa_2021" in lines[0]
