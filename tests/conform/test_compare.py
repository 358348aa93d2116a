"""Comparing two answers: what differs is named; what differs by nature (ids, times, tokens)
is mapped or compared by format only."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.conform.compare import (
    Divergence,
    IdMap,
    compare_answers,
    is_opaque,
    json_type,
    value_format,
)
from mockserver.conform.sides import Answer

M1, M2 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
P1, P2 = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
JSON = {"content-type": "application/json"}
PROBLEM = {"content-type": "application/problem+json"}


def _kinds(found: list[Divergence]) -> list[str]:
    return [f"{d.kind} {d.where}".strip() for d in found]


def _json(body: Any, status: int = 200, **headers: str) -> Answer:
    return Answer(status, {**JSON, **headers}, body)


def test_equal_answers_with_other_ids_and_times_do_not_differ() -> None:
    mock = _json({"id": M1, "name": "x", "createdAt": "2026-01-01T00:00:00Z", "n": 1})
    provider = _json({"id": P1, "name": "x", "createdAt": "2027-05-05T10:00:00.123Z", "n": 1})
    assert compare_answers("getProject", mock, provider, IdMap()) == []


def test_a_differing_status_is_the_only_divergence_reported() -> None:
    mock = Answer(403, PROBLEM, {"code": "forbidden"})
    found = compare_answers("getProject", mock, _json({"id": P1}), IdMap())
    assert [d.describe() for d in found] == [
        "status of getProject: the mock answered 403 forbidden, the provider 200"
    ]
    assert found[0].signature == "status getProject "


def test_problem_codes_and_media_types_are_compared() -> None:
    mock = Answer(402, PROBLEM, {"code": "card_declined"})
    provider = Answer(402, JSON, {"code": "payment_failed"})
    assert _kinds(compare_answers("payOrder", mock, provider, IdMap())) == [
        "problem code code",
        "media type",
    ]


@pytest.mark.parametrize(
    ("mock", "provider", "expected"),
    [
        ({"a": 1}, {"a": 1, "passwordHash": "h"}, ["extra property body.passwordHash"]),
        ({"a": 1, "b": 2}, {"a": 1}, ["missing property body.b"]),
        ({"a": 1}, {"a": "1"}, ["type body.a"]),
        ({"a": 1}, {"a": 2}, ["value body.a"]),
        ({"a": "x"}, {"a": "y"}, ["value body.a"]),
        ({"a": M1}, {"a": "2026-01-01"}, ["format body.a"]),
        ({"a": [1, 2]}, {"a": [1]}, ["list length body.a"]),
        ({"a": [1, 2]}, {"a": [1, 3]}, ["value body.a[1]"]),
        ({"a": 1.5}, {"a": 1.5}, []),
        ({"refreshToken": "r" * 20}, {"refreshToken": "s" * 30}, []),
        ({"refreshToken": "r" * 20}, {"refreshToken": 5}, ["type body.refreshToken"]),
        ({"tokenType": "Bearer"}, {"tokenType": "bearer"}, ["value body.tokenType"]),
    ],
)
def test_body_differences_are_located(
    mock: dict[str, Any], provider: dict[str, Any], expected: list[str]
) -> None:
    assert _kinds(compare_answers("op", _json(mock), _json(provider), IdMap())) == expected


def test_ids_are_mapped_once_and_then_held_to_it() -> None:
    ids = IdMap()
    assert compare_answers("op", _json({"id": M1}), _json({"id": P1}), ids) == []
    assert compare_answers("op", _json({"ref": M1}), _json({"ref": P1}), ids) == []
    found = compare_answers("op", _json({"ref": M1}), _json({"ref": P2}), ids)
    assert _kinds(found) == ["id body.ref"]
    assert ids.mock_of == {P1: M1}


def test_list_rows_pair_by_id_whatever_their_order() -> None:
    ids = IdMap()
    ids.pair(P1, M1)
    ids.pair(P2, M2)
    mock = _json({"data": [{"id": M1, "v": 1}, {"id": M2, "v": 2}]})
    provider = _json({"data": [{"id": P2, "v": 2}, {"id": P1, "v": 1}]})
    assert compare_answers("listProjects", mock, provider, ids) == []


def test_a_list_row_the_mock_does_not_have_is_reported() -> None:
    ids = IdMap()
    ids.pair(P1, M1)
    ids.pair(P2, M2)
    mock = _json({"data": [{"id": M1}]})
    provider = _json({"data": [{"id": P2}]})
    assert _kinds(compare_answers("listProjects", mock, provider, ids)) == ["list rows body.data[]"]


def test_rows_neither_server_showed_before_pair_in_order() -> None:
    ids = IdMap()
    mock = _json({"data": [{"id": M1, "status": "failed"}]})
    provider = _json({"data": [{"id": P1, "status": "failed"}]})
    assert compare_answers("listPayments", mock, provider, ids) == []
    assert ids.mock_of == {P1: M1}


def test_declared_headers_are_compared_by_presence_and_meaning() -> None:
    ids = IdMap()
    mock = _json({"id": M1}, 201, location=f"/api/v1/projects/{M1}")
    provider = _json({"id": P1}, 201, location=f"http://host:8000/api/v1/projects/{P1}")
    assert (
        compare_answers(
            "op", mock, provider, ids, declared_headers=("location",), base_path="/api/v1"
        )
        == []
    )
    dropped = _json({"id": P1}, 201)
    found = compare_answers("op", mock, dropped, ids, declared_headers=("location",))
    assert [d.describe() for d in found] == [
        "header of op at header location: the mock answered present, the provider absent"
    ]
    elsewhere = _json({"id": P1}, 201, location=f"/api/v1/tasks/{P1}")
    found = compare_answers(
        "op", mock, elsewhere, ids, declared_headers=("location",), base_path="/api/v1"
    )
    assert _kinds(found) == ["header value header location"]
    other = _json({"id": P1}, 201, location=f"/api/v1/projects/{P2}")
    found = compare_answers(
        "op", mock, other, ids, declared_headers=("location",), base_path="/api/v1"
    )
    assert _kinds(found) == ["header value header location"]


@pytest.mark.parametrize(
    ("name", "mock", "provider", "differs"),
    [
        ("retry-after", "900", "899", False),
        ("retry-after", "900", "soon", True),
        ("idempotent-replayed", "true", "true", False),
        ("idempotent-replayed", "true", "yes", True),
        ("www-authenticate", 'Bearer realm="api"', "Bearer", False),
    ],
)
def test_header_values(name: str, mock: str, provider: str, differs: bool) -> None:
    found = compare_answers(
        "op",
        Answer(429, {**PROBLEM, name: mock}, {"code": "c"}),
        Answer(429, {**PROBLEM, name: provider}, {"code": "c"}),
        IdMap(),
        declared_headers=(name,),
    )
    assert bool(found) is differs


def test_invariants_describe_what_was_expected() -> None:
    divergence = Divergence("invariant own rows", "listProjects", "body.data[]", "mine", "theirs")
    assert divergence.describe() == (
        "invariant own rows of listProjects at body.data[]: expected mine, "
        "the provider answered theirs"
    )


def test_webhook_divergences_say_what_was_sent() -> None:
    missing = Divergence("webhook missing", "paymentRefundedWebhook", "steady0", "an event", "none")
    assert missing.describe() == (
        "webhook missing of paymentRefundedWebhook at steady0: the mock sent an event, "
        "the provider none"
    )
    signed = Divergence(
        "webhook signature", "paymentSucceededWebhook", "Webhook-Signature", "a", "b"
    )
    assert signed.describe() == (
        "webhook signature of paymentSucceededWebhook at Webhook-Signature: expected a, "
        "the provider sent b"
    )


@pytest.mark.parametrize(
    ("value", "kind"),
    [(None, "null"), (True, "boolean"), (3, "integer"), (3.0, "integer"), (0.5, "number"),
     ("s", "string"), ([], "array"), ({}, "object")],
)  # fmt: skip
def test_json_type(value: Any, kind: str) -> None:
    assert json_type(value) == kind


@pytest.mark.parametrize(
    ("value", "fmt"),
    [(M1, "uuid"), ("2026-01-01T00:00:00Z", "date-time"), ("2026-01-01", "date"),
     ("aaa.bbb.ccc", "jwt"), ("plain words", "string")],
)  # fmt: skip
def test_value_format(value: str, fmt: str) -> None:
    assert value_format(value) == fmt


def test_opaque_means_a_long_made_up_token_not_its_type() -> None:
    assert is_opaque("refreshToken", "rt_" + "a" * 30)
    assert is_opaque("secret", "whsec_" + "a" * 32)
    assert not is_opaque("tokenType", "Bearer")
    assert not is_opaque("name", "a" * 40)
