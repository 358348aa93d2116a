"""The soak's clients and its checker: stateful flows, a ledger of what each was told, invariants.

Each client registers one account, then loops over the API's stateful flows (log in, create a
project and tasks, update them, create an order and pay it with an ``Idempotency-Key`` sent
twice, cancel another order, open, update and end a session) until its deadline. Every
answer the client was given for a resource it owns goes into its `Ledger`; `verify` then
reads every resource back and states each broken invariant as a line of text.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["API", "Ledger", "Stats", "run_clients", "verify"]

API = "/api/v1"
PASSWORD = "soak-passw0rd-long"
ORDER = {
    "currency": "EUR",
    "items": [{"productId": "sku-1", "name": "Keyboard", "quantity": 2, "unitPrice": 4500}],
}
LOGIN_EVERY = 10  # iterations between logins: tokens are refreshed the way an app would


class UnexpectedAnswer(Exception):
    """An answer with another status than the flow expects; ends the client's iteration."""


@dataclass
class Stats:
    """What the load cost: requests, statuses, and every failure by kind."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    transport_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return len(self.server_errors) + len(self.transport_errors) + len(self.unexpected)


@dataclass
class Ledger:
    """One client's account and the last body it was answered for each resource it owns."""

    email: str
    token: str = ""
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)  # item path -> last body
    paid: dict[str, str] = field(default_factory=dict)  # order id -> the payment id
    cancelled: set[str] = field(default_factory=set)  # order ids, never to be paid
    replays: list[str] = field(default_factory=list)  # idempotent retries that differed


class _Client:
    """One simulated user: an HTTP connection, its ledger and the shared stats."""

    def __init__(self, http: httpx.AsyncClient, ledger: Ledger, stats: Stats) -> None:
        self.http = http
        self.ledger = ledger
        self.stats = stats

    async def call(
        self, method: str, path: str, expect: int, *, key: str | None = None, body: Any = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.ledger.token}"} if self.ledger.token else {}
        if key is not None:
            headers["Idempotency-Key"] = key
        self.stats.requests += 1
        try:
            answer = await self.http.request(method, API + path, json=body, headers=headers)
        except httpx.TransportError as exc:
            self.stats.transport_errors.append(f"{method} {path}: {exc!r}")
            raise UnexpectedAnswer from exc
        self.stats.statuses[answer.status_code] += 1
        if answer.status_code >= 500:
            self.stats.server_errors.append(f"{method} {path}: {answer.status_code}")
            raise UnexpectedAnswer
        if answer.status_code != expect:
            self.stats.unexpected.append(
                f"{method} {path}: {answer.status_code}, expected {expect}: {answer.text[:200]}"
            )
            raise UnexpectedAnswer
        return answer

    async def write(
        self, method: str, path: str, expect: int, body: Any = None, *, item: str | None = None
    ) -> dict[str, Any]:
        """Send a write; remember its answer as the last state of its item."""
        result: dict[str, Any] = (await self.call(method, path, expect, body=body)).json()
        self.ledger.seen[item or f"{path}/{result['id']}"] = result
        return result

    async def login(self) -> None:
        answer = await self.call(
            "POST", "/auth/login", 200, body={"email": self.ledger.email, "password": PASSWORD}
        )
        self.ledger.token = answer.json()["tokens"]["accessToken"]

    async def iteration(self, n: int) -> None:
        """One pass over every flow."""
        if n % LOGIN_EVERY == 0:
            await self.login()
        project = await self.write("POST", "/projects", 201, {"name": f"Project {n}"})
        tasks_path = f"/projects/{project['id']}/tasks"
        task = await self.write("POST", tasks_path, 201, {"title": f"Task {n}a"})
        await self.write("POST", tasks_path, 201, {"title": f"Task {n}b", "priority": "high"})
        project_path, task_path = f"/projects/{project['id']}", f"{tasks_path}/{task['id']}"
        await self.write(
            "PATCH", project_path, 200, {"description": f"pass {n}"}, item=project_path
        )
        await self.write("PATCH", task_path, 200, {"title": f"Task {n}a, renamed"}, item=task_path)

        order = await self.write("POST", "/orders", 201, ORDER)
        pay_path, key = f"/orders/{order['id']}/payments", uuid.uuid4().hex
        pay = {"paymentMethod": "pm_card_visa"}
        first = (await self.call("POST", pay_path, 201, key=key, body=pay)).json()
        retried = (await self.call("POST", pay_path, 201, key=key, body=pay)).json()
        self.ledger.paid[order["id"]] = first["id"]
        self.ledger.seen[f"/payments/{first['id']}"] = first
        if retried["id"] != first["id"]:
            self.ledger.replays.append(
                f"order {order['id']}: key {key} paid {first['id']}, its retry {retried['id']}"
            )
        order_path = f"/orders/{order['id']}"
        self.ledger.seen[order_path] = (await self.call("GET", order_path, 200)).json()

        other = await self.write("POST", "/orders", 201, ORDER)
        self.ledger.cancelled.add(other["id"])
        cancel_path, other_path = f"/orders/{other['id']}/cancel", f"/orders/{other['id']}"
        await self.write("POST", cancel_path, 200, item=other_path)

        session = await self.write("POST", "/sessions", 201, {"name": f"Tab {n}"})
        session_path = f"/sessions/{session['id']}"
        await self.write("PATCH", session_path, 200, {"status": "idle"}, item=session_path)
        await self.write("POST", f"{session_path}/end", 200, item=session_path)

    async def run(self, deadline: float) -> None:
        try:
            await self.call(
                "POST",
                "/auth/register",
                201,
                body={"email": self.ledger.email, "password": PASSWORD, "name": "Soak",
                      "acceptTerms": True},
            )  # fmt: skip
        except UnexpectedAnswer:
            return
        n = 0
        while time.monotonic() < deadline:
            try:
                await self.iteration(n)
            except UnexpectedAnswer:
                self.ledger.token = ""  # log in again: the failure may have been the token
                n = 0
                continue
            n += 1


async def run_clients(base_url: str, *, clients: int, seconds: float) -> tuple[list[Ledger], Stats]:
    """Run ``clients`` concurrent users against ``base_url`` for ``seconds``."""
    stats = Stats()
    ledgers = [Ledger(email=f"soak-{uuid.uuid4().hex[:12]}@example.com") for _ in range(clients)]
    deadline = time.monotonic() + seconds
    timeout = httpx.Timeout(60.0)
    https = [httpx.AsyncClient(base_url=base_url, timeout=timeout) for _ in ledgers]
    try:
        await asyncio.gather(
            *(
                _Client(http, ledger, stats).run(deadline)
                for http, ledger in zip(https, ledgers, strict=True)
            )
        )
    finally:
        for http in https:
            await http.aclose()
    return ledgers, stats


async def _payments(http: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        answer = await http.get(f"{API}/payments?page={page}&limit=100", headers=headers)
        answer.raise_for_status()
        data: list[dict[str, Any]] = answer.json()["data"]
        found.extend(data)
        if len(data) < 100:
            return found
        page += 1


async def _verify_one(http: httpx.AsyncClient, ledger: Ledger) -> list[str]:
    if not ledger.token:
        login = {"email": ledger.email, "password": PASSWORD}
        answer = await http.post(f"{API}/auth/login", json=login)
        if answer.status_code != 200:
            return [f"{ledger.email}: cannot log in to verify ({answer.status_code})"]
        ledger.token = answer.json()["tokens"]["accessToken"]
    headers = {"Authorization": f"Bearer {ledger.token}"}
    problems = list(ledger.replays)
    for path, expected in ledger.seen.items():
        answer = await http.get(API + path, headers=headers)
        if answer.status_code != 200:
            problems.append(f"lost write: GET {path} answered {answer.status_code}")
        elif answer.json() != expected:
            problems.append(f"lost write: GET {path} is {answer.json()}, was told {expected}")
    succeeded = Counter(
        p["orderId"] for p in await _payments(http, headers) if p["status"] == "succeeded"
    )
    for order_id, count in succeeded.items():
        if count > 1:
            problems.append(f"duplicate payment: order {order_id} has {count} succeeded payments")
        if order_id in ledger.cancelled:
            problems.append(f"cancelled order {order_id} has a succeeded payment")
    problems.extend(
        f"lost payment: order {order_id} has no succeeded payment ({payment_id} was answered)"
        for order_id, payment_id in ledger.paid.items()
        if not succeeded[order_id]
    )
    return problems


async def verify(base_url: str, ledgers: list[Ledger], stats: Stats) -> list[str]:
    """Every broken invariant, one line each (empty: all hold)."""
    problems = [f"5xx: {e}" for e in stats.server_errors]
    problems += [f"transport error: {e}" for e in stats.transport_errors]
    problems += [f"unexpected answer: {e}" for e in stats.unexpected]
    async with httpx.AsyncClient(base_url=base_url, timeout=60.0) as http:
        for ledger in ledgers:
            problems.extend(await _verify_one(http, ledger))
    return problems
