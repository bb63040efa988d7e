"""Reading config.yaml before its schema is checked: YAML without 1.1's surprises, and ${ENV} references.

What goes wrong here (a key given twice, an unset variable) is collected in `Problems`, to be reported
with the schema's mistakes (bot/config_schema.py); a file that cannot be read or parsed raises ConfigError.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class ConfigError(Exception):
    """Everything wrong with a config file, one `key.path: what is wrong` per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Problems:
    found: list[str] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.found.append(f"{path or '(top level)'}: {message}")


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def index(path: str, position: int) -> str:
    return f"{path}[{position}]"


# ---- YAML -------------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """Safe YAML with YAML 1.2 scalars: only true/false are booleans (`sun: off` stays text), 19:00 is not
    a base-60 number, 09 is not octal, and dates stay text so that the schema can report bad ones.
    It also remembers keys given twice in one mapping, which PyYAML would silently overwrite."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's class-level registry

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key in seen and key != "<<":
                self.duplicates.append((key_node.start_mark.line + 1, key))
            seen.add(key or "")
        return super().construct_mapping(node, deep)


for _tag, _pattern, _first in (
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("int", r"[-+]?(?:0|[1-9][0-9]*)", "-+0123456789"),
    ("float", r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?", "-+0123456789."),
    ("null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("merge", r"<<", "<"),
):
    _Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(f"^(?:{_pattern})$"), list(_first))


def read_yaml(path: Path, problems: Problems) -> Any:
    """The parsed file; keys given twice go to `problems`; a missing or unparsable file raises ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path.name}: file not found ({path})"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([f"{path.name}: cannot be read ({error})"]) from None
    return parse_yaml(text, path.name, problems)


def parse_yaml(text: str, name: str, problems: Problems) -> Any:
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as error:
        raise ConfigError([f"{name}: {_yaml_problem(error)}"]) from None
    finally:
        loader.dispose()
    for line, key in loader.duplicates:
        problems.add(f"{name} line {line}", f"key '{key}' is given twice in the same section; keep one")
    return data


def _yaml_problem(error: yaml.YAMLError) -> str:
    if not isinstance(error, yaml.MarkedYAMLError):
        return f"not valid YAML ({error})"
    mark = error.problem_mark or error.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    context = f" ({error.context})" if error.context else ""
    return f"YAML syntax error{where}: {error.problem}{context}"


# ---- ${ENV} references -------------------------------------------------------------------------------------

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def interpolate(value: Any, environ: Mapping[str, str], problems: Problems, path: str = "") -> Any:
    """`value` with every ${NAME} / ${NAME:-default} in its strings replaced from `environ`."""
    if isinstance(value, str):
        return _substitute(value, environ, problems, path)
    if isinstance(value, list):
        return [interpolate(item, environ, problems, index(path, i)) for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {
            key: interpolate(item, environ, problems, join(path, str(key))) for key, item in value.items()
        }
    return value


def _substitute(text: str, environ: Mapping[str, str], problems: Problems, path: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = environ.get(name)
        if value is None and default is None:
            problems.add(
                path, f"environment variable {name} is not set (write ${{{name}:-}} if it is optional)"
            )
        return value or (default or "")

    if "${" in _REFERENCE.sub("", text):
        problems.add(path, "malformed reference: write ${NAME} or ${NAME:-default}")
    return _REFERENCE.sub(replace, text)
