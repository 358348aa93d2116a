"""The served spec's own problem vocabulary: which ``type``, ``title`` and ``code`` its errors use.

Read once at start-up from the examples of the document's error responses (4xx, 5xx,
``default``, reusable responses and examples; those shaped like RFC 9457: a string ``type`` and
an error ``status``) and from their schema's ``type`` ``enum`` or ``const``.
`ProblemTypes.naming` then names each problem the mock answers the way the spec does:

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

from mockserver.compile.operations import follow
from mockserver.errors import MockServerError

__all__ = ["GENERIC_CODES", "Naming", "ProblemTypes", "collect_problem_types"]

# The mock's codes for what any API answers (no route, no credentials, not yours, invalid
# input, throttled): a spec naming these situations otherwise is followed. The mock's own
# codes (an invalid Prefer header, a spec it cannot mock) keep their names.
GENERIC_CODES = frozenset(
    {"not_found", "no_such_path", "unauthorized", "forbidden", "validation_failed",
     "method_not_allowed", "too_many_attempts", "not_acceptable", "unsupported_media_type"}
)  # fmt: skip
_CODE_KEYS = ("code", "error_code", "errorCode")

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
    examples: list[_Example] = []
    enumerated: list[str] = []
    for value, listed_here in _error_answers(document):
        example = _as_problem(value)
        if example is not None:
            examples.append(example)
        enumerated.extend(listed_here)
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
    listed = tuple(dict.fromkeys(enumerated))
    types = {e.type for e in examples} | set(listed)
    return ProblemTypes(
        by_code=by_code,
        by_status=by_status,
        rule=_rule([(e.code, e.type) for e in examples if e.code is not None]),
        enumerated=listed,
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


def _error_answers(document: Mapping[str, Any]) -> Iterator[tuple[Any, list[str]]]:
    """Each example value of an error response, or of a reusable one, with its schema's types.

    Only responses are read (not the whole document, which for a large API is costly at
    start-up): each operation's 4xx, 5xx and default responses, every reusable response and
    every reusable example; of each, the media types' examples and their schema's.
    """
    components = document.get("components")
    components = components if isinstance(components, Mapping) else {}
    responses: list[tuple[Any, str]] = []
    paths = document.get("paths")
    for path, item in paths.items() if isinstance(paths, Mapping) else ():
        item, item_pointer = _follow(document, item, f"/paths/{path}")
        for method, operation in item.items() if isinstance(item, Mapping) else ():
            declared = operation.get("responses") if isinstance(operation, Mapping) else None
            for status, response in declared.items() if isinstance(declared, Mapping) else ():
                if _is_error(str(status)):
                    responses.append((response, f"{item_pointer}/{method}/responses/{status}"))
    reusable = components.get("responses")
    for name, response in reusable.items() if isinstance(reusable, Mapping) else ():
        responses.append((response, f"/components/responses/{name}"))
    seen: set[str] = set()
    for response, pointer in responses:
        response, pointer = _follow(document, response, pointer)
        content = response.get("content") if isinstance(response, Mapping) else None
        if pointer in seen or not isinstance(content, Mapping):
            continue
        seen.add(pointer)
        for media in content.values():
            if isinstance(media, Mapping):
                yield from _media_answers(document, media, pointer)
    shared = components.get("examples")
    for example in shared.values() if isinstance(shared, Mapping) else ():
        if isinstance(example, Mapping) and "value" in example:
            yield example["value"], []


def _media_answers(
    document: Mapping[str, Any], media: Mapping[str, Any], pointer: str
) -> Iterator[tuple[Any, list[str]]]:
    schema, schema_pointer = _follow(document, media.get("schema"), pointer + "/schema")
    yield None, _enumerated_types(document, schema, schema_pointer)  # the schema's types alone
    if "example" in media:
        yield media["example"], []
    examples = media.get("examples")
    for example in examples.values() if isinstance(examples, Mapping) else ():
        example, _ = _follow(document, example, pointer)
        if isinstance(example, Mapping) and "value" in example:
            yield example["value"], []
    if isinstance(schema, Mapping):
        if "example" in schema:
            yield schema["example"], []
        if isinstance(schema.get("examples"), list):
            yield from ((value, []) for value in schema["examples"])


def _enumerated_types(document: Mapping[str, Any], schema: Any, pointer: str) -> list[str]:
    """The ``enum`` / ``const`` strings of a problem schema's ``type`` (through ``allOf``)."""
    found: list[str] = []
    parts = [schema]
    if isinstance(schema, Mapping) and isinstance(schema.get("allOf"), list):
        parts += [_follow(document, part, pointer)[0] for part in schema["allOf"]]
    for part in parts:
        properties = part.get("properties") if isinstance(part, Mapping) else None
        if not isinstance(properties, Mapping):
            continue
        declared, _ = _follow(document, properties.get("type"), pointer)
        if not isinstance(declared, Mapping):
            continue
        if isinstance(declared.get("enum"), list):
            found += [value for value in declared["enum"] if isinstance(value, str)]
        if isinstance(declared.get("const"), str):
            found.append(declared["const"])
    return found


def _is_error(status: str) -> bool:
    status = status.upper()
    return status == "DEFAULT" or status[:1] in ("4", "5")


def _follow(document: Mapping[str, Any], node: Any, pointer: str) -> tuple[Any, str]:
    """``node`` with its local ``$ref``s followed; None where they lead nowhere (lenient)."""
    try:
        return follow(document, node, pointer)
    except MockServerError:
        return None, pointer


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
