"""The admin endpoints the console calls, under ``/__mock/`` (tests and scripts use them too).

::

    GET    /__mock/ui                      the console (and /__mock/ui/console.js, .css)
    GET    /__mock/operations              the served operations (`console.catalogue`)
    GET    /__mock/journal/stream          new journal entries as server-sent events
    GET    /__mock/records?collection=C    the records of one collection
    PUT    /__mock/records?collection=C&id=I   replace (or add) one record
    DELETE /__mock/records?collection=C&id=I   delete one record
    GET    /__mock/users                   accounts, without their secrets, with their logins
    POST   /__mock/users/{id}/token        an access token for the account (the "try it" form)
    POST   /__mock/users/{id}/revoke       revoke every login of the account
    GET    /__mock/users/{id}/logins       the account's logins (made, refreshed, User-Agent)
    POST   /__mock/users/{id}/logins/{login}/revoke   revoke that login only
    GET|PUT|DELETE /__mock/scenarios       latency, chaos, forced status or example per operation

`admin.admin_routes` puts them behind the same access rule as the rest of ``/__mock/``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from mockserver.auth.authenticate import USERS
from mockserver.compile.resources import OWNER
from mockserver.console import catalogue, feed, page
from mockserver.errors import ConfigError
from mockserver.server.engine import Engine
from mockserver.server.scenarios import parse_scenarios
from mockserver.state.mock import StatefulMock

__all__ = ["PROBLEM_JSON", "console_routes", "json_response", "problem"]

PROBLEM_JSON = "application/problem+json"
Endpoint = Callable[[Request], Awaitable[Response]]


def json_response(data: Any, status: int = 200) -> Response:
    """``data`` as a JSON answer of the admin API."""
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def problem(status: int, code: str, title: str, detail: str) -> Response:
    """An RFC 9457 problem, in the admin API's shape."""
    body = {"type": f"urn:mockserver:problem:{code.replace('_', '-')}", "title": title,
            "status": status, "detail": detail, "code": code}  # fmt: skip
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON)


def _stateless() -> Response:
    return problem(409, "stateless", "The mock is stateless",
                   "Started with --stateless, so it has no records or users.")  # fmt: skip


def _public(record: dict[str, Any]) -> dict[str, Any]:
    """A record as the console shows it: bookkeeping and secrets left out, its owner named."""
    shown = {k: v for k, v in record.items() if not k.startswith("__")}
    return {"id": record.get("id"), "owner": record.get(OWNER), "fields": shown}


async def _body(request: Request) -> Any:
    return orjson.loads(await request.body())


def console_routes(engine: Engine) -> list[tuple[str, Endpoint, list[str]]]:
    """``(path under /__mock, endpoint, methods)`` of every console endpoint of ``engine``."""
    by_id = {
        c.operation.operation_id: c.operation for c in engine.operations if c.operation.operation_id
    }
    described: dict[str, Any] = {}

    async def ui(request: Request) -> Response:
        name = request.path_params.get("asset", "index.html")
        try:
            content, media_type = page.asset(name)
        except KeyError:
            return problem(404, "no_such_asset", "No such console asset",
                           f"{name} is not one of {', '.join(page.ASSETS)}.")  # fmt: skip
        headers = {"Content-Security-Policy": page.CONTENT_SECURITY_POLICY,
                   "Cache-Control": "no-cache"}  # fmt: skip
        return Response(content, media_type=media_type, headers=headers)

    async def operations(request: Request) -> Response:
        if not described:  # the spec does not change under a running engine
            described.update(
                catalogue.catalogue(
                    (c.operation for c in engine.operations),
                    engine.spec.document,
                    base_path=engine.spec.base_path,
                )
            )
        return json_response(described)

    async def stream(request: Request) -> Response:
        params = request.query_params
        limit = params.get("limit")
        if limit is not None and not limit.isdigit():
            return problem(400, "invalid_filter", "Invalid stream limit",
                           f"limit must be a positive integer, got {limit!r}.")  # fmt: skip
        since = feed.start_after(request.headers.get("last-event-id"), params.get("since"))
        events = feed.events(
            engine.journal,
            since=since,
            disconnected=request.is_disconnected,
            limit=int(limit) if limit else None,
        )
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(events, media_type="text/event-stream", headers=headers)

    async def records(request: Request) -> Response:
        state = engine.state
        if state is None:
            return _stateless()
        collection = request.query_params.get("collection")
        known = _collections(state)
        if collection not in known:
            detail = f"collection={collection!r}; collections: {', '.join(known)}."
            return problem(404, "no_such_collection", "No such collection", detail)
        store = state.context.store
        if request.method == "GET":
            found = await store.values(collection)
            return json_response({"collection": collection, "records": [_public(r) for r in found]})
        key = request.query_params.get("id")
        if not key:
            return problem(400, "record_id_required", "Record id required",
                           "Name the record with ?id=<its id>.")  # fmt: skip
        if request.method == "DELETE":
            if not await store.delete(collection, key):
                return problem(404, "no_such_record", "No such record",
                               f"{collection} has no record {key!r}.")  # fmt: skip
            return Response(status_code=204)
        try:
            fields = await _body(request)
        except orjson.JSONDecodeError as exc:
            return problem(400, "malformed_body", "Malformed JSON", f"body: {exc}")
        if not isinstance(fields, dict):
            return problem(400, "invalid_record", "Invalid record",
                           "body: expected the record's fields as a JSON object.")  # fmt: skip
        if "id" in fields and str(fields["id"]) != key:
            return problem(400, "invalid_record", "Invalid record",
                           f"body.id: {fields['id']!r} is not the id in the URL, {key!r}; "
                           "a record keeps its id (add a new one under the new id).")  # fmt: skip
        previous = await store.get(collection, key) or {}
        # Bookkeeping (owner, parent, sequence, secrets) is kept: the console edits fields.
        record = {**{k: v for k, v in previous.items() if k.startswith("__")}, **fields}
        record.setdefault("id", previous.get("id", key))
        if collection == USERS:
            await state.accounts.adopt_user(record)
        else:
            record.setdefault(OWNER, None)
            await store.put(collection, key, record)
        return json_response(_public(record), 200 if previous else 201)

    async def users(request: Request) -> Response:
        state = engine.state
        if state is None:
            return _stateless()
        found = await state.context.store.values(USERS)
        logins = state.accounts.logins
        return json_response({
            "users": [
                {**_public(user), "generation": int(user.get("__generation__", 0)),
                 "logins": await logins.listed(str(user.get("id")))}
                for user in found
            ]
        })  # fmt: skip

    async def user_logins(request: Request) -> Response:
        state = engine.state
        if state is None:
            return _stateless()
        user_id = request.path_params["id"]
        if await state.context.store.get(USERS, user_id) is None:
            return _no_such_user(user_id)
        login = request.path_params.get("login")
        if login is None:
            listed = await state.accounts.logins.listed(user_id)
            return json_response({"userId": user_id, "logins": listed})
        if request.path_params.get("action") != "revoke":
            return problem(404, "no_such_action", "No such login action",
                           f"{request.path_params.get('action')!r}: "
                           "POST /__mock/users/{id}/logins/{login}/revoke.")  # fmt: skip
        if not await state.accounts.logins.revoke(user_id, login):
            return problem(404, "no_such_login", "No such login",
                           f"User {user_id!r} has no login {login!r}; "
                           f"see GET /__mock/users/{user_id}/logins.")  # fmt: skip
        return Response(status_code=204)

    async def user_action(request: Request) -> Response:
        state = engine.state
        if state is None:
            return _stateless()
        user_id, action = request.path_params["id"], request.path_params["action"]
        user = await state.context.store.get(USERS, user_id)
        if user is None:
            return _no_such_user(user_id)
        tokens = state.context.tokens
        if action == "token":
            token = tokens.issue_access(user_id, int(user.get("__generation__", 0)))
            return json_response(
                {"accessToken": token, "tokenType": "Bearer", "expiresIn": tokens.access_ttl}
            )
        if action == "revoke":
            await state.accounts.revoke_all(user_id)
            return Response(status_code=204)
        return problem(404, "no_such_action", "No such user action",
                       f"{action!r}: POST /__mock/users/{{id}}/token or /revoke.")  # fmt: skip

    async def scenarios(request: Request) -> Response:
        if request.method == "PUT":
            try:
                checked = parse_scenarios(await _body(request), by_id)
            except orjson.JSONDecodeError as exc:
                return problem(400, "malformed_body", "Malformed JSON", f"body: {exc}")
            except ConfigError as exc:
                return problem(400, "invalid_scenario", "Invalid scenario", str(exc))
            await engine.scenarios.update(checked)
        elif request.method == "DELETE":
            await engine.scenarios.update(None)
        else:
            await engine.scenarios.refresh()
        return json_response(engine.scenarios.to_json())

    return [
        ("/ui", ui, ["GET"]),
        ("/ui/{asset}", ui, ["GET"]),
        ("/operations", operations, ["GET"]),
        ("/journal/stream", stream, ["GET"]),
        ("/records", records, ["GET", "PUT", "DELETE"]),
        ("/users", users, ["GET"]),
        ("/users/{id}/{action}", user_action, ["POST"]),
        ("/users/{id}/logins", user_logins, ["GET"]),
        ("/users/{id}/logins/{login}/{action}", user_logins, ["POST"]),
        ("/scenarios", scenarios, ["GET", "PUT", "DELETE"]),
    ]


def _no_such_user(user_id: str) -> Response:
    return problem(404, "no_such_user", "No such user",
                   f"No account has id {user_id!r}; see GET /__mock/users.")  # fmt: skip


def _collections(state: StatefulMock) -> list[str]:
    return [USERS, *state.context.model.resources]
