"""The parameter catalogue: every lever an analyst can set, in words, without reading code.

`python -m experiments.catalogue [WORD ...] [--scenario NAME] [--format text|csv|markdown]`
(console script `siege-params`) lists every model parameter and every case fact with its
command-line key, what it means, its unit, what is allowed, its value in the chosen scenario, and
where that value comes from. Words keep only the rows that contain all of them (in the key, the
meaning or the provenance): `siege-params air cover`, `siege-params trust`, `siege-params convoy`.

The meanings are the `meaning` of each field: `sim.params.param(..., meaning=...)` for the model's
parameters, `metadata={"meaning": ...}` of `sim.cases.CaseFacts` for the case facts. Every key
listed is one `siege-run` accepts as an override (`model.mediator.air_cover=GRANTED`,
`case.trust_in_guarantee=HIGH`).
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import shutil
import sys
import textwrap
import typing
from enum import Enum
from types import NoneType, UnionType
from typing import Any

import pandas as pd

from experiments.config.cases import Case, chosen_cases
from experiments.config.compose import compose, to_run_config
from experiments.config.schema import ConfigError, RunConfig
from experiments.keys import command_line_text
from sim.cases import CaseFacts
from sim.params import ModelParams, source_of

DEFAULT_SCENARIO = "daraa_2021"
COLUMNS = ("key", "meaning", "unit", "allowed", "default", "source", "provenance")
FORMATS = ("text", "csv", "markdown")

# A case fact's unit, and the model parameter whose range it must respect (the one the mapping
# gives it to, or the mapping constant it stands in for).
CASE_UNITS = {"fighters_inside": "fighters", "civilians_inside": "people", "expulsion_fraction": "share of fighters",
              "besieger_troops": "troops", "militia_share": "share of troops", "buses_per_convoy": "buses",
              "convoys_per_week": "convoys per week", "siege_days_so_far": "days"}
CASE_RANGES = {"fighters_inside": "fighters.count", "civilians_inside": "civilians.count",
               "expulsion_fraction": "terms.expulsion_fraction", "besieger_troops": "besieger.army_strength",
               "militia_share": "mapping.militia_share", "buses_per_convoy": "implementation.buses_per_convoy",
               "convoys_per_week": "implementation.convoys_per_week"}


def _leaves(obj: Any, prefix: str = "") -> list[tuple[str, Any, dataclasses.Field, Any]]:
    """(dotted path, value, field, resolved type) for every leaf of a params dataclass."""
    hints = typing.get_type_hints(type(obj))
    leaves = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            leaves += _leaves(value, f"{prefix}{f.name}.")
        else:
            leaves.append((prefix + f.name, value, f, hints[f.name]))
    return leaves


def _allowed(kind: Any, lo: Any = None, hi: Any = None) -> str:
    """What a field of this type (and range) accepts, in words."""
    optional = isinstance(kind, UnionType) and NoneType in typing.get_args(kind)
    if optional:
        kind = next(t for t in typing.get_args(kind) if t is not NoneType)
    if isinstance(kind, type) and issubclass(kind, Enum):
        text = "one of " + ", ".join(kind.__members__)
    elif kind is bool:
        text = "true or false"
    elif lo is not None and hi is not None:
        text = f"[{lo}, {hi}]" + (", a whole number" if kind is int else "")
    elif kind is int:
        text = "a whole number, 0 or more"
    elif kind is float:
        text = "a number"
    else:
        text = "text"
    return text + (", or null (not set)" if optional else "")


def _source_kind(citation: str) -> str:
    """The kind of a case file's source text (`article: ...`, `assumption: ...`, else the case file)."""
    head = citation.strip().lower()
    for kind in ("article", "assumption"):
        if head.startswith(kind):
            return kind
    return "case_file"


def _model_rows(run: RunConfig) -> list[dict[str, Any]]:
    """One row per model parameter; a value the scenario sets (a case's mapped fact) cites the scenario."""
    rows = []
    defaults = {path: value for path, value, _, _ in _leaves(ModelParams())}
    for path, value, f, kind in _leaves(run.model):
        key = f"model.{path}"
        citation = f.metadata.get("provenance", "")
        source = source_of(f).kind.value
        if key in run.provenance:
            own = command_line_text(defaults[path])
            citation = f"{run.provenance[key]}; the model's own default: {own} ({citation})"
            source = "case_file"
        rows.append({"key": key, "meaning": f.metadata.get("meaning", ""), "unit": f.metadata.get("unit", ""),
                     "allowed": _allowed(kind, f.metadata.get("lo"), f.metadata.get("hi")) if path != "start_date"
                     else "a date YYYY-MM-DD", "default": command_line_text(value), "source": source,
                     "provenance": citation})
    return rows


def _case_rows(run: RunConfig, case: Case | None) -> list[dict[str, Any]]:
    """One row per case fact, with its value and source in the scenario's case file."""
    ranges = {path: f.metadata for path, _, f, _ in _leaves(ModelParams())}
    hints = typing.get_type_hints(CaseFacts)
    rows = []
    for f in dataclasses.fields(CaseFacts):
        target = ranges.get(CASE_RANGES.get(f.name, ""), {})
        allowed = ("a date YYYY-MM-DD" if f.name == "start_date"
                   else _allowed(hints[f.name], target.get("lo"), target.get("hi")))
        if run.case is None or case is None:
            value = None if f.default is dataclasses.MISSING else f.default
            source, citation = "specification", "this scenario holds no case: set the facts with a case scenario"
        elif f.name in case.sources:
            value = getattr(run.case, f.name)
            source, citation = _source_kind(case.sources[f.name]), f"case {case.id}: {case.sources[f.name]}"
        else:
            value = getattr(run.case, f.name)
            source = "specification"
            citation = f"not given by case {case.id}: the default of a case file that does not say"
        rows.append({"key": f"case.{f.name}", "meaning": f.metadata.get("meaning", ""),
                     "unit": CASE_UNITS.get(f.name, ""), "allowed": allowed, "default": command_line_text(value),
                     "source": source, "provenance": citation})
    return rows


def catalogue(scenario: str = DEFAULT_SCENARIO) -> pd.DataFrame:
    """Every model parameter and case fact, one row each (COLUMNS): the command-line key, its meaning,
    unit, what is allowed, its value in `scenario` as `siege-run scenario=<scenario>` composes it
    (as written on the command line), the kind of its source and the citation. A ConfigError (the
    one-line message `siege-run` gives) for an unknown scenario."""
    run = to_run_config(compose([f"scenario={scenario}"]))
    try:
        case = chosen_cases([scenario], "scenario")[0] if run.case is not None else None
    except ConfigError:  # a scenario that is not a registered case file
        case = None
    return pd.DataFrame(_model_rows(run) + _case_rows(run, case), columns=list(COLUMNS))


def _words(words: list[str]) -> list[str]:
    return [w.lower() for text in words for w in text.split()]


def _matches(row: pd.Series, word: str) -> bool:
    text = f"{row['key']} {row['meaning']} {row['provenance']}".lower()
    loose = text.replace("_", " ").replace(".", " ")
    return word in text or word.replace("_", " ") in loose


def filter_catalogue(table: pd.DataFrame, words: list[str]) -> pd.DataFrame:
    """The rows whose key, meaning or provenance contains every word (case-insensitive; an underscore
    matches a space, so `air cover` and `air_cover` both find model.mediator.air_cover)."""
    wanted = _words(words)
    if not wanted:
        return table
    keep = table.apply(lambda row: all(_matches(row, w) for w in wanted), axis=1).astype(bool)
    return table[keep].reset_index(drop=True)


def close_keys(table: pd.DataFrame, words: list[str], n: int = 4) -> list[str]:
    """The keys nearest the words (difflib), by their last part or in full: a hint for a typo."""
    keys = list(table["key"])
    by_name: dict[str, list[str]] = {}
    for key in keys:
        by_name.setdefault(key.rsplit(".", 1)[-1], []).append(key)
    wanted = _words(words)
    found: list[str] = []
    for probe in ["_".join(wanted), *wanted]:
        for name in difflib.get_close_matches(probe, list(by_name), n=n, cutoff=0.6):
            found += by_name[name]
        found += difflib.get_close_matches(probe, keys, n=n, cutoff=0.6)
    return list(dict.fromkeys(found))[:n]


def _section(key: str) -> str:
    return key.rsplit(".", 1)[0]


def _wrapped(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent="    ", subsequent_indent="    ") or [""]


def _cited(source: str, provenance: str) -> str:
    """The source line of the listing: the kind, then the citation without repeating the kind."""
    return f"source ({source}): {provenance.removeprefix(f'{source}: ')}"


def text_listing(table: pd.DataFrame, scenario: str, width: int = 100) -> str:
    """A readable listing grouped by section: each parameter's key, meaning, unit, what is allowed,
    the scenario's value, and its source."""
    lines = [f"{len(table)} parameters, values as in scenario {scenario}; override any on the command line, "
             "e.g. siege-run model.mediator.air_cover=GRANTED"]
    for section, rows in table.groupby(table["key"].map(_section), sort=False):
        heading = f"{section} ({len(rows)})"
        lines += ["", heading, "=" * min(width, len(heading))]
        for row in rows.itertuples(index=False):
            facts = [f"default ({scenario}): {row.default}", f"allowed: {row.allowed}"]
            if row.unit:
                facts.insert(1, f"unit: {row.unit}")
            lines += ["", f"  {row.key}"]
            lines += _wrapped(row.meaning, width)
            lines += _wrapped(" | ".join(facts), width)
            lines += _wrapped(_cited(row.source, row.provenance), width)
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    """One Markdown table cell: on one line, '|' escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")


def markdown_table(table: pd.DataFrame) -> str:
    """The table as Markdown, one row per parameter, keys in code."""
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for row in table.itertuples(index=False):
        cells = [f"`{row[0]}`"] + [_cell(v) for v in row[1:]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="siege-params",
        description="List every parameter of the siege model (and every case fact) with its meaning, unit, allowed "
                    "values, its value in a scenario and its source. Words keep the rows that contain them all.",
        epilog="examples: siege-params air cover | siege-params trust --scenario homs_old_city_2014 | "
               "siege-params --format csv > parameters.csv")
    p.add_argument("words", nargs="*", metavar="WORD", help="keep the rows whose key, meaning or provenance "
                   "contains every word (case-insensitive)")
    p.add_argument("--scenario", default=DEFAULT_SCENARIO, help=f"the scenario whose values are shown (default "
                   f"{DEFAULT_SCENARIO}; any case id in conf/cases/)")
    p.add_argument("--format", choices=FORMATS, default="text", help="text (default): a listing by section; csv or "
                   "markdown: the table")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m experiments.catalogue` and the `siege-params` console script: 0 when
    rows are printed, 1 when the words match none, 2 for a bad scenario (as `siege-run`)."""
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        table = catalogue(args.scenario)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    shown = filter_catalogue(table, args.words)
    if shown.empty:
        words = " ".join(args.words)
        close = close_keys(table, args.words)
        hint = f"close keys: {', '.join(close)}" if close else "no key is close; run siege-params without words"
        print(f"no parameter matches {words!r}; {hint}", file=sys.stderr)
        return 1
    if args.format == "csv":
        sys.stdout.write(shown.to_csv(index=False))
    elif args.format == "markdown":
        sys.stdout.write(markdown_table(shown))
    else:
        width = max(60, min(120, shutil.get_terminal_size((100, 24)).columns))
        sys.stdout.write(text_listing(shown, args.scenario, width))
    return 0


if __name__ == "__main__":
    sys.exit(main())
