"""Accounts: the ``register``, ``login``, ``refresh``, ``logout`` and ``current-user`` actions.

``register`` stores an account (409 ``conflict`` when the identity is taken); ``login`` checks
the password and issues a JWT and a refresh token at the action's ``response`` pointers, with
``blocked`` account statuses refused 403 and ``throttle`` counting failures per account and per
client (429 with ``Retry-After``); ``refresh`` rotates a refresh token (reuse revokes the
login); ``logout`` revokes one refresh token or, with ``all``, every token of the user.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from mockserver.auth.authenticate import GENERATION, USERS
from mockserver.auth.logins import Logins
from mockserver.compile.operations import Operation
from mockserver.compile.resources import OWNER, Resource
from mockserver.compile.schemas import object_properties
from mockserver.errors import InvalidTokenError
from mockserver.render.problems import Problem, title_of
from mockserver.render.responses import Rendered
from mockserver.spec.pointer import split
from mockserver.state.context import Request, StateContext

__all__ = ["Accounts"]

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


class Accounts:
    """The account actions of one mock, and the import of ready-made users."""

    def __init__(self, state: StateContext) -> None:
        self.state = state
        self.store = state.store
        self.logins = Logins(state.store, state.tokens)
        register = next(
            (op for op in state.model.operations
             if isinstance(op.extensions.get("x-mock-action"), Mapping)
             and op.extensions["x-mock-action"].get("type") == "register"),
            None,
        )  # fmt: skip
        self._register: Mapping[str, Any] = (
            register.extensions["x-mock-action"] if register is not None else {}
        )
        # The statuses a login refuses (its action's ``blocked``): tokens issued before an
        # account got one of them stop working too.
        self._blocked = frozenset(
            str(status)
            for op in state.model.operations
            if isinstance(action := op.extensions.get("x-mock-action"), Mapping)
            and action.get("type") == "login"
            for status in (action.get("blocked") or {})
        )
        # Accounts as the register operation answers them (its first 2xx schema).
        self.users = _users(register, state.document) if register is not None else None

    async def register(self, action: Mapping[str, Any], request: Request) -> Rendered | Problem:
        """Store a new account; 409 when its identity is taken."""
        body = request.body
        identity_field, secret_field = str(action["identity"]), str(action["secret"])
        identity = str(body[identity_field]).strip().lower()
        key = f"identity:{identity}"
        async with self.store.lock(key):
            if await self.store.get_value(key):
                code = str(action.get("conflict", "conflict"))
                return Problem(
                    409, code, title_of(code), f"The {identity_field} is already registered."
                )
            salt = secrets.token_hex(8)
            fields = {k: v for k, v in body.items() if k != secret_field}
            assert self.users is not None  # register is the operation that defines them
            record = self.state.builder.create(
                self.users, fields, owner=None, parents={}, now=request.now,
                sequence=await self.state.next_sequence(),
            )  # fmt: skip
            record["__secret__"] = _hash_secret(str(body[secret_field]), salt)
            record["__salt__"] = salt
            record["__generation__"] = 0
            record[OWNER] = None
            await self.store.put(USERS, str(record["id"]), record)
            await self.store.set_value(GENERATION + str(record["id"]), 0)
            await self.store.set_value(key, record["id"])
        return self.state.answer(request, record)

    async def adopt_user(self, record: dict[str, Any]) -> None:
        """Store an imported user: hash a plain password, index its identity.

        Replacing an account keeps its token generation; given a status a login refuses
        (suspended), the generation moves on and its refresh tokens are revoked, so tokens
        issued before stop working at once (the hot path still reads one number per request).
        """
        identity_field = str(self._register.get("identity", "email"))
        secret_field = str(self._register.get("secret", "password"))
        if "__secret__" not in record and secret_field in record:
            record["__salt__"] = secrets.token_hex(8)
            record["__secret__"] = _hash_secret(str(record.pop(secret_field)), record["__salt__"])
        record.setdefault("id", str(uuid.uuid4()))
        previous = await self.store.get(USERS, str(record["id"]))
        if previous is not None:
            generation = int(previous.get("__generation__", 0))
            if str(record.get("status")) in self._blocked:
                generation += 1
                await self.state.tokens.revoke_all(str(record["id"]))
            record["__generation__"] = max(int(record.get("__generation__", 0)), generation)
        record.setdefault("__generation__", 0)
        record[OWNER] = None
        await self.store.put(USERS, str(record["id"]), record)
        await self.logins.set_generation(str(record["id"]), int(record["__generation__"]))
        identity = str(record.get(identity_field, "")).strip().lower()
        if identity:
            await self.store.set_value(f"identity:{identity}", record["id"])

    async def login(self, action: Mapping[str, Any], request: Request) -> Rendered | Problem:
        """Check the password and issue tokens; throttled and blocked as the action says."""
        # Check, verify and count under one lock: concurrent attempts, in any worker sharing
        # the store, cannot all pass the check before any of them is counted.
        identity = str(request.body.get(str(action["identity"]), "")).strip().lower()
        async with self.store.lock(f"login-failures:{identity}"):
            return await self._login_locked(action, request, identity)

    async def _login_locked(
        self, action: Mapping[str, Any], request: Request, identity: str
    ) -> Rendered | Problem:
        secret = str(request.body.get(str(action["secret"]), ""))
        throttle = action.get("throttle") or {}
        limit = int(throttle.get("maxAttempts", 0))
        window = float(throttle.get("windowSeconds", 900))
        failures_key = f"login-failures:{identity}"
        # Per client address too (the socket's peer), so spraying many accounts is throttled.
        client_key = f"login-failures-client:{request.client}"
        client_limit = int(throttle.get("clientMaxAttempts", 0))
        # Failures counted so far, read only where a cap applies.
        failed = (await self.store.get_value(failures_key) or 0) if limit else 0
        client_failed = (await self.store.get_value(client_key) or 0) if client_limit else 0
        for count, cap, key, who in (
            (failed, limit, failures_key, "this account"),
            (client_failed, client_limit, client_key, "this client"),
        ):
            if cap and count >= cap:
                wait = max(1, round(await self.store.ttl(key)))
                return Problem(
                    429, "too_many_attempts", "Too many login attempts",
                    f"Too many failed logins for {who}; try again in {wait} seconds.",
                    headers={"Retry-After": str(wait)},
                )  # fmt: skip
        user_id = await self.store.get_value(f"identity:{identity}")
        user = await self.store.get(USERS, str(user_id)) if user_id else None
        # An unknown identity is hashed too, so it costs what a wrong password costs.
        digest = _hash_secret(secret, str(user["__salt__"]) if user else _DUMMY_SALT)
        if user is None or not hmac.compare_digest(user["__secret__"], digest):
            if limit:
                await self.store.incr(failures_key, ttl=window)
            if client_limit:
                await self.store.incr(client_key, ttl=window)
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
        if failed:  # a success clears the account's failures (none counted: nothing to clear)
            await self.store.delete_value(failures_key)
        body_out = await self._token_body(action, user, request)
        _set_pointer(body_out, str((action.get("response") or {}).get("user", "/user")), user)
        return self.state.answer(request, body_out)

    async def refresh(self, action: Mapping[str, Any], request: Request) -> Rendered | Problem:
        """Rotate a refresh token: a new pair; a reused token revokes its login."""
        token = str(request.body.get(str(action.get("token", "refreshToken")), ""))
        try:
            user_id, new_token, login = await self.state.tokens.rotate_refresh(token)
        except InvalidTokenError as exc:
            return Problem(401, "invalid_refresh_token", "Invalid refresh token", str(exc))
        user = await self.store.get(USERS, user_id)
        if user is None:
            return Problem(401, "invalid_refresh_token", "Invalid refresh token",
                           "The account of this refresh token no longer exists.")  # fmt: skip
        if str(user.get("status")) in self._blocked:
            return Problem(401, "invalid_refresh_token", "Invalid refresh token",
                           f"The account is {user.get('status')}.")  # fmt: skip
        await self.logins.refreshed(user_id, login)
        body_out = await self._token_body(action, user, request, refreshed=(login, new_token))
        return self.state.answer(request, body_out)

    async def logout(self, action: Mapping[str, Any], request: Request) -> Rendered | Problem:
        """Revoke one refresh token, or every token of the user (``all``)."""
        user = request.user
        if user is None:
            return _login_required()
        if request.body.get(str(action.get("all", "allDevices"))):
            if not await self.revoke_all(str(user["id"])):
                return _login_required()
        else:
            field = str(action.get("token", "refreshToken"))
            token = request.body.get(field)
            if not token:
                return Problem(
                    400, "validation_failed", "Request validation failed",
                    f"body.{field}: {_LOGOUT_NEEDS_TOKEN}",
                    errors=[(f"body.{field}", "required", _LOGOUT_NEEDS_TOKEN)],
                )  # fmt: skip
            login = await self.state.tokens.revoke_refresh(str(token), str(user["id"]))
            if login is not None:
                await self.logins.ended(str(user["id"]), login, by="logout")
        return self.state.answer(request, None)

    async def revoke_all(self, user_id: str) -> bool:
        """Revoke every token of ``user_id`` (all its logins); False when there is no such user."""
        async with self.store.lock(GENERATION + user_id):
            record = await self.store.get(USERS, user_id)
            if record is None:
                return False
            record["__generation__"] = int(record.get("__generation__", 0)) + 1
            await self.store.put(USERS, user_id, record)
            await self.store.set_value(GENERATION + user_id, record["__generation__"])
        await self.state.tokens.revoke_all(user_id)
        return True

    async def current_user(self, action: Mapping[str, Any], request: Request) -> Rendered | Problem:
        """The caller's account."""
        user = await self.store.get(USERS, str(request.user["id"])) if request.user else None
        if user is None:
            return _login_required()
        return self.state.answer(request, user)

    async def _token_body(
        self,
        action: Mapping[str, Any],
        user: Mapping[str, Any],
        request: Request,
        refreshed: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        """The tokens of a new login, or of ``refreshed``: ``(login id, new refresh token)``."""
        pointers = action.get("response") or {}
        tokens = self.state.tokens
        user_id, generation = str(user["id"]), int(user.get("__generation__", 0))
        if refreshed is None:
            agent = request.headers.get("user-agent", "")
            access, refresh = await self.logins.start(user_id, generation, user_agent=agent)
        else:
            login, refresh = refreshed
            access = tokens.issue_access(user_id, generation, login=login)
        values = {
            "accessToken": access,
            "refreshToken": refresh,
            "expiresIn": tokens.access_ttl,
            "tokenType": "Bearer",
        }
        out: dict[str, Any] = {}
        for name, value in values.items():
            if name in pointers:
                _set_pointer(out, str(pointers[name]), value)
        return out


def _users(register: Operation, document: Mapping[str, Any]) -> Resource:
    schema = next(
        (m.schema for s, r in sorted(register.responses.items()) if s.startswith("2")
         for m in r.content.values()),
        None,
    )  # fmt: skip
    return Resource(
        collection=USERS,
        item="",
        id_param="",
        schema=schema,
        properties=object_properties(schema, document),
    )


def _login_required() -> Problem:
    """The answer when an action needs a user the request did not authenticate."""
    return Problem(401, "unauthorized", "Authentication required", "Log in first.")
