"""How an operation answers from state, worked out once at start-up for every declared status.

The stateful mock renders a record onto the response an operation declares for a status: the
media type it picks (JSON first), the schema it projects onto, whether a ``Location`` header
goes with it, and what every media type of that response requires (what a create must make
and keep). None of it depends on the request, so `plan_answers` decides it up front.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.compile.operations import Operation, declared_response

__all__ = ["IDEMPOTENCY_HEADER", "Answer", "AnswerPlan", "plan_answers"]

IDEMPOTENCY_HEADER = "idempotency-key"


@dataclass(frozen=True, slots=True)
class Answer:
    """One declared response with content: the media type and schema a record is rendered as."""

    media_type: str
    schema: Any
    location: bool  # whether the response declares a Location header


@dataclass(frozen=True, slots=True)
class AnswerPlan:
    """Every fact about an operation's answers that state rendering needs."""

    default_status: int  # the first 2xx the operation declares (200 without one)
    idempotency_header: str | None  # the Idempotency-Key header parameter, as declared
    answers: dict[int, Answer | None]
    schemas: dict[int, tuple[Any, ...]]
    operation: Operation

    def answer(self, status: int) -> Answer | None:
        """How ``status`` is rendered; None when its response has no content."""
        if status in self.answers:
            return self.answers[status]
        return _answer(self.operation, status)  # a status matched by 4XX/default only

    def schemas_of(self, status: int) -> tuple[Any, ...]:
        """The schema of each media type of the response declared for ``status``."""
        if status in self.schemas:
            return self.schemas[status]
        return _schemas(self.operation, status)


def plan_answers(operation: Operation) -> AnswerPlan:
    """Decide `AnswerPlan` for ``operation`` (called once per operation, at start-up)."""
    codes = sorted(int(s) for s in operation.responses if s.isdigit())
    success = [code for code in codes if 200 <= code < 300]
    default = success[0] if success else 200
    statuses = {*codes, default}
    header = next(
        (p.name for p in operation.parameters
         if p.location == "header" and p.name.lower() == IDEMPOTENCY_HEADER),
        None,
    )  # fmt: skip
    return AnswerPlan(
        default_status=default,
        idempotency_header=header,
        answers={status: _answer(operation, status) for status in statuses},
        schemas={status: _schemas(operation, status) for status in statuses},
        operation=operation,
    )


def _answer(operation: Operation, status: int) -> Answer | None:
    response = declared_response(operation, status)
    if response is None or not response.content:
        return None
    name, media = next(iter(response.content.items()))
    for candidate, candidate_media in response.content.items():
        if "json" in candidate:
            name, media = candidate, candidate_media
            break
    location = any(h.lower() == "location" for h in response.headers)
    return Answer(name, media.schema, location)


def _schemas(operation: Operation, status: int) -> tuple[Any, ...]:
    response = declared_response(operation, status)
    return tuple(media.schema for media in response.content.values()) if response else ()
