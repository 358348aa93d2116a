"""The mock's provider states (``/__mock/provider-states``), from the shared definitions."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from contracts.states import load_states
from mockserver.server.app import create_app
from tests.conftest import SPEC, RunningServer

STATES = "/__mock/provider-states"


@pytest.fixture
def mock(make_server: Callable[..., RunningServer]) -> RunningServer:
    return make_server(create_app(SPEC))


def _change(url: str, state: str, action: str = "setup", **params: object) -> httpx.Response:
    body = {"state": state, "params": params, "action": action}
    return httpx.post(url + STATES, json=body, trust_env=False)


def test_every_defined_state_answers_its_declared_values(mock: RunningServer) -> None:
    for name, definition in load_states().items():
        response = _change(mock.url, name)
        assert response.status_code == 200, response.text
        assert set(response.json()) == set(definition.answers), name
        assert _change(mock.url, name, "teardown").json() == {}


def test_a_project_state_is_readable_with_its_token(mock: RunningServer) -> None:
    project_id = "4b5f4d3e-8a1c-4a55-9c43-1d2f3b4a5c6d"
    values = _change(mock.url, "a project exists", projectId=project_id, status="on_hold").json()
    headers = {"Authorization": f"Bearer {values['accessToken']}"}
    project = httpx.get(f"{mock.url}/api/v1/projects/{project_id}", headers=headers).json()
    assert (project["status"], project["ownerId"]) == ("on_hold", values["userId"])


def test_teardown_forgets_the_state(mock: RunningServer) -> None:
    values = _change(mock.url, "an order exists").json()
    _change(mock.url, "an order exists", "teardown")
    headers = {"Authorization": f"Bearer {values['accessToken']}"}
    assert (
        httpx.get(f"{mock.url}/api/v1/orders/{values['orderId']}", headers=headers).status_code
        == 401
    )


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"state": "a unicorn exists"}, "unknown provider state 'a unicorn exists'"),
        ({"state": "an order exists", "params": {"status": "lost"}}, "expected param status"),
        ({"state": "a project exists", "params": {"projectId": "nope"}}, "to be a UUID"),
        ({"state": "a user exists", "params": {"colour": "red"}}, "takes no param colour"),
        ({"state": "no data", "action": "rollback"}, "action setup or teardown"),
        ([], '"state"'),
    ],
)
def test_a_bad_state_change_is_a_400_problem(
    mock: RunningServer, body: object, detail: str
) -> None:
    response = httpx.post(mock.url + STATES, json=body, trust_env=False)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_a_stateless_mock_has_no_provider_states(
    make_server: Callable[..., RunningServer],
) -> None:
    mock = make_server(create_app(SPEC, stateful=False))
    response = _change(mock.url, "no data")
    assert response.status_code == 400
    assert "stateless" in response.json()["detail"]
