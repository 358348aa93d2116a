"""Programs every run starts with: the rules a provider most often gets wrong, made from the
spec rather than drawn at random, so a short run cannot miss them.

- another user's records: user 0 makes one record of each kind, user 1 calls every operation
  on it (reads, updates, deletes, actions, sub-lists);
- the auth lifecycle: refresh, reuse of the rotated refresh token, logout, logout of all
  devices, the oldest access token afterwards, registering the same identity again;
- the login throttle: wrong passwords up to ``throttle.maxAttempts`` and one more;
- twice in a row: every action on a record (cancel, pay, refund, end), an idempotent retry
  with the same key and with another key, the example bodies as written (a declined card);
- writes then reads: each update, replace and delete, then every read of that record;
- lists: records in several states, then each list with filters, search and pagination.
"""

from __future__ import annotations

from mockserver.conform.model import ApiModel, Endpoint
from mockserver.conform.steps import LATEST, NEW, AuthStep, Call, Program

__all__ = ["scenarios"]


def scenarios(model: ApiModel) -> list[Program]:
    """The fixed programs of ``model``, cheapest first."""
    programs = [_auth_lifecycle(), _throttle(), _other_users_records(model)]
    programs += [_twice(model), _writes_then_reads(model), _lists(model)]
    return [p for p in programs if p]


def _auth_lifecycle() -> Program:
    return [
        AuthStep("refresh"),
        AuthStep("reuse-refresh"),
        AuthStep("refresh"),
        AuthStep("login"),
        AuthStep("logout"),
        AuthStep("refresh"),
        AuthStep("logout-all"),
        AuthStep("old-token"),
        AuthStep("register-again"),
    ]


def _throttle() -> Program:
    return [AuthStep("throttle")]


def _other_users_records(model: ApiModel) -> Program:
    """User 0 makes one record of each kind, then user 1 calls every operation on them.

    One program, so two users are registered once (a provider hashes every password).
    """
    producers: list[Call] = []
    calls: list[Call] = []
    for endpoint in model.endpoints.values():
        if endpoint.link is None:
            continue
        if all(s.op != endpoint.link.producer for s in producers):
            producers.append(Call(endpoint.link.producer, user=0))
        calls.append(Call(endpoint.op_id, user=1, pick=0))
    # Reads first: another user's write that wrongly succeeds ends the program.
    calls.sort(key=lambda c: model.endpoints[c.op].method != "GET")
    return [*producers, *calls]


def _twice(model: ApiModel) -> Program:
    """Every action twice on one record, each example on a new one, then one after another.

    With an idempotency key: the same key and body again (a replay), the same key with
    another body, another key (a second charge). Then each pair of actions on one kind of
    record in turn: pay a cancelled order, cancel a paid one, update an ended session.
    """
    actions = [
        e
        for e in model.endpoints.values()
        if e.link is not None
        and e.method != "GET"
        and (e.action or e.operation.extensions.get("x-mock-guard"))
    ]
    program: Program = []
    for endpoint in actions:
        op = endpoint.op_id
        program += [Call(op, pick=NEW), Call(op, pick=LATEST)]
        if endpoint.idempotency_header:
            program += [Call(op, pick=LATEST, variant=len(endpoint.bodies) - 1)]
            program += [Call(op, pick=LATEST, key=1)]
        program += [Call(op, pick=NEW, variant=v) for v in range(1, len(endpoint.bodies))]
    for first in actions:
        for then in actions:
            if first is not then and _producer(first) == _producer(then):
                program += [Call(first.op_id, pick=NEW), Call(then.op_id, pick=LATEST)]
    return program


def _writes_then_reads(model: ApiModel) -> Program:
    """Each update, replace and delete on a new record, then every read of that record."""
    program: Program = []
    for write in model.endpoints.values():
        if write.link is None or write.action or write.method not in ("PUT", "PATCH", "DELETE"):
            continue
        program.append(Call(write.op_id, pick=NEW))
        program += [
            Call(read.op_id, pick=LATEST)
            for read in model.endpoints.values()
            if read.method == "GET"
            and read.link is not None
            and _producer(read) == _producer(write)
        ]
    return program


def _producer(endpoint: Endpoint) -> str:
    return endpoint.link.producer if endpoint.link is not None else ""


def _lists(model: ApiModel) -> Program:
    """Records made from varied bodies, then each list with several queries."""
    program: Program = []
    for endpoint in model.endpoints.values():
        if endpoint.method == "POST" and endpoint.produces:
            program += [Call(endpoint.op_id, variant=v) for v in (0, 5, 6)]
    for endpoint in model.endpoints.values():
        if endpoint.method == "GET" and endpoint.query:
            program += [Call(endpoint.op_id, variant=v) for v in (0, 1, 2, 3)]
    return program
