"""Faults planted in front of the reference provider, without touching provider/.

`Faulty` is an ASGI wrapper: it reads each request, may answer it itself (`before`), passes
it on (perhaps changed), and lets a fault rewrite the answer (`after`). Each fault below is
one thing a backend gets wrong that a one-response check cannot see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["FAULTS", "Exchange", "Faulty"]

_ID = re.compile(r"/([0-9a-f-]{36})(?:/[a-z]+)?$")


@dataclass
class Exchange:
    """One request and (once answered) its answer, as a fault sees and changes them."""

    method: str
    path: str
    query: str
    body: Any
    request_headers: dict[str, str] = field(default_factory=dict)
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    answer: Any = None
    answered: bool = False  # set by `before`: do not pass the request on


Hook = Callable[[Exchange, dict[str, Any]], None]


def _nothing(exchange: Exchange, memory: dict[str, Any]) -> None:
    """No change."""


class Faulty:
    """``app`` with a fault: ``before`` may answer or change a request, ``after`` the answer."""

    def __init__(self, app: ASGIApp, *, before: Hook = _nothing, after: Hook = _nothing) -> None:
        self.app = app
        self.before = before
        self.after = after
        self.memory: dict[str, Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = b""
        more = True
        while more:
            message = await receive()
            raw += message.get("body", b"")
            more = message.get("more_body", False)
        exchange = Exchange(
            scope["method"],
            scope["path"],
            scope["query_string"].decode(),
            json.loads(raw) if raw else None,
            {k.decode().lower(): v.decode() for k, v in scope["headers"]},
        )
        self.before(exchange, self.memory)
        if not exchange.answered:
            await self._forward(scope, exchange, raw)
            self.after(exchange, self.memory)
        await _send(send, exchange)

    async def _forward(self, scope: Scope, exchange: Exchange, raw: bytes) -> None:
        scope = {**scope, "query_string": exchange.query.encode()}
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return {"type": "http.disconnect"}

        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, capture)
        start = messages[0]
        body = b"".join(m.get("body", b"") for m in messages[1:])
        exchange.status = start["status"]
        exchange.headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
        exchange.answer = json.loads(body) if body else None


async def _send(send: Send, exchange: Exchange) -> None:
    body = b"" if exchange.answer is None else json.dumps(exchange.answer).encode()
    headers = {k: v for k, v in exchange.headers.items() if k != "content-length"}
    if body:
        headers.setdefault("content-type", "application/json")
    headers["content-length"] = str(len(body))
    await send(
        {
            "type": "http.response.start",
            "status": exchange.status,
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _remember(exchange: Exchange, memory: dict[str, Any]) -> None:
    """Keep every record answered with an id, by id (for faults that answer old records)."""
    answer = exchange.answer
    if (
        200 <= exchange.status < 300
        and isinstance(answer, dict)
        and isinstance(answer.get("id"), str)
    ):
        memory[answer["id"]] = answer


# -- the faults -----------------------------------------------------------------------------------


def leaks_password_hash(exchange: Exchange, memory: dict[str, Any]) -> None:
    """A server-side field in the registered user."""
    if exchange.path.endswith("/auth/register") and exchange.status == 201:
        exchange.answer["passwordHash"] = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


def lets_others_read(exchange: Exchange, memory: dict[str, Any]) -> None:
    """Another user's record is answered instead of 403."""
    _remember(exchange, memory)
    match = _ID.search(exchange.path)
    if exchange.method == "GET" and exchange.status == 403 and match and match[1] in memory:
        exchange.status, exchange.answer = 200, memory[match[1]]
        exchange.headers["content-type"] = "application/json"


def ignores_logout_all(exchange: Exchange, memory: dict[str, Any]) -> None:
    """Logging out of all devices answers 204 and revokes nothing."""
    if exchange.path.endswith("/auth/logout") and (exchange.body or {}).get("allDevices"):
        exchange.status, exchange.answer, exchange.answered = 204, None, True


def accepts_rotated_refresh(exchange: Exchange, memory: dict[str, Any]) -> None:
    """A rotated refresh token is accepted again (answered its first pair)."""
    if not exchange.path.endswith("/auth/refresh"):
        return
    token = str((exchange.body or {}).get("refreshToken"))
    if exchange.status == 200:
        memory.setdefault(token, exchange.answer)
    elif exchange.status == 401 and token in memory:
        exchange.status, exchange.answer = 200, memory[token]
        exchange.headers["content-type"] = "application/json"


def never_throttles(exchange: Exchange, memory: dict[str, Any]) -> None:
    """Failed logins are never throttled: 401 where 429 is due."""
    if exchange.path.endswith("/auth/login") and exchange.status == 429:
        exchange.status = 401
        exchange.answer = {**exchange.answer, "status": 401, "code": "invalid_credentials"}
        exchange.headers.pop("retry-after", None)


def drops_retry_after(exchange: Exchange, memory: dict[str, Any]) -> None:
    """The 429 comes without its declared Retry-After."""
    exchange.headers.pop("retry-after", None)


def drops_location(exchange: Exchange, memory: dict[str, Any]) -> None:
    """Created records come without their declared Location."""
    if exchange.status == 201:
        exchange.headers.pop("location", None)


def drops_replayed_header(exchange: Exchange, memory: dict[str, Any]) -> None:
    """An idempotent replay is not marked as one."""
    exchange.headers.pop("idempotent-replayed", None)


def refunds_twice(exchange: Exchange, memory: dict[str, Any]) -> None:
    """A refunded payment is refunded again."""
    if exchange.path.endswith("/refund"):
        if exchange.status == 200:
            memory[exchange.path] = exchange.answer
        elif exchange.status == 409 and exchange.path in memory:
            exchange.status, exchange.answer = 200, memory[exchange.path]
            exchange.headers["content-type"] = "application/json"


def renames_decline_code(exchange: Exchange, memory: dict[str, Any]) -> None:
    """A declined card answers 402 with another problem code."""
    if exchange.status == 402:
        exchange.answer = {**exchange.answer, "code": "payment_failed"}


def ignores_filters(exchange: Exchange, memory: dict[str, Any]) -> None:
    """Lists ignore their filters (the query is dropped before the provider sees it)."""
    if exchange.method == "GET" and "status=" in exchange.query:
        exchange.query = ""


def miscomputes_total(exchange: Exchange, memory: dict[str, Any]) -> None:
    """An order's total is not its subtotal."""
    answer = exchange.answer
    if isinstance(answer, dict) and isinstance(answer.get("total"), int) and "items" in answer:
        answer["total"] += 100


def lists_others_rows(exchange: Exchange, memory: dict[str, Any]) -> None:
    """A list of projects holds a project of another user."""
    if exchange.method == "POST" and exchange.path.endswith("/projects"):
        if exchange.status == 201:
            memory.setdefault("first", exchange.answer)
    elif exchange.method == "GET" and exchange.path.endswith("/projects") and "first" in memory:
        rows = exchange.answer["data"]
        theirs = memory["first"]
        if exchange.status == 200 and all(row["ownerId"] != theirs["ownerId"] for row in rows):
            rows.append(theirs)
            exchange.answer["pagination"]["total"] += 1


def forgets_writes(exchange: Exchange, memory: dict[str, Any]) -> None:
    """A read answers the record as first created, not as last updated."""
    match = _ID.search(exchange.path)
    if exchange.method == "POST" and exchange.status == 201:
        _remember(exchange, memory)
    elif exchange.method == "GET" and exchange.status == 200 and match and match[1] in memory:
        exchange.answer = memory[match[1]]


def keeps_deleted(exchange: Exchange, memory: dict[str, Any]) -> None:
    """A deleted record is still answered."""
    _remember(exchange, memory)
    match = _ID.search(exchange.path)
    if exchange.method == "GET" and exchange.status == 404 and match and match[1] in memory:
        exchange.status, exchange.answer = 200, memory[match[1]]
        exchange.headers["content-type"] = "application/json"


def search_shows_everyones(exchange: Exchange, memory: dict[str, Any]) -> None:
    """A search of projects (``q=``) holds every user's projects that match."""
    if exchange.method == "POST" and exchange.path.endswith("/projects") and exchange.status == 201:
        memory.setdefault("projects", []).append(exchange.answer)
    query = dict(p.split("=", 1) for p in exchange.query.split("&") if "=" in p)
    if exchange.method == "GET" and exchange.path.endswith("/projects") and "q" in query:
        rows = exchange.answer["data"]
        ids = {row["id"] for row in rows}
        for project in memory.get("projects", []):
            if project["id"] not in ids and query["q"].lower() in project["name"].lower():
                rows.append(project)
                exchange.answer["pagination"]["total"] += 1


def lists_everyones_active_sessions(exchange: Exchange, memory: dict[str, Any]) -> None:
    """``GET /sessions?status=active`` lists every user's active sessions."""
    if exchange.method == "POST" and exchange.path.endswith("/sessions") and exchange.status == 201:
        memory.setdefault("sessions", []).append(exchange.answer)
    elif (
        exchange.method == "GET"
        and exchange.path.endswith("/sessions")
        and (exchange.query == "status=active")
    ):
        rows = exchange.answer["data"]
        ids = {row["id"] for row in rows}
        for session in memory.get("sessions", []):
            if session["id"] not in ids and session["status"] == "active":
                rows.append(session)
                exchange.answer["pagination"]["total"] += 1


def declined_marks_paid(exchange: Exchange, memory: dict[str, Any]) -> None:
    """A declined payment (402) leaves its order marked paid."""
    order = exchange.path.removesuffix("/payments")
    if exchange.method == "POST" and order != exchange.path and exchange.status == 402:
        memory[order] = True
    elif exchange.method == "GET" and exchange.status == 200 and exchange.path in memory:
        exchange.answer["status"] = "paid"


def refund_leaves_order_paid(exchange: Exchange, memory: dict[str, Any]) -> None:
    """Refunding a payment leaves its order paid."""
    if exchange.method == "POST" and exchange.path.endswith("/refund") and exchange.status == 200:
        memory[exchange.answer["orderId"]] = True
    match = _ID.search(exchange.path)
    if exchange.method == "GET" and exchange.status == 200 and match and match[1] in memory:
        exchange.answer["status"] = "paid"


def idempotency_keys_global(exchange: Exchange, memory: dict[str, Any]) -> None:
    """An idempotency key is looked up across users: another path with it gets 409."""
    key = exchange.request_headers.get("idempotency-key")
    if key is None or exchange.method != "POST":
        return
    if exchange.status == 0:  # before: a key seen on another path conflicts
        if memory.get(key, exchange.path) != exchange.path:
            exchange.status, exchange.answered = 409, True
            exchange.answer = {
                "type": "about:blank",
                "title": "Conflict",
                "status": 409,
                "code": "idempotency_key_reused",
                "detail": "Key in use.",
            }
            exchange.headers["content-type"] = "application/problem+json"
    elif 200 <= exchange.status < 300:
        memory.setdefault(key, exchange.path)


def names_unknown_email(exchange: Exchange, memory: dict[str, Any]) -> None:
    """A login with an e-mail no one registered gets its own problem code."""
    email = str((exchange.body or {}).get("email"))
    if exchange.path.endswith("/auth/register") and exchange.status == 201:
        memory[email] = True
    elif exchange.path.endswith("/auth/login") and exchange.status == 401 and email not in memory:
        exchange.answer = {**exchange.answer, "code": "unknown_email"}


def _keeps_old(exchange: Exchange, memory: dict[str, Any], keep: Callable[..., Any]) -> None:
    """Answer an update with ``keep(name, old, sent)`` for each field of the record it sent."""
    match = _ID.search(exchange.path)
    old = memory.get(match[1]) if match else None
    if exchange.method in ("PUT", "PATCH") and exchange.status == 200 and old is not None:
        body = exchange.body or {}
        for name, value in old.items():
            if name in exchange.answer:
                new = exchange.answer[name]
                exchange.answer[name] = keep(name, value, body.get(name, ...), new)
    _remember(exchange, memory)


def put_keeps_description(exchange: Exchange, memory: dict[str, Any]) -> None:
    """A PUT without a description keeps the old one (PUT behaves as PATCH)."""
    if exchange.method == "PUT":
        _keeps_old(exchange, memory, lambda n, old, sent, new: old if sent is ... else new)
    else:
        _remember(exchange, memory)


def patch_null_kept(exchange: Exchange, memory: dict[str, Any]) -> None:
    """A PATCH that nulls a field keeps its old value."""
    if exchange.method == "PATCH":
        _keeps_old(exchange, memory, lambda n, old, sent, new: old if sent is None else new)
    else:
        _remember(exchange, memory)


def patch_merges_objects(exchange: Exchange, memory: dict[str, Any]) -> None:
    """A PATCH of an object field (a session's metadata) merges it into the old one."""

    def merge(name: str, old: Any, sent: Any, new: Any) -> Any:
        return {**old, **new} if isinstance(old, dict) and isinstance(sent, dict) else new

    if exchange.method == "PATCH":
        _keeps_old(exchange, memory, merge)
    else:
        _remember(exchange, memory)


def email_case_sensitive(exchange: Exchange, memory: dict[str, Any]) -> None:
    """A login with the registered e-mail in other letter case is refused."""
    email = str((exchange.body or {}).get("email"))
    if exchange.path.endswith("/auth/login") and email != email.lower():
        exchange.status, exchange.answered = 401, True
        exchange.answer = {
            "type": "about:blank",
            "title": "Unauthorized",
            "status": 401,
            "code": "invalid_credentials",
            "detail": "Wrong e-mail or password.",
        }
        exchange.headers["content-type"] = "application/problem+json"


def search_name_only(exchange: Exchange, memory: dict[str, Any]) -> None:
    """A search of projects (``q=``) looks in the names only, not the descriptions."""
    query = dict(p.split("=", 1) for p in exchange.query.split("&") if "=" in p)
    if exchange.method == "GET" and exchange.path.endswith("/projects") and "q" in query:
        rows = exchange.answer["data"]
        kept = [row for row in rows if query["q"].lower() in row["name"].lower()]
        exchange.answer["pagination"]["total"] -= len(rows) - len(kept)
        exchange.answer["data"] = kept


def ends_twice(exchange: Exchange, memory: dict[str, Any]) -> None:
    """Ending an ended session ends it again: its ``endedAt`` moves."""
    if exchange.method == "POST" and exchange.path.endswith("/end") and exchange.status == 200:
        if exchange.path in memory:
            exchange.answer["endedAt"] = exchange.answer["updatedAt"] = "2099-01-01T00:00:00Z"
        memory[exchange.path] = True


# name -> (before, after, what the signature conform reports must contain)
FAULTS: dict[str, tuple[Hook, Hook, str]] = {
    "extra property": (_nothing, leaks_password_hash, "body.passwordHash"),
    "another user's record": (_nothing, lets_others_read, "status get"),
    "token valid after logout-all": (ignores_logout_all, _nothing, "status getCurrentUser"),
    "rotated refresh token reused": (_nothing, accepts_rotated_refresh, "status refreshToken"),
    "no throttle": (_nothing, never_throttles, "status loginUser"),
    "missing Retry-After": (_nothing, drops_retry_after, "header loginUser header retry-after"),
    "missing Location": (_nothing, drops_location, "header create"),
    "missing Idempotent-Replayed": (
        _nothing, drops_replayed_header, "header payOrder header idempotent-replayed"
    ),
    "refund twice": (_nothing, refunds_twice, "status refundPayment"),
    "declined card code": (_nothing, renames_decline_code, "problem code payOrder code"),
    "filters ignored": (ignores_filters, _nothing, "list"),
    "computed field": (_nothing, miscomputes_total, "computed field createOrder"),
    "another user's row in a list": (_nothing, lists_others_rows, "own rows listProjects"),
    "read-after-write": (_nothing, forgets_writes, "invariant read-after-write"),
    "deleted is gone": (_nothing, keeps_deleted, "status get"),
    "search shows everyone's": (_nothing, search_shows_everyones, "own rows listProjects"),
    "everyone's active sessions": (
        _nothing, lists_everyones_active_sessions, "own rows listSessions"
    ),
    "declined marks paid": (_nothing, declined_marks_paid, "getOrder"),
    "refund leaves order paid": (_nothing, refund_leaves_order_paid, "getOrder"),
    "idempotency keys global": (idempotency_keys_global, idempotency_keys_global, "payOrder"),
    "unknown email named": (_nothing, names_unknown_email, "problem code loginUser code"),
    "e-mail case-sensitive": (email_case_sensitive, _nothing, "status loginUser"),
    "search in names only": (_nothing, search_name_only, "listProjects"),
    "ended twice": (_nothing, ends_twice, "invariant unchanged endSession"),
    "PUT keeps an omitted field": (_nothing, put_keeps_description, "replaceProject"),
    "PATCH keeps a nulled field": (_nothing, patch_null_kept, "update"),
    "PATCH merges an object": (_nothing, patch_merges_objects, "updateSession"),
}  # fmt: skip
