"""The independent response check catches what it is there to catch (fast: no server)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import SPEC
from tests.provider.openapi_check import OpenApiCheck, SpecViolation

CHECK = OpenApiCheck(SPEC)
USER = {
    "id": "0f8b7c1e-3d4a-4f5b-9c6d-7e8f9a0b1c2d",
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "role": "user",
    "status": "active",
    "createdAt": "2026-11-02T09:30:00Z",
    "updatedAt": "2026-11-02T09:30:00Z",
}
PROJECT = {
    "id": "4b5f4d3e-8a1c-4a55-9c43-1d2f3b4a5c6d",
    "ownerId": "0f8b7c1e-3d4a-4f5b-9c6d-7e8f9a0b1c2d",
    "name": "Website relaunch",
    "description": None,
    "status": "active",
    "createdAt": "2026-11-02T10:00:00Z",
    "updatedAt": "2026-11-02T10:00:00Z",
}
PROBLEM = {"type": "about:blank", "title": "Not found", "status": 404, "code": "not_found"}


def answer(
    method: str,
    path: str,
    status: int,
    body: Any = None,
    *,
    media_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    request = httpx.Request(method, "http://127.0.0.1/api/v1" + path)
    if body is None:
        return httpx.Response(status, headers=headers, request=request)
    return httpx.Response(
        status, json=body, headers={"content-type": media_type, **(headers or {})}, request=request
    )


def test_a_response_the_spec_allows_passes() -> None:
    CHECK.check(answer("GET", "/auth/me", 200, USER))
    CHECK.check(answer("POST", "/projects", 201, PROJECT, headers={"Location": "/api/v1/x"}))
    CHECK.check(answer("DELETE", "/projects/4b5f4d3e-8a1c-4a55-9c43-1d2f3b4a5c6d", 204))


@pytest.mark.parametrize(
    ("response", "complaint"),
    [
        (answer("GET", "/auth/me", 200, {**USER, "password": "x"}), "writeOnly"),
        (answer("GET", "/auth/me", 418, USER), "not declared"),
        (answer("GET", "/auth/me", 200, USER, media_type="text/json"), "content type"),
        (answer("GET", "/auth/me", 200, {**USER, "role": "root"}), "does not match"),
        (answer("GET", "/auth/me", 200, {**USER, "createdAt": "yesterday"}), "does not match"),
        (answer("POST", "/projects", 201, PROJECT), "Location"),
        (answer("DELETE", "/projects/4b5f4d3e-8a1c-4a55-9c43-1d2f3b4a5c6d", 204, {}), "no body"),
        (answer("GET", "/nowhere", 200, {}), "no operation"),
        (answer("GET", "/nowhere", 404, {}), "expected application/problem"),
        (answer("DELETE", "/health", 405, PROBLEM, media_type="application/problem+json"), "Allow"),
        (
            answer("POST", "/auth/login", 429, PROBLEM, headers={"Retry-After": "0"}),
            "Retry-After",
        ),
        (
            answer(
                "PUT",
                "/orders",
                405,
                PROBLEM,
                media_type="application/problem+json",
                headers={"Allow": "GET, HEAD"},
            ),
            "the spec documents GET, POST",
        ),
    ],
    ids=[
        "password answered",
        "undeclared status",
        "undeclared content type",
        "enum broken",
        "bad timestamp",
        "201 without Location",
        "body on 204",
        "unknown operation",
        "plain 404",
        "405 without Allow",
        "Retry-After zero",
        "Allow missing a method",
    ],
)
def test_a_response_the_spec_forbids_is_a_violation(
    response: httpx.Response, complaint: str
) -> None:
    with pytest.raises(SpecViolation, match=complaint):
        CHECK.check(response)
