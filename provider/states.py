"""Pact provider states: ``POST /_pact/provider-states`` (only with ``--test-states``).

The verifier posts ``{"state": name, "params": {...}, "action": "setup" | "teardown"}``.
The states are the shared definitions of ``contracts/states.yaml`` (read through
``contracts.states``, the same file the mock serves at ``/__mock/provider-states``): each
lists its params, the steps that make it true and the values it answers. Setup runs the user
and record steps in one transaction, then the request steps through this app in-process, and
answers the generated values (``{"userId": ..., "projectId": ..., "accessToken": ...}``) for
the verifier to inject through ``fromProviderState``. Teardown runs the state's teardown, by
default a wipe of every table (the verifier tears down after each interaction).

``builtin_states()`` answers a fresh registry holding the defined states, to which states
written in Python can be added::

    states = builtin_states()

    @states.state("an admin exists")
    def admin(ctx: StateContext, params: Mapping[str, Any]) -> dict[str, Any]: ...

    app = create_app(database_url=..., test_states=True, states=states)

A step names the spec collection of its record (``/projects``, ``/projects/{projectId}/tasks``,
``/orders``, ``/payments``, ``/sessions``) and its fields in the API's terms; ``RECORDS`` maps
each collection to the model it becomes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from contracts.states import (
    RecordStep,
    RequestStep,
    StateDefinition,
    StateError,
    UserStep,
    load_states,
    render,
    run_request_step,
)
from provider.endpoint import API_PREFIX, Services, json_response
from provider.models import Base, InteractiveSession, Order, Payment, Project, Task, User, utcnow
from provider.orders import build_order, render_order
from provider.payments import render_payment
from provider.problems import Problem
from provider.projects import render_project
from provider.sessions import render_session
from provider.tasks import render_task
from provider.users import email_key

__all__ = ["RECORDS", "StateContext", "StateRegistry", "builtin_states", "provider_states"]

Setup = Callable[["StateContext", Mapping[str, Any]], dict[str, Any]]
Teardown = Callable[["StateContext", Mapping[str, Any]], None]
RecordBuilder = Callable[["StateContext", RecordStep, Mapping[str, Any]], dict[str, Any]]

DEFAULT_USER = {"email": "ada@example.com", "password": "correct-horse-7", "name": "Ada Lovelace"}
USER_STATUSES = ("active", "deactivated", "suspended")


def _bad_request(detail: str) -> Problem:
    return Problem(400, "invalid_provider_state", detail)


@dataclass(frozen=True, slots=True)
class StateContext:
    """What a state handler works with: one transaction and the app's services."""

    session: Session
    services: Services

    def user(self, params: Mapping[str, Any], *, prefix: str = "user") -> User:
        """Create or reset the account of ``email``/``password``/``userName``/``userStatus``.

        A user step passes ``prefix=""`` and so reads ``name`` and ``status``.
        """
        name_key, status_key = (
            (f"{prefix}Name", f"{prefix}Status") if prefix else ("name", "status")
        )
        email = str(params.get("email", DEFAULT_USER["email"]))
        password = str(params.get("password", DEFAULT_USER["password"]))
        status = str(params.get(status_key, "active"))
        if status not in USER_STATUSES:
            raise _bad_request(f"expected user status to be one of {USER_STATUSES}, got {status!r}")
        now = utcnow()
        user = self.session.scalar(select(User).where(User.email_key == email_key(email)))
        if user is None:
            user = User(
                email=email,
                email_key=email_key(email),
                role="user",
                token_version=0,
                created_at=now,
            )
            self.session.add(user)
        user.name = str(params.get(name_key, DEFAULT_USER["name"]))
        user.password_hash = self.services.passwords.hash(password)
        user.status, user.updated_at = status, now
        self.session.flush()
        return user

    def tokens(self, user: User) -> dict[str, Any]:
        """``userId``, ``accessToken`` and ``refreshToken`` for ``user``."""
        pair = self.services.tokens.pair(self.session, user, utcnow())
        return {
            "userId": str(user.id),
            "accessToken": pair["accessToken"],
            "refreshToken": pair["refreshToken"],
        }

    def replace(self, model: type[Base], ident: uuid.UUID | None) -> None:
        """Delete the row ``ident`` of ``model`` if any, so a state can recreate it."""
        if ident is not None:
            row = self.session.get(model, ident)
            if row is not None:
                self.session.delete(row)
                self.session.flush()


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A defined state after its transaction: the context its request steps continue."""

    definition: StateDefinition
    context: dict[str, Any]


class StateRegistry:
    """Named provider states: defined ones (``contracts/states.yaml``) and Python ones."""

    def __init__(self) -> None:
        self._setups: dict[str, Setup] = {}
        self._teardowns: dict[str, Teardown] = {}
        self._definitions: dict[str, StateDefinition] = {}

    def state(self, name: str, *, teardown: Teardown | None = None) -> Callable[[Setup], Setup]:
        """Register the decorated function as the setup of ``name``."""

        def register(setup: Setup) -> Setup:
            self._setups[name] = setup
            self._definitions.pop(name, None)
            if teardown is not None:
                self._teardowns[name] = teardown
            return setup

        return register

    def define(self, definition: StateDefinition) -> None:
        """Serve a state of the shared definitions."""
        self._definitions[definition.name] = definition
        self._setups.pop(definition.name, None)

    def names(self) -> list[str]:
        """The registered state names, sorted."""
        return sorted({*self._setups, *self._definitions})

    def run(
        self, services: Services, name: str, params: Mapping[str, Any], action: str
    ) -> dict[str, Any] | _Prepared:
        """Set up or tear down ``name`` in one transaction; answer the generated values."""
        if name not in self._setups and name not in self._definitions:
            raise _bad_request(f"unknown provider state {name!r}; known: {', '.join(self.names())}")
        if action == "teardown":
            teardown = self._teardowns.get(name, _wipe)
            services.db.run_sync(lambda session: teardown(StateContext(session, services), params))
            return {}
        if name in self._setups:
            setup = self._setups[name]
            return services.db.run_sync(
                lambda session: setup(StateContext(session, services), params)
            )
        definition = self._definitions[name]
        try:
            context = definition.bind(params)
        except StateError as exc:
            raise _bad_request(str(exc)) from None

        def steps(session: Session) -> _Prepared:
            ctx = StateContext(session, services)
            if definition.reset:
                _wipe(ctx, params)
            for step in definition.steps:
                if isinstance(step, UserStep):
                    context[step.alias] = _user(ctx, render(dict(step.fields), context))
                elif isinstance(step, RecordStep):
                    context[step.alias] = _record(ctx, step, context)
            return _Prepared(definition, context)

        try:
            return services.db.run_sync(steps)
        except StateError as exc:
            raise _bad_request(str(exc)) from None


def _wipe(ctx: StateContext, _: Mapping[str, Any]) -> None:
    for table in reversed(Base.metadata.sorted_tables):
        ctx.session.execute(delete(table))


def _user(ctx: StateContext, fields: Mapping[str, Any]) -> dict[str, Any]:
    user = ctx.user(fields, prefix="")
    return {"id": str(user.id), "email": user.email, **ctx.tokens(user)}


def _uuid(value: Any, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise StateError(f"expected {name} to be a UUID, got {value!r}") from None


def _record(ctx: StateContext, step: RecordStep, context: Mapping[str, Any]) -> dict[str, Any]:
    build = RECORDS.get(step.collection)
    if build is None:
        known = ", ".join(sorted(RECORDS))
        raise StateError(f"the provider stores no collection {step.collection}; known: {known}")
    return build(ctx, step, context)


def _owner(step: RecordStep, context: Mapping[str, Any]) -> uuid.UUID:
    if step.owner is None:
        raise StateError(f"record {step.alias} ({step.collection}) needs an owner")
    return _uuid(context[step.owner]["id"], f"{step.alias} owner")


def _fresh_id(ctx: StateContext, model: type[Base], fields: Mapping[str, Any]) -> uuid.UUID:
    if "id" not in fields:
        return uuid.uuid4()
    ident = _uuid(fields["id"], "id")
    ctx.replace(model, ident)
    return ident


def _timestamp(value: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _project(ctx: StateContext, step: RecordStep, context: Mapping[str, Any]) -> dict[str, Any]:
    fields, now = render(dict(step.fields), context), utcnow()
    project = Project(
        id=_fresh_id(ctx, Project, fields),
        user_id=_owner(step, context),
        name=fields.get("name", "Website relaunch"),
        description=fields.get("description"),
        status=fields.get("status", "active"),
        created_at=now,
        updated_at=now,
    )
    ctx.session.add(project)
    ctx.session.flush()
    return render_project(project)


def _task(ctx: StateContext, step: RecordStep, context: Mapping[str, Any]) -> dict[str, Any]:
    fields, now = render(dict(step.fields), context), utcnow()
    parents = render(dict(step.parents), context)
    due = fields.get("dueDate")
    task = Task(
        id=_fresh_id(ctx, Task, fields),
        project_id=_uuid(parents.get("projectId"), "projectId"),
        title=fields.get("title", "Task"),
        description=fields.get("description"),
        status=fields.get("status", "todo"),
        priority=fields.get("priority", "medium"),
        due_date=dt.date.fromisoformat(due) if due else None,
        created_at=now,
        updated_at=now,
    )
    ctx.session.add(task)
    ctx.session.flush()
    return render_task(task)


def _order(ctx: StateContext, step: RecordStep, context: Mapping[str, Any]) -> dict[str, Any]:
    fields = render(dict(step.fields), context)
    ident = _fresh_id(ctx, Order, fields)
    order = build_order(_owner(step, context), str(fields.get("currency", "USD")), fields["items"])
    order.id, order.status = ident, str(fields.get("status", "pending"))
    ctx.session.add(order)
    ctx.session.flush()
    return render_order(order)


def _payment(ctx: StateContext, step: RecordStep, context: Mapping[str, Any]) -> dict[str, Any]:
    fields, now = render(dict(step.fields), context), utcnow()
    refunded = fields.get("refundedAt")
    payment = Payment(
        id=_fresh_id(ctx, Payment, fields),
        order_id=_uuid(fields["orderId"], "orderId"),
        user_id=_owner(step, context),
        amount=int(fields["amount"]),
        currency=str(fields["currency"]),
        status=str(fields.get("status", "succeeded")),
        payment_method=str(fields.get("paymentMethod", "pm_card_visa")),
        failure_code=fields.get("failureCode"),
        created_at=now,
        refunded_at=_timestamp(refunded) if refunded else None,
    )
    ctx.session.add(payment)
    ctx.session.flush()
    return render_payment(payment)


def _session(ctx: StateContext, step: RecordStep, context: Mapping[str, Any]) -> dict[str, Any]:
    fields, now = render(dict(step.fields), context), utcnow()
    ended = fields.get("endedAt")
    row = InteractiveSession(
        id=_fresh_id(ctx, InteractiveSession, fields),
        user_id=_owner(step, context),
        name=fields.get("name", "Editor tab"),
        status=fields.get("status", "active"),
        meta=dict(fields.get("metadata") or {}),
        created_at=now,
        updated_at=now,
        ended_at=_timestamp(ended) if ended else None,
    )
    ctx.session.add(row)
    ctx.session.flush()
    return render_session(row)


RECORDS: dict[str, RecordBuilder] = {
    "/projects": _project,
    "/projects/{projectId}/tasks": _task,
    "/orders": _order,
    "/payments": _payment,
    "/sessions": _session,
}


def builtin_states(path: str | Path | None = None) -> StateRegistry:
    """A fresh registry with the states of ``contracts/states.yaml`` (or ``path``)."""
    states = StateRegistry()
    for definition in load_states(path).values():
        states.define(definition)
    return states


async def _finish(request: Request, prepared: _Prepared) -> dict[str, Any]:
    """Run the request steps through this app, then answer the state's values."""
    context = prepared.context
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://provider") as client:
        for step in prepared.definition.steps:
            if not isinstance(step, RequestStep):
                continue
            try:
                context[step.alias] = await run_request_step(
                    client, step, context, prefix=API_PREFIX
                )
            except StateError as exc:
                raise _bad_request(str(exc)) from None
    try:
        return prepared.definition.answer(context)
    except StateError as exc:
        raise _bad_request(str(exc)) from None


async def provider_states(request: Request) -> Response:
    """The Pact provider-state change endpoint."""
    services: Services = request.app.state.services
    registry: StateRegistry = request.app.state.states
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise _bad_request("expected a JSON body {state, params, action}") from None
    if not isinstance(body, dict) or not isinstance(body.get("state"), str):
        raise _bad_request('expected {"state": "<name>", "params": {...}, "action": "setup"}')
    params = body.get("params") or {}
    action = body.get("action", "setup")
    if not isinstance(params, dict) or action not in ("setup", "teardown"):
        raise _bad_request("expected params to be an object and action setup or teardown")
    values = await run_in_threadpool(registry.run, services, body["state"], params, action)
    if isinstance(values, _Prepared):
        values = await _finish(request, values)
    return json_response(values)
