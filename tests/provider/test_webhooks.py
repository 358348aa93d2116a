"""Webhook endpoints over HTTP: the secret shown once, reads, listing, removal, validation."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.provider.conftest import Api

pytestmark = pytest.mark.slow

ENDPOINT = {
    "url": "https://shop.example.com/hooks/payments",
    "events": ["payment.succeeded", "payment.refunded"],
}


def test_the_secret_is_answered_on_create_only(api: Api) -> None:
    alice = api.user()
    response = alice.http.post("/webhook-endpoints", json={**ENDPOINT, "description": "Shop"})
    assert response.status_code == 201
    created = response.json()
    assert re.fullmatch(r"whsec_[A-Za-z0-9]{32}", created["secret"])
    assert response.headers["location"] == f"/api/v1/webhook-endpoints/{created['id']}"
    read = alice.http.get(f"/webhook-endpoints/{created['id']}").json()
    assert read == {k: v for k, v in created.items() if k != "secret"}
    assert read["description"] == "Shop"
    listed = alice.http.get("/webhook-endpoints").json()
    assert listed["data"] == [read]
    assert created["secret"] not in alice.http.get("/webhook-endpoints").text


def test_every_endpoint_gets_its_own_secret(api: Api) -> None:
    alice = api.user()
    secrets = {
        alice.http.post("/webhook-endpoints", json=ENDPOINT).json()["secret"] for _ in range(3)
    }
    assert len(secrets) == 3


def test_a_removed_endpoint_is_gone(api: Api) -> None:
    alice = api.user()
    created = alice.http.post("/webhook-endpoints", json=ENDPOINT).json()
    assert alice.http.delete(f"/webhook-endpoints/{created['id']}").status_code == 204
    assert alice.http.get(f"/webhook-endpoints/{created['id']}").status_code == 404
    assert alice.http.delete(f"/webhook-endpoints/{created['id']}").status_code == 404
    assert alice.http.get("/webhook-endpoints").json()["pagination"]["total"] == 0


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"url": "ftp://shop.example.com/hooks"}, "body.url", "pattern"),
        ({"url": "https://"}, "body.url", "format"),
        ({"url": "https://shop example.com/"}, "body.url", "format"),
        ({"events": []}, "body.events", "minItems"),
        ({"events": ["payment.succeeded", "payment.succeeded"]}, "body.events", "uniqueItems"),
        ({"events": ["order.created"]}, "body.events[0]", "enum"),
        ({"secret": "whsec_" + "a" * 32}, "body.secret", "additionalProperties"),
    ],
)
def test_an_invalid_endpoint_is_400_at_its_location(
    api: Api, changes: dict[str, Any], field: str, code: str
) -> None:
    response = api.user().http.post("/webhook-endpoints", json={**ENDPOINT, **changes})
    assert response.status_code == 400
    assert (field, code) in [(e["field"], e["code"]) for e in response.json()["errors"]]
