"""The served spec's own problem vocabulary: which ``type``, ``title`` and ``code`` its errors use.

Read once at start-up from the document's problem examples (any ``example`` / ``examples``
value shaped like RFC 9457: a string ``type`` and an error ``status``) and from the problem
schema's ``type`` ``enum`` or ``const``. `ProblemTypes.naming` then names each problem the mock
answers the way the spec does:

1. a code the examples show: that example's ``type`` and ``title``;
2. a generic code of the mock (``not_found``, ``unauthorized``, ...) the spec does not use, for
   a status all of whose examples agree: that example's ``type``, ``title`` and ``code``;
3. otherwise the rule most examples follow (``https://errors.example/`` + the code, dashed or
   not, + a suffix), or the schema's enumerated ``type`` ending in the code, or the one
   ``type`` every example shares (``about:blank``);
4. nothing: the spec gives no vocabulary, and the mock keeps its ``urn:mockserver:problem:``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["GENERIC_CODES", "Naming", "ProblemTypes", "collect_problem_types"]

# The mock's codes for what any API answers (no route, no credentials, not yours, invalid
# input, throttled): a spec naming these situations otherwise is followed. The mock's own
# codes (an invalid Prefer header, a spec it cannot mock) keep their names.
GENERIC_CODES = frozenset(
    {"not_found", "no_such_path", "unauthorized", "forbidden", "validation_failed",
     "method_not_allowed", "too_many_attempts", "not_acceptable", "unsupported_media_type"}
)  # fmt: skip
_CODE_KEYS = ("code", "error_code", "errorCode")
_DEPTH = 64

Transform = Callable[[str], str]
_TRANSFORMS: dict[str, Transform] = {
    "dashed": lambda code: code.replace("_", "-"),
    "same": lambda code: code,
}


@dataclass(frozen=True, slots=True)
class Naming:
    """How one problem is named: ``type`` (None: the spec says nothing), ``title``, ``code``."""

    type: str | None
    title: str | None
    code: str


@dataclass(frozen=True, slots=True)
class _Example:
    type: str
    title: str | None
    status: int
    code: str | None


@dataclass(frozen=True, slots=True)
class _Rule:
    transform: str
    prefix: str
    suffix: str

    def type_of(self, code: str) -> str:
        return self.prefix + _TRANSFORMS[self.transform](code) + self.suffix


@dataclass(frozen=True, slots=True)
class ProblemTypes:
    """The vocabulary of one document; empty (`naming` answers no ``type``) when it has none."""

    by_code: Mapping[str, _Example] = field(default_factory=dict)
    by_status: Mapping[int, _Example] = field(default_factory=dict)
    rule: _Rule | None = None
    enumerated: tuple[str, ...] = ()
    constant: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.by_code or self.by_status or self.rule or self.enumerated or self.constant)

    @property
    def dashed_prefix(self) -> str | None:
        """The prefix of a rule ``prefix + dashed code`` the examples follow, if that is it."""
        rule = self.rule
        if rule is None or rule.transform != "dashed" or rule.suffix:
            return None
        return rule.prefix

    def naming(self, status: int, code: str) -> Naming:
        """The spec's name for the problem the mock answers as ``status`` with ``code``."""
        known = self.by_code.get(code)
        if known is not None:
            return Naming(known.type, known.title, code)
        shared = self.by_status.get(status)
        if shared is not None and code in GENERIC_CODES:
            return Naming(shared.type, shared.title, shared.code or code)
        return Naming(self._type_of(code), None, code)

    def _type_of(self, code: str) -> str | None:
        if self.rule is not None:
            return self.rule.type_of(code)
        for uri in self.enumerated:
            last = uri.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].rsplit("#", 1)[-1]
            if last in (code, _TRANSFORMS["dashed"](code)):
                return uri
        return self.constant


def collect_problem_types(document: Mapping[str, Any]) -> ProblemTypes:
    """The problem vocabulary of ``document`` (bundled: local ``$ref``s only)."""
    examples = list(_problem_examples(document))
    enumerated = tuple(dict.fromkeys(_enumerated_types(document)))
    by_code: dict[str, _Example] = {}
    statuses: dict[int, list[_Example]] = {}
    for example in examples:
        if example.code is not None:
            by_code.setdefault(example.code, example)
        statuses.setdefault(example.status, []).append(example)
    by_status = {
        status: group[0]
        for status, group in statuses.items()
        if len({(e.type, e.code) for e in group}) == 1
    }
    types = {e.type for e in examples} | set(enumerated)
    return ProblemTypes(
        by_code=by_code,
        by_status=by_status,
        rule=_rule([(e.code, e.type) for e in examples if e.code is not None]),
        enumerated=enumerated,
        constant=types.pop() if len(types) == 1 else None,
    )


def _rule(pairs: list[tuple[str, str]]) -> _Rule | None:
    """The naming rule more than half of the distinct (code, type) pairs follow, if any."""
    distinct = list(dict.fromkeys(pairs))
    votes: Counter[_Rule] = Counter()
    for code, uri in distinct:
        fits = set()
        for name, transform in _TRANSFORMS.items():
            part = transform(code)
            at = uri.rfind(part)
            if part and at >= 0:
                fits.add(_Rule(name, uri[:at], uri[at + len(part) :]))
        votes.update(fits)
    if not votes:
        return None
    # Most votes first; on a tie the dashed rule (RFC 9457's examples use dashes).
    best, count = max(votes.items(), key=lambda kv: (kv[1], kv[0].transform == "dashed"))
    return best if count * 2 > len(distinct) and len(distinct) >= 2 else None


def _problem_examples(document: Mapping[str, Any]) -> Iterator[_Example]:
    for value in _example_values(document, 0):
        example = _as_problem(value)
        if example is not None:
            yield example


def _example_values(node: Any, depth: int) -> Iterator[Any]:
    """Every ``example`` and ``examples`` value of the document, in document order."""
    if depth > _DEPTH:
        return
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "example":
                yield value
            elif key == "examples" and isinstance(value, Mapping):
                for entry in value.values():
                    if isinstance(entry, Mapping) and "value" in entry:
                        yield entry["value"]
            elif key == "examples" and isinstance(value, list):
                yield from value
            yield from _example_values(value, depth + 1)
    elif isinstance(node, list):
        for item in node:
            yield from _example_values(item, depth + 1)


def _as_problem(value: Any) -> _Example | None:
    if not isinstance(value, Mapping):
        return None
    uri, status, title = value.get("type"), value.get("status"), value.get("title")
    if not isinstance(uri, str) or not uri or isinstance(status, bool):
        return None
    if not isinstance(status, int) or not 400 <= status <= 599:
        return None
    code = next((value[k] for k in _CODE_KEYS if isinstance(value.get(k), str)), None)
    return _Example(uri, title if isinstance(title, str) else None, status, code)


def _enumerated_types(node: Any, depth: int = 0) -> Iterator[str]:
    """The ``enum`` / ``const`` strings of a problem-like schema's ``type`` property."""
    if depth > _DEPTH:
        return
    if isinstance(node, Mapping):
        properties = node.get("properties")
        if isinstance(properties, Mapping) and "status" in properties:
            declared = properties.get("type")
            if isinstance(declared, Mapping):
                values = declared.get("enum")
                if isinstance(values, list):
                    yield from (v for v in values if isinstance(v, str))
                if isinstance(declared.get("const"), str):
                    yield declared["const"]
        for value in node.values():
            yield from _enumerated_types(value, depth + 1)
    elif isinstance(node, list):
        for item in node:
            yield from _enumerated_types(item, depth + 1)
