"""The stateful mock: what was created is stored, read back, changed, listed and deleted.

`StatefulMock` plugs into the engine after routing and validation. It authenticates bearer
tokens it issued itself (when the spec declares a login), enforces ownership, runs the CRUD
role `ResourceModel` inferred for the operation or the ``x-mock-action`` it declares, and
renders records projected onto the declared response schema. Operations it has nothing to
say about fall back to the stateless responder.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.datastructures import Headers

from mockserver.auth.tokens import InvalidToken, TokenService
from mockserver.compile.operations import Operation
from mockserver.compile.resources import ListShape, Resource, ResourceModel
from mockserver.render.problems import Problem, declared_response, title_of
from mockserver.render.responses import Rendered
from mockserver.state.actions import ActionRunner
from mockserver.state.changes import Change, ChangeFeed
from mockserver.state.records import OWNER, PARENT, SEQUENCE, RecordBuilder
from mockserver.store.memory import Store
from mockserver.validation.request import ValidatedRequest

__all__ = ["GENERATION", "USERS", "Request", "StatefulMock"]

USERS = "__users__"
GENERATION = "user-generation:"  # + user id: the token generation (see `authenticate`)
IDEMPOTENCY_HEADER = "idempotency-key"
IDEMPOTENCY_TTL = 24 * 3600
SEQUENCE_KEY = "sequence"


@dataclass(frozen=True, slots=True)
class Request:
    """What a stateful operation needs to know about the request."""

    operation: Operation
    validated: ValidatedRequest
    params: dict[str, str]
    headers: Headers
    # The authenticated user's ``{"id": ...}`` (not the record: see `authenticate`).
    user: dict[str, Any] | None
    now: datetime
    # The socket peer's address (never X-Forwarded-For): the login throttle's "client".
    client: str = ""


@dataclass(frozen=True, slots=True)
class _Answer:
    """What rendering one declared response with content needs (see `StatefulMock.render`)."""

    media_type: str
    schema: Any
    location: bool  # whether the response declares a Location header


class StatefulMock:
    """State for one spec: records, users, tokens, and the rules that change them."""

    def __init__(
        self,
        document: Mapping[str, Any],
        operations: list[Operation],
        builder: RecordBuilder,
        store: Store,
        *,
        base_path: str = "",
        jwt_secret: str | None = None,
    ) -> None:
        self.document = document
        self.model = ResourceModel(document, operations)
        self.builder = builder
        self.store = store
        self.base_path = base_path
        self.tokens = TokenService(store, secret=jwt_secret)
        self.actions = ActionRunner(self)
        self._default_statuses: dict[int, tuple[Operation, int]] = {}
        self._idempotency_headers: dict[int, tuple[Operation, str | None]] = {}
        self._answers: dict[tuple[int, int], tuple[Operation, _Answer | None]] = {}
        self._schemas: dict[tuple[int, int], tuple[Operation, tuple[Any, ...]]] = {}
        self.changes = ChangeFeed()
        self.has_login = any(
            isinstance(op.extensions.get("x-mock-action"), Mapping)
            and op.extensions["x-mock-action"].get("type") == "login"
            for op in operations
        )

    async def next_sequence(self) -> int:
        """A number that orders records by creation (and numbers integer ids).

        It is counted in the store, so workers sharing one (``--state-url``) never hand out
        the same number twice.
        """
        return await self.store.incr(SEQUENCE_KEY, ttl=None)

    # -- authentication -----------------------------------------------------------------

    async def authenticate(
        self, operation: Operation, headers: Headers, *, anonymous: bool
    ) -> dict[str, Any] | Problem | None:
        """The user (``{"id": ...}``) of a verified bearer token; 401 for one we did not issue.

        Revocation ("log out everywhere") bumps the user's generation, kept under its own
        value key (`GENERATION`) so this check reads one number, not the user's record.
        """
        if not self.has_login:
            return None
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None if anonymous else _unauthorized("A bearer access token is required.")
        try:
            claims = self.tokens.verify_access(token.strip())
        except InvalidToken as exc:
            return None if anonymous else _unauthorized(str(exc))
        generation = await self.store.get_value(GENERATION + claims.user_id)
        if generation is None:  # a user stored without its generation key: read the record
            record = await self.store.get(USERS, claims.user_id)
            generation = record.get("__generation__", 0) if record is not None else None
        if generation != claims.generation:
            return None if anonymous else _unauthorized("The access token was revoked.")
        # Only the id: copying the whole record per request cost more than the check. An
        # action that needs the record (current user, logout) reads it from the store.
        return {"id": claims.user_id}

    # -- dispatch ---------------------------------------------------------------------------

    async def handle(self, request: Request) -> Rendered | Problem | None:
        """Answer ``request`` from state, or None to let the stateless responder answer."""
        header = self._idempotency_header(request.operation)
        key = request.headers.get(header) if header else None
        if not key:
            return await self._dispatch(request)
        owner = request.user["id"] if request.user else "-"
        store_key = f"idempotency:{owner}:{request.operation.method}:{request.operation.path}:{key}"
        fingerprint = hashlib.sha256(
            orjson.dumps([request.params, request.validated.body], option=orjson.OPT_SORT_KEYS)
        ).hexdigest()
        async with self.store.lock(store_key):
            seen = await self.store.get_value(store_key)
            if seen is not None:
                if seen["fingerprint"] != fingerprint:
                    return Problem(
                        409,
                        "idempotency_key_reused",
                        "Idempotency key reused",
                        f"This {header} was used with a different request.",
                    )
                headers = {**seen["headers"], "Idempotent-Replayed": "true"}
                body = bytes.fromhex(seen["body"])
                return Rendered(seen["status"], seen["media_type"], body, headers)
            result = await self._dispatch(request)
            if isinstance(result, Rendered):
                saved = {
                    "fingerprint": fingerprint,
                    "status": result.status,
                    "media_type": result.media_type,
                    "body": result.body.hex(),
                    "headers": result.headers,
                }
                await self.store.set_value(store_key, saved, ttl=IDEMPOTENCY_TTL)
            return result

    def _idempotency_header(self, op: Operation) -> str | None:
        """The idempotency header ``op`` declares, if any (worked out once per operation)."""
        known = self._idempotency_headers.get(id(op))
        if known is not None and known[0] is op:
            return known[1]
        header = next(
            (p.name for p in op.parameters
             if p.location == "header" and p.name.lower() == IDEMPOTENCY_HEADER),
            None,
        )  # fmt: skip
        self._idempotency_headers[id(op)] = (op, header)
        return header

    async def _dispatch(self, request: Request) -> Rendered | Problem | None:
        op = request.operation
        action = op.extensions.get("x-mock-action")
        if isinstance(action, Mapping):
            return await self.actions.run(action, request)
        role = self.model.roles.get((op.method, op.path))
        if role is None:
            return None
        kind, resource = role
        if kind == "create":
            return await self.create(resource, request)
        if kind == "list":
            return await self._list(resource, request)
        loaded = await self.load(resource, request)
        if isinstance(loaded, Problem):
            return loaded
        guard = op.extensions.get("x-mock-guard")
        if isinstance(guard, Mapping):
            refused = _guard(guard, loaded)
            if refused is not None:
                return refused
        if kind == "read":
            return self.render(op, self.default_status(op), loaded)
        if kind == "delete":
            await self.delete_cascade(resource, loaded)
            return self.render(op, self.default_status(op), loaded)
        body = request.validated.body if isinstance(request.validated.body, Mapping) else {}
        if kind == "replace":
            record = self.builder.replace(resource, loaded, body, now=request.now)
        else:
            record = self.builder.merge(resource, loaded, body, now=request.now)
        await self.store.put(resource.name, str(record[resource.id_field]), record)
        await self.changes.emit(Change(resource, record, loaded, request.now))
        return self.render(op, self.default_status(op), record)

    # -- records ----------------------------------------------------------------------------

    async def load(self, resource: Resource, request: Request) -> dict[str, Any] | Problem:
        """The record the path addresses, checked against its parents and its owner."""
        record_id = request.params.get(resource.id_param)
        if resource.parent is not None:
            parent = await self.load(resource.parent, request)
            if isinstance(parent, Problem):
                return parent
        record = await self.store.get(resource.name, str(record_id))
        if record is None or any(
            str(record.get(PARENT, {}).get(p)) != request.params.get(p)
            for p in resource.parent_params
        ):
            return _not_found(resource, record_id)
        owner = record.get(OWNER)
        if owner is not None and (request.user is None or request.user["id"] != owner):
            return Problem(
                403,
                "forbidden",
                "Forbidden",
                f"This {resource.noun} belongs to another user.",
            )
        return record

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
        op = request.operation
        status = status or self.default_status(op)
        for schema in self._answer_schemas(op, status):
            # What only the create answer carries (a webhook secret) is made and kept now.
            key = f"{resource.name}|{record[resource.id_field]}"
            self.builder.fill_required(record, schema, key)
        await self.store.put(resource.name, str(record[resource.id_field]), record)
        await self.changes.emit(Change(resource, record, None, request.now))
        return self.render(op, status, record, resource=resource)

    async def new_record(
        self, resource: Resource, request: Request, *, extra: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """A record for ``resource`` built from the request body and ``extra`` fields."""
        body = request.validated.body if isinstance(request.validated.body, Mapping) else {}
        parents = {
            p: request.validated.path.get(p, request.params.get(p)) for p in resource.parent_params
        }
        return self.builder.create(
            resource,
            {**body, **(extra or {})},
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

    async def _list(self, resource: Resource, request: Request) -> Rendered | Problem:
        op = request.operation
        if resource.parent is not None:
            parent = await self.load(resource.parent, request)
            if isinstance(parent, Problem):
                return parent
        shape = self.model.list_shapes[(op.method, op.path)]
        query = request.validated.query
        user_id = request.user["id"] if request.user else None
        records = [
            r
            for r in await self.store.values(resource.name)
            if (r.get(OWNER) is None or r.get(OWNER) == user_id)
            and all(
                str(r.get(PARENT, {}).get(p)) == request.params.get(p)
                for p in resource.parent_params
            )
            and all(r.get(f) == query[f] for f in shape.filters if f in query)
            and _matches_search(r, query.get(shape.search_param) if shape.search_param else None)
        ]
        records.sort(key=lambda r: r.get(SEQUENCE, 0), reverse=True)
        return self.render(op, self.default_status(op), _page(records, shape, query))

    # -- control ----------------------------------------------------------------------------

    async def reset(self) -> None:
        """Forget everything: records, users, tokens, counters."""
        await self.store.reset()

    async def export_state(self) -> dict[str, Any]:
        """Every record, as `import_state` takes it back."""
        return await self.store.export()

    async def import_state(self, data: Mapping[str, Any]) -> None:
        """Load records; hand-written fixtures get their bookkeeping filled in.

        A fixture record may name its owner and parents by their visible fields (``ownerId``,
        ``projectId``); a user may carry a plain password in the field register reads it from.
        """
        collections = dict(data.get("collections") or {})
        adopted: dict[str, Any] = {}
        for name, records in collections.items():
            resource = self.model.resources.get(name)
            fixed = {}
            for key, record in records.items():
                record = dict(record)
                # A record keyed by its id needs no id field of its own (users included).
                record.setdefault(resource.id_field if resource is not None else "id", key)
                if resource is not None:
                    if OWNER not in record:
                        record[OWNER] = record.get(resource.owner_field or "")
                    if PARENT not in record:
                        record[PARENT] = {
                            p: record.get(f) for p, f in resource.parent_fields.items()
                        }
                if SEQUENCE not in record:
                    record[SEQUENCE] = await self.next_sequence()
                fixed[key] = record
            adopted[name] = fixed
        users = adopted.pop(USERS, {})
        await self.store.load({"collections": adopted})
        for record in users.values():
            await self.actions.adopt_user(record)
        highest = max(
            (r.get(SEQUENCE, 0) for records in adopted.values() for r in records.values()),
            default=0,
        )
        async with self.store.lock(SEQUENCE_KEY):
            if highest > (await self.store.get_value(SEQUENCE_KEY) or 0):
                await self.store.set_value(SEQUENCE_KEY, highest)

    # -- rendering --------------------------------------------------------------------------

    def default_status(self, op: Operation) -> int:
        """The first 2xx the operation declares (worked out once per operation)."""
        known = self._default_statuses.get(id(op))
        if known is not None and known[0] is op:
            return known[1]
        codes = sorted(int(s) for s in op.responses if s.isdigit() and s.startswith("2"))
        status = codes[0] if codes else 200
        self._default_statuses[id(op)] = (op, status)
        return status

    def render(
        self, op: Operation, status: int, value: Any, *, resource: Resource | None = None
    ) -> Rendered:
        """``value`` projected onto the response declared for ``status``."""
        answer = self._answer(op, status)
        headers: dict[str, str] = {}
        if answer is None:
            return Rendered(status, None, b"", headers)
        if resource is not None and answer.location:
            headers["Location"] = self.location(resource, value)
        schema = answer.schema
        body = self.builder.project(value, schema) if schema is not None else value
        return Rendered(status, answer.media_type, orjson.dumps(body), headers)

    def _answer_schemas(self, op: Operation, status: int) -> tuple[Any, ...]:
        """The schema of each media type of the response ``op`` declares for ``status``."""
        known = self._schemas.get((id(op), status))
        if known is not None and known[0] is op:
            return known[1]
        response = declared_response(op, status)
        schemas = tuple(media.schema for media in response.content.values()) if response else ()
        self._schemas[(id(op), status)] = (op, schemas)
        return schemas

    def _answer(self, op: Operation, status: int) -> _Answer | None:
        """How `render` answers ``status`` of ``op`` (worked out once per operation and status)."""
        known = self._answers.get((id(op), status))
        if known is not None and known[0] is op:
            return known[1]
        response = declared_response(op, status)
        answer = None
        if response is not None and response.content:
            name, media = next(iter(response.content.items()))
            for candidate, candidate_media in response.content.items():
                if "json" in candidate:
                    name, media = candidate, candidate_media
                    break
            location = any(h.lower() == "location" for h in response.headers)
            answer = _Answer(name, media.schema, location)
        self._answers[(id(op), status)] = (op, answer)
        return answer

    def location(self, resource: Resource, record: Mapping[str, Any]) -> str:
        """The URL of a stored record."""
        path = resource.item.replace("{" + resource.id_param + "}", str(record[resource.id_field]))
        for param, value in (record.get(PARENT) or {}).items():
            path = path.replace("{" + param + "}", str(value))
        return self.base_path + path


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


def _not_found(resource: Resource, record_id: Any) -> Problem:
    return Problem(404, "not_found", "Not found", f"No {resource.noun} has the id {record_id}.")


def _unauthorized(detail: str) -> Problem:
    return Problem(
        401,
        "unauthorized",
        "Authentication required",
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
    )


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)
