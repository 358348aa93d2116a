"""Rules the provider's answers must keep across a program, whatever the mock said.

- read-after-write: a read answers what the last write of that record answered;
- deleted is gone: a record deleted (204) is neither readable nor listed;
- one's own rows: a list holds only rows the caller owns (``ownerId``/``userId``);
- computed fields: a property with ``x-mock-compute`` equals its expression over the record.

The mock keeps them by construction; checking them on the provider says *which* rule a
diverging answer broke, and catches what the mock's answer alone would not show.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mockserver.compile.expressions import Expression
from mockserver.conform.compare import Divergence
from mockserver.conform.model import ApiModel, Endpoint, resolve
from mockserver.conform.sides import Answer

__all__ = ["Ledger", "Unchanged", "computed_fields"]

OWNER_FIELDS = ("ownerId", "userId")
# Fields every write moves: not part of "what was written".
_VOLATILE = frozenset({"updatedAt"})
_NOW = datetime(2000, 1, 1, tzinfo=UTC)


def computed_fields(model: ApiModel, schema: Any) -> Iterator[tuple[str, str, Expression]]:
    """``(path, property, expression)`` of every ``x-mock-compute`` under ``schema``.

    ``path`` is ``""`` for the object itself or ``"items[]"`` for the objects of an array
    property; expressions over the clock (``now()``) are left out: they differ by nature.
    """
    yield from _computed(model, schema, "", set())


def _computed(
    model: ApiModel, schema: Any, path: str, seen: set[int]
) -> Iterator[tuple[str, str, Expression]]:
    schema = resolve(model.document, schema)
    if not isinstance(schema, Mapping) or id(schema) in seen:
        return
    seen.add(id(schema))
    for part in schema.get("allOf") or ():
        yield from _computed(model, part, path, seen)
    for name, raw in (schema.get("properties") or {}).items():
        source = raw.get("x-mock-compute") if isinstance(raw, Mapping) else None
        if isinstance(source, str) and "now()" not in source:
            yield path, name, Expression(source, where=name)
        prop = resolve(model.document, raw)
        if isinstance(prop, Mapping) and prop.get("type") == "array":
            yield from _computed(model, prop.get("items"), f"{path}{name}[].", seen)


@dataclass
class Ledger:
    """What the provider answered so far in one program, per record id."""

    model: ApiModel
    written: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    _computed: dict[str, list[tuple[str, str, Expression]]] = field(default_factory=dict)

    def check(
        self, endpoint: Endpoint, path: str, answer: Answer, caller: str | None
    ) -> list[Divergence]:
        """The rules ``answer`` (to ``endpoint`` on ``path``, by ``caller``) breaks."""
        found: list[Divergence] = []
        op, body = endpoint.op_id, answer.body
        target = path.rstrip("/").rsplit("/", 1)[-1]
        if endpoint.method == "DELETE" and answer.status == 204:
            self.deleted.add(target)
            self.written.pop(target, None)
            return found
        if not 200 <= answer.status < 300 or not isinstance(body, dict):
            return found
        if endpoint.method != "GET":
            # A write may move the records it names (paying moves the order): forget them.
            named = [v for v in body.values() if isinstance(v, str)] + path.split("/")
            for other in named:
                self.written.pop(other, None)
        rows = body.get("data") if isinstance(body.get("data"), list) else None
        for row in rows if rows is not None else [body]:
            if isinstance(row, dict):
                found.extend(self._row(endpoint, row, caller, listed=rows is not None))
        if rows is None and isinstance(body.get("id"), str):
            record_id = body["id"]
            if endpoint.method == "GET" and record_id in self.written:
                found.extend(_read_after_write(op, self.written[record_id], body))
            if endpoint.method != "GET":
                self.written[record_id] = body
        return found

    def _row(
        self, endpoint: Endpoint, row: dict[str, Any], caller: str | None, *, listed: bool
    ) -> Iterator[Divergence]:
        op = endpoint.op_id
        if row.get("id") in self.deleted:
            yield Divergence("invariant deleted is gone", op, "body", "404", "the deleted record")
        owner = next((row[f] for f in OWNER_FIELDS if isinstance(row.get(f), str)), None)
        if listed and caller is not None and owner is not None and owner != caller:
            yield Divergence(
                "invariant own rows",
                op,
                "body.data[]",
                "only the caller's rows",
                "a row of another user",
            )
        for path, name, expression in self._expressions(endpoint):
            for obj in _objects(row, path):
                yield from _computed_value(op, path, name, expression, obj)

    def _expressions(self, endpoint: Endpoint) -> list[tuple[str, str, Expression]]:
        if endpoint.op_id not in self._computed:
            found: list[tuple[str, str, Expression]] = []
            for status, response in endpoint.operation.responses.items():
                media = response.content.get("application/json")
                if status.startswith("2") and media is not None:
                    schema = resolve(self.model.document, media.schema)
                    if isinstance(schema, Mapping) and "data" in (schema.get("properties") or {}):
                        schema = resolve(self.model.document, schema["properties"]["data"])
                        schema = schema.get("items") if isinstance(schema, Mapping) else None
                    found.extend(computed_fields(self.model, schema))
            self._computed[endpoint.op_id] = found
        return self._computed[endpoint.op_id]


def _objects(row: dict[str, Any], path: str) -> Iterator[dict[str, Any]]:
    if not path:
        yield row
        return
    head, _, rest = path.partition("[].")
    for item in row.get(head) or () if isinstance(row.get(head), list) else ():
        if isinstance(item, dict):
            yield from _objects(item, rest)


def _computed_value(
    op: str, path: str, name: str, expression: Expression, obj: dict[str, Any]
) -> Iterator[Divergence]:
    if name not in obj:
        return
    try:
        expected = expression.evaluate(obj, now=_NOW)
    except Exception:  # a field the expression needs is missing or mistyped
        return  # the shape comparison reports that
    if expected != obj[name]:
        yield Divergence(
            "invariant computed field",
            op,
            f"body.{path}{name}",
            f"{expected!r} (x-mock-compute)",
            repr(obj[name]),
        )


def _read_after_write(op: str, written: dict[str, Any], read: dict[str, Any]) -> list[Divergence]:
    # Only what the read answers: a create may answer more (a secret shown only that once).
    for name in sorted(set(read)):
        if name in _VOLATILE or name not in written:
            continue
        if written[name] != read[name]:
            return [
                Divergence(
                    "invariant read-after-write",
                    op,
                    f"body.{name}",
                    repr(written[name]),
                    repr(read[name]),
                )
            ]
    return []


class Unchanged:
    """Each side's last answer of each record, by its id: when the mock answers a write with
    the record unchanged (ending an ended session), the provider must answer its own last
    answer of that record unchanged too, timestamps included."""

    def __init__(self) -> None:
        self.last: tuple[dict[str, Any], dict[str, Any]] = ({}, {})

    def check(self, endpoint: Endpoint, mock: Any, provider: Any) -> list[Divergence]:
        """Divergences of ``provider``'s answer from its last when ``mock``'s kept its last."""
        found: list[Divergence] = []
        if not (_record(mock) and _record(provider)):
            return found
        before = self.last[0].get(mock["id"]), self.last[1].get(provider["id"])
        if endpoint.method != "GET" and before[0] == mock and before[1] is not None:
            changed = sorted(
                k for k in {*before[1], *provider} if before[1].get(k) != provider.get(k)
            )
            found += [
                Divergence(
                    "invariant unchanged",
                    endpoint.op_id,
                    f"body.{name}",
                    repr(before[1].get(name)),
                    repr(provider.get(name)),
                )
                for name in changed[:1]
            ]
        self.last[0][mock["id"]], self.last[1][provider["id"]] = mock, provider
        return found


def _record(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("id"), str)
