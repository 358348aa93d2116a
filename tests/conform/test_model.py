"""What conform reads from the spec: callable operations, links, examples, auth actions."""

from __future__ import annotations

import copy

import pytest

from mockserver.conform.model import ApiModel
from mockserver.errors import ConformError
from mockserver.spec.loader import load_spec
from tests.conftest import SPEC


def test_every_linked_operation_is_callable_and_health_is_not(model: ApiModel) -> None:
    assert "getProject" in model.resources
    assert "payOrder" in model.resources
    assert "getHealth" not in model.resources
    assert set(model.auth) == {
        "registerUser", "loginUser", "refreshToken", "logoutUser", "getCurrentUser"
    }  # fmt: skip


def test_path_parameters_come_from_the_links(model: ApiModel) -> None:
    task = model.endpoint("getTask")
    assert task.link is not None
    assert task.link.producer == "createTask"
    assert dict(task.link.params) == {"projectId": "/projectId", "taskId": "/id"}
    assert model.endpoint("createProject").produces
    assert not model.endpoint("getProject").produces


def test_request_examples_headers_and_tokens_are_read(model: ApiModel) -> None:
    pay = model.endpoint("payOrder")
    assert pay.idempotency_header == "Idempotency-Key"
    assert pay.method_field == "paymentMethod"
    assert pay.method_tokens == ("pm_card_declined", "pm_card_insufficient_funds")
    assert [b["paymentMethod"] for b in pay.bodies] == ["pm_card_visa", "pm_card_declined"]
    assert pay.declared_headers(201) == ("idempotent-replayed", "location")
    assert pay.declared_headers(299) == ()
    assert pay.secured
    assert not model.action("login").secured


def test_the_throttle_and_the_failed_login_budget_come_from_the_spec(model: ApiModel) -> None:
    assert model.throttle_attempts() == 5
    assert model.failed_login_budget() == 25


def test_a_spec_without_the_auth_actions_is_refused() -> None:
    document = copy.deepcopy(load_spec(SPEC).document)
    del document["paths"]["/auth/register"]["post"]["x-mock-action"]
    with pytest.raises(ConformError, match="x-mock-action type 'register'"):
        ApiModel.from_spec(load_spec(document))


def test_an_operation_whose_ids_no_link_feeds_is_left_out() -> None:
    document = copy.deepcopy(load_spec(SPEC).document)
    del document["paths"]["/projects"]["post"]["responses"]["201"]["links"]["GetProject"]
    assert "getProject" not in ApiModel.from_spec(load_spec(document)).resources
