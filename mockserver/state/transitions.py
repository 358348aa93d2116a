"""Business flows: the ``transition`` and ``charge`` actions that move a record's state.

``transition`` moves the addressed record's ``field`` from one of ``from`` to ``to`` (409
``conflict`` from any other state, the record unchanged when it is already in ``unchanged``),
``set``s more fields and updates a ``related`` record. ``charge`` declines the listed payment
method tokens with 402; with ``collection`` it records a payment there, copying fields of the
addressed ``target`` record, and moves the target, under one lock so a record is paid once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.compile.expressions import Expression
from mockserver.compile.resources import Resource
from mockserver.render.problems import Problem, title_of
from mockserver.render.responses import Rendered
from mockserver.state.changes import Change
from mockserver.state.context import Request, StateContext

__all__ = ["Transitions"]

_DECLINES = {
    "card_declined": "The card was declined by the issuer.",
    "insufficient_funds": "The card has insufficient funds.",
}


class Transitions:
    """The state-machine actions of one mock."""

    def __init__(self, state: StateContext) -> None:
        self.state = state
        self.store = state.store
        self._expressions: dict[str, Expression] = {}

    async def transition(self, action: Mapping[str, Any], request: Request) -> Rendered | Problem:
        """Move the addressed record from one of ``from`` to ``to``."""
        target = await self._target(request)
        if isinstance(target, Problem):
            return target
        resource, record = target
        field = str(action["field"])
        key = f"record:{resource.name}:{record[resource.id_field]}"
        async with self.store.lock(key):
            fresh = await self.store.get(resource.name, str(record[resource.id_field]))
            record = fresh if fresh is not None else record
            value = record.get(field)
            if value in (action.get("unchanged") or []):
                return self.state.answer(request, record)
            if value not in (action.get("from") or []):
                code = str(action.get("conflict", "conflict"))
                return Problem(409, code, title_of(code), f"The {resource.noun} is {value}.")
            before = dict(record)
            record[field] = action["to"]
            for name, source in (action.get("set") or {}).items():
                record[name] = self._evaluate(source, request, record)
            record = self.state.builder.touch(resource, record, now=request.now)
            await self.store.put(resource.name, str(record[resource.id_field]), record)
        await self.state.changes.emit(Change(resource, record, before, request.now))
        related = action.get("related")
        if isinstance(related, Mapping):
            await self._update_related(related, record, request)
        return self.state.answer(request, record)

    async def charge(
        self, action: Mapping[str, Any], request: Request
    ) -> Rendered | Problem | None:
        """Decline the listed tokens with 402; record a payment and move its target."""
        method = str(request.body.get(str(action.get("method", "paymentMethod")), ""))
        decline = (action.get("declines") or {}).get(method)
        collection = action.get("collection")
        if collection is None:
            # A create that charges: decline first, otherwise an ordinary create.
            if decline:
                return _declined(str(decline))
            if request.op.role != "create" or request.op.resource is None:
                return None
            return await self.state.create(request.op.resource, request)
        payments = self.state.model.resources.get(str(collection))
        target = await self._target(request)
        if isinstance(target, Problem):
            return target
        resource, record = target
        if payments is None:
            return Problem(404, "not_found", "Not found", f"No collection {collection}.")
        rule = action.get("target") or {}
        field = str(rule.get("field", "status"))
        key = f"record:{resource.name}:{record[resource.id_field]}"
        async with self.store.lock(key):
            record = await self.store.get(resource.name, str(record[resource.id_field])) or record
            if record.get(field) not in (rule.get("from") or []):
                conflicts = rule.get("conflicts") or {}
                code = str(conflicts.get(str(record.get(field)), conflicts.get("*", "conflict")))
                return Problem(
                    409, code, title_of(code), f"The {resource.noun} is {record.get(field)}."
                )
            extra = {
                name: record.get(source) for name, source in (action.get("copy") or {}).items()
            }
            outcome: Mapping[str, Any] = (
                action.get("failure") if decline else action.get("success")
            ) or {}
            for name, value in outcome.items():
                extra[name] = decline if value == "$decline" else value
            payment = await self.state.new_record(payments, request, extra=extra)
            await self.store.put(payments.name, str(payment[payments.id_field]), payment)
            await self.state.changes.emit(Change(payments, payment, None, request.now))
            if decline:
                return _declined(str(decline))
            record[field] = rule.get("to")
            record = self.state.builder.touch(resource, record, now=request.now)
            await self.store.put(resource.name, str(record[resource.id_field]), record)
        op = request.op
        return self.state.render(op, op.answers.default_status, payment, resource=payments)

    def _evaluate(self, source: Any, request: Request, record: Mapping[str, Any]) -> Any:
        if not isinstance(source, str) or not source.endswith(")"):
            return source  # a literal value, not an expression
        expression = self._expressions.get(source)
        if expression is None:
            expression = self._expressions[source] = Expression(source, where="x-mock-action set")
        return expression.evaluate(record, now=request.now)

    async def _target(self, request: Request) -> tuple[Resource, dict[str, Any]] | Problem:
        resource = request.op.target
        if resource is None:
            return Problem(404, "not_found", "Not found", "This operation addresses no resource.")
        record = await self.state.load(resource, request)
        if isinstance(record, Problem):
            return record
        return resource, record

    async def _update_related(
        self, related: Mapping[str, Any], record: Mapping[str, Any], request: Request
    ) -> None:
        resource = self.state.model.resources.get(str(related["collection"]))
        other_id = record.get(str(related["key"]))
        if resource is None or other_id is None:
            return
        other = await self.store.get(resource.name, str(other_id))
        if other is None:
            return
        for name, source in (related.get("set") or {}).items():
            other[name] = self._evaluate(source, request, other)
        other = self.state.builder.touch(resource, other, now=request.now)
        await self.store.put(resource.name, str(other_id), other)


def _declined(code: str) -> Problem:
    detail = _DECLINES.get(code, f"The payment was declined: {code}.")
    return Problem(402, code, title_of(code), detail)
