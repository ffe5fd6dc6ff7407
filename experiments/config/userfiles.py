"""Reading a YAML file a user hands the project (a case file, a sensitivity ranges file): only a
small UTF-8 text file of plain values is accepted, and anything else is a one-line ConfigError
naming the file.

The file is read literally. YAML anchors and aliases are refused before the file is parsed (ten
lines of nested aliases expand to a billion values), and so is any `${`: case files become config
nodes that OmegaConf would interpolate (`${oc.env:SECRET}` would copy the environment into the
tables), so a user's file may not look like an interpolation anywhere. NaN and infinity are no
count, share or bound either."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from experiments.config.schema import ConfigError

INTERPOLATION = "${"


class LiteralLoader(yaml.SafeLoader):
    """PyYAML's safe loader without YAML 1.1's implicit dates: an unquoted 2021-06-24 stays the text
    it is (a case's start date is ISO text, checked by sim.params.iso_date, which names the key)."""


LiteralLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def shown(value: Any, limit: int = 60) -> str:
    """A value for a message: its repr, shortened to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def read_yaml(path: Path, what: str, max_bytes: int, why_cap: str) -> Any:
    """The values of a user's YAML file, checked: a regular file of at most `max_bytes` bytes (a
    `what`, `why_cap` says why the cap), UTF-8, no anchors or aliases, valid YAML, no `${` in a key
    or a value and no NaN or infinity. Raise ConfigError, one line naming the file, otherwise."""
    path = Path(path)
    if not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file" if path.exists() else "missing"
        raise ConfigError(f"{path} is not allowed: a {what} is a regular file, this is {kind}")
    with path.open("rb") as file:
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ConfigError(f"{path} is not allowed: a {what} of at most {max_bytes // 1024} kB ({why_cap})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not allowed: UTF-8 text (byte 0x{data[exc.start]:02x} at position "
                          f"{exc.start} is not UTF-8)") from None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                mark = token.start_mark
                raise ConfigError(f"{path}: line {mark.line + 1}: the anchor or alias {token.value!r} is not "
                                  f"allowed: write every value out (aliases can expand a small file into a huge "
                                  f"one)")
        values = yaml.load(text, Loader=LiteralLoader)  # a SafeLoader: plain values only, dates as text
        _check_values(values, path, "")
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not allowed: valid YAML ({_yaml_problem(exc)})") from None
    except (ValueError, OverflowError) as exc:  # an explicit !!timestamp that is no date: 2012-06-31
        raise ConfigError(f"{path} is not allowed: valid YAML values ({exc})") from None
    except RecursionError:
        raise ConfigError(f"{path} is not allowed: YAML nested a few levels deep, as any {what} is (this one "
                          "nests too deep to read)") from None
    return values


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """PyYAML's complaint in one line: where, and what."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark is not None else problem


def _check_values(value: Any, path: Path, key: str) -> None:
    """Refuse `${` and non-finite numbers anywhere in a parsed file (`key`: where, dotted)."""
    if isinstance(value, dict):
        for k, v in value.items():
            inner = f"{key}.{k}" if key else str(k)
            if isinstance(k, str) and INTERPOLATION in k:
                raise ConfigError(f"{path}: the key {shown(k)} is not allowed: plain text without '${{' "
                                  "(the file is read literally, never interpolated)")
            _check_values(v, path, inner)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_values(v, path, f"{key}[{i}]")
    elif isinstance(value, str) and INTERPOLATION in value:
        raise ConfigError(f"{path}: {key or 'the file'}={shown(value)} is not allowed: plain text without '${{' "
                          "(the file is read literally, never interpolated)")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{path}: {key or 'the file'}={value!r} is not allowed: a finite number")
