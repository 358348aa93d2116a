"""The stateless mock over real HTTP: a uvicorn server on an ephemeral port, driven with httpx.

These are the engine's behaviours for any spec (Prism's model); `tests/state/test_flows.py`
covers what state adds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import jsonschema
import pytest

from mockserver import create_app
from tests.conftest import SPEC, RunningServer

pytestmark = pytest.mark.slow

SHOP = Path(__file__).parent.parent / "specs" / "engine" / "shop.yaml"
PROJECT_ID = "4b5f4d3e-8a1c-4a55-9c43-1d2f3b4a5c6d"
AUTH = {"Authorization": "Bearer test-token"}


@pytest.fixture
def platform(make_server: Callable[..., RunningServer]) -> Iterator[httpx.Client]:
    server = make_server(create_app(SPEC, seed=7, stateful=False))
    with httpx.Client(base_url=server.url + "/api/v1") as client:
        yield client


@pytest.fixture
def shop(make_server: Callable[..., RunningServer]) -> Iterator[httpx.Client]:
    server = make_server(create_app(SHOP, seed=7, stateful=False))
    with httpx.Client(base_url=server.url + "/v2") as client:
        yield client


def test_http_serves_the_first_named_example(platform: httpx.Client) -> None:
    response = platform.get(f"/projects/{PROJECT_ID}", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["name"] == "Website relaunch"


def test_http_prefer_code_serves_the_declared_error(platform: httpx.Client) -> None:
    response = platform.get(f"/projects/{PROJECT_ID}", headers={**AUTH, "Prefer": "code=404"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_http_prefer_example_picks_the_named_example(platform: httpx.Client) -> None:
    response = platform.post(
        "/auth/login",
        json={"email": "a@example.com", "password": "x"},
        headers={"Prefer": "code=403, example=deactivated"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "account_deactivated"


def test_http_query_preferences_match_the_header(platform: httpx.Client) -> None:
    response = platform.post(
        "/auth/login",
        params={"__code": "403", "__example": "suspended"},
        json={"email": "a@example.com", "password": "x"},
    )
    assert (response.status_code, response.json()["code"]) == (403, "account_suspended")


def test_http_dynamic_generates_schema_valid_seeded_data(platform: httpx.Client) -> None:
    first = platform.get(f"/projects/{PROJECT_ID}", headers={**AUTH, "Prefer": "dynamic=true"})
    again = platform.get(f"/projects/{PROJECT_ID}?__dynamic=true", headers=AUTH)
    assert first.status_code == 200
    assert first.json()["name"] != "Website relaunch"
    assert first.json() == again.json()


def test_http_undeclared_prefer_code_is_a_clear_400(platform: httpx.Client) -> None:
    response = platform.get("/health", headers={"Prefer": "code=418"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "undeclared_status"
    assert "418" in body["detail"]
    assert "200" in body["detail"]


def test_http_unknown_example_lists_the_available_ones(platform: httpx.Client) -> None:
    response = platform.get("/health", headers={"Prefer": "example=nope"})
    assert response.status_code == 400
    assert "available: ok" in response.json()["detail"]


def test_http_invalid_body_lists_every_violation_with_its_location(
    platform: httpx.Client,
) -> None:
    response = platform.post(
        "/orders?limit=1",
        headers=AUTH,
        json={"currency": "XXX", "items": [{"productId": "p", "name": "n", "quantity": 0}]},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert body["code"] == "validation_failed"
    fields = {error["field"] for error in body["errors"]}
    assert {"body.currency", "body.items[0].quantity", "body.items[0].unitPrice"} <= fields


def test_http_invalid_query_names_the_parameter(platform: httpx.Client) -> None:
    response = platform.get("/projects", params={"limit": "500", "page": "x"}, headers=AUTH)
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"query.limit", "query.page"}


def test_http_missing_token_gets_401_with_challenge(platform: httpx.Client) -> None:
    response = platform.get("/auth/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == "unauthorized"


def test_http_unknown_path_gets_404_problem(platform: httpx.Client) -> None:
    response = platform.get("/nothing/here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "/api/v1" in response.json()["detail"]


def test_http_wrong_method_gets_405_with_allow(platform: httpx.Client) -> None:
    response = platform.put("/orders", headers=AUTH, json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"


def test_http_head_answers_without_body(platform: httpx.Client) -> None:
    response = platform.head("/health")
    assert response.status_code == 200
    assert response.content == b""


def test_http_cors_preflight_allows_the_origin_with_credentials(platform: httpx.Client) -> None:
    response = platform.options(
        "/projects",
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "POST" in response.headers["access-control-allow-methods"]


def test_http_cors_can_be_switched_off(make_server: Callable[..., RunningServer]) -> None:
    server = make_server(create_app(SPEC, cors=False))
    response = httpx.get(server.url + "/api/v1/health", headers={"Origin": "http://localhost:5173"})
    assert "access-control-allow-origin" not in response.headers


def test_http_spec_declared_422_is_used_and_shaped_by_its_schema(shop: httpx.Client) -> None:
    response = shop.post("/items", json={"name": 5})
    assert response.status_code == 422
    body = response.json()
    error_schema = {
        "type": "object",
        "required": ["message", "violations"],
        "additionalProperties": False,
        "properties": {
            "message": {"type": "string"},
            "violations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["path", "reason"],
                    "additionalProperties": False,
                    "properties": {"path": {"type": "string"}, "reason": {"type": "string"}},
                },
            },
        },
    }
    jsonschema.validate(body, error_schema)
    assert {v["path"] for v in body["violations"]} == {"body.name", "body.price"}


def test_http_api_key_security_of_a_third_party_spec(shop: httpx.Client) -> None:
    assert shop.get("/items").status_code == 401
    response = shop.get("/items", headers={"X-API-Key": "k"}, params={"tags": "red,blue"})
    assert response.status_code == 200
    assert isinstance(response.json(), list)


def test_http_literal_path_wins_over_template(shop: httpx.Client) -> None:
    response = shop.get("/items/featured")
    assert response.json() == {"id": 7, "name": "Featured", "price": 1.0}


def test_http_accept_negotiates_the_media_type(shop: httpx.Client) -> None:
    response = shop.get("/items/featured", headers={"Accept": "text/plain"})
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "featured"
    assert shop.get("/items/featured", headers={"Accept": "image/png"}).status_code == 406


def test_http_path_parameter_types_are_validated(shop: httpx.Client) -> None:
    response = shop.get("/items/abc")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "path.id"


def test_http_declared_response_headers_are_sent(shop: httpx.Client) -> None:
    response = shop.post(
        "/items", json={"name": "Saw", "price": 19}, headers={"Prefer": "example=saw"}
    )
    assert response.status_code == 201
    assert response.headers["location"] == "/v2/items/1"
    assert response.json()["name"] == "Saw"


def test_http_no_content_response_has_no_body(shop: httpx.Client) -> None:
    response = shop.delete("/items/3")
    assert response.status_code == 204
    assert response.content == b""


def test_http_generated_response_never_contains_write_only_fields(shop: httpx.Client) -> None:
    for item_id in range(1, 30):
        body = shop.get(f"/items/{item_id}").json()
        assert "secret" not in body
        assert set(body) <= {"id", "name", "price"}
