"""Examples chosen by the request (``x-mock-match``), stateless and for reads of missing records."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from mockserver import create_app
from tests.inprocess import InProcess

MakeMock = Callable[..., InProcess]

PET = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}


def _example(value: Any, match: Any = None) -> dict[str, Any]:
    return {"value": value, **({"x-mock-match": match} if match is not None else {})}


def _document(*, pet_examples: dict[str, Any] | None = None) -> dict[str, Any]:
    pet_examples = pet_examples or {
        "vip": _example({"id": 1, "name": "VIP"}, {"path": {"petId": 1}}),
        "tenant": _example(
            {"id": 2, "name": "Acme's"}, {"header": {"X-Tenant": {"pattern": "^acme"}}}
        ),
        "verbose": _example({"id": 3, "name": "Verbose"}, {"query": {"verbose": True}}),
        "plain": _example({"id": 9, "name": "Plain"}),
    }
    missing = {"type": "object", "properties": {"reason": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/pets/{petId}": {
                "parameters": [
                    {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "get": {
                    "parameters": [
                        {"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "X-Tenant", "in": "header", "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {"schema": PET, "examples": pet_examples}
                            },
                        },
                        "404": {
                            "description": "none",
                            "content": {
                                "application/json": {
                                    "schema": missing,
                                    "examples": {
                                        "zero": _example(
                                            {"reason": "no pet 0"}, {"path": {"petId": 0}}
                                        )
                                    },
                                }
                            },
                        },
                    },
                },
                "put": {
                    "requestBody": {"content": {"application/json": {"schema": PET}}},
                    "responses": {"200": {"description": "ok"}},
                },
            },
            "/quotes": {
                "post": {
                    "requestBody": {
                        "content": {"application/json": {"schema": {"type": "object"}}}
                    },
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "examples": {
                                        "gold": _example(
                                            {"discount": 20},
                                            {"body": {"/customer/tier": "gold"}},
                                        ),
                                        "standard": _example({"discount": 0}),
                                    }
                                }
                            },
                        }
                    },
                }
            },
        },
    }


@pytest.fixture
def stateless(make_mock: MakeMock) -> InProcess:
    return make_mock(create_app(_document(), stateful=False, seed=1))


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        ("/pets/1", {}, {"id": 1, "name": "VIP"}),
        ("/pets/5", {"X-Tenant": "acme-eu"}, {"id": 2, "name": "Acme's"}),
        ("/pets/5?verbose=true", {}, {"id": 3, "name": "Verbose"}),
        ("/pets/5?verbose=false", {"X-Tenant": "other"}, {"id": 9, "name": "Plain"}),
        ("/pets/1?verbose=true", {"X-Tenant": "acme"}, {"id": 1, "name": "VIP"}),  # first wins
    ],
)
def test_the_example_the_request_matches_is_answered(
    stateless: InProcess, path: str, headers: dict[str, str], expected: Any
) -> None:
    answer = stateless.request("GET", path, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == expected


def test_a_match_on_another_status_answers_that_status(stateless: InProcess) -> None:
    answer = stateless.request("GET", "/pets/0")
    assert answer.status_code == 404
    assert answer.json() == {"reason": "no pet 0"}


def test_a_body_field_selects_the_example(stateless: InProcess) -> None:
    gold = stateless.request("POST", "/quotes", json={"customer": {"tier": "gold"}})
    assert gold.json() == {"discount": 20}
    other = stateless.request("POST", "/quotes", json={"customer": {"tier": "silver"}})
    assert other.json() == {"discount": 0}


def test_prefer_example_still_wins_and_prefer_code_narrows(stateless: InProcess) -> None:
    named = stateless.request("GET", "/pets/1", headers={"Prefer": "example=plain"})
    assert named.json() == {"id": 9, "name": "Plain"}
    # Asked for a 200, the 404 example petId 0 matches is not answered.
    coded = stateless.request("GET", "/pets/0", headers={"Prefer": "code=200"})
    assert coded.status_code == 200
    assert coded.json() == {"id": 9, "name": "Plain"}
    # An example with x-mock-match is still answered when named.
    vip = stateless.request("GET", "/pets/7", headers={"Prefer": "example=vip"})
    assert vip.json() == {"id": 1, "name": "VIP"}


def test_a_read_of_a_missing_record_answers_the_matched_example(make_mock: MakeMock) -> None:
    mock = make_mock(create_app(_document(), seed=1, missing="404"))
    assert mock.request("GET", "/pets/1").json() == {"id": 1, "name": "VIP"}
    assert mock.request("GET", "/pets/0").status_code == 404
    assert mock.request("GET", "/pets/0").json() == {"reason": "no pet 0"}
    # Nothing matches and nothing is stored: 404 as before.
    nothing = mock.request("GET", "/pets/5")
    assert nothing.status_code == 404
    assert nothing.json()["code"] == "not_found"


def test_materialized_from_the_matched_example_the_record_takes_writes(
    make_mock: MakeMock,
) -> None:
    mock = make_mock(create_app(_document(), seed=1, missing="materialize"))
    assert mock.request("GET", "/pets/1").json() == {"id": 1, "name": "VIP"}
    assert mock.request("PUT", "/pets/1", json={"id": 1, "name": "Renamed"}).status_code == 200
    # The record is stored now: its example no longer answers.
    assert mock.request("GET", "/pets/1").json() == {"id": 1, "name": "Renamed"}
    # A matched error is answered as declared, not materialized.
    assert mock.request("GET", "/pets/0").status_code == 404


def test_a_malformed_match_is_logged_and_the_example_is_only_answered_by_name(
    make_mock: MakeMock, caplog: pytest.LogCaptureFixture
) -> None:
    examples = {
        "broken": _example({"id": 1, "name": "Broken"}, {"path": {"petId": {"regex": "1"}}}),
        "plain": _example({"id": 9, "name": "Plain"}),
    }
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        app = create_app(_document(pet_examples=examples), stateful=False)
    assert "malformed x-mock-match" in caplog.text
    mock = make_mock(app)
    assert mock.request("GET", "/pets/1").json() == {"id": 9, "name": "Plain"}
    named = mock.request("GET", "/pets/1", headers={"Prefer": "example=broken"})
    assert named.json() == {"id": 1, "name": "Broken"}


def test_an_example_of_a_media_type_the_client_refuses_is_not_chosen(
    make_mock: MakeMock,
) -> None:
    document = _document()
    content = document["paths"]["/pets/{petId}"]["get"]["responses"]["200"]["content"]
    content["application/xml"] = {
        "schema": PET,
        "examples": {"xml": _example("<pet/>", {"path": {"petId": 4}})},
    }
    mock = make_mock(create_app(document, stateful=False))
    answer = mock.request("GET", "/pets/4", headers={"Accept": "application/json"})
    assert answer.json() == {"id": 9, "name": "Plain"}
    xml = mock.request("GET", "/pets/4", headers={"Accept": "application/xml"})
    assert xml.text == "<pet/>"
