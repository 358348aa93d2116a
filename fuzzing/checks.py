"""Business rules the spec's schemas cannot express, as Schemathesis checks.

Each check is a plain function ``(ctx, response, case)`` that raises `AssertionError` with a
message saying what rule broke and where; `register` hands them to Schemathesis, with the
checks of what one response shows (`fuzzing.responses`) and the cross-user ones
(`fuzzing.access`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, TypeGuard
from urllib.parse import urlsplit

import schemathesis
from schemathesis import Case, Response

from fuzzing.access import another_user_is_refused
from fuzzing.replay import api_prefix, authorization, caller, json_body, server_url
from fuzzing.responses import (
    no_secrets_outside_their_declared_places,
    no_undeclared_properties,
    pagination_adds_up,
)

__all__ = [
    "CHECKS",
    "another_user_is_refused",
    "created_resource_is_readable_at_location",
    "errors_are_problem_details",
    "lists_hold_only_the_callers_items",
    "no_secrets_outside_their_declared_places",
    "no_undeclared_properties",
    "order_totals_add_up",
    "pagination_adds_up",
    "password_never_in_response",
    "payment_amount_matches_order",
    "register",
]

OWNER_FIELDS = ("ownerId", "userId")
PROBLEM_JSON = "application/problem+json"
PASSWORD_POLICY = re.compile(r"^(?=.{8,}$).*([A-Za-z].*[0-9]|[0-9].*[A-Za-z])", re.DOTALL)


def _orders(body: Any) -> Iterator[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("items"), list) and "total" in body:
        yield body
    elif isinstance(body, dict) and isinstance(body.get("data"), list):
        for item in body["data"]:
            yield from _orders(item)


def order_totals_add_up(ctx: Any, response: Response, case: Case[Any]) -> bool | None:
    """Every order's lines total ``quantity * unitPrice``, ``subtotal`` sums them, ``total`` too."""
    if response.status_code >= 300:
        return None
    for order in _orders(json_body(response)):
        lines = [i for i in order["items"] if isinstance(i, dict)]
        for index, line in enumerate(lines):
            expected = line.get("quantity", 0) * line.get("unitPrice", 0)
            assert line.get("lineTotal") == expected, (
                f"order {order.get('id')}: items[{index}].lineTotal is {line.get('lineTotal')}, "
                f"expected quantity * unitPrice = {expected}"
            )
        subtotal = sum(line.get("lineTotal", 0) for line in lines)
        assert order.get("subtotal") == subtotal, (
            f"order {order.get('id')}: subtotal is {order.get('subtotal')}, "
            f"expected the sum of the line totals = {subtotal}"
        )
        assert order.get("total") == subtotal, (
            f"order {order.get('id')}: total is {order.get('total')}, expected {subtotal} "
            "(no tax or shipping)"
        )
    return True


def _follow(case: Case[Any], response: Response, path: str) -> Response | None:
    """GET ``path`` (a URL path) on the server that answered, with the same credentials."""
    prefix = api_prefix(case, response)
    relative = path[len(prefix) :] if prefix and path.startswith(prefix) else path
    operation = case.operation.schema.find_operation_by_path("GET", relative)
    if operation is None:
        return None
    template = re.sub(r"\\\{([^}]+)\\\}", r"(?P<\1>[^/]+)", re.escape(operation.path))
    match = re.fullmatch(template, relative)
    params = match.groupdict() if match else {}
    sent_with = authorization(response)
    headers = {} if sent_with is None else {"Authorization": sent_with}
    follow_up = operation.Case(path_parameters=params, headers=headers)
    result: Response = follow_up.call(base_url=server_url(case, response))
    return result


def created_resource_is_readable_at_location(
    ctx: Any, response: Response, case: Case[Any]
) -> bool | None:
    """A 201 with ``Location`` names a URL that answers the same resource."""
    location = response.headers.get("location")
    if response.status_code != 201 or not location:
        return None
    created = json_body(response)
    read = _follow(case, response, location[0])
    assert read is not None, f"Location {location[0]} is not an operation of the API"
    assert read.status_code == 200, (
        f"GET {location[0]} (the Location of the 201) answered {read.status_code}, expected 200"
    )
    body = json_body(read)
    if isinstance(created, dict) and isinstance(body, dict) and "id" in created:
        assert body.get("id") == created["id"], (
            f"GET {location[0]} answered id {body.get('id')}, the 201 created {created['id']}"
        )
    return True


def lists_hold_only_the_callers_items(ctx: Any, response: Response, case: Case[Any]) -> bool | None:
    """A list answers only items whose owner is the caller."""
    body = json_body(response)
    user = caller(response)
    if response.status_code != 200 or user is None or not isinstance(body, dict):
        return None
    for index, item in enumerate(body.get("data") or []):
        if not isinstance(item, dict):
            continue
        for field in OWNER_FIELDS:
            if field in item:
                assert item[field] == user, (
                    f"data[{index}].{field} is {item[field]}, but the caller is {user}: "
                    "a list shows another user's item"
                )
    return True


def payment_amount_matches_order(ctx: Any, response: Response, case: Case[Any]) -> bool | None:
    """A successful payment charged exactly its order's total, in its currency."""
    payment = json_body(response)
    if response.status_code != 201 or not isinstance(payment, dict) or "orderId" not in payment:
        return None
    prefix = api_prefix(case, response)
    order_response = _follow(case, response, f"{prefix}/orders/{payment['orderId']}")
    if order_response is None or order_response.status_code != 200:
        return None
    order = json_body(order_response)
    assert payment.get("amount") == order.get("total"), (
        f"payment {payment.get('id')} charged {payment.get('amount')}, "
        f"its order {payment['orderId']} totals {order.get('total')}"
    )
    assert payment.get("currency") == order.get("currency"), (
        f"payment {payment.get('id')} is in {payment.get('currency')}, "
        f"its order in {order.get('currency')}"
    )
    return True


def _keys(value: Any, path: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, sub in value.items():
            yield f"{path}.{key}" if path else str(key)
            yield from _keys(sub, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield from _keys(sub, f"{path}[{index}]")


def password_never_in_response(ctx: Any, response: Response, case: Case[Any]) -> bool | None:
    """No response carries a password: neither a ``password`` field nor the one just sent."""
    body = json_body(response)
    leaked = [k for k in _keys(body) if k.rsplit(".", 1)[-1].lower() == "password"]
    assert not leaked, f"the response has a password field at {', '.join(leaked)}"
    sent = case.body.get("password") if isinstance(case.body, dict) else None
    if _could_be_a_password(sent) and sent not in urlsplit(str(response.request.url)).path:
        assert sent.encode() not in response.content, (
            "the response body contains the password the request sent"
        )
    return True


def _could_be_a_password(value: Any) -> TypeGuard[str]:
    """Whether ``value`` meets the registration policy (8+ characters, a letter and a digit).

    Every real password does; a shorter or all-letter string sent to login may well be a word
    the server says anyway ("Invalid credentials"), and the path is echoed in ``instance``.
    """
    return isinstance(value, str) and PASSWORD_POLICY.search(value) is not None


def errors_are_problem_details(ctx: Any, response: Response, case: Case[Any]) -> bool | None:
    """A 4xx/5xx is application/problem+json whose ``status`` is the status it was sent with."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    assert content_type == PROBLEM_JSON, (
        f"a {response.status_code} answered {content_type or 'no content type'}, "
        f"expected {PROBLEM_JSON}"
    )
    body = json_body(response)
    assert isinstance(body, dict), f"a {response.status_code} problem body is not a JSON object"
    assert body.get("status") == response.status_code, (
        f"the problem says status {body.get('status')}, it was sent with {response.status_code}"
    )
    return True


CheckFunction = Callable[[Any, Response, Case[Any]], "bool | None"]
CHECKS: tuple[CheckFunction, ...] = (
    order_totals_add_up,
    created_resource_is_readable_at_location,
    lists_hold_only_the_callers_items,
    payment_amount_matches_order,
    password_never_in_response,
    errors_are_problem_details,
    no_undeclared_properties,
    no_secrets_outside_their_declared_places,
    pagination_adds_up,
    another_user_is_refused,
)


def register() -> None:
    """Register every check with Schemathesis (the hooks module calls this once)."""
    for check in CHECKS:
        schemathesis.check(check)
