"""The stateful mock over real HTTP: the seed documents' flows, each response checked by the spec.

Every response passes through `tests.contract.SpecChecker`, an independent validator, so a flow
test also proves each answer is one the spec allows.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import jwt
import pytest

from mockserver import create_app
from tests.conftest import SPEC, RunningServer
from tests.contract import SpecChecker

pytestmark = pytest.mark.slow

CHECKER = SpecChecker(SPEC)
ORDER = {
    "currency": "EUR",
    "items": [
        {"productId": "sku-1", "name": "Keyboard", "quantity": 2, "unitPrice": 4500},
        {"productId": "sku-2", "name": "Cable", "quantity": 3, "unitPrice": 250},
    ],
}


class Api:
    """A client of the mock whose every response is checked against the spec."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(
            base_url=base_url + "/api/v1",
            event_hooks={"response": [self._check]},
        )
        self.token: str | None = None

    @staticmethod
    def _check(response: httpx.Response) -> None:
        response.read()
        CHECKER.check(response)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        return self.http.request(method, path, headers=headers, **kwargs)

    def register_and_login(self, email: str | None = None) -> dict[str, Any]:
        email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
        credentials = {"email": email, "password": "passw0rd-long"}
        created = self.request(
            "POST", "/auth/register", json={**credentials, "name": "Test User", "acceptTerms": True}
        )
        assert created.status_code == 201
        login = self.request("POST", "/auth/login", json=credentials)
        assert login.status_code == 200
        body: dict[str, Any] = login.json()
        self.token = body["tokens"]["accessToken"]
        return body


@pytest.fixture
def mock(make_server: Callable[..., RunningServer]) -> str:
    return make_server(create_app(SPEC, seed=5)).url


@pytest.fixture
def api(mock: str) -> Iterator[Api]:
    client = Api(mock)
    yield client
    client.http.close()


@pytest.fixture
def other(mock: str) -> Iterator[Api]:
    client = Api(mock)
    client.register_and_login()
    yield client
    client.http.close()


def test_flow_project_tasks_update_delete_cascade(api: Api) -> None:
    login = api.register_and_login()
    assert api.request("GET", "/auth/me").json()["id"] == login["user"]["id"]
    created = api.request("POST", "/projects", json={"name": "Relaunch", "description": "New site"})
    assert created.status_code == 201
    project = created.json()
    assert created.headers["location"] == f"/api/v1/projects/{project['id']}"
    assert project["ownerId"] == login["user"]["id"]
    assert project["status"] == "active"
    location = created.headers["location"].removeprefix("/api/v1")
    assert api.request("GET", location).json() == project

    task = api.request("POST", f"/projects/{project['id']}/tasks", json={"title": "Design"}).json()
    assert (task["projectId"], task["status"], task["priority"]) == (
        project["id"],
        "todo",
        "medium",
    )
    done = api.request(
        "PATCH", f"/projects/{project['id']}/tasks/{task['id']}", json={"status": "done"}
    )
    assert done.json()["status"] == "done"
    assert done.json()["title"] == "Design"

    replaced = api.request("PUT", f"/projects/{project['id']}", json={"name": "Renamed"}).json()
    assert (replaced["name"], replaced["description"], replaced["status"]) == (
        "Renamed",
        None,
        "active",
    )
    patched = api.request("PATCH", f"/projects/{project['id']}", json={"status": "on_hold"}).json()
    assert (patched["name"], patched["status"]) == ("Renamed", "on_hold")

    assert api.request("DELETE", f"/projects/{project['id']}").status_code == 204
    assert api.request("GET", f"/projects/{project['id']}").status_code == 404
    gone = api.request("GET", f"/projects/{project['id']}/tasks/{task['id']}")
    assert gone.status_code == 404


def test_flow_order_pay_twice_refund(api: Api) -> None:
    api.register_and_login()
    order = api.request("POST", "/orders", json=ORDER).json()
    assert [item["lineTotal"] for item in order["items"]] == [9000, 750]
    assert (order["subtotal"], order["total"], order["status"]) == (9750, 9750, "pending")

    paid = api.request(
        "POST", f"/orders/{order['id']}/payments",
        json={"paymentMethod": "pm_card_visa"}, headers={"Idempotency-Key": "attempt-1"},
    )  # fmt: skip
    assert paid.status_code == 201
    payment = paid.json()
    assert (payment["amount"], payment["currency"], payment["status"]) == (9750, "EUR", "succeeded")
    assert api.request("GET", f"/orders/{order['id']}").json()["status"] == "paid"

    again = api.request(
        "POST", f"/orders/{order['id']}/payments",
        json={"paymentMethod": "pm_card_visa"}, headers={"Idempotency-Key": "attempt-2"},
    )  # fmt: skip
    assert (again.status_code, again.json()["code"]) == (409, "order_already_paid")
    assert (
        api.request("POST", f"/orders/{order['id']}/cancel").json()["code"]
        == "order_not_cancellable"
    )

    refunded = api.request(
        "POST", f"/payments/{payment['id']}/refund", json={"reason": "duplicate"}
    )
    assert refunded.json()["status"] == "refunded"
    assert refunded.json()["refundedAt"] is not None
    assert api.request("GET", f"/orders/{order['id']}").json()["status"] == "refunded"
    twice = api.request("POST", f"/payments/{payment['id']}/refund")
    assert (twice.status_code, twice.json()["code"]) == (409, "payment_not_refundable")


@pytest.mark.parametrize(
    ("token", "code"),
    [("pm_card_declined", "card_declined"), ("pm_card_insufficient_funds", "insufficient_funds")],
)
def test_flow_declined_cards_get_402_and_leave_the_order_pending(
    api: Api, token: str, code: str
) -> None:
    api.register_and_login()
    order = api.request("POST", "/orders", json=ORDER).json()
    declined = api.request(
        "POST", f"/orders/{order['id']}/payments",
        json={"paymentMethod": token}, headers={"Idempotency-Key": "k"},
    )  # fmt: skip
    assert (declined.status_code, declined.json()["code"]) == (402, code)
    assert api.request("GET", f"/orders/{order['id']}").json()["status"] == "pending"
    failed = api.request("GET", "/payments", params={"status": "failed"}).json()["data"]
    assert [(p["orderId"], p["failureCode"]) for p in failed] == [(order["id"], code)]


def test_flow_idempotency_key_replays_and_refuses_reuse(api: Api) -> None:
    api.register_and_login()
    order = api.request("POST", "/orders", json=ORDER).json()
    path = f"/orders/{order['id']}/payments"
    headers = {"Idempotency-Key": "same-key"}
    first = api.request("POST", path, json={"paymentMethod": "pm_card_visa"}, headers=headers)
    replay = api.request("POST", path, json={"paymentMethod": "pm_card_visa"}, headers=headers)
    assert replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    assert len(api.request("GET", "/payments").json()["data"]) == 1
    reused = api.request(
        "POST", path, json={"paymentMethod": "pm_card_mastercard"}, headers=headers
    )
    assert (reused.status_code, reused.json()["code"]) == (409, "idempotency_key_reused")


def test_flow_refresh_rotates_and_reuse_is_refused(api: Api) -> None:
    tokens = api.register_and_login()["tokens"]
    rotated = api.request("POST", "/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refreshToken"] != tokens["refreshToken"]
    api.token = new["accessToken"]
    assert api.request("GET", "/auth/me").status_code == 200
    reuse = api.request("POST", "/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert (reuse.status_code, reuse.json()["code"]) == (401, "invalid_refresh_token")
    # Reuse of a rotated token revokes its whole login, the new refresh token included.
    after = api.request("POST", "/auth/refresh", json={"refreshToken": new["refreshToken"]})
    assert after.status_code == 401


def test_flow_logout_of_all_devices_revokes_every_token(api: Api, mock: str) -> None:
    email = f"multi-{uuid.uuid4().hex[:6]}@example.com"
    laptop = api.register_and_login(email)
    phone_api = Api(mock)
    phone = phone_api.request(
        "POST", "/auth/login", json={"email": email, "password": "passw0rd-long"}
    ).json()
    phone_api.token = phone["tokens"]["accessToken"]
    assert api.request("POST", "/auth/logout", json={"allDevices": True}).status_code == 204
    for client in (api, phone_api):
        assert client.request("GET", "/auth/me").status_code == 401
    for tokens in (laptop["tokens"], phone["tokens"]):
        refresh = api.request(
            "POST", "/auth/refresh", json={"refreshToken": tokens["refreshToken"]}
        )
        assert refresh.status_code == 401
    phone_api.http.close()


def test_flow_logout_of_one_device_revokes_only_its_refresh_token(api: Api) -> None:
    tokens = api.register_and_login()["tokens"]
    out = api.request("POST", "/auth/logout", json={"refreshToken": tokens["refreshToken"]})
    assert out.status_code == 204
    assert (
        api.request(
            "POST", "/auth/refresh", json={"refreshToken": tokens["refreshToken"]}
        ).status_code
        == 401
    )
    assert api.request("GET", "/auth/me").status_code == 200


def test_flow_another_users_resources_are_forbidden(api: Api, other: Api) -> None:
    api.register_and_login()
    project = api.request("POST", "/projects", json={"name": "Mine"}).json()
    task = api.request("POST", f"/projects/{project['id']}/tasks", json={"title": "T"}).json()
    order = api.request("POST", "/orders", json=ORDER).json()
    payment = api.request(
        "POST", f"/orders/{order['id']}/payments",
        json={"paymentMethod": "pm_card_visa"}, headers={"Idempotency-Key": "x"},
    ).json()  # fmt: skip
    session = api.request("POST", "/sessions", json={"name": "S"}).json()
    hook = api.request(
        "POST",
        "/webhook-endpoints",
        json={"url": "https://example.com/h", "events": ["payment.failed"]},
    ).json()
    forbidden = [
        ("GET", f"/projects/{project['id']}", None),
        ("PATCH", f"/projects/{project['id']}", {"name": "Theirs"}),
        ("DELETE", f"/projects/{project['id']}", None),
        ("GET", f"/projects/{project['id']}/tasks", None),
        ("PATCH", f"/projects/{project['id']}/tasks/{task['id']}", {"title": "x"}),
        ("GET", f"/orders/{order['id']}", None),
        ("POST", f"/orders/{order['id']}/cancel", None),
        ("GET", f"/payments/{payment['id']}", None),
        ("POST", f"/payments/{payment['id']}/refund", None),
        ("GET", f"/sessions/{session['id']}", None),
        ("POST", f"/sessions/{session['id']}/end", None),
        ("GET", f"/webhook-endpoints/{hook['id']}", None),
    ]
    for method, path, body in forbidden:
        response = other.request(method, path, json=body)
        assert response.status_code == 403, f"{method} {path}: {response.status_code}"
    for collection in ("/projects", "/orders", "/payments", "/sessions", "/webhook-endpoints"):
        assert other.request("GET", collection).json()["data"] == []
    assert api.request("GET", f"/projects/{project['id']}").json()["name"] == "Mine"


def test_flow_pagination_totals_and_status_filter(api: Api) -> None:
    api.register_and_login()
    for index in range(7):
        status = "completed" if index % 3 == 0 else "active"
        api.request("POST", "/projects", json={"name": f"P{index}", "status": status})
    page = api.request("GET", "/projects", params={"page": 2, "limit": 3}).json()
    assert page["pagination"] == {"page": 2, "limit": 3, "total": 7, "pages": 3}
    assert [p["name"] for p in page["data"]] == ["P3", "P2", "P1"]
    completed = api.request("GET", "/projects", params={"status": "completed"}).json()
    assert sorted(p["name"] for p in completed["data"]) == ["P0", "P3", "P6"]
    assert completed["pagination"]["total"] == 3
    found = api.request("GET", "/projects", params={"q": "p5"}).json()
    assert [p["name"] for p in found["data"]] == ["P5"]


def test_flow_session_lifecycle(api: Api) -> None:
    api.register_and_login()
    session = api.request("POST", "/sessions", json={"name": "Tab", "metadata": {"k": "v"}}).json()
    assert (session["status"], session["endedAt"]) == ("active", None)
    idle = api.request("PATCH", f"/sessions/{session['id']}", json={"status": "idle"}).json()
    assert (idle["status"], idle["metadata"]) == ("idle", {"k": "v"})
    ended = api.request("POST", f"/sessions/{session['id']}/end").json()
    assert ended["status"] == "ended"
    assert ended["endedAt"] is not None
    assert api.request("GET", f"/sessions/{session['id']}").json()["status"] == "ended"
    refused = api.request("PATCH", f"/sessions/{session['id']}", json={"name": "x"})
    assert (refused.status_code, refused.json()["code"]) == (409, "session_ended")
    again = api.request("POST", f"/sessions/{session['id']}/end")
    assert again.json() == ended


def test_flow_repeated_failed_logins_get_429_with_retry_after(api: Api) -> None:
    email = f"brute-{uuid.uuid4().hex[:6]}@example.com"
    api.register_and_login(email)
    for _ in range(5):
        wrong = api.request("POST", "/auth/login", json={"email": email, "password": "wrong"})
        assert wrong.status_code == 401
    blocked = api.request("POST", "/auth/login", json={"email": email, "password": "passw0rd-long"})
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= 900


def test_flow_unknown_email_and_wrong_password_answer_alike(api: Api) -> None:
    email = f"known-{uuid.uuid4().hex[:6]}@example.com"
    api.register_and_login(email)
    unknown = api.request(
        "POST", "/auth/login", json={"email": "nobody@example.com", "password": "x"}
    )
    wrong = api.request("POST", "/auth/login", json={"email": email, "password": "x"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["detail"] == wrong.json()["detail"]


def test_flow_register_conflict_and_field_errors(api: Api) -> None:
    body = {
        "email": "dup@example.com",
        "password": "passw0rd-long",
        "name": "D",
        "acceptTerms": True,
    }
    assert api.request("POST", "/auth/register", json=body).status_code == 201
    conflict = api.request("POST", "/auth/register", json=body)
    assert (conflict.status_code, conflict.json()["code"]) == (409, "email_taken")
    bad = api.request(
        "POST", "/auth/register",
        json={"email": "nope", "password": "short", "name": "D", "acceptTerms": False},
    )  # fmt: skip
    fields = {error["field"] for error in bad.json()["errors"]}
    assert {"body.email", "body.password", "body.acceptTerms"} <= fields


@pytest.mark.parametrize(
    "forge",
    [
        lambda claims: jwt.encode(claims, "another-key-" + "x" * 32, algorithm="HS256"),
        lambda claims: jwt.encode(claims, "", algorithm="none"),
        lambda claims: jwt.encode(
            {**claims, "exp": int(time.time()) - 10}, "k" * 32, algorithm="HS256"
        ),
    ],
    ids=["other-key", "alg-none", "expired"],
)
def test_flow_tokens_the_mock_did_not_issue_get_401(
    api: Api, forge: Callable[[dict[str, Any]], str]
) -> None:
    user = api.register_and_login()["user"]
    now = int(time.time())
    claims = {"sub": user["id"], "iss": "mockserver", "iat": now, "nbf": now, "exp": now + 600}
    claims.update({"jti": "x", "gen": 0})
    response = api.request("GET", "/auth/me", headers={"Authorization": f"Bearer {forge(claims)}"})
    assert response.status_code == 401
    assert "invalid_token" in response.headers["www-authenticate"]


def test_flow_prefer_still_chooses_examples_over_state(api: Api) -> None:
    api.register_and_login()
    project = api.request("POST", "/projects", json={"name": "Real"}).json()
    example = api.request("GET", f"/projects/{project['id']}", headers={"Prefer": "code=404"})
    assert example.status_code == 404


def test_flow_every_response_is_checked_against_the_spec(api: Api) -> None:
    # Counted within this test: under xdist the module's other flows may run elsewhere.
    before = CHECKER.checked
    api.register_and_login()
    project = api.request("POST", "/projects", json={"name": "Checked"}).json()
    api.request("GET", f"/projects/{project['id']}")
    api.request("GET", "/projects")
    assert CHECKER.checked - before == 5  # register, login, create, read, list


def test_flow_inference_works_on_a_third_party_spec(
    make_server: Callable[..., RunningServer],
) -> None:
    shop = SPEC.parent.parent / "tests" / "specs" / "engine" / "shop.yaml"
    server = make_server(create_app(shop, seed=1))
    with httpx.Client(base_url=server.url + "/v2") as client:
        first = client.post("/items", json={"name": "Hammer", "price": 9.5})
        second = client.post("/items", json={"name": "Saw", "price": 19})
        assert (first.status_code, second.status_code) == (201, 201)
        assert isinstance(first.json()["id"], int)
        assert first.json()["id"] != second.json()["id"]
        assert first.headers["location"] == f"/v2/items/{first.json()['id']}"
        assert client.get(f"/items/{first.json()['id']}").json() == first.json()
        listed = client.get("/items", headers={"X-API-Key": "k"}).json()
        assert sorted(item["name"] for item in listed) == ["Hammer", "Saw"]
        assert client.delete(f"/items/{first.json()['id']}").status_code == 204
        assert client.get(f"/items/{first.json()['id']}").status_code == 404
