"""Pact provider states over HTTP: each defined state, teardown, errors, extension."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
import pytest

from contracts.states import load_states
from provider import StateContext, builtin_states
from provider.models import Project, utcnow
from tests.provider.conftest import TLS, Backend, Provider, start_provider
from tests.provider.openapi_check import OpenApiCheck

pytestmark = pytest.mark.slow

STATES_PATH = "/_pact/provider-states"


@pytest.fixture(scope="module")
def provider(backend: Backend, openapi_check: OpenApiCheck) -> Iterator[Provider]:
    """One server with provider states per backend; every test sets up the states it needs."""
    started = start_provider(openapi_check, backend.new_database(), test_states=True)
    yield started
    started.stop()


@pytest.fixture
def states(provider: Provider) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=provider.url, verify=TLS, trust_env=False) as client:
        yield client


def change(
    client: httpx.Client, state: str, action: str = "setup", **params: Any
) -> dict[str, Any]:
    response = client.post(STATES_PATH, json={"state": state, "params": params, "action": action})
    assert response.status_code == 200, response.text
    values: dict[str, Any] = response.json()
    return values


def test_a_user_exists_answers_a_working_access_token(
    provider: Provider, states: httpx.Client
) -> None:
    values = change(states, "a user exists", email="grace@example.com", password="hopper-1906")
    api = provider.api()
    assert api.client(values["accessToken"]).get("/auth/me").json()["id"] == values["userId"]
    assert api.login("grace@example.com", "hopper-1906")["user"]["id"] == values["userId"]


def test_a_user_exists_resets_an_existing_account(provider: Provider, states: httpx.Client) -> None:
    first = change(states, "a user exists", status="suspended")
    again = change(states, "a user exists", password="another-pass-2")
    assert again["userId"] == first["userId"]
    assert provider.api().login("ada@example.com", "another-pass-2")["user"]["status"] == "active"


def test_a_suspended_user_cannot_log_in(provider: Provider, states: httpx.Client) -> None:
    change(states, "a user exists", status="suspended")
    response = provider.api().anonymous.post(
        "/auth/login", json={"email": "ada@example.com", "password": "correct-horse-7"}
    )
    assert (response.status_code, response.json()["code"]) == (403, "account_suspended")


def test_a_project_exists_under_the_requested_id(provider: Provider, states: httpx.Client) -> None:
    project_id = "4b5f4d3e-8a1c-4a55-9c43-1d2f3b4a5c6d"
    values = change(states, "a project exists", projectId=project_id, status="on_hold")
    project = provider.api().client(values["accessToken"]).get(f"/projects/{project_id}").json()
    assert (values["projectId"], project["status"], project["ownerId"]) == (
        project_id,
        "on_hold",
        values["userId"],
    )
    assert change(states, "a project exists", projectId=project_id)["projectId"] == project_id


@pytest.mark.parametrize("status", ["pending", "paid", "cancelled", "refunded"])
def test_an_order_exists_in_the_requested_status(
    provider: Provider, states: httpx.Client, status: str
) -> None:
    values = change(states, "an order exists", status=status)
    order = provider.api().client(values["accessToken"]).get(f"/orders/{values['orderId']}").json()
    assert (order["status"], order["total"]) == (status, 15900)
    assert "paymentId" not in values


def test_a_paid_order_has_its_succeeded_payment(provider: Provider, states: httpx.Client) -> None:
    values = change(states, "a paid order exists")
    client = provider.api().client(values["accessToken"])
    payment = client.get(f"/payments/{values['paymentId']}").json()
    assert (payment["status"], payment["orderId"], payment["amount"]) == (
        "succeeded",
        values["orderId"],
        15900,
    )
    assert client.get(f"/orders/{values['orderId']}").json()["status"] == "paid"


def test_an_order_paid_with_a_key_replays_its_payment(
    provider: Provider, states: httpx.Client
) -> None:
    values = change(states, "an order was paid with an idempotency key", idempotencyKey="k-1")
    retry = (
        provider.api()
        .client(values["accessToken"])
        .post(
            f"/orders/{values['orderId']}/payments",
            json={"paymentMethod": "pm_card_visa"},
            headers={"Idempotency-Key": "k-1"},
        )
    )
    assert (retry.status_code, retry.headers["Idempotent-Replayed"]) == (201, "true")
    assert retry.json()["id"] == values["paymentId"]


@pytest.mark.parametrize("status", ["active", "idle"])
def test_a_session_exists_in_the_requested_status(
    provider: Provider, states: httpx.Client, status: str
) -> None:
    values = change(states, "a session exists", status=status)
    session = (
        provider.api().client(values["accessToken"]).get(f"/sessions/{values['sessionId']}").json()
    )
    assert (session["status"], session["endedAt"]) == (status, None)


def test_an_ended_session_exists(provider: Provider, states: httpx.Client) -> None:
    values = change(states, "an ended session exists")
    session = (
        provider.api().client(values["accessToken"]).get(f"/sessions/{values['sessionId']}").json()
    )
    assert session["status"] == "ended"
    assert session["endedAt"] is not None


def test_a_project_of_another_user_is_forbidden_to_the_caller(
    provider: Provider, states: httpx.Client
) -> None:
    values = change(states, "a project of another user exists")
    response = provider.api().client(values["accessToken"]).get(f"/projects/{values['projectId']}")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")


def test_a_task_exists_in_its_project(provider: Provider, states: httpx.Client) -> None:
    values = change(states, "a task exists", priority="high")
    task = (
        provider.api()
        .client(values["accessToken"])
        .get(f"/projects/{values['projectId']}/tasks/{values['taskId']}")
        .json()
    )
    assert (task["priority"], task["projectId"]) == ("high", values["projectId"])


def test_every_state_answers_the_values_its_definition_declares(
    states: httpx.Client,
) -> None:
    for name, definition in load_states().items():
        assert set(change(states, name)) == set(definition.answers), name
        change(states, name, action="teardown")


def test_teardown_and_no_data_remove_everything(provider: Provider, states: httpx.Client) -> None:
    values = change(states, "a project exists")
    assert change(states, "a project exists", action="teardown") == {}
    api = provider.api()
    assert api.client(values["accessToken"]).get("/auth/me").status_code == 401
    change(states, "a user exists")
    assert change(states, "no data") == {}
    assert (
        api.anonymous.post(
            "/auth/login", json={"email": "ada@example.com", "password": "correct-horse-7"}
        ).status_code
        == 401
    )


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"state": "a unicorn exists"}, "unknown provider state"),
        ({"state": "an order exists", "params": {"status": "lost"}}, "expected param status"),
        ({"state": "a project exists", "params": {"projectId": "nope"}}, "to be a UUID"),
        ({"state": "no data", "action": "rollback"}, "action setup or teardown"),
        ({"state": "a user exists", "params": {"colour": "red"}}, "takes no param colour"),
        ({"params": {}}, '"state"'),
        ([], '"state"'),
    ],
)
def test_a_bad_state_change_is_a_400_problem(
    states: httpx.Client, provider: Provider, body: Any, detail: str
) -> None:
    response = states.post(STATES_PATH, json=body)
    assert response.status_code == 400
    assert detail in provider.check.check_problem(response)["detail"]


def test_more_states_can_be_registered(make_provider: Callable[..., Provider]) -> None:
    registry = builtin_states()

    @registry.state("a user has two projects")
    def two_projects(ctx: StateContext, params: Mapping[str, Any]) -> dict[str, Any]:
        user, now = ctx.user(params), utcnow()
        for name in ("One", "Two"):
            ctx.session.add(
                Project(user_id=user.id, name=name, status="active", created_at=now, updated_at=now)
            )
        return ctx.tokens(user)

    provider = make_provider(test_states=True, states=registry)
    with httpx.Client(base_url=provider.url, verify=TLS, trust_env=False) as client:
        values = change(client, "a user has two projects")
    listed = provider.api().client(values["accessToken"]).get("/projects").json()
    assert listed["pagination"]["total"] == 2
    assert "a user has two projects" not in builtin_states().names()
