"""Read one file of a spec: YAML (1.2 scalars, keys as written) or JSON, judged by content."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import orjson
import yaml

from mockserver.errors import SpecError

__all__ = ["read_spec_file"]

try:
    from yaml import CSafeLoader as _BaseYamlLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _BaseYamlLoader  # type: ignore[assignment]

_TAG = "tag:yaml.org,2002:"


class _YamlLoader(_BaseYamlLoader):
    """Safe loader with YAML 1.2 scalars and keys kept as written (``200:`` is ``"200"``)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        own = sum(1 for key, _ in node.value if key.tag != _TAG + "merge")
        self.flatten_mapping(node)
        # Entries pulled in by `<<: *anchor` come first and may be overridden, not duplicated.
        merged = len(node.value) - own
        mapping: dict[Any, Any] = {}
        written: set[str] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                )
            # The text as written: 200 stays "200", `on` stays "on", 1.10 stays "1.10".
            key = key_node.value
            if index >= merged:
                if key in written:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                written.add(key)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    try:
        # YAML 1.2: "012" is twelve (1.1 read it as octal ten); octal is spelled 0o12.
        return int(text, 10)
    except ValueError:
        return int(text, 0)


def _yaml12_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    # YAML 1.1 turns yes/no/on/off into booleans and 2024-01-01 into a date; OpenAPI documents
    # mean the strings (enum values, `example: 2024-01-01` for `format: date`).
    replaced = {_TAG + name for name in ("bool", "int", "float", "timestamp", "value")}
    table: dict[Any, list[tuple[str, re.Pattern[str]]]] = {
        first: [(tag, regexp) for tag, regexp in entries if tag not in replaced]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    core = (
        ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
        (
            "float",
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
            "-+0123456789.",
        ),
    )
    for name, pattern, first_chars in core:
        for first in first_chars:
            table.setdefault(first, []).append((_TAG + name, re.compile(pattern)))
    return {first: entries for first, entries in table.items() if entries}


_YamlLoader.yaml_implicit_resolvers = _yaml12_resolvers()
_YamlLoader.add_constructor(_TAG + "int", _construct_int)


def read_spec_file(path: Path, display: str) -> Any:
    """The parsed content of the file at ``path``; ``display`` names it in errors."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(
            "file not found",
            source=display,
            hint=f"check the path (relative paths start from the working directory {os.getcwd()})",
        ) from None
    except IsADirectoryError:
        raise SpecError(
            "is a directory", source=display, hint="pass the OpenAPI file inside it"
        ) from None
    except OSError as error:
        raise SpecError(
            f"cannot read the file: {error.strerror}",
            source=display,
            hint="check that the file exists and is readable",
        ) from None
    body = data.removeprefix(b"\xef\xbb\xbf")
    if body.lstrip()[:1] in (b"{", b"["):
        try:
            # Straight from the bytes: decoding 13 MB to text first, for orjson to encode it
            # back, cost more than the parse.
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # JSON-like YAML, or an error that `_parse` reports with its position
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SpecError(
            f"not UTF-8 text (invalid byte at offset {error.start})",
            source=display,
            hint="save the file as UTF-8",
        ) from None
    return _parse(text, display)


def _parse(text: str, display: str) -> Any:
    """Parse JSON or YAML, judged by the content rather than the file name."""
    if text.lstrip().startswith(("{", "[")):
        try:
            return orjson.loads(text)  # far faster than YAML for the same document
        except orjson.JSONDecodeError as json_error:
            try:  # JSON-like YAML (comments, trailing text) is still YAML
                return yaml.load(text, Loader=_YamlLoader)
            except yaml.YAMLError:
                raise SpecError(
                    f"invalid JSON: {json_error}",
                    source=display,
                    hint="fix the syntax at that position (a missing comma, quote or brace)",
                ) from None
    try:
        return yaml.load(text, Loader=_YamlLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or error.context or "syntax error"
        hint = "fix the syntax there (indentation, quoting, a missing ':' or '-')"
        if problem.startswith("duplicate key"):
            hint = "a key may appear once per mapping: merge the two entries or rename one"
        raise SpecError(f"invalid YAML{where}: {problem}", source=display, hint=hint) from None
    except yaml.YAMLError as error:
        raise SpecError(
            f"invalid YAML: {error}", source=display, hint="fix the YAML syntax"
        ) from None
