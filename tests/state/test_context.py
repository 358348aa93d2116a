"""`mockserver.state.context.Request`: what a stateful answer knows about its request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mockserver.state.context import Request


def _request(**kwargs: Any) -> Request:
    return Request(op=None, validated=None, params={}, headers={}, user=None, **kwargs)  # type: ignore[arg-type]


def test_a_requests_time_is_read_once_and_kept() -> None:
    request = _request()
    before = datetime.now(UTC)
    first = request.now
    assert before <= first <= datetime.now(UTC)
    assert first.tzinfo is UTC
    assert request.now is first  # every part of one answer sees the same time


def test_a_requests_given_time_is_the_one_it_answers_with() -> None:
    given = datetime(2020, 1, 2, tzinfo=UTC) + timedelta(seconds=3)
    assert _request(at=given).now == given
