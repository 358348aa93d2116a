"""What every part of the stateful mock shares: the request, the state, how records are answered.

`StateContext` is the leaf the CRUD roles (`crud`), the accounts (`accounts`) and the business
transitions (`transitions`) build on. It holds the store, the inferred resources, the record
builder, the token service and the change feed; it loads the record a path addresses (checked
by `mockserver.auth.ownership`), builds, stores and deletes records, and renders a record
projected onto the response an operation declares. `StatefulOperation` is what the stateful
mock decided about one operation at start-up, so a request looks nothing up by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote

import orjson
from starlette.datastructures import Headers

from mockserver.auth.ownership import load_owned
from mockserver.auth.tokens import TokenService
from mockserver.compile.answers import AnswerPlan, plan_answers
from mockserver.compile.operations import Operation
from mockserver.compile.resources import PARENT, ListShape, Resource, ResourceModel, Role
from mockserver.render.problems import Problem
from mockserver.render.responses import Rendered, Responder
from mockserver.state.changes import Change, ChangeFeed
from mockserver.state.records import RecordBuilder
from mockserver.store.memory import Store
from mockserver.validation.request import ValidatedRequest

__all__ = ["SEQUENCE_KEY", "Request", "Seeder", "StateContext", "StatefulOperation"]

SEQUENCE_KEY = "sequence"


class Seeder(Protocol):
    """Stores the spec's example records of a collection before its first use."""

    async def ensure(self, resource: Resource) -> None: ...


@dataclass(frozen=True, slots=True)
class StatefulOperation:
    """What the stateful mock does with one operation, decided once at start-up."""

    operation: Operation  # the response view: answers never carry writeOnly fields
    answers: AnswerPlan
    action: Mapping[str, Any] | None  # its x-mock-action
    guard: Mapping[str, Any] | None  # its x-mock-guard
    role: Role | None  # the CRUD role inferred from the path, when it has no action
    resource: Resource | None  # the resource of that role
    target: Resource | None  # the resource whose item path prefixes the path (for actions)
    list_shape: ListShape | None
    # The stateless answers: a read of a missing record may match an example's x-mock-match.
    responder: Responder | None = None


# Not frozen: one is made per request, and a frozen dataclass sets each field through
# object.__setattr__ (several times the cost). Nothing changes one once made.
@dataclass(slots=True)
class Request:
    """What a stateful operation needs to know about the request."""

    op: StatefulOperation
    validated: ValidatedRequest
    params: dict[str, str]
    headers: Headers
    # The authenticated user's ``{"id": ...}`` (not the record: see `Authenticator`).
    user: dict[str, Any] | None
    # The socket peer's address (never X-Forwarded-For): the login throttle's "client".
    client: str = ""
    # When the request was answered: read at its first use (`now`), since most reads never
    # ask; given, it is the time every part of the answer uses.
    at: datetime | None = None

    @property
    def now(self) -> datetime:
        """The time of this request, in UTC: the same however often it is read."""
        if self.at is None:
            self.at = datetime.now(UTC)
        return self.at

    @property
    def operation(self) -> Operation:
        """The operation, as its responses are declared (the response view)."""
        return self.op.operation

    @property
    def body(self) -> Mapping[str, Any]:
        """The validated body when it is an object, else empty."""
        body = self.validated.body
        # A parsed JSON object is a dict: checked first, it skips the abstract Mapping check.
        return body if type(body) is dict or isinstance(body, Mapping) else {}


class StateContext:
    """The state of one spec and the record operations every stateful answer uses."""

    def __init__(
        self,
        document: Mapping[str, Any],
        model: ResourceModel,
        builder: RecordBuilder,
        store: Store,
        tokens: TokenService,
        *,
        base_path: str = "",
        materialize: bool = False,
    ) -> None:
        self.document = document
        # Whether a read of an id nothing holds makes a record for it (`--missing`).
        self.materialize = materialize
        # Schema and where it is -> whether a value fits (the engine's validators, kept by
        # their registry: asking again is a dict lookup); records made from the spec (seeded,
        # materialized) are kept only when their schema agrees.
        self.check: Callable[[Any, str], Callable[[Any], bool]] | None = None
        # The spec's example records, stored at each collection's first use (None: not seeded).
        self.seeds: Seeder | None = None
        self.model = model
        self.builder = builder
        self.store = store
        self.tokens = tokens
        self.base_path = base_path
        self.changes = ChangeFeed()

    def plan(
        self, operation: Operation, *, responder: Responder | None = None
    ) -> StatefulOperation:
        """Decide `StatefulOperation` for ``operation`` (of the response view)."""
        action = operation.extensions.get("x-mock-action")
        guard = operation.extensions.get("x-mock-guard")
        role = self.model.roles.get((operation.method, operation.path))
        return StatefulOperation(
            operation=operation,
            answers=plan_answers(operation),
            action=action if isinstance(action, Mapping) else None,
            guard=guard if isinstance(guard, Mapping) else None,
            role=role[0] if role else None,
            resource=role[1] if role else None,
            target=self.model.resource_for_path(operation.path),
            list_shape=self.model.list_shapes.get((operation.method, operation.path)),
            responder=responder,
        )

    async def next_sequence(self) -> int:
        """A number that orders records by creation (and numbers integer ids).

        It is counted in the store, so workers sharing one (``--state-url``) never hand out
        the same number twice.
        """
        return await self.store.incr(SEQUENCE_KEY, ttl=None)

    # -- records ----------------------------------------------------------------------------

    async def load(self, resource: Resource, request: Request) -> dict[str, Any] | Problem:
        """The record the path addresses, checked against its parents and its owner."""
        return await load_owned(self.store, resource, request.params, request.user)

    async def create(
        self,
        resource: Resource,
        request: Request,
        *,
        extra: Mapping[str, Any] | None = None,
        status: int | None = None,
    ) -> Rendered | Problem:
        """Store a new record built from the body (plus ``extra``) and answer it."""
        if resource.parent is not None:
            parent = await self.load(resource.parent, request)
            if isinstance(parent, Problem):
                return parent
        refused = self.changes.refuse(resource, request.validated.body)
        if refused is not None:
            return refused
        record = await self.new_record(resource, request, extra=extra)
        status = status or request.op.answers.default_status
        key = f"{resource.name}|{record[resource.id_field]}"
        for schema in request.op.answers.schemas_of(status):
            if schema is not resource.schema:  # the builder filled what reads require
                # What only the create answer carries (a webhook secret) is made and kept now.
                self.builder.fill_required(record, schema, key)
        await self.store.put(resource.name, str(record[resource.id_field]), record)
        await self.changes.emit(Change(resource, record, None, request.now))
        return self.render(request.op, status, record, resource=resource)

    async def new_record(
        self, resource: Resource, request: Request, *, extra: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """A record for ``resource`` built from the request body and ``extra`` fields."""
        parents = {
            p: request.validated.path.get(p, request.params.get(p)) for p in resource.parent_params
        }
        return self.builder.create(
            resource,
            {**request.body, **(extra or {})},
            owner=request.user["id"] if request.user else None,
            parents=parents,
            now=request.now,
            sequence=await self.next_sequence(),
        )

    async def delete_cascade(self, resource: Resource, record: Mapping[str, Any]) -> None:
        """Delete ``record`` and every record below it."""
        record_id = record[resource.id_field]
        for child in self.model.children(resource):
            param = child.parent_params[-1]
            for candidate in await self.store.values(child.name):
                if str(candidate.get(PARENT, {}).get(param)) == str(record_id):
                    await self.delete_cascade(child, candidate)
        await self.store.delete(resource.name, str(record_id))

    # -- rendering --------------------------------------------------------------------------

    def answer(self, request: Request, value: Any) -> Rendered:
        """``value`` rendered as the operation's default status."""
        return self.render(request.op, request.op.answers.default_status, value)

    def render(
        self, op: StatefulOperation, status: int, value: Any, *, resource: Resource | None = None
    ) -> Rendered:
        """``value`` projected onto the response declared for ``status``."""
        answer = op.answers.answer(status)
        headers: dict[str, str] = {}
        if answer is None:
            return Rendered(status, None, b"", headers)
        if resource is not None and answer.location:
            headers["Location"] = self.location(resource, value)
        schema = answer.schema
        body = self.builder.project(value, schema) if schema is not None else value
        return Rendered(status, answer.media_type, orjson.dumps(body), headers)

    def location(self, resource: Resource, record: Mapping[str, Any]) -> str:
        """The URL of a stored record, its id and parents' ids percent-encoded as segments:
        an id with a space, a slash, a line break or an accent is still one segment of a
        URL a client can follow (and a line break cannot end the header)."""
        path = resource.item.replace(
            "{" + resource.id_param + "}", _segment(record[resource.id_field])
        )
        for param, value in (record.get(PARENT) or {}).items():
            path = path.replace("{" + param + "}", _segment(value))
        return self.base_path + path


def _segment(value: Any) -> str:
    """``value`` as one path segment of a URL (RFC 3986: what a segment may hold unescaped)."""
    text = str(value)
    if _UNRESERVED.fullmatch(text):  # nearly every id (a UUID, a number): as it is, at once
        return text
    return quote(text, safe="!$&'()*+,;=:@")


_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]*")
