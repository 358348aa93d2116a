"""The CRUD roles inferred from a spec's paths: create, list, read, replace, update, delete.

POST on a collection creates (201, ``Location``); GET lists one's own records, newest first,
filtered by query parameters named like a field, searched by ``q``, paged by ``page``/``limit``
or ``offset``; GET, PUT, PATCH and DELETE on an item read, replace (fields left out take their
``default``), merge and delete (with everything below it). A read of an id nothing holds
answers the example its ``x-mock-match`` selects, or a record materialized for it, or 404.
``x-mock-guard`` refuses a change to a record in a listed state with 409.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from mockserver.compile.resources import OWNER, PARENT, SEQUENCE, UNLISTED, ListShape, Resource
from mockserver.render.problems import Problem, title_of
from mockserver.render.responses import Rendered
from mockserver.spec.matching import MatchFacts
from mockserver.state.changes import Change
from mockserver.state.context import Request, StateContext
from mockserver.state.materialize import forget, materialize

__all__ = ["run_role"]


async def run_role(state: StateContext, request: Request) -> Rendered | Problem | None:
    """Answer ``request`` by its operation's CRUD role; None when it has none."""
    op = request.op
    resource = op.resource
    if op.role is None or resource is None:
        return None
    if state.seeds is not None:
        await state.seeds.ensure(resource)
    if op.role == "create":
        return await state.create(resource, request)
    if op.role == "list":
        return await _list(state, resource, request)
    if op.operation.path == resource.collection:  # PUT /pets with the id in the body
        record_id = request.body.get(resource.id_field)
        if record_id is None:
            return None  # nothing names the record: the stateless answer
        request = dataclasses.replace(
            request, params={**request.params, resource.id_param: str(record_id)}
        )
    loaded: dict[str, Any] | Rendered | Problem = await state.load(resource, request)
    if isinstance(loaded, Problem) and loaded.status == 404 and op.role == "read":
        loaded = await _missing(state, resource, request, loaded)
    if isinstance(loaded, Problem | Rendered):
        return loaded
    if op.guard is not None:
        refused = _guard(op.guard, loaded)
        if refused is not None:
            return refused
    if op.role == "read":
        return state.answer(request, loaded)
    if op.role == "delete":
        await state.delete_cascade(resource, loaded)
        if state.materialize:  # what was deleted stays deleted, not materialized again
            await forget(state, resource, request.params)
        return state.answer(request, loaded)
    if op.role == "replace":
        record = state.builder.replace(resource, loaded, request.body, now=request.now)
    else:
        record = state.builder.merge(resource, loaded, request.body, now=request.now)
    await state.store.put(resource.name, str(record[resource.id_field]), record)
    await state.changes.emit(Change(resource, record, loaded, request.now))
    return state.answer(request, record)


async def _list(
    state: StateContext, resource: Resource, request: Request
) -> Rendered | Problem | None:
    if resource.parent is not None:
        parent = await state.load(resource.parent, request)
        if isinstance(parent, Problem):
            return parent
    shape = request.op.list_shape
    assert shape is not None  # every list role has its shape
    if shape.opaque:
        return None  # an envelope we do not understand: the stateless answer fits the schema
    query = request.validated.query
    user_id = request.user["id"] if request.user else None
    records = [
        r
        for r in await state.store.values(resource.name)
        if (r.get(OWNER) is None or r.get(OWNER) == user_id)
        and not r.get(UNLISTED)
        and all(
            str(r.get(PARENT, {}).get(p)) == request.params.get(p) for p in resource.parent_params
        )
        and all(r.get(f) == query[f] for f in shape.filters if f in query)
        and _matches_search(r, query.get(shape.search_param) if shape.search_param else None)
    ]
    records.sort(key=lambda r: r.get(SEQUENCE, 0), reverse=True)
    page = _page(records, shape, query)
    shown = page if shape.data is None else page[shape.data]
    if len(shown) < shape.min_items:
        return None  # the schema admits no page this short: the stateless answer fits it
    if not _fits_page(state, request, page):
        return None  # records its schema refuses listed: the stateless answer (and Warning)
    return state.answer(request, page)


def _fits_page(state: StateContext, request: Request, page: Any) -> bool:
    """Whether the list's answer of ``page`` is valid: records the spec made (seeded,
    materialized) may lack what the list's items require, and envelopes may admit no value
    at all (shipengine's ``allOf`` of two closed objects)."""
    if not state.materialize and state.seeds is None:
        # Only records the API took and the fixtures a user loaded: their page is answered
        # as it is, never swapped for an example (nothing a user stored is hidden).
        return True
    answer = request.op.answers.answer(request.op.answers.default_status)
    if state.check is None or answer is None or answer.schema is None:
        return True
    check = state.check(answer.schema, request.operation.pointer)
    return check(state.builder.project(page, answer.schema))


async def _missing(
    state: StateContext, resource: Resource, request: Request, problem: Problem
) -> dict[str, Any] | Rendered | Problem:
    """A read of an id nothing holds: the example its ``x-mock-match`` selects, else the
    record materialized for it (``--missing``), else the 404."""
    responder = request.op.responder
    found = None
    if responder is not None and responder.matches:
        facts = MatchFacts(
            {**request.params, **request.validated.path},
            request.validated.query,
            request.headers,
            request.validated.body,
        )
        key = f"{resource.name}|{request.params.get(resource.id_param)}"
        found = responder.matched(facts, request.headers.get("accept"), key)
    if not state.materialize:
        return problem if found is None else found.rendered
    if found is not None and not (
        200 <= found.rendered.status < 300 and isinstance(found.value, dict)
    ):
        return found.rendered  # a matched error or a body that is no record: as declared
    value = found.value if found is not None else None
    record = await materialize(state, resource, request.params, now=request.now, value=value)
    if record is None:
        return problem
    return await state.load(resource, request)  # what a read of a stored record checks


def _page(records: list[dict[str, Any]], shape: ListShape, query: Mapping[str, Any]) -> Any:
    size = query.get(shape.size_param) if shape.size_param else None
    size = (
        int(size)
        if isinstance(size, int) and size > 0
        else (20 if shape.size_param else len(records) or 1)
    )
    page = query.get(shape.page_param) if shape.page_param else None
    page = int(page) if isinstance(page, int) and page > 0 else 1
    offset = query.get(shape.offset_param) if shape.offset_param else None
    start = int(offset) if isinstance(offset, int) and offset >= 0 else (page - 1) * size
    items = records[start : start + size]
    if shape.data is None:
        return items
    body: dict[str, Any] = {shape.data: items}
    for name in shape.counts:
        body[name] = len(records)
    if shape.pagination is not None:
        body[shape.pagination] = {
            "page": page,
            "limit": size,
            "total": len(records),
            "pages": math.ceil(len(records) / size),
        }
    return body


def _matches_search(record: Mapping[str, Any], term: Any) -> bool:
    if not term:
        return True
    needle = str(term).lower()
    return any(
        isinstance(v, str) and needle in v.lower()
        for k, v in record.items()
        if not k.startswith("__")
    )


def _guard(guard: Mapping[str, Any], record: Mapping[str, Any]) -> Problem | None:
    value = record.get(str(guard.get("field")))
    if value in (guard.get("not") or []):
        code = str(guard.get("conflict", "conflict"))
        return Problem(409, code, title_of(code), f"The {guard.get('field')} is {value}.")
    return None
