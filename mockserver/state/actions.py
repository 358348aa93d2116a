"""``x-mock-action``: behaviour an operation declares because its shape cannot tell it.

Each action type is implemented once, for any spec:

- ``register`` / ``login`` / ``refresh`` / ``logout`` / ``current-user``: accounts, JWTs,
  rotating refresh tokens, login throttling (``throttle``) and blocked account statuses;
- ``transition``: move the addressed record's ``field`` from one of ``from`` to ``to``
  (409 ``conflict`` otherwise), ``set`` more fields, update a ``related`` record;
- ``charge``: decline well-known payment method tokens with 402; with ``collection``, record
  a payment-like record there from the addressed ``target`` record and move the target.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mockserver.auth.tokens import InvalidToken
from mockserver.compile.expressions import Expression
from mockserver.compile.operations import Operation
from mockserver.compile.resources import Resource
from mockserver.compile.schemas import object_properties
from mockserver.render.problems import Problem, title_of
from mockserver.render.responses import Rendered
from mockserver.spec.pointer import split
from mockserver.state.changes import Change
from mockserver.state.records import OWNER

if TYPE_CHECKING:
    from mockserver.state.mock import Request, StatefulMock

__all__ = ["ActionRunner"]

_LOGOUT_NEEDS_TOKEN = "required unless logging out of all devices"
_DUMMY_SALT = secrets.token_hex(8)


def _hash_secret(secret: str, salt: str) -> str:
    # One salted SHA-256, not a slow KDF: these are a mock's throwaway test accounts, and a
    # deliberately slow hash made every mock login cost more than the rest of the request.
    # Stored secrets still never leave the mock (responses are projected) and are never
    # compared in plain text.
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


@functools.cache
def _tokens(pointer: str) -> tuple[str, ...]:
    # The pointers come from the spec's x-mock-action: few, and split once each.
    return tuple(split(pointer))


def _set_pointer(target: dict[str, Any], pointer: str, value: Any) -> None:
    tokens = _tokens(pointer)
    node = target
    for token in tokens[:-1]:
        node = node.setdefault(token, {})
    node[tokens[-1]] = value


class ActionRunner:
    """Runs the ``x-mock-action`` of an operation against the mock's state."""

    def __init__(self, mock: StatefulMock) -> None:
        self.mock = mock
        self._expressions: dict[str, Expression] = {}
        self._users: Resource | None = None

    async def run(self, action: Mapping[str, Any], request: Request) -> Rendered | Problem | None:
        """Dispatch on ``action["type"]``."""
        kind = action.get("type")
        handler = {
            "register": self._register,
            "login": self._login,
            "refresh": self._refresh,
            "logout": self._logout,
            "current-user": self._current_user,
            "transition": self._transition,
            "charge": self._charge,
        }.get(str(kind))
        if handler is None:
            return None
        return await handler(action, request)

    # -- accounts ---------------------------------------------------------------------------

    def _user_resource(self, op: Operation) -> Resource:
        if self._users is None:
            from mockserver.state.mock import USERS

            schema = next(
                (m.schema for s, r in sorted(op.responses.items()) if s.startswith("2")
                 for m in r.content.values()),
                None,
            )  # fmt: skip
            self._users = Resource(
                collection=USERS,
                item="",
                id_param="",
                schema=schema,
                properties=object_properties(schema, self.mock.document),
            )
        return self._users

    def _body(self, request: Request) -> Mapping[str, Any]:
        body = request.validated.body
        return body if isinstance(body, Mapping) else {}

    async def _register(self, action: Mapping[str, Any], request: Request) -> Rendered | Problem:
        from mockserver.state.mock import GENERATION, USERS

        body = self._body(request)
        identity_field, secret_field = str(action["identity"]), str(action["secret"])
        identity = str(body[identity_field]).strip().lower()
        key = f"identity:{identity}"
        async with self.mock.store.lock(key):
            if await self.mock.store.get_value(key):
                code = str(action.get("conflict", "conflict"))
                return Problem(
                    409, code, title_of(code), f"The {identity_field} is already registered."
                )
            salt = secrets.token_hex(8)
            fields = {k: v for k, v in body.items() if k != secret_field}
            resource = self._user_resource(request.operation)
            record = self.mock.builder.create(
                resource, fields, owner=None, parents={}, now=request.now,
                sequence=await self.mock.next_sequence(),
            )  # fmt: skip
            record["__secret__"] = _hash_secret(str(body[secret_field]), salt)
            record["__salt__"] = salt
            record["__generation__"] = 0
            record[OWNER] = None
            await self.mock.store.put(USERS, str(record["id"]), record)
            await self.mock.store.set_value(GENERATION + str(record["id"]), 0)
            await self.mock.store.set_value(key, record["id"])
        return self.mock.render(
            request.operation, self.mock.default_status(request.operation), record
        )

    async def adopt_user(self, record: dict[str, Any]) -> None:
        """Store an imported user: hash a plain password, index its identity."""
        from mockserver.state.mock import GENERATION, USERS

        register = self._register_action()
        identity_field = str(register.get("identity", "email"))
        secret_field = str(register.get("secret", "password"))
        if "__secret__" not in record and secret_field in record:
            record["__salt__"] = secrets.token_hex(8)
            record["__secret__"] = _hash_secret(str(record.pop(secret_field)), record["__salt__"])
        record.setdefault("__generation__", 0)
        record.setdefault("id", str(uuid.uuid4()))
        record[OWNER] = None
        await self.mock.store.put(USERS, str(record["id"]), record)
        await self.mock.store.set_value(
            GENERATION + str(record["id"]), int(record["__generation__"])
        )
        identity = str(record.get(identity_field, "")).strip().lower()
        if identity:
            await self.mock.store.set_value(f"identity:{identity}", record["id"])

    def _register_action(self) -> Mapping[str, Any]:
        for op in self.mock.model.operations:
            action = op.extensions.get("x-mock-action")
            if isinstance(action, Mapping) and action.get("type") == "register":
                return action
        return {}

    async def _login(self, action: Mapping[str, Any], request: Request) -> Rendered | Problem:
        # Check, verify and count under one lock: concurrent attempts, in any worker sharing
        # the store, cannot all pass the check before any of them is counted.
        identity = str(self._body(request).get(str(action["identity"]), "")).strip().lower()
        async with self.mock.store.lock(f"login-failures:{identity}"):
            return await self._login_locked(action, request)

    async def _login_locked(
        self, action: Mapping[str, Any], request: Request
    ) -> Rendered | Problem:
        from mockserver.state.mock import USERS

        body = self._body(request)
        identity = str(body.get(str(action["identity"]), "")).strip().lower()
        secret = str(body.get(str(action["secret"]), ""))
        throttle = action.get("throttle") or {}
        limit, window = (
            int(throttle.get("maxAttempts", 0)),
            float(throttle.get("windowSeconds", 900)),
        )
        failures_key = f"login-failures:{identity}"
        # Per client address too (the socket's peer), so spraying many accounts is throttled.
        client_key, client_limit = (
            f"login-failures-client:{request.client}",
            int(throttle.get("clientMaxAttempts", 0)),
        )
        for key, cap, who in (
            (failures_key, limit, "this account"),
            (client_key, client_limit, "this client"),
        ):
            if cap and (await self.mock.store.get_value(key) or 0) >= cap:
                wait = max(1, round(await self.mock.store.ttl(key)))
                return Problem(
                    429, "too_many_attempts", "Too many login attempts",
                    f"Too many failed logins for {who}; try again in {wait} seconds.",
                    headers={"Retry-After": str(wait)},
                )  # fmt: skip
        user_id = await self.mock.store.get_value(f"identity:{identity}")
        user = await self.mock.store.get(USERS, str(user_id)) if user_id else None
        # An unknown identity is hashed too, so it costs what a wrong password costs.
        digest = _hash_secret(secret, str(user["__salt__"]) if user else _DUMMY_SALT)
        if user is None or not hmac.compare_digest(user["__secret__"], digest):
            if limit:
                await self.mock.store.incr(failures_key, ttl=window)
            if client_limit:
                await self.mock.store.incr(client_key, ttl=window)
            return Problem(
                401,
                "invalid_credentials",
                "Invalid credentials",
                "The email or the password is wrong.",
            )
        blocked = action.get("blocked") or {}
        status_code = blocked.get(str(user.get("status")))
        if status_code:
            return Problem(403, str(status_code), title_of(str(status_code)),
                           f"This account is {user.get('status')}.")  # fmt: skip
        await self.mock.store.delete_value(failures_key)
        body_out = await self._token_body(action, user)
        _set_pointer(body_out, str((action.get("response") or {}).get("user", "/user")), user)
        return self.mock.render(
            request.operation, self.mock.default_status(request.operation), body_out
        )

    async def _token_body(
        self, action: Mapping[str, Any], user: Mapping[str, Any], refresh: str | None = None
    ) -> dict[str, Any]:
        pointers = action.get("response") or {}
        tokens = self.mock.tokens
        values = {
            "accessToken": tokens.issue_access(str(user["id"]), int(user.get("__generation__", 0))),
            "refreshToken": refresh or await tokens.issue_refresh(str(user["id"])),
            "expiresIn": tokens.access_ttl,
            "tokenType": "Bearer",
        }
        out: dict[str, Any] = {}
        for name, value in values.items():
            if name in pointers:
                _set_pointer(out, str(pointers[name]), value)
        return out

    async def _refresh(self, action: Mapping[str, Any], request: Request) -> Rendered | Problem:
        from mockserver.state.mock import USERS

        token = str(self._body(request).get(str(action.get("token", "refreshToken")), ""))
        try:
            user_id, new_token = await self.mock.tokens.rotate_refresh(token)
        except InvalidToken as exc:
            return Problem(401, "invalid_refresh_token", "Invalid refresh token", str(exc))
        user = await self.mock.store.get(USERS, user_id)
        if user is None:
            return Problem(401, "invalid_refresh_token", "Invalid refresh token",
                           "The account of this refresh token no longer exists.")  # fmt: skip
        body_out = await self._token_body(action, user, refresh=new_token)
        return self.mock.render(
            request.operation, self.mock.default_status(request.operation), body_out
        )

    async def _logout(self, action: Mapping[str, Any], request: Request) -> Rendered | Problem:
        from mockserver.state.mock import GENERATION, USERS

        user = request.user
        if user is None:
            return _login_required()
        body = self._body(request)
        if body.get(str(action.get("all", "allDevices"))):
            user_id = str(user["id"])
            async with self.mock.store.lock(GENERATION + user_id):
                record = await self.mock.store.get(USERS, user_id)
                if record is None:
                    return _login_required()
                record["__generation__"] = int(record.get("__generation__", 0)) + 1
                await self.mock.store.put(USERS, user_id, record)
                await self.mock.store.set_value(GENERATION + user_id, record["__generation__"])
            await self.mock.tokens.revoke_all(user_id)
        else:
            field = str(action.get("token", "refreshToken"))
            token = body.get(field)
            if not token:
                return Problem(
                    400, "validation_failed", "Request validation failed",
                    f"body.{field}: {_LOGOUT_NEEDS_TOKEN}",
                    errors=[(f"body.{field}", "required", _LOGOUT_NEEDS_TOKEN)],
                )  # fmt: skip
            await self.mock.tokens.revoke_refresh(str(token), str(user["id"]))
        return self.mock.render(
            request.operation, self.mock.default_status(request.operation), None
        )

    async def _current_user(
        self, action: Mapping[str, Any], request: Request
    ) -> Rendered | Problem:
        from mockserver.state.mock import USERS

        user = await self.mock.store.get(USERS, str(request.user["id"])) if request.user else None
        if user is None:
            return _login_required()
        return self.mock.render(
            request.operation, self.mock.default_status(request.operation), user
        )

    # -- state machines ---------------------------------------------------------------------

    def _evaluate(self, source: Any, request: Request, record: Mapping[str, Any]) -> Any:
        if not isinstance(source, str) or not source.endswith(")"):
            return source  # a literal value, not an expression
        expression = self._expressions.get(source)
        if expression is None:
            expression = self._expressions[source] = Expression(source, where="x-mock-action set")
        return expression.evaluate(record, now=request.now)

    async def _target(self, request: Request) -> tuple[Resource, dict[str, Any]] | Problem:
        resource = self.mock.model.resource_for_path(request.operation.path)
        if resource is None:
            return Problem(404, "not_found", "Not found", "This operation addresses no resource.")
        record = await self.mock.load(resource, request)
        if isinstance(record, Problem):
            return record
        return resource, record

    async def _transition(self, action: Mapping[str, Any], request: Request) -> Rendered | Problem:
        target = await self._target(request)
        if isinstance(target, Problem):
            return target
        resource, record = target
        field = str(action["field"])
        status = self.mock.default_status(request.operation)
        key = f"record:{resource.name}:{record[resource.id_field]}"
        async with self.mock.store.lock(key):
            fresh = await self.mock.store.get(resource.name, str(record[resource.id_field]))
            record = fresh if fresh is not None else record
            value = record.get(field)
            if value in (action.get("unchanged") or []):
                return self.mock.render(request.operation, status, record)
            if value not in (action.get("from") or []):
                code = str(action.get("conflict", "conflict"))
                return Problem(409, code, title_of(code), f"The {resource.noun} is {value}.")
            before = dict(record)
            record[field] = action["to"]
            for name, source in (action.get("set") or {}).items():
                record[name] = self._evaluate(source, request, record)
            record = self.mock.builder.touch(resource, record, now=request.now)
            await self.mock.store.put(resource.name, str(record[resource.id_field]), record)
        await self.mock.changes.emit(Change(resource, record, before, request.now))
        related = action.get("related")
        if isinstance(related, Mapping):
            await self._update_related(related, record, request)
        return self.mock.render(request.operation, status, record)

    async def _update_related(
        self, related: Mapping[str, Any], record: Mapping[str, Any], request: Request
    ) -> None:
        resource = self.mock.model.resources.get(str(related["collection"]))
        other_id = record.get(str(related["key"]))
        if resource is None or other_id is None:
            return
        other = await self.mock.store.get(resource.name, str(other_id))
        if other is None:
            return
        for name, source in (related.get("set") or {}).items():
            other[name] = self._evaluate(source, request, other)
        other = self.mock.builder.touch(resource, other, now=request.now)
        await self.mock.store.put(resource.name, str(other_id), other)

    async def _charge(
        self, action: Mapping[str, Any], request: Request
    ) -> Rendered | Problem | None:
        method = str(self._body(request).get(str(action.get("method", "paymentMethod")), ""))
        decline = (action.get("declines") or {}).get(method)
        collection = action.get("collection")
        if collection is None:
            # A create that charges: decline first, otherwise an ordinary create.
            if decline:
                return _declined(str(decline))
            role = self.mock.model.roles.get((request.operation.method, request.operation.path))
            if role is None or role[0] != "create":
                return None
            return await self.mock.create(role[1], request)
        payments = self.mock.model.resources.get(str(collection))
        target = await self._target(request)
        if isinstance(target, Problem):
            return target
        resource, record = target
        if payments is None:
            return Problem(404, "not_found", "Not found", f"No collection {collection}.")
        rule = action.get("target") or {}
        field = str(rule.get("field", "status"))
        key = f"record:{resource.name}:{record[resource.id_field]}"
        async with self.mock.store.lock(key):
            record = (
                await self.mock.store.get(resource.name, str(record[resource.id_field])) or record
            )
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
            payment = await self.mock.new_record(payments, request, extra=extra)
            await self.mock.store.put(payments.name, str(payment[payments.id_field]), payment)
            await self.mock.changes.emit(Change(payments, payment, None, request.now))
            if decline:
                return _declined(str(decline))
            record[field] = rule.get("to")
            record = self.mock.builder.touch(resource, record, now=request.now)
            await self.mock.store.put(resource.name, str(record[resource.id_field]), record)
        op = request.operation
        return self.mock.render(op, self.mock.default_status(op), payment, resource=payments)


def _declined(code: str) -> Problem:
    details = {
        "card_declined": "The card was declined by the issuer.",
        "insufficient_funds": "The card has insufficient funds.",
    }
    return Problem(
        402, code, title_of(code), details.get(code, f"The payment was declined: {code}.")
    )


def _login_required() -> Problem:
    """The answer when an action needs a user the request did not authenticate."""
    return Problem(401, "unauthorized", "Authentication required", "Log in first.")
