"""Pact provider states: ``POST /_pact/provider-states`` (only with ``--test-states``).

The verifier posts ``{"state": name, "params": {...}, "action": "setup" | "teardown"}``.
Setup runs the state's handler in one transaction and answers the values it generated as a
JSON object (``{"userId": ..., "projectId": ..., "accessToken": ...}``) for the verifier to
inject through ``fromProviderState``. Teardown runs the state's teardown, by default a wipe of
every table (the verifier tears down after each interaction, so the next starts clean).

States live in a ``StateRegistry``; ``builtin_states()`` answers a fresh one holding the states
below, to which more can be added::

    states = builtin_states()

    @states.state("an admin exists")
    def admin(ctx: StateContext, params: Mapping[str, Any]) -> dict[str, Any]: ...

    app = create_app(database_url=..., test_states=True, states=states)

- "no data": deletes every row; answers ``{}``.
- "a user exists" (email, password, name, status: active | deactivated | suspended): answers
  userId, email, accessToken, refreshToken.
- "a project exists" (user params, projectId, name, description, status): the user's values
  and projectId.
- "an order exists" (user params, orderId, status: pending | paid | cancelled | refunded,
  currency): the user's values, orderId, and paymentId when paid or refunded.
- "a session exists" (user params, sessionId, name, status: active | idle | ended): the user's
  values and sessionId.

"User params" are ``email``, ``password``, ``userName`` and ``userStatus`` (default: Ada, active);
the account is created or reset to them. An id param creates the row under that id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from provider.endpoint import Services, json_response
from provider.models import (
    Base,
    InteractiveSession,
    Order,
    Payment,
    Project,
    User,
    utcnow,
)
from provider.orders import build_order
from provider.problems import Problem
from provider.users import email_key

__all__ = ["StateContext", "StateRegistry", "builtin_states", "provider_states"]

Setup = Callable[["StateContext", Mapping[str, Any]], dict[str, Any]]
Teardown = Callable[["StateContext", Mapping[str, Any]], None]

DEFAULT_USER = {"email": "ada@example.com", "password": "correct-horse-7", "name": "Ada Lovelace"}
PROJECT_STATUSES = ("active", "on_hold", "completed", "archived")
ORDER_STATUSES = ("pending", "paid", "cancelled", "refunded")
SESSION_STATUSES = ("active", "idle", "ended")
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

        "a user exists" passes ``prefix=""`` and so reads ``name`` and ``status``.
        """
        name_key, status_key = (
            (f"{prefix}Name", f"{prefix}Status") if prefix else ("name", "status")
        )
        email = str(params.get("email", DEFAULT_USER["email"]))
        password = str(params.get("password", DEFAULT_USER["password"]))
        status = _choice(params, status_key, USER_STATUSES, "active")
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


class StateRegistry:
    """Named provider states: a setup and an optional teardown each."""

    def __init__(self) -> None:
        self._setups: dict[str, Setup] = {}
        self._teardowns: dict[str, Teardown] = {}

    def state(self, name: str, *, teardown: Teardown | None = None) -> Callable[[Setup], Setup]:
        """Register the decorated function as the setup of ``name``."""

        def register(setup: Setup) -> Setup:
            self._setups[name] = setup
            if teardown is not None:
                self._teardowns[name] = teardown
            return setup

        return register

    def names(self) -> list[str]:
        """The registered state names, sorted."""
        return sorted(self._setups)

    def run(
        self, services: Services, name: str, params: Mapping[str, Any], action: str
    ) -> dict[str, Any]:
        """Set up or tear down ``name`` in one transaction; answer the generated values."""
        if name not in self._setups:
            raise _bad_request(f"unknown provider state {name!r}; known: {', '.join(self.names())}")
        if action == "setup":
            setup = self._setups[name]
            return services.db.run_sync(
                lambda session: setup(StateContext(session, services), params)
            )
        teardown = self._teardowns.get(name, _wipe)
        services.db.run_sync(lambda session: teardown(StateContext(session, services), params))
        return {}


def _wipe(ctx: StateContext, _: Mapping[str, Any]) -> None:
    for table in reversed(Base.metadata.sorted_tables):
        ctx.session.execute(delete(table))


def _choice(params: Mapping[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = params.get(name, default)
    if value not in allowed:
        raise _bad_request(
            f"expected param {name} to be one of {', '.join(allowed)}, got {value!r}"
        )
    return str(value)


def _id(params: Mapping[str, Any], name: str) -> uuid.UUID | None:
    if name not in params:
        return None
    try:
        return uuid.UUID(str(params[name]))
    except ValueError:
        raise _bad_request(f"expected param {name} to be a UUID, got {params[name]!r}") from None


def builtin_states() -> StateRegistry:
    """A fresh registry with the built-in states."""
    states = StateRegistry()

    @states.state("no data")
    def no_data(ctx: StateContext, params: Mapping[str, Any]) -> dict[str, Any]:
        _wipe(ctx, params)
        return {}

    @states.state("a user exists")
    def user_exists(ctx: StateContext, params: Mapping[str, Any]) -> dict[str, Any]:
        user = ctx.user(params, prefix="")
        return {**ctx.tokens(user), "email": user.email}

    @states.state("a project exists")
    def project_exists(ctx: StateContext, params: Mapping[str, Any]) -> dict[str, Any]:
        user = ctx.user(params)
        ident = _id(params, "projectId")
        ctx.replace(Project, ident)
        now = utcnow()
        project = Project(
            id=ident or uuid.uuid4(),
            user_id=user.id,
            name=str(params.get("name", "Website relaunch")),
            description=params.get("description"),
            status=_choice(params, "status", PROJECT_STATUSES, "active"),
            created_at=now,
            updated_at=now,
        )
        ctx.session.add(project)
        ctx.session.flush()
        return {**ctx.tokens(user), "projectId": str(project.id)}

    @states.state("an order exists")
    def order_exists(ctx: StateContext, params: Mapping[str, Any]) -> dict[str, Any]:
        user = ctx.user(params)
        status = _choice(params, "status", ORDER_STATUSES, "pending")
        ident = _id(params, "orderId")
        ctx.replace(Order, ident)
        items = [
            {
                "productId": "sku-keyboard",
                "name": "Mechanical keyboard",
                "quantity": 1,
                "unitPrice": 12900,
            },
            {"productId": "sku-cable", "name": "USB-C cable", "quantity": 2, "unitPrice": 1500},
        ]
        order = build_order(user.id, str(params.get("currency", "USD")), items)
        order.id, order.status = ident or uuid.uuid4(), status
        ctx.session.add(order)
        ctx.session.flush()
        values = {**ctx.tokens(user), "orderId": str(order.id)}
        if status in ("paid", "refunded"):
            now = utcnow()
            payment = Payment(
                order_id=order.id,
                user_id=user.id,
                amount=order.total,
                currency=order.currency,
                status="succeeded" if status == "paid" else "refunded",
                payment_method="pm_card_visa",
                created_at=now,
                refunded_at=now if status == "refunded" else None,
            )
            ctx.session.add(payment)
            ctx.session.flush()
            values["paymentId"] = str(payment.id)
        return values

    @states.state("a session exists")
    def session_exists(ctx: StateContext, params: Mapping[str, Any]) -> dict[str, Any]:
        user = ctx.user(params)
        status = _choice(params, "status", SESSION_STATUSES, "active")
        ident = _id(params, "sessionId")
        ctx.replace(InteractiveSession, ident)
        now = utcnow()
        row = InteractiveSession(
            id=ident or uuid.uuid4(),
            user_id=user.id,
            name=str(params.get("name", "Editor tab")),
            status=status,
            meta={"client": "web", "locale": "en-GB"},
            created_at=now,
            updated_at=now,
            ended_at=now if status == "ended" else None,
        )
        ctx.session.add(row)
        ctx.session.flush()
        return {**ctx.tokens(user), "sessionId": str(row.id)}

    return states


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
    return json_response(values)
