"""Pact files as read from disk: the ``*.json`` files of a directory (or one file), each one
parsed, its HTTP interactions, and the parts of a request or response every reader needs.

`check`, `verify` and the diff's consumer impact (`mockserver.diff.impact`) all read pacts
this one way. Pact specifications V2, V3 and V4 differ in where things are, not in what they
say, and this module hides the difference:

============  ======================  ==============================  =====================
              body                    matching rules                  provider states
============  ======================  ==============================  =====================
V2            the raw JSON value      ``{"$.body.x": {...}}``         ``providerState``
V3            the raw JSON value      ``{"body": {"$.x": {...}}}``    ``providerStates``
V4            ``{content, ...}``      as V3                           as V3
============  ======================  ==============================  =====================
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from mockserver.errors import ConfigError

__all__ = [
    "HTTP",
    "VERSIONS",
    "Generator",
    "Rule",
    "State",
    "body",
    "generators",
    "headers",
    "http_interactions",
    "matching_rules",
    "pact_files",
    "pact_version",
    "provider_states",
    "query",
    "read_pact",
]

HTTP = "Synchronous/HTTP"  # a V4 interaction's type; V2/V3 interactions have none and are HTTP
VERSIONS = ("V2", "V3", "V4")  # the pact specifications read here
_EXPRESSION = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True, slots=True)
class Rule:
    """One matching rule: its category (body, header, query, path), where in it, its matchers.

    ``where`` is a JSONPath from the body root (``$.items[*].id``) for the body, a header or
    query parameter name otherwise, empty for the path.
    """

    category: str
    where: str
    matchers: tuple[Mapping[str, Any], ...]

    @property
    def label(self) -> str:
        """Where the rule applies, as a reader finds it: ``$.body.amount``, ``$.header.X``."""
        if self.category == "body":
            return "$.body" + self.where[1:]
        return f"$.{self.category}" + (f".{self.where}" if self.where else "")


@dataclass(frozen=True, slots=True)
class Generator:
    """A provider-state generator: ``${expression}`` values injected at ``category``/``where``."""

    category: str
    where: str
    expression: str

    @property
    def names(self) -> tuple[str, ...]:
        """The values it names: ``projectId`` of ``/projects/${projectId}``."""
        return tuple(name.strip() for name in _EXPRESSION.findall(self.expression))


@dataclass(frozen=True, slots=True)
class State:
    """A provider state an interaction is given: its name and params."""

    name: str
    params: Mapping[str, Any]


def pact_files(pacts: Path) -> list[Path]:
    """``pacts`` itself when it is a file, else the ``*.json`` files in it, sorted."""
    return [pacts] if pacts.is_file() else sorted(pacts.glob("*.json"))


def read_pact(file: Path) -> Any:
    """The parsed JSON of ``file``; `ConfigError` naming it when it cannot be read (the
    error's ``__cause__`` says why)."""
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read pact file {file}: {exc}") from exc


def pact_version(pact: Any) -> str:
    """``V2``, ``V3`` or ``V4`` as the pact's metadata says (else as its shape says); another
    version is answered as it is named (``V1``), for the caller to refuse."""
    metadata = pact.get("metadata") if isinstance(pact, Mapping) else None
    declared: Any = None
    if isinstance(metadata, Mapping):
        for key in ("pactSpecification", "pact-specification"):
            found = metadata.get(key)
            if isinstance(found, Mapping) and found.get("version") is not None:
                declared = found["version"]
                break
        declared = declared or metadata.get("pactSpecificationVersion")
    if declared is not None:
        major = str(declared).lstrip("vV").split(".")[0]
        return f"V{major}"
    interactions = [
        i for i in (pact.get("interactions") or ()) if isinstance(i, Mapping)
    ] if isinstance(pact, Mapping) else []  # fmt: skip
    if any("type" in i for i in interactions):
        return "V4"
    if any("providerStates" in i for i in interactions):
        return "V3"
    return "V2"


def http_interactions(pact: Any) -> Iterator[Mapping[str, Any]]:
    """The HTTP interactions of a parsed pact (message interactions are left out)."""
    if not isinstance(pact, Mapping):
        return
    for entry in pact.get("interactions") or ():
        if isinstance(entry, Mapping) and entry.get("type", HTTP) == HTTP:
            yield entry


def headers(part: Mapping[str, Any]) -> dict[str, str]:
    """A request's or response's headers, names in lower case, list values joined."""
    found = part.get("headers")
    if not isinstance(found, Mapping):
        return {}
    return {
        str(name).lower(): ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        for name, value in found.items()
    }


def query(request: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A request's query parameters in order: V2 stores a query string, V3/V4 name -> list."""
    found = request.get("query")
    if isinstance(found, str):
        return parse_qsl(found, keep_blank_values=True)
    if not isinstance(found, Mapping):
        return []
    return [
        (str(name), str(value))
        for name, values in found.items()
        for value in (values if isinstance(values, list) else [values])
    ]


def body(part: Mapping[str, Any], version: str | None = None) -> tuple[bool, Any, str | None]:
    """``(present, content, content type)`` of a request's or response's body.

    V4 wraps the body (``{content, contentType, encoded}``); V2 and V3 store it as it is, its
    content type in the headers. Without ``version``, a wrapper is recognised by its shape.
    """
    if "body" not in part:
        return False, None, None
    found = part["body"]
    wrapped = isinstance(found, Mapping) and "content" in found
    if version == "V4" or (version is None and wrapped and set(found) <= _WRAPPER):
        if not isinstance(found, Mapping) or "content" not in found:
            return False, None, None
        return True, found["content"], found.get("contentType")
    if version is None and found is None:
        return False, None, None
    return True, found, headers(part).get("content-type")


_WRAPPER = {"content", "contentType", "encoded", "contentTypeHint"}


def matching_rules(part: Mapping[str, Any], version: str) -> list[Rule]:
    """The matching rules of a request or response, V2's ``$.body.x`` paths read as V3's
    categories."""
    found = part.get("matchingRules")
    if not isinstance(found, Mapping):
        return []
    if version == "V2":
        return [_v2_rule(str(path), rule) for path, rule in found.items()]
    rules: list[Rule] = []
    for category, entries in found.items():
        if not isinstance(entries, Mapping):
            continue
        if "matchers" in entries:  # the path category holds one rule, not a mapping
            rules.append(Rule(str(category), "", _matchers(entries)))
            continue
        for where, rule in entries.items():
            rules.append(Rule(str(category), str(where), _matchers(rule)))
    return rules


def _v2_rule(path: str, rule: Any) -> Rule:
    """``$.body.x`` -> body ``$.x``; ``$.headers.X`` -> header ``X``; ``$.query.x``; ``$.path``."""
    matchers = (rule,) if isinstance(rule, Mapping) else ()
    for prefix, category in (("$.headers", "header"), ("$.query", "query"), ("$.path", "path")):
        if path == prefix or path.startswith((prefix + ".", prefix + "[")):
            where = path[len(prefix) :].lstrip(".")
            if where.startswith("['") and where.endswith("']"):
                where = where[2:-2]
            return Rule(category, where, matchers)
    if path == "$.body" or path.startswith(("$.body.", "$.body[")):
        return Rule("body", "$" + path[len("$.body") :], matchers)
    return Rule("body", path, matchers)


def _matchers(rule: Any) -> tuple[Mapping[str, Any], ...]:
    if not isinstance(rule, Mapping):
        return ()
    listed = rule.get("matchers")
    if isinstance(listed, list):
        return tuple(m for m in listed if isinstance(m, Mapping))
    return (rule,)


def generators(part: Mapping[str, Any]) -> list[Generator]:
    """The provider-state generators of a request or response (V3/V4)."""
    found = part.get("generators")
    if not isinstance(found, Mapping):
        return []
    out: list[Generator] = []
    for category, entries in found.items():
        if not isinstance(entries, Mapping):
            continue
        if "type" in entries:  # the path category holds one generator
            items: list[tuple[str, Any]] = [("", entries)]
        else:
            items = [(str(where), entry) for where, entry in entries.items()]
        for where, entry in items:
            if isinstance(entry, Mapping) and entry.get("type") == "ProviderState":
                out.append(Generator(str(category), where, str(entry.get("expression", ""))))
    return out


def provider_states(interaction: Mapping[str, Any]) -> list[State]:
    """The states an interaction is given: V3/V4 ``providerStates``, V2 ``providerState``."""
    listed = interaction.get("providerStates")
    if isinstance(listed, list):
        return [
            State(str(s.get("name")), dict(s.get("params") or {}))
            if isinstance(s, Mapping)
            else State(str(s), {})
            for s in listed
        ]
    single = interaction.get("providerState") or interaction.get("provider_state")
    return [State(str(single), {})] if single else []
