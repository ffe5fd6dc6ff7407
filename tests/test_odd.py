"""docs/ODD.md must not drift from the code: its generated parameter table equals the one rendered
from sim/params.py, it names every parameter and module constant, and section 3 walks through
every call of SiegeModel.step in the order the code makes them."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import textwrap

import pytest

import sim
import sim.units
from experiments.config.compose import compose, to_run_config
from experiments.odd_table import ODD_PATH, parameter_markdown, split_document
from sim.model import SiegeModel
from sim.params import ModelParams, iter_leaves

FIX = "run `python -m experiments.odd_table` to regenerate it"


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD_PATH.read_text(encoding="utf-8")


def step_calls() -> list[str]:
    """Names of the functions and methods called in SiegeModel.step, in source order."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(SiegeModel.step)))
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    calls.sort(key=lambda node: (node.lineno, node.col_offset))
    names = []
    for node in calls:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name and name not in names:
            names.append(name)
    return names


def mentions(text: str, name: str) -> re.Match | None:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text)


def test_parameter_table_is_current(odd):
    _, block, _ = split_document(odd)
    assert block == parameter_markdown(), f"docs/ODD.md's parameter table is out of date: {FIX}"


def test_every_parameter_path_is_in_the_odd(odd):
    missing = [path for path, _, _ in iter_leaves(ModelParams()) if f"`{path}`" not in odd]
    assert not missing, f"parameters missing from docs/ODD.md: {missing}; {FIX}"


def test_step_calls_are_found():
    calls = step_calls()
    assert {"assess", "besiege", "negotiate", "implement", "check_outcome", "record_day"} <= set(calls), calls


def test_every_method_called_in_step_is_in_the_odd(odd):
    missing = [name for name in step_calls() if not mentions(odd, name)]
    assert not missing, f"docs/ODD.md does not mention these calls of SiegeModel.step: {missing}"


def test_section_3_follows_the_order_of_step(odd):
    start = odd.index("## 3. Process overview")
    section = odd[start:odd.index("## 4.", start)]
    positions = {}
    for name in step_calls():
        found = mentions(section, name)
        assert found, f"section 3 of docs/ODD.md does not mention `{name}`, called in SiegeModel.step"
        positions[name] = found.start()
    order = sorted(positions, key=positions.get)
    assert order == step_calls(), (f"section 3 of docs/ODD.md names the day's calls in the order {order}, "
                                   f"but SiegeModel.step calls them in the order {step_calls()}")


def test_unit_definitions_are_in_the_odd(odd):
    constants = [name for name, value in vars(sim.units).items()
                 if name.isupper() and isinstance(value, (int, float))]
    assert constants, "expected the definitions of sim/units.py"
    missing = [name for name in constants if not mentions(odd, name)]
    assert not missing, f"definitions of sim/units.py missing from docs/ODD.md (section 9.16): {missing}"


def test_numeric_constants_live_only_in_units():
    """Every number a mechanism uses is a parameter; only sim/units.py keeps named definitions."""
    found = []
    for info in pkgutil.iter_modules(sim.__path__):
        module = importlib.import_module(f"sim.{info.name}")
        for name, value in vars(module).items():
            numeric = isinstance(value, (int, float)) or (
                isinstance(value, dict) and value and all(isinstance(v, (int, float)) for v in value.values()))
            imported = vars(sim.units).get(name) is value
            if name.isupper() and numeric and not isinstance(value, bool) and info.name != "units" and not imported:
                found.append(f"sim.{info.name}.{name}")
    assert not found, f"numeric constants outside sim/units.py (make them parameters in sim/params.py): {found}"


def test_daraa_overrides_are_listed(odd):
    start = odd.index("### 6.2")
    section = odd[start:odd.index("## 7.", start)]
    provenance = to_run_config(compose(["scenario=daraa_2021"])).provenance
    missing = [key.removeprefix("model.") for key in provenance
               if f"`{key.removeprefix('model.')}`" not in section]
    assert not missing, f"Daraa overrides missing from docs/ODD.md section 6.2: {missing}"
