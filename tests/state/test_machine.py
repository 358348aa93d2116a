"""Random sequences of operations against the stateful mock keep its invariants.

A Hypothesis state machine drives two users through projects, tasks, orders and sessions and
keeps its own model of what exists. Invariants after every step: no 5xx; what was created is
readable by its owner until deleted and never by anyone else; order totals add up; lists
show exactly the caller's own items.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import create_app
from tests.conftest import SPEC, RunningServer
from tests.contract import SpecChecker

CHECKER = SpecChecker(SPEC)


class Swappable:
    """One real server for the whole module; each example gets a fresh mock behind it."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None
        await self.app(scope, receive, send)


FRONT = Swappable()
SERVER: list[RunningServer] = []


@pytest.fixture(scope="module", autouse=True)
def server() -> Iterator[None]:
    SERVER.append(RunningServer(FRONT, lifespan="off"))
    yield
    SERVER.pop().stop()


USERS = (0, 1)
names = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=20)
items = st.lists(
    st.fixed_dictionaries(
        {
            "productId": st.from_regex(r"\Asku-[a-z0-9]{1,8}\Z"),
            "name": names,
            "quantity": st.integers(1, 1000),
            "unitPrice": st.integers(0, 10_000_000),
        }
    ),
    min_size=1,
    max_size=5,
)


class MockMachine(RuleBasedStateMachine):
    """Two users, one mock, and the model of what each of them owns."""

    projects = Bundle("projects")
    orders = Bundle("orders")
    sessions = Bundle("sessions")

    def __init__(self) -> None:
        super().__init__()
        FRONT.app = create_app(SPEC, seed=0)
        self.client = httpx.Client(base_url=SERVER[0].url + "/api/v1")
        self.tokens: list[str] = []
        for user in USERS:
            email = f"machine-{user}@example.com"
            body = {"email": email, "password": "passw0rd-1", "name": "M", "acceptTerms": True}
            self.call(None, "POST", "/auth/register", json=body)
            login = self.call(
                None, "POST", "/auth/login", json={"email": email, "password": "passw0rd-1"}
            )
            self.tokens.append(login.json()["tokens"]["accessToken"])
        self.model: dict[str, dict[str, tuple[int, Any]]] = {
            "projects": {},
            "orders": {},
            "sessions": {},
        }

    def call(self, user: int | None, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user is not None else {}
        response = self.client.request(
            method, path, headers={**headers, **kwargs.pop("headers", {})}, **kwargs
        )
        assert response.status_code < 500, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        CHECKER.check(response)
        return response

    def teardown(self) -> None:
        self.client.close()

    @rule(target=projects, user=st.sampled_from(USERS), name=names)
    def create_project(self, user: int, name: str) -> str:
        project = self.call(user, "POST", "/projects", json={"name": name}).json()
        self.model["projects"][project["id"]] = (user, project)
        return str(project["id"])

    @rule(project=projects, reader=st.sampled_from(USERS))
    def read_project(self, project: str, reader: int) -> None:
        response = self.call(reader, "GET", f"/projects/{project}")
        if project not in self.model["projects"]:
            assert response.status_code == 404
            return
        owner, stored = self.model["projects"][project]
        if reader == owner:
            assert response.status_code == 200
            assert response.json() == stored
        else:
            assert response.status_code == 403

    @rule(project=projects, user=st.sampled_from(USERS), name=names)
    def rename_project(self, project: str, user: int, name: str) -> None:
        response = self.call(user, "PATCH", f"/projects/{project}", json={"name": name})
        if project not in self.model["projects"]:
            assert response.status_code == 404
        elif self.model["projects"][project][0] != user:
            assert response.status_code == 403
        else:
            assert response.json()["name"] == name
            self.model["projects"][project] = (user, response.json())

    @rule(project=consumes(projects), user=st.sampled_from(USERS))
    def delete_project(self, project: str, user: int) -> None:
        response = self.call(user, "DELETE", f"/projects/{project}")
        if project not in self.model["projects"]:
            assert response.status_code == 404
        elif self.model["projects"][project][0] != user:
            assert response.status_code == 403
        else:
            assert response.status_code == 204
            del self.model["projects"][project]

    @rule(project=projects, user=st.sampled_from(USERS), title=names)
    def add_task(self, project: str, user: int, title: str) -> None:
        response = self.call(user, "POST", f"/projects/{project}/tasks", json={"title": title})
        if project not in self.model["projects"]:
            assert response.status_code == 404
        elif self.model["projects"][project][0] != user:
            assert response.status_code == 403
        else:
            assert response.json()["projectId"] == project

    @rule(target=orders, user=st.sampled_from(USERS), lines=items)
    def create_order(self, user: int, lines: list[dict[str, Any]]) -> str:
        order = self.call(user, "POST", "/orders", json={"currency": "USD", "items": lines}).json()
        expected = sum(line["quantity"] * line["unitPrice"] for line in lines)
        assert order["subtotal"] == order["total"] == expected
        self.model["orders"][order["id"]] = (user, order)
        return str(order["id"])

    @rule(
        order=orders,
        user=st.sampled_from(USERS),
        method=st.sampled_from(["pm_card_visa", "pm_card_declined"]),
    )
    def pay_order(self, order: str, user: int, method: str) -> None:
        response = self.call(
            user, "POST", f"/orders/{order}/payments",
            json={"paymentMethod": method}, headers={"Idempotency-Key": f"{order}-{method}"},
        )  # fmt: skip
        owner, stored = self.model["orders"][order]
        if owner != user:
            assert response.status_code == 403
        elif response.status_code == 201:
            assert stored["status"] == "pending" or response.headers.get("idempotent-replayed")
            assert response.json()["amount"] == stored["total"]
            self.model["orders"][order] = (owner, {**stored, "status": "paid"})
        elif response.status_code == 402:
            assert method == "pm_card_declined"
        else:
            assert response.status_code == 409
            assert stored["status"] != "pending"

    @rule(target=sessions, user=st.sampled_from(USERS), name=names)
    def open_session(self, user: int, name: str) -> str:
        session = self.call(user, "POST", "/sessions", json={"name": name}).json()
        self.model["sessions"][session["id"]] = (user, session)
        return str(session["id"])

    @rule(session=sessions, user=st.sampled_from(USERS))
    def end_session(self, session: str, user: int) -> None:
        response = self.call(user, "POST", f"/sessions/{session}/end")
        owner, _ = self.model["sessions"][session]
        if owner != user:
            assert response.status_code == 403
        else:
            assert response.json()["status"] == "ended"
            self.model["sessions"][session] = (owner, response.json())

    @invariant()
    def lists_show_exactly_the_callers_own_items(self) -> None:
        for user in USERS:
            for collection in ("projects", "orders", "sessions"):
                listed = self.call(user, "GET", f"/{collection}", params={"limit": 100}).json()
                mine = {i for i, (owner, _) in self.model[collection].items() if owner == user}
                assert {item["id"] for item in listed["data"]} == mine
                assert listed["pagination"]["total"] == len(mine)


MockMachine.TestCase.settings = settings(max_examples=20, stateful_step_count=15, deadline=None)
test_stateful_mock_keeps_its_invariants = pytest.mark.slow(MockMachine.TestCase)
