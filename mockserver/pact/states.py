"""Pact provider states for the mock: ``POST /__mock/provider-states``.

The verifier posts ``{"state": name, "params": {...}, "action": "setup" | "teardown"}``, the
protocol the reference provider answers at ``/_pact/provider-states``. The states are not
written here: they come from the shared definitions (``contracts/states.yaml``, or the file
named by ``MOCKSERVER_PROVIDER_STATES``), read through ``contracts.states``. Setup runs their
steps against the mock's own state, the way its API would have produced it:

- a user is stored as an imported user (password hashed, identity indexed) and given a token
  pair the mock signs;
- a record is built by the same `RecordBuilder` a POST uses (id, timestamps, defaults,
  ``x-mock-compute`` values) and stored in its collection, with its owner and parents;
- a request runs through the engine in-process, as that user.

Setup answers the state's ``answers`` (ids, tokens) for the verifier to inject; teardown
forgets all state, so each interaction starts clean.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx

from mockserver.auth.authenticate import USERS
from mockserver.compile.resources import OWNER, Resource
from mockserver.errors import ProviderStateError
from mockserver.state.mock import StatefulMock

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from contracts.states import StateDefinitions, Step

__all__ = ["STATES_ENV", "change_state", "state_definitions"]

STATES_ENV = "MOCKSERVER_PROVIDER_STATES"

_cache: dict[str, StateDefinitions] = {}


def state_definitions() -> StateDefinitions:
    """The shared definitions: ``$MOCKSERVER_PROVIDER_STATES`` or ``contracts/states.yaml``."""
    from contracts.states import DEFAULT_STATES, load_states

    path = os.environ.get(STATES_ENV) or str(DEFAULT_STATES)
    if path not in _cache:
        _cache[path] = load_states(path)
    return _cache[path]


async def change_state(
    mock: StatefulMock | None, app: ASGIApp, base_path: str, body: Any
) -> dict[str, Any]:
    """Run one state change request; answer the values to inject.

    ``app`` answers the requests of request steps in-process, under ``base_path``.
    """
    from contracts.states import StateDefinitionError, StateError

    if mock is None:
        raise ProviderStateError("the mock is stateless (--stateless): it has no provider states")
    if not isinstance(body, Mapping) or not isinstance(body.get("state"), str):
        raise ProviderStateError('expected {"state": "<name>", "params": {...}, "action": "setup"}')
    params = body.get("params") or {}
    action = body.get("action", "setup")
    if not isinstance(params, Mapping) or action not in ("setup", "teardown"):
        raise ProviderStateError("expected params to be an object and action setup or teardown")
    try:
        definition = state_definitions().definition(body["state"])
        if action == "teardown":
            await mock.reset()
            return {}
        context = definition.bind(params)
        if definition.reset:
            await mock.reset()
        for step in definition.steps:
            context[step.alias] = await _run(mock, app, base_path, step, context)
        return definition.answer(context)
    except (StateError, StateDefinitionError) as exc:
        raise ProviderStateError(str(exc)) from exc


async def _run(
    mock: StatefulMock, app: ASGIApp, base_path: str, step: Step, context: dict[str, Any]
) -> Any:
    from contracts.states import RecordStep, StateError, UserStep, render, run_request_step

    now = datetime.now(UTC)
    if isinstance(step, UserStep):
        return await _user(mock, render(dict(step.fields), context), now)
    if isinstance(step, RecordStep):
        resource = mock.context.model.resources.get(step.collection)
        if resource is None:
            known = ", ".join(sorted(mock.context.model.resources))
            raise StateError(f"the spec has no collection {step.collection}; known: {known}")
        owner = context[step.owner]["id"] if step.owner else None
        record = mock.context.builder.create(
            resource,
            render(dict(step.fields), context),
            owner=owner,
            parents=render(dict(step.parents), context),
            now=now,
            sequence=await mock.context.next_sequence(),
        )
        await mock.context.store.put(resource.name, str(record[resource.id_field]), record)
        return record
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        return await run_request_step(client, step, context, prefix=base_path)


async def _user(mock: StatefulMock, fields: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Create or reset the account ``fields`` describe; log it in."""
    password = fields.pop("password", None)
    existing = await mock.context.store.get_value(
        f"identity:{str(fields.get('email', '')).lower()}"
    )
    record = mock.context.builder.create(
        _users(mock), fields, owner=None, parents={}, now=now,
        sequence=await mock.context.next_sequence(),
    )  # fmt: skip
    if existing:
        record["id"] = existing
    if password is not None:
        record["password"] = password
    record[OWNER] = None
    await mock.accounts.adopt_user(record)
    user_id = str(record["id"])
    generation = int((await mock.context.store.get(USERS, user_id) or {}).get("__generation__", 0))
    access, refresh = await mock.accounts.logins.start(user_id, generation, user_agent="pact")
    return {
        **{k: v for k, v in record.items() if not k.startswith("__") and k != "password"},
        "id": user_id,
        "accessToken": access,
        "refreshToken": refresh,
    }


def _users(mock: StatefulMock) -> Resource:
    """Users as the register operation answers them."""
    if mock.accounts.users is None:
        raise ProviderStateError(
            "the spec declares no register action, so it has no users to set up"
        )
    return mock.accounts.users
