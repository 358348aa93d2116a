"""Request steps of the shared provider states: they must succeed, or answer their ``expect``."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from contracts.states import RequestStep, StateError, run_request_step

USER = {"owner": {"accessToken": "t0k3n"}}


class Answers:
    """A client that answers every request with ``status`` and a problem body."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.sent: list[tuple[str, str, dict[str, str], Any]] = []

    async def request(
        self, method: str, url: str, *, headers: dict[str, str], json: Any
    ) -> httpx.Response:
        self.sent.append((method, url, headers, json))
        return httpx.Response(self.status, json={"status": self.status, "detail": "why"})


def _step(expect: int | None) -> RequestStep:
    body = {"email": "lin@example.com", "password": "wrong-horse-1"}
    return RequestStep("failed", "owner", "POST", "/auth/login", {}, body, expect)


@pytest.mark.parametrize(("status", "expect"), [(200, None), (201, None), (401, 401)])
def test_a_request_step_answering_as_expected_gives_its_answer(
    status: int, expect: int | None
) -> None:
    client = Answers(status)
    answer = asyncio.run(run_request_step(client, _step(expect), USER, prefix="/api/v1"))
    assert answer["status"] == status
    assert client.sent[0][:2] == ("POST", "/api/v1/auth/login")
    assert client.sent[0][2]["Authorization"] == "Bearer t0k3n"


@pytest.mark.parametrize(("status", "expect"), [(400, None), (200, 401), (429, 401)])
def test_a_request_step_answering_otherwise_fails_the_state(
    status: int, expect: int | None
) -> None:
    with pytest.raises(StateError, match=f"request step failed .* answered {status}"):
        asyncio.run(run_request_step(Answers(status), _step(expect), USER))
