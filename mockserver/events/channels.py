"""The session channel: the WebSocket an AsyncAPI document declares for following one record.

A channel is served when an AsyncAPI document (``asyncapi.yaml`` next to the OpenAPI file, or
the one `create_app` is given) declares a channel whose address is an item path of the spec
plus a suffix (``/sessions/{sessionId}/events`` follows the ``/sessions/{sessionId}`` resource).
Its messages are named ``<noun>.<what>`` (``session.updated``, ``session.ended``):

- a change through the HTTP API publishes ``<noun>.<status>`` when the record reached a status
  a message is named after, otherwise ``<noun>.updated``; the payload is built from the
  message's payload schema (`mockserver.state.changes.envelope`);
- a ``<noun>.<status>`` message ends the channel: it is sent, then the socket closes with 1000,
  and a record already in that status is refused with 4409.

Refusals accept the handshake and close at once, with the codes of ``x-close-codes``: 4401 for
a missing, invalid or revoked token (``access_token`` query parameter or bearer header), 4404
for an unknown id, 4403 for another user's record. Events travel through `Store.publish` and
each socket `Store.subscribe`s to its record's topic, so with a shared store an update served
by another worker reaches the socket too. When that store cannot be reached
(`StateUnavailableError`: Redis is down), open sockets and new ones are closed with 1013 "try
again later"; sockets opened once it is back work again.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from starlette.datastructures import Headers
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from mockserver.compile.resources import OWNER, PARENT, Resource
from mockserver.errors import ConfigError, MockServerError, StateUnavailableError
from mockserver.render.problems import Problem
from mockserver.spec.files import read_spec_file
from mockserver.spec.pointer import follow
from mockserver.state.changes import Change, envelope, status_of
from mockserver.store.journal import Journal

if TYPE_CHECKING:
    from mockserver.auth.authenticate import Authenticator
    from mockserver.state.context import StateContext
    from mockserver.store.memory import Subscription

__all__ = [
    "CLOSE_CODES",
    "EventChannel",
    "event_channels",
    "find_asyncapi",
    "load_asyncapi",
]

logger = logging.getLogger("mockserver")

ASYNCAPI_FILES = ("asyncapi.yaml", "asyncapi.yml", "asyncapi.json")
# The HTTP status a refusal would have had, plus 4000 (asyncapi.yaml's x-close-codes); the
# state being unreachable (503 over HTTP) is the standard 1013 "try again later".
CLOSE_CODES = {"ended": 1000, 401: 4401, 403: 4403, 404: 4404, 409: 4409, 503: 1013}
_UNAVAILABLE_REASON = "The state is unreachable; try again later."
_UPDATED = "updated"
_EXTERNAL_REF = re.compile(r"^[^#]+(#.*)$")


def find_asyncapi(spec_source: str) -> Path | None:
    """The AsyncAPI document next to the OpenAPI file ``spec_source``, if there is one.

    A file of that name that is not an AsyncAPI document is skipped with a warning: it must
    not stop a spec that never meant to declare channels from being mocked.
    """
    spec_path = Path(spec_source)
    if not spec_path.is_file():
        return None
    for name in ASYNCAPI_FILES:
        candidate = spec_path.parent / name
        if candidate.is_file():
            try:
                load_asyncapi(candidate)
            except MockServerError as exc:
                logger.warning("%s is not served as WebSocket channels: %s", candidate, exc)
                return None
            return candidate
    return None


def load_asyncapi(source: str | os.PathLike[str] | Mapping[str, Any]) -> Mapping[str, Any]:
    """Read an AsyncAPI document; `ConfigError` when it is not one."""
    if isinstance(source, Mapping):
        document: Any = source
        where = "<dict>"
    else:
        where = os.fspath(source)
        document = read_spec_file(Path(where), where)
    if not isinstance(document, Mapping) or "asyncapi" not in document:
        raise ConfigError(
            f"expected an AsyncAPI document (with an 'asyncapi' field), got {where}; "
            "pass the asyncapi.yaml that describes the spec's channels"
        )
    return document


@dataclass(frozen=True, slots=True)
class EventMessage:
    """One message of a channel: its name and its payload schema (refs local to the spec)."""

    name: str
    payload: Any


class EventChannel:
    """The WebSocket channel of one resource: who may follow which record, and what is sent."""

    def __init__(
        self,
        state: StateContext,
        authenticator: Authenticator,
        resource: Resource,
        path: str,
        messages: list[EventMessage],
        journal: Journal | None = None,
    ) -> None:
        self.state = state
        self.journal = journal
        self.authenticator = authenticator
        self.resource = resource
        self.path = path
        self.messages = {m.name: m for m in messages}
        prefix = f"{resource.noun}."
        # Statuses a message is named after: reaching one ends the channel.
        self.final = {
            m.name[len(prefix) :]
            for m in messages
            if m.name.startswith(prefix) and m.name[len(prefix) :] != _UPDATED
        }

    def route(self) -> WebSocketRoute:
        """The Starlette route serving this channel."""
        return WebSocketRoute(self.path, self.endpoint)

    def topic(self, record_id: Any) -> str:
        """The store channel events of one record are published on."""
        return f"events:{self.resource.name}:{record_id}"

    def _message_for(self, record: Mapping[str, Any]) -> EventMessage | None:
        status = status_of(record)
        noun = self.resource.noun
        if status in self.final:
            return self.messages[f"{noun}.{status}"]
        return self.messages.get(f"{noun}.{_UPDATED}")

    async def on_change(self, change: Change) -> None:
        """Publish the event a change of a followed record means (creations mean none)."""
        if change.resource.name != self.resource.name or change.before is None:
            return
        message = self._message_for(change.record)
        if message is None:
            return
        record_id = change.record[self.resource.id_field]
        payload = envelope(
            message.payload, self.state.document, self.state.builder.project,
            noun=self.resource.noun, record=change.record, event_type=message.name,
            record_id=record_id, now=change.now,
        )  # fmt: skip
        final = status_of(change.record) in self.final
        started = time.perf_counter()
        await self.state.store.publish(
            self.topic(record_id), {"event": message.name, "final": final, "payload": payload}
        )
        if self.journal is not None:  # the console shows it beside the HTTP exchanges
            await self.journal.record(
                method="WS",
                path=self.path.replace("{" + self.resource.id_param + "}", str(record_id)),
                query="",
                status=0,
                started=started,
                kind="websocket",
                detail={"event": message.name, "final": final, "payload": payload},
            )

    async def endpoint(self, websocket: WebSocket) -> None:
        """Accept, check the token and the record, then forward events until either side ends."""
        record_id = websocket.path_params[self.resource.id_param]
        try:
            # Subscribed before the handshake completes and before the record is read: a
            # change made once the client is connected cannot be missed.
            async with self.state.store.subscribe(self.topic(record_id)) as subscription:
                await websocket.accept()
                user = await self._user(websocket)
                if isinstance(user, Problem):
                    await websocket.close(CLOSE_CODES[401], user.detail[:120])
                    return
                refusal = await self._refusal(websocket, record_id, user)
                if refusal is not None:
                    await websocket.close(*refusal)
                    return
                await self._follow(websocket, subscription)
        except StateUnavailableError as exc:
            # The shared state went away (Redis down): before or after the handshake, the
            # client is told to come back later, like HTTP's 503, and nothing else breaks.
            logger.warning("closing %s with 1013: %s", websocket.url.path, exc)
            await _close_unavailable(websocket)

    async def _user(self, websocket: WebSocket) -> dict[str, Any] | Problem | None:
        token = websocket.query_params.get("access_token")
        headers = Headers({"authorization": f"Bearer {token}"}) if token else websocket.headers
        return await self.authenticator.authenticate(headers, anonymous=False)

    async def _refusal(
        self, websocket: WebSocket, record_id: str, user: Mapping[str, Any] | None
    ) -> tuple[int, str] | None:
        record = await self.state.store.get(self.resource.name, record_id)
        noun = self.resource.noun
        if record is None or any(
            str((record.get(PARENT) or {}).get(p)) != websocket.path_params.get(p)
            for p in self.resource.parent_params
        ):
            return CLOSE_CODES[404], f"No {noun} has the id {record_id}."
        owner = record.get(OWNER)
        if owner is not None and (user is None or user["id"] != owner):
            return CLOSE_CODES[403], f"This {noun} belongs to another user."
        if status_of(record) in self.final:
            return CLOSE_CODES[409], f"The {noun} is {status_of(record)}."
        return None

    async def _follow(self, websocket: WebSocket, subscription: Subscription) -> None:
        async def forward() -> None:
            async for message in subscription:
                await websocket.send_text(orjson.dumps(message["payload"]).decode())
                if message.get("final"):
                    await websocket.close(CLOSE_CODES["ended"])
                    return

        async def until_disconnect() -> None:
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass  # clients have nothing to say on this channel; their messages are ignored

        tasks = {asyncio.create_task(forward()), asyncio.create_task(until_disconnect())}
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for task in done:
            with contextlib.suppress(WebSocketDisconnect, OSError):
                task.result()  # a client gone mid-send is not an error of ours


async def _close_unavailable(websocket: WebSocket) -> None:
    """Close ``websocket`` with 1013, accepting it first if the handshake is still open."""
    with contextlib.suppress(WebSocketDisconnect, OSError, RuntimeError):  # the client left
        if websocket.application_state is WebSocketState.CONNECTING:
            await websocket.accept()
        if websocket.application_state is WebSocketState.CONNECTED:
            await websocket.close(CLOSE_CODES[503], _UNAVAILABLE_REASON)


def event_channels(
    asyncapi: Mapping[str, Any],
    state: StateContext,
    authenticator: Authenticator,
    *,
    base_path: str = "",
    journal: Journal | None = None,
) -> list[EventChannel]:
    """The channels of ``asyncapi`` that follow a resource of the spec ``state`` serves.

    With a ``journal``, each event published is journaled (kind ``websocket``).
    """
    channels = []
    for key, channel in (asyncapi.get("channels") or {}).items():
        channel = _deref(asyncapi, channel)
        address = channel.get("address") if isinstance(channel, Mapping) else None
        if not isinstance(address, str):
            continue
        # The longest item path prefixing the address: /projects/{projectId}/tasks/{taskId}/x
        # follows a task, not the project above it.
        resource = max(
            (r for r in state.model.resources.values()
             if r.item and address.startswith(r.item + "/")),
            key=lambda r: len(r.item),
            default=None,
        )  # fmt: skip
        operation = next(
            (op for op in state.model.operations
             if resource is not None and op.path == resource.item and op.method.lower() == "get"),
            None,
        )  # fmt: skip
        if resource is None or operation is None:
            logger.warning("asyncapi channel %s follows no resource of the spec; not served", key)
            continue
        messages = []
        for message in (channel.get("messages") or {}).values():
            message = _deref(asyncapi, message)
            name = message.get("name") if isinstance(message, Mapping) else None
            if isinstance(name, str):
                payload = _localize(asyncapi, message.get("payload", {}))
                messages.append(EventMessage(name, payload))
        channel_obj = EventChannel(
            state, authenticator, resource, base_path + address, messages, journal
        )
        state.changes.listen(channel_obj.on_change)
        channels.append(channel_obj)
    return channels


def _deref(document: Mapping[str, Any], node: Any) -> Any:
    return follow(document, node)[1]


def _localize(asyncapi: Mapping[str, Any], schema: Any, depth: int = 0) -> Any:
    """``schema`` with the AsyncAPI document's refs inlined and external refs made local.

    ``./openapi.yaml#/components/schemas/Session`` becomes ``#/components/schemas/Session``:
    the spec the mock serves is the document those refs point into.
    """
    if depth > 32:
        return schema
    if isinstance(schema, Mapping):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            return _localize(asyncapi, _deref(asyncapi, schema), depth + 1)
        if isinstance(ref, str) and (match := _EXTERNAL_REF.match(ref)):
            return {**schema, "$ref": match.group(1)}
        return {k: _localize(asyncapi, v, depth + 1) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_localize(asyncapi, v, depth + 1) for v in schema]
    return copy.deepcopy(schema)
