"""Change events: what the stateful mock announces after it stored a new or changed record.

`StatefulMock` owns one `ChangeFeed`. CRUD and ``x-mock-action`` code call `ChangeFeed.emit`
after a successful write; the session channel (`mockserver.events.channels`) and webhook
delivery (`mockserver.events.webhooks`) listen. Listeners run inline, so they must only hand work on
(publish to the store, queue a delivery), never wait on the network; a failing listener is
logged and never turns a successful write into an error.

`envelope` builds an event body (an AsyncAPI payload, a webhook request body) for a record
from the schema that describes it, so neither feature restates the spec's event shapes.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mockserver.compile.expressions import to_json_value
from mockserver.compile.resources import Resource, property_attribute
from mockserver.compile.schemas import object_properties
from mockserver.render.problems import Problem

__all__ = ["STATUS_FIELDS", "Change", "ChangeFeed", "Projector", "envelope", "status_of"]

logger = logging.getLogger("mockserver")

# The record field whose value names a state ("active", "ended", "succeeded").
STATUS_FIELDS = ("status", "state")

Listener = Callable[["Change"], Awaitable[None]]
Guard = Callable[[Resource, Any], Problem | None]
# Keeps what a schema declares of a value (`RecordBuilder.project`).
Projector = Callable[[Any, Any], Any]


# Not frozen: one is made per request, and a frozen dataclass sets each field through
# object.__setattr__ (several times the cost). Nothing changes one once made.
@dataclass(slots=True)
class Change:
    """A record of ``resource`` was stored: created (``before`` is None) or changed."""

    resource: Resource
    record: Mapping[str, Any]
    before: Mapping[str, Any] | None
    now: datetime

    @property
    def status_changed(self) -> bool:
        """Whether the record is new or its status field moved."""
        return self.before is None or status_of(self.before) != status_of(self.record)


class ChangeFeed:
    """Listeners of stored changes, and guards a new record's body must pass first."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._guards: list[Guard] = []

    def listen(self, listener: Listener) -> None:
        """Call ``listener`` after every successful write."""
        self._listeners.append(listener)

    def guard(self, guard: Guard) -> None:
        """Ask ``guard`` before a record is created; a problem it answers refuses the create."""
        self._guards.append(guard)

    def refuse(self, resource: Resource, body: Any) -> Problem | None:
        """The first guard's objection to creating ``resource`` from ``body``, or None."""
        for guard in self._guards:
            problem = guard(resource, body)
            if problem is not None:
                return problem
        return None

    async def emit(self, change: Change) -> None:
        """Tell every listener; a listener's failure is logged, never raised."""
        for listener in self._listeners:
            try:
                await listener(change)
            except Exception:  # the write succeeded; an event problem must not undo that
                logger.exception("change listener failed on %s", change.resource.collection)


def status_of(record: Mapping[str, Any]) -> Any:
    """The value of the record's status field, or None."""
    for name in STATUS_FIELDS:
        if name in record:
            return record[name]
    return None


def envelope(
    schema: Any,
    document: Mapping[str, Any],
    project: Projector,
    *,
    noun: str,
    record: Mapping[str, Any],
    event_type: str,
    record_id: Any,
    now: datetime,
    depth: int = 0,
) -> dict[str, Any]:
    """An event object shaped by ``schema`` around ``record``.

    By property: one named like the resource's noun (``session``, ``payment``) carries the
    record projected onto its schema; ``<noun>Id`` its id; ``type`` (or a ``const``) the event
    type; ``id`` a fresh UUID; a ``date-time`` property the time of the change; a nested
    object is filled the same way.
    """
    body: dict[str, Any] = {}
    for name, sub in object_properties(schema, document).items():
        const = property_attribute(sub, document, "const")
        if name == noun:
            body[name] = project(dict(record), sub)
        elif name == f"{noun}Id":
            body[name] = record_id
        elif name == "type" or const is not None:
            body[name] = const if const is not None else event_type
        elif name == "id":
            body[name] = str(uuid.uuid4())
        elif property_attribute(sub, document, "format") == "date-time":
            body[name] = to_json_value(now)
        elif depth < 4 and object_properties(sub, document):
            inner = envelope(
                sub, document, project, noun=noun, record=record, event_type=event_type,
                record_id=record_id, now=now, depth=depth + 1,
            )  # fmt: skip
            if inner:
                body[name] = inner
    return body
