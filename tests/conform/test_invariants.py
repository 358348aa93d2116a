"""The rules the provider's answers must keep across a program."""

from __future__ import annotations

from typing import Any

from mockserver.conform.invariants import Ledger, Unchanged, computed_fields
from mockserver.conform.model import ApiModel
from mockserver.conform.sides import Answer

ME, THEM = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
P1 = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"


def _ok(body: Any, status: int = 200) -> Answer:
    return Answer(status, {"content-type": "application/json"}, body)


def _kinds(ledger: Ledger, op: str, path: str, answer: Answer) -> list[str]:
    endpoint = ledger.model.endpoint(op)
    return [d.kind for d in ledger.check(endpoint, path, answer, ME)]


def test_computed_fields_are_read_from_the_schema(model: ApiModel) -> None:
    schema = model.endpoint("getOrder").operation.responses["200"].content["application/json"]
    found = {(path, name) for path, name, _ in computed_fields(model, schema.schema)}
    assert found == {("items[].", "lineTotal"), ("", "subtotal"), ("", "total")}


def test_a_miscomputed_total_and_line_are_caught(model: ApiModel) -> None:
    order = {
        "id": P1, "userId": ME, "subtotal": 300, "total": 301,
        "items": [{"quantity": 2, "unitPrice": 100, "lineTotal": 200},
                  {"quantity": 1, "unitPrice": 100, "lineTotal": 101}],
    }  # fmt: skip
    found = Ledger(model).check(model.endpoint("getOrder"), f"/orders/{P1}", _ok(order), ME)
    assert sorted(d.where for d in found) == [
        "body.items[].lineTotal",
        "body.subtotal",
        "body.total",
    ]


def test_a_read_must_answer_the_last_write(model: ApiModel) -> None:
    ledger = Ledger(model)
    path = f"/projects/{P1}"
    created = {"id": P1, "ownerId": ME, "name": "a", "secret": "only once", "updatedAt": "t1"}
    assert _kinds(ledger, "createProject", "/projects", _ok(created, 201)) == []
    same = {"id": P1, "ownerId": ME, "name": "a", "updatedAt": "t2"}
    assert _kinds(ledger, "getProject", path, _ok(same)) == []
    assert _kinds(ledger, "updateProject", path, _ok({**same, "name": "b"})) == []
    assert _kinds(ledger, "getProject", path, _ok(same)) == ["invariant read-after-write"]


def test_a_write_that_names_a_record_forgets_what_it_was(model: ApiModel) -> None:
    ledger = Ledger(model)
    order = {"id": P1, "userId": ME, "status": "pending"}
    ledger.check(model.endpoint("createOrder"), "/orders", _ok(order, 201), ME)
    ledger.check(model.endpoint("payOrder"), f"/orders/{P1}/payments", _ok({"id": THEM}, 201), ME)
    assert _kinds(ledger, "getOrder", f"/orders/{P1}", _ok({**order, "status": "paid"})) == []


def test_a_deleted_record_is_gone(model: ApiModel) -> None:
    ledger = Ledger(model)
    path = f"/projects/{P1}"
    assert _kinds(ledger, "deleteProject", path, Answer(204)) == []
    assert _kinds(ledger, "getProject", path, _ok({"id": P1, "ownerId": ME})) == [
        "invariant deleted is gone"
    ]


def test_a_list_holds_only_the_callers_rows(model: ApiModel) -> None:
    rows = {"data": [{"id": P1, "ownerId": THEM}], "pagination": {}}
    assert _kinds(Ledger(model), "listProjects", "/projects", _ok(rows)) == ["invariant own rows"]


def test_refusals_are_not_checked(model: ApiModel) -> None:
    answer = Answer(403, {"content-type": "application/problem+json"}, {"code": "forbidden"})
    assert _kinds(Ledger(model), "getProject", f"/projects/{P1}", answer) == []


def test_a_write_the_mock_answers_unchanged_must_not_change_the_providers_record(
    model: ApiModel,
) -> None:
    end, get = model.endpoint("endSession"), model.endpoint("getSession")
    unchanged = Unchanged()
    ended = {"id": P1, "status": "ended", "endedAt": "2026-01-01T00:00:00Z"}
    moved = {**ended, "endedAt": "2026-01-01T00:00:09Z"}
    assert unchanged.check(end, {"id": ME, "status": "ended"}, ended) == []
    assert unchanged.check(get, {"id": ME, "status": "ended"}, ended) == []
    [found] = unchanged.check(end, {"id": ME, "status": "ended"}, moved)
    assert found.signature == "invariant unchanged endSession body.endedAt"
    assert unchanged.check(end, {"id": ME, "status": "ended"}, moved) == []
