"""The parameter table of docs/ODD.md, rendered from the code so the document cannot drift from it.

`python -m experiments.odd_table` rewrites the block between the marker lines in docs/ODD.md;
`python -m experiments.odd_table --check` only reports whether the block is current (exit 1 if not).
tests/test_odd.py fails when the block differs from `parameter_markdown()`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from experiments.io import atomic_write
from sim.params import ModelParams, provenance_table

ODD_PATH = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"
BEGIN = "<!-- BEGIN PARAMETER TABLE -->"
END = "<!-- END PARAMETER TABLE -->"
COLUMNS = ("parameter", "default", "unit", "range", "provenance")


def _cell(value: Any) -> str:
    """One Markdown table cell: text on one line, '|' escaped; None (an unset option) as 'unset'."""
    if value is None:
        return "unset"
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return " ".join(text.split()).replace("|", "\\|")


def parameter_markdown() -> str:
    """Every leaf of ModelParams with its default, unit, allowed range and provenance, as Markdown.

    Paths are relative to `model.` (a Hydra override is `model.<path>=<value>`)."""
    lines = ["| parameter | default | unit | range | provenance |",
             "|---|---|---|---|---|"]
    for row in provenance_table(ModelParams()):
        cells = [f"`{_cell(row['parameter'])}`"] + [_cell(row[c]) for c in COLUMNS[1:]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def split_document(text: str) -> tuple[str, str, str]:
    """(before and including BEGIN, the table block, from END on); ValueError if markers are missing."""
    start, stop = text.find(BEGIN), text.find(END)
    if start < 0 or stop < 0 or stop < start:
        raise ValueError(f"{ODD_PATH} needs the lines '{BEGIN}' and '{END}', in that order")
    head_end = start + len(BEGIN)
    return text[:head_end], text[head_end:stop].strip("\n"), text[stop:]


def render(text: str) -> str:
    """The document with its parameter block replaced by the current table."""
    head, _, tail = split_document(text)
    return f"{head}\n{parameter_markdown()}\n{tail}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = ODD_PATH.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in argv:
        if new != text:
            print(f"{ODD_PATH}: parameter table out of date; run `python -m experiments.odd_table`")
            return 1
        print(f"{ODD_PATH}: parameter table is current")
        return 0
    if new != text:
        atomic_write(ODD_PATH, lambda p: p.write_text(new, encoding="utf-8"))
        print(f"rewrote the parameter table in {ODD_PATH} ({len(provenance_table(ModelParams()))} parameters)")
    else:
        print(f"{ODD_PATH}: parameter table already current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
