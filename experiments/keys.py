"""Dotted keys and override strings: the one place that splits `key=value`, nests and flattens
dotted paths, and compares override values."""

from __future__ import annotations

import math
from enum import Enum
from typing import Any


def parse_overrides(overrides: list[str]) -> dict[str, str]:
    """`['+a.b=1', 'c=x']` -> `{'a.b': '1', 'c': 'x'}` (Hydra's `+`, `++` and `~` prefixes dropped)."""
    pairs = {}
    for text in overrides:
        key, _, value = text.partition("=")
        pairs[key.lstrip("+~")] = value
    return pairs


def nest(tree: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set `value` at dotted `path` in a nested dict, creating the sections on the way; returns `tree`."""
    node = tree
    *parents, leaf = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    return tree


def flatten(tree: dict[str, Any], prefix: str = "", keep: tuple[str, ...] = ()) -> list[str]:
    """The dotted paths of a nested dict's leaves; sections named in `keep` count as leaves."""
    keys = []
    for k, v in tree.items():
        path = f"{prefix}{k}"
        if isinstance(v, dict) and path not in keep:
            keys.extend(flatten(v, path + ".", keep))
        else:
            keys.append(path)
    return keys


def same_value(a: object, b: object) -> bool:
    """Override values compared as numbers when both are numbers (0.7 == 0.7000000000000001)."""
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    except (TypeError, ValueError):
        return str(a) == str(b)


def command_line_text(value: Any) -> str:
    """A value as an override writes it: enums by name, true/false, null when unset."""
    if value is None:
        return "null"
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
