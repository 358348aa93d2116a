"""Security requirements: alternatives, combined schemes, challenges."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.datastructures import Headers

from mockserver.auth.credentials import SecurityChecker

DOCUMENT: dict[str, Any] = {
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "basic": {"type": "http", "scheme": "basic"},
            "headerKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "queryKey": {"type": "apiKey", "in": "query", "name": "api_key"},
            "cookieKey": {"type": "apiKey", "in": "cookie", "name": "sid"},
            "oauth": {"type": "oauth2", "flows": {}},
        }
    }
}


def check(
    requirement: list[dict[str, list[str]]], headers: dict[str, str], query: str = ""
) -> bool:
    checker = SecurityChecker(DOCUMENT, requirement)
    return checker.check(Headers(headers), query) is None


@pytest.mark.parametrize(
    ("requirement", "headers", "query", "ok"),
    [
        ([], {}, "", True),
        ([{}], {}, "", True),
        ([{"bearer": []}], {}, "", False),
        ([{"bearer": []}], {"Authorization": "Bearer abc"}, "", True),
        ([{"bearer": []}], {"Authorization": "bearer abc"}, "", True),
        ([{"bearer": []}], {"Authorization": "Bearer "}, "", False),
        ([{"bearer": []}], {"Authorization": "Basic abc"}, "", False),
        ([{"basic": []}], {"Authorization": "Basic dTpw"}, "", True),
        ([{"headerKey": []}], {"x-api-key": "k"}, "", True),
        ([{"queryKey": []}], {}, "api_key=k", True),
        ([{"queryKey": []}], {}, "other=k", False),
        ([{"cookieKey": []}], {"Cookie": "sid=1; a=b"}, "", True),
        ([{"cookieKey": []}], {"Cookie": "a=b"}, "", False),
        ([{"oauth": []}], {"Authorization": "Bearer t"}, "", True),
        ([{"bearer": [], "headerKey": []}], {"Authorization": "Bearer t"}, "", False),
        (
            [{"bearer": [], "headerKey": []}],
            {"Authorization": "Bearer t", "X-API-Key": "k"},
            "",
            True,
        ),
        ([{"bearer": []}, {"headerKey": []}], {"X-API-Key": "k"}, "", True),
        ([{"bearer": []}, {}], {}, "", True),
    ],
)
def test_security_checker_accepts_exactly_the_satisfied_requirements(
    requirement: list[dict[str, list[str]]], headers: dict[str, str], query: str, ok: bool
) -> None:
    assert check(requirement, headers, query) is ok


def test_security_failure_says_what_is_needed_and_challenges() -> None:
    checker = SecurityChecker(DOCUMENT, [{"bearer": []}, {"headerKey": []}])
    failure = checker.check(Headers({}), "")
    assert failure is not None
    assert "Authorization: Bearer" in failure.detail
    assert "X-API-Key" in failure.detail
    assert failure.challenges[0] == 'Bearer realm="api"'


def test_security_checker_lets_undefined_schemes_pass_and_records_them() -> None:
    checker = SecurityChecker(DOCUMENT, [{"nope": []}], where="/paths/~1x/get")
    assert checker.check(Headers({}), "") is None
    assert checker.undefined == ["nope"]
