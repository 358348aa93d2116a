"""What every API handler goes through, and the helpers they share.

``@endpoint("createProject")`` wraps a handler ``async (call: Call) -> Response``: it
authenticates the caller when the spec secures the operation (401 first), validates the request
against the operation's rules (400), then hands the handler a ``Call`` with the coerced
parameters, the parsed body and ``call.run(work)`` to run a unit of work in one transaction.

Also here: JSON responses, RFC 3339 timestamps, pagination and the ownership check that answers
404 for an unknown id and 403 for another user's resource.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import orjson
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from provider.auth import LoginThrottle, Passwords, Tokens, authenticate
from provider.config import Settings
from provider.db import Database
from provider.problems import forbidden, not_found
from provider.validation import Inputs, Spec

if TYPE_CHECKING:  # delivery imports this module (through outbox)
    from provider.delivery import Dispatcher

__all__ = [
    "API_PREFIX",
    "Call",
    "Endpoint",
    "Services",
    "created",
    "endpoint",
    "json_response",
    "list_owned",
    "list_page",
    "no_content",
    "operation_of",
    "owned",
    "paginate",
    "timestamp",
]

API_PREFIX = "/api/v1"
T = TypeVar("T")
Handler = Callable[["Call"], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]
_OPERATIONS: dict[Endpoint, str] = {}


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a handler may use, built once by ``create_app``."""

    settings: Settings
    db: Database
    spec: Spec
    passwords: Passwords
    tokens: Tokens
    throttle: LoginThrottle
    webhooks: Dispatcher


@dataclass(frozen=True, slots=True)
class Call:
    """One validated request to an operation."""

    request: Request
    services: Services
    caller: uuid.UUID | None
    inputs: Inputs

    @property
    def user(self) -> uuid.UUID:
        """The authenticated caller (secured operations only)."""
        assert self.caller is not None, "user is only set on secured operations"
        return self.caller

    @property
    def path(self) -> dict[str, Any]:
        return self.inputs.path

    @property
    def query(self) -> dict[str, Any]:
        return self.inputs.query

    @property
    def body(self) -> Any:
        return self.inputs.body

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction off the event loop."""
        return await self.services.db.run(work)


def endpoint(operation_id: str) -> Callable[[Handler], Endpoint]:
    """Make ``handler`` the implementation of the spec's ``operation_id``."""

    def decorate(handler: Handler) -> Endpoint:
        @functools.wraps(handler)
        async def run(request: Request) -> Response:
            services: Services = request.app.state.services
            rules = services.spec.operation(operation_id)
            caller = None
            if rules.secured:
                caller = await authenticate(request, services.tokens, services.db)
            inputs = await services.spec.read(request, rules)
            return await handler(Call(request, services, caller, inputs))

        _OPERATIONS[run] = operation_id
        return run

    return decorate


def operation_of(handler: Callable[..., Any]) -> str | None:
    """The operation id ``handler`` was registered for with ``@endpoint``."""
    return _OPERATIONS.get(handler)


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """``application/json`` serialised with orjson."""
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


def created(body: Mapping[str, Any], collection: str) -> Response:
    """201 with ``Location: /api/v1/<collection>/<id>``."""
    return json_response(body, 201, {"Location": f"{API_PREFIX}/{collection}/{body['id']}"})


def no_content() -> Response:
    """204 without a body."""
    return Response(status_code=204)


def timestamp(value: dt.datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, to the millisecond."""
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def optional_timestamp(value: dt.datetime | None) -> str | None:
    """``timestamp`` or None."""
    return None if value is None else timestamp(value)


class Owned(Protocol):
    """A row that belongs to one user."""

    @property
    def user_id(self) -> uuid.UUID: ...


O = TypeVar("O", bound=Owned)  # noqa: E741 - reads as "owned"


def owned(
    session: Session,
    model: type[O],
    ident: uuid.UUID,
    user: uuid.UUID,
    noun: str,
    *,
    lock: bool = False,
) -> O:
    """The row ``ident`` of ``model`` if ``user`` owns it; 404 if absent, 403 if not theirs.

    ``lock`` reads it ``FOR UPDATE`` (PostgreSQL) so a state change cannot race another.
    """
    row = session.get(model, ident, with_for_update=lock)
    if row is None:
        raise not_found(noun, ident)
    if row.user_id != user:
        raise forbidden(noun)
    return row


def paginate(
    session: Session,
    query: Select[T],
    *,
    query_params: Mapping[str, Any],
    order_by: Sequence[Any],
) -> tuple[Sequence[T], dict[str, int]]:
    """One page of ``query`` and its ``Pagination`` object."""
    page, limit = int(query_params["page"]), int(query_params["limit"])
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.order_by(*order_by).offset((page - 1) * limit).limit(limit)).all()
    return rows, {"page": page, "limit": limit, "total": total, "pages": math.ceil(total / limit)}


def list_page(
    session: Session,
    statement: Select[T],
    model: Any,
    query_params: Mapping[str, Any],
    render: Callable[[T], dict[str, Any]],
    *,
    filters: Sequence[str] = (),
) -> dict[str, Any]:
    """A list answer: rows equal to the ``filters`` given, newest first, one page, rendered."""
    for name in filters:
        if name in query_params:
            statement = statement.where(getattr(model, name) == query_params[name])
    rows, pagination = paginate(
        session,
        statement,
        query_params=query_params,
        order_by=[model.created_at.desc(), model.id],
    )
    return {"data": [render(row) for row in rows], "pagination": pagination}


async def list_owned(
    call: Call,
    model: Any,
    render: Callable[[Any], dict[str, Any]],
    *,
    filters: Sequence[str] = (),
) -> Response:
    """A list operation's answer: one page of the caller's ``model`` rows (see `list_page`)."""
    user, query = call.user, call.query

    def work(session: Session) -> dict[str, Any]:
        statement = select(model).where(model.user_id == user)
        return list_page(session, statement, model, query, render, filters=filters)

    return json_response(await call.run(work))
