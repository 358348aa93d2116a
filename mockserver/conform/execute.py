"""Run one program in lock-step against the mock and the provider, comparing every answer.

Each step becomes one or more requests (a user is registered and logged in on first use; a
record a step names is made first when there is none). Every request is built twice, once
from each server's own state (its ids, its tokens), sent to the provider and then to the mock,
and the two answers compared (`compare`) and checked against the invariants (`invariants`).
A program stops at the first write answered with differing statuses: after it the two states
have parted, and what follows would only repeat the difference.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mockserver.conform.bodies import search_words, vary_body, vary_query
from mockserver.conform.compare import Divergence, IdMap, compare_answers
from mockserver.conform.invariants import Ledger, Unchanged
from mockserver.conform.model import ApiModel, Endpoint
from mockserver.conform.sides import Answer, Request, Side
from mockserver.conform.states import AccountState
from mockserver.conform.steps import LATEST, NEW, USERS, AuthStep, Call, Program, Step, WebhookStep
from mockserver.conform.webhooks import (
    EVENTS_FIELD,
    URL_FIELD,
    WebhookRun,
    subscription_endpoint,
)
from mockserver.errors import MockServerError

__all__ = ["UNKNOWN_ID", "Account", "Exchange", "Execution", "LoginBudget", "Outcome", "World"]

PASSWORD = "conform-Passw0rd"
# An id no server handed out: what a step reads when the record it names could not be made.
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
_MAX_DEPTH = 3  # a payment needs an order: makes nest at most this deep


@dataclass
class Account:
    """One user as one server knows it: credentials, id, tokens issued so far."""

    email: str
    password: str = PASSWORD
    id: str | None = None
    registered: bool = False
    access: list[str] = field(default_factory=list)
    refresh: str | None = None
    rotated: list[str] = field(default_factory=list)


@dataclass
class World:
    """One server's side of a program: its accounts and the records it answered, per producer."""

    side: Side
    accounts: list[Account]
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    makers: dict[str, list[int]] = field(default_factory=dict)  # the user who made each record


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request of a step as sent to each server, and both answers."""

    step: int
    op: str
    mock_request: Request
    mock: Answer
    provider_request: Request
    provider: Answer


@dataclass
class Outcome:
    """What a program did: every exchange, and every divergence found on the way."""

    program: Program
    exchanges: list[Exchange]
    divergences: list[Divergence]
    base_path: str = ""


@dataclass
class LoginBudget:
    """Failed logins a run may still send: the spec also throttles per client address, and a
    provider's counter outlives the run (steps over the budget are left out)."""

    remaining: int = 25


class _Halt(MockServerError):  # control flow inside this module, never escapes it
    """The servers answered different statuses: the program cannot go on in lock-step."""


class Execution:
    """One program against a fresh mock and the provider."""

    def __init__(
        self,
        model: ApiModel,
        mock: Side,
        provider: Side,
        *,
        nonce: str,
        budget: LoginBudget,
        hooks: WebhookRun | None = None,
        states: AccountState | None = None,
    ) -> None:
        self.model = model
        self.hooks = hooks
        self.states = states
        self.nonce = nonce
        self.budget = budget
        emails = [f"conform-{nonce}-u{u}@example.com" for u in range(USERS)]
        self.worlds = (
            World(mock, [Account(e) for e in emails]),
            World(provider, [Account(e) for e in emails]),
        )
        self.ids = IdMap()
        self.ledger = Ledger(model)
        self.unchanged = Unchanged()
        self.words = search_words(model)
        self.exchanges: list[Exchange] = []
        self.divergences: list[Divergence] = []
        self.step = 0

    async def run(self, program: Program) -> Outcome:
        """Run every step until the end or the first differing status."""
        for index, step in enumerate(program):
            self.step = index
            try:
                await self._run_step(step)
            except _Halt:
                break
        return Outcome(list(program), self.exchanges, self.divergences, self.model.base_path)

    async def _run_step(self, step: Step) -> None:
        if isinstance(step, Call):
            await self._call(step, 0)
        elif isinstance(step, AuthStep):
            await self._auth(step)
        elif self.hooks is not None:
            await self._webhooks(step, self.hooks)

    # -- one request on both sides -------------------------------------------------------------

    async def _exchange(
        self, endpoint: Endpoint, build: Callable[[World], Request]
    ) -> tuple[Answer, Answer]:
        mock_world, provider_world = self.worlds
        mock_request, provider_request = build(mock_world), build(provider_world)
        provider = await provider_world.side.send(provider_request)
        mock = await mock_world.side.send(mock_request)
        self.exchanges.append(
            Exchange(self.step, endpoint.op_id, mock_request, mock, provider_request, provider)
        )
        found = compare_answers(
            endpoint.op_id,
            mock,
            provider,
            self.ids,
            declared_headers=endpoint.declared_headers(mock.status),
            base_path=self.model.base_path,
        )
        user = provider_request.user
        caller = provider_world.accounts[user].id if user is not None else None
        found += self.ledger.check(endpoint, provider_request.path, provider, caller)
        if 200 <= mock.status < 300 and mock.status == provider.status:
            found += self.unchanged.check(endpoint, mock.body, provider.body)
        self._found(found)
        if mock.status != provider.status and endpoint.method != "GET":
            raise _Halt  # a write took effect on one side only: the states have parted
        return mock, provider

    def _found(self, found: list[Divergence]) -> None:
        """Keep ``found``, placed at this step and the latest request."""
        where = len(self.exchanges) - 1
        self.divergences += [dataclasses.replace(d, step=self.step, request=where) for d in found]

    # -- calls -----------------------------------------------------------------------------------

    async def _call(self, step: Call, depth: int) -> bool:
        endpoint = self.model.endpoints[step.op]
        await self._ensure(step.user)
        link = endpoint.link
        index: int | None = None
        if link is not None:
            made = len(self.worlds[0].records.get(link.producer, ()))
            index = made - 1 if step.pick == LATEST and made else step.pick % (made + 1)
            if index == made:
                if depth < _MAX_DEPTH and link.producer in self.model.endpoints:
                    # Always a new record: a payment to refund needs a fresh order.
                    await self._call(Call(link.producer, step.user, NEW, 0, step.key), depth + 1)
                made = len(self.worlds[0].records.get(link.producer, ()))
                index = made - 1 if made else None
        has_body, body = vary_body(self.model, endpoint, step.variant)
        # Keys count the records of the user who made them, as a client's own counter would:
        # two users' first orders share a key, which the spec scopes to each user.
        nth = 0
        if link is not None and index is not None:
            makers = self.worlds[0].makers.get(link.producer, [])
            nth = makers[:index].count(makers[index]) if index < len(makers) else index
        query = vary_query(self.model, endpoint, step.variant, self.words)

        def build(world: World) -> Request:
            values: dict[str, str] = {}
            if link is not None:
                record = world.records[link.producer][index] if index is not None else {}
                values = {
                    name: str(_pointer(record, ptr) or UNKNOWN_ID) for name, ptr in link.params
                }
            headers = self._auth_header(world, step.user, endpoint)
            if endpoint.idempotency_header:
                key = f"conform-{self.nonce}-{nth}-{step.key}"
                headers.append((endpoint.idempotency_header, key))
            return Request(
                endpoint.method,
                _fill(endpoint.operation.path, values),
                query,
                tuple(headers),
                body,
                has_body,
                step.user,
            )

        mock, provider = await self._exchange(endpoint, build)
        ok = 200 <= mock.status < 300
        if ok and endpoint.produces:
            for world, answer in zip(self.worlds, (mock, provider), strict=True):
                if isinstance(answer.body, dict):
                    world.records.setdefault(endpoint.op_id, []).append(answer.body)
                    world.makers.setdefault(endpoint.op_id, []).append(step.user)
        return ok

    def _auth_header(self, world: World, user: int, endpoint: Endpoint) -> list[tuple[str, str]]:
        account = world.accounts[user]
        if endpoint.secured and account.access:
            return [("Authorization", f"Bearer {account.access[-1]}")]
        return []

    # -- webhooks --------------------------------------------------------------------------------

    async def _webhooks(self, step: WebhookStep, hooks: WebhookRun) -> None:
        if step.kind == "collect":
            self._found(await hooks.collect(self.ids))
            return
        endpoint = subscription_endpoint(self.model)
        if endpoint is None:
            return
        await self._ensure(step.user)
        for name, events in hooks.subscriptions():

            def build(world: World, name: str = name, events: list[str] = events) -> Request:
                url = hooks.url(0 if world is self.worlds[0] else 1, name)
                body = {URL_FIELD: url, EVENTS_FIELD: events}
                headers = tuple(self._auth_header(world, step.user, endpoint))
                path = endpoint.operation.path
                return Request("POST", path, (), headers, body, True, step.user)

            before = len(self.divergences)
            answers = await self._exchange(endpoint, build)
            # Each server was given its own receiver URL: that the two differ is no divergence.
            self.divergences[before:] = [
                d for d in self.divergences[before:] if d.where != f"body.{URL_FIELD}"
            ]
            for side, answer in enumerate(answers):
                hooks.remember(side, name, answer)

    # -- the auth lifecycle ----------------------------------------------------------------------

    async def _ensure(self, user: int) -> None:
        if not self.worlds[0].accounts[user].registered:
            await self._register(user)
            await self._login(user)

    async def _register(self, user: int) -> None:
        endpoint = self.model.action("register")
        action = endpoint.action
        example = endpoint.bodies[0] if endpoint.bodies else {}

        def build(world: World) -> Request:
            account = world.accounts[user]
            body = {
                **example,
                action["identity"]: account.email,
                action["secret"]: account.password,
            }
            return Request("POST", endpoint.operation.path, (), (), body, True, user)

        answers = await self._exchange(endpoint, build)
        for world, answer in zip(self.worlds, answers, strict=True):
            account = world.accounts[user]
            account.registered = True
            if answer.status == 201 and isinstance(answer.body, dict):
                account.id = account.id or answer.body.get("id")

    async def _login(
        self, user: int, *, wrong: bool = False, unknown: bool = False, upper: bool = False
    ) -> int:
        endpoint = self.model.action("login")
        action = endpoint.action

        def build(world: World) -> Request:
            account = world.accounts[user]
            secret = account.password + ("-wrong" if wrong else "")
            # An address no one registered must fail exactly as a wrong password does.
            email = f"conform-{self.nonce}-nobody@example.com" if unknown else account.email
            email = email.upper() if upper else email  # e-mail addresses ignore letter case
            body = {action["identity"]: email, action["secret"]: secret}
            return Request("POST", endpoint.operation.path, (), (), body, True, user)

        answers = await self._exchange(endpoint, build)
        if answers[0].status == 200:
            self._take_tokens(user, answers, action.get("response") or {}, rotate=False)
        return answers[0].status

    def _take_tokens(
        self, user: int, answers: tuple[Answer, Answer], pointers: dict[str, str], *, rotate: bool
    ) -> None:
        for world, answer in zip(self.worlds, answers, strict=True):
            account = world.accounts[user]
            access = _pointer(answer.body, pointers.get("accessToken", "/accessToken"))
            refresh = _pointer(answer.body, pointers.get("refreshToken", "/refreshToken"))
            user_id = _pointer(answer.body, pointers.get("user", "/user") + "/id")
            if isinstance(access, str):
                account.access.append(access)
            if rotate and account.refresh is not None:
                account.rotated.append(account.refresh)
            if isinstance(refresh, str):
                account.refresh = refresh
            if isinstance(user_id, str):
                account.id = user_id

    async def _auth(self, step: AuthStep) -> None:
        user, kind = step.user, step.kind
        await self._ensure(user)
        account = self.worlds[0].accounts[user]
        if kind in ("login", "email-case"):
            await self._login(user, upper=kind == "email-case")
        elif kind in ("wrong-password", "unknown-email"):
            if self.budget.remaining >= 1:
                self.budget.remaining -= 1
                await self._login(user, wrong=True, unknown=kind == "unknown-email")
        elif kind == "throttle":
            attempts = self.model.throttle_attempts() + 1
            if self.budget.remaining >= attempts:
                self.budget.remaining -= attempts
                for _ in range(attempts):
                    await self._login(user, wrong=True)
                await self._login(user)
        elif kind == "refresh":
            await self._refresh(user, reuse=False)
        elif kind == "reuse-refresh":
            if not account.rotated:
                await self._refresh(user, reuse=False)
            await self._refresh(user, reuse=True)
        elif kind in ("logout", "logout-all"):
            await self._logout(user, everywhere=kind == "logout-all")
        elif kind == "suspend":  # a provider state: no operation suspends an account
            if self.states is not None:
                await self.states.change(self.worlds[0].side, account.email, account.password)
        elif kind == "old-token":
            await self._current_user(user, oldest=True)
        else:  # register-again: the identity is taken
            await self._register(user)

    async def _refresh(self, user: int, *, reuse: bool) -> None:
        endpoint = self.model.action("refresh")
        action = endpoint.action
        if not all(
            (w.accounts[user].rotated if reuse else w.accounts[user].refresh) for w in self.worlds
        ):
            return

        def build(world: World) -> Request:
            account = world.accounts[user]
            token = account.rotated[-1] if reuse else account.refresh
            body = {action.get("token", "refreshToken"): token}
            return Request("POST", endpoint.operation.path, (), (), body, True, user)

        answers = await self._exchange(endpoint, build)
        if answers[0].status == 200:
            self._take_tokens(user, answers, action.get("response") or {}, rotate=True)

    async def _logout(self, user: int, *, everywhere: bool) -> None:
        endpoint = self.model.action("logout")
        action = endpoint.action
        if not everywhere and not all(w.accounts[user].refresh for w in self.worlds):
            return

        def build(world: World) -> Request:
            account = world.accounts[user]
            body: dict[str, Any] = (
                {action.get("all", "allDevices"): True}
                if everywhere
                else {action.get("token", "refreshToken"): account.refresh}
            )
            headers = tuple(self._auth_header(world, user, endpoint))
            return Request("POST", endpoint.operation.path, (), headers, body, True, user)

        await self._exchange(endpoint, build)

    async def _current_user(self, user: int, *, oldest: bool) -> None:
        endpoint = self.model.action("current-user")
        if not all(w.accounts[user].access for w in self.worlds):
            return

        def build(world: World) -> Request:
            access = world.accounts[user].access
            token = access[0] if oldest else access[-1]
            headers = (("Authorization", f"Bearer {token}"),)
            return Request("GET", endpoint.operation.path, (), headers, None, False, user)

        await self._exchange(endpoint, build)


def _pointer(document: Any, pointer: str) -> Any:
    node = document
    for token in pointer.lstrip("/").split("/") if pointer.strip("/") else ():
        if not isinstance(node, dict):
            return None
        node = node.get(token.replace("~1", "/").replace("~0", "~"))
    return node


def _fill(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template
