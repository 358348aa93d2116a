"""Programs every run starts with: the rules a provider most often gets wrong, made from the
spec rather than drawn at random, so a short run cannot miss them.

- another user's records: user 0 makes one record of each kind, user 1 calls every operation
  on it (reads, updates, deletes, actions, sub-lists), then pays its own order with the
  idempotency key user 0 used (keys are per user);
- the auth lifecycle: a wrong password and an e-mail no one registered (the same problem),
  a login with the e-mail in upper case, refresh, reuse of the rotated refresh token, logout,
  logout of all devices, the oldest access token afterwards, registering the same identity
  again;
- an account suspended by a provider state (with ``--state-url``): its earlier tokens and
  its password afterwards;
- the login throttle: wrong passwords up to ``throttle.maxAttempts`` and one more;
- twice in a row: every action on a record (cancel, pay, refund, end), an idempotent retry
  with the same key and with another key, the example bodies as written (a declined card),
  each followed by reads of the record it acted on (and of that record's parent);
- writes then reads: each update, replace and delete, then every read of that record;
- webhooks (with a receiver): subscribe to every event, every action once and twice, then
  what each server delivered (`mockserver.conform.webhooks`);
- lists: records in several states, then each list with filters, search and pagination, as
  their owner and as the other user (each filter value and search word alone, too; the words
  of descriptions as well as names).
"""

from __future__ import annotations

from mockserver.conform.bodies import clearing_body, focused_queries, search_words
from mockserver.conform.model import ApiModel, Endpoint
from mockserver.conform.steps import CLEAR, LATEST, NEW, AuthStep, Call, Program, WebhookStep
from mockserver.conform.webhooks import subscription_endpoint

__all__ = ["scenarios"]


def scenarios(model: ApiModel, *, webhooks: bool = False, states: bool = False) -> list[Program]:
    """The fixed programs of ``model``, cheapest first (the webhook one with ``webhooks``,
    the suspended account with provider ``states``)."""
    programs = [_auth_lifecycle(), _throttle(), _other_users_records(model)]
    if states:
        programs.insert(2, _suspended())
    programs += [_twice(model), _writes_then_reads(model), _lists(model)]
    if webhooks and subscription_endpoint(model) is not None:
        programs.insert(3, _webhooks(model))
    return [p for p in programs if p]


def _auth_lifecycle() -> Program:
    return [
        AuthStep("wrong-password"),
        AuthStep("unknown-email"),
        AuthStep("refresh"),
        AuthStep("reuse-refresh"),
        AuthStep("refresh"),
        AuthStep("login"),
        AuthStep("email-case"),
        AuthStep("logout"),
        AuthStep("refresh"),
        AuthStep("logout-all"),
        AuthStep("old-token"),
        AuthStep("register-again"),
    ]


def _suspended() -> Program:
    """A logged-in account given another status by a provider state (suspended): its
    earlier access token, its refresh token and its password must open nothing now."""
    return [AuthStep("suspend"), AuthStep("old-token"), AuthStep("refresh"), AuthStep("login")]


def _throttle() -> Program:
    return [AuthStep("throttle")]


def _other_users_records(model: ApiModel) -> Program:
    """User 0 makes one record of each kind, then user 1 calls every operation on them,
    then user 1 calls each idempotent action on a record of its own: its first key is the one
    user 0 used on its first record, and must neither replay user 0's answer nor conflict.

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
    own = [
        Call(e.op_id, user=1, pick=NEW) for e in model.endpoints.values() if e.idempotency_header
    ]
    return [*producers, *calls, *own]


def _twice(model: ApiModel) -> Program:
    """Every action twice on one record, each example on a new one, then one after another.

    With an idempotency key: the same key and body again (a replay), the same key with
    another body, another key (a second charge). Then each pair of actions on one kind of
    record in turn: pay a cancelled order, cancel a paid one, update an ended session.
    """
    actions = _actions(model)
    calls = _each_action(actions)
    for first in actions:
        for then in actions:
            if first is not then and _producer(first) == _producer(then):
                calls += [Call(first.op_id, pick=NEW), Call(then.op_id, pick=LATEST)]
    # An action answered with an error must have changed nothing (a declined card leaves the
    # order pending), and one that succeeded must show in the record: read it after each.
    program: Program = []
    for call in calls:
        program += [call, *_reads_of_target(model, model.endpoints[call.op])]
    return program


def _actions(model: ApiModel) -> list[Endpoint]:
    """The operations that act on a record (cancel, pay, refund, end): ``x-mock-action`` or
    ``x-mock-guard``."""
    return [
        e
        for e in model.endpoints.values()
        if e.link is not None
        and e.method != "GET"
        and (e.action or e.operation.extensions.get("x-mock-guard"))
    ]


def _each_action(actions: list[Endpoint]) -> list[Call]:
    """Each action twice on one record (with a key: a replay, another body, another key),
    then once per other example on a new record."""
    calls: list[Call] = []
    for endpoint in actions:
        op = endpoint.op_id
        calls += [Call(op, pick=NEW), Call(op, pick=LATEST)]
        if endpoint.idempotency_header:
            calls += [Call(op, pick=LATEST, variant=len(endpoint.bodies) - 1)]
            calls += [Call(op, pick=LATEST, key=1)]
        calls += [Call(op, pick=NEW, variant=v) for v in range(1, len(endpoint.bodies))]
    return calls


def _webhooks(model: ApiModel) -> Program:
    """User 0 subscribes to every event and acts on records the ways `_twice` does; user 1
    acts once on records of its own (none of which user 0 may hear of); then collect: each
    event the mock sends must come from the provider, once, signed, retried after a 503."""
    actions = _actions(model)
    others = [Call(e.op_id, user=1, pick=NEW) for e in actions]
    return [WebhookStep("subscribe"), *_each_action(actions), *others, WebhookStep("collect")]


def _reads_of_target(model: ApiModel, action: Endpoint) -> list[Call]:
    """Reads of the latest record of ``action``'s producer and of that producer's own."""
    reads: list[Call] = []
    producer = _producer(action)
    while producer:
        reads += [
            Call(read.op_id, pick=LATEST)
            for read in model.endpoints.values()
            if read.method == "GET" and read.link is not None and _producer(read) == producer
        ]
        parent = model.endpoints.get(producer)
        producer = _producer(parent) if parent is not None else ""
    return reads


def _writes_then_reads(model: ApiModel) -> Program:
    """Each update, replace and delete on a new record, then every read of that record; then
    each update that clears what the create set (`CLEAR`), then the reads again."""
    program: Program = []
    for write in model.endpoints.values():
        if write.link is None or write.action or write.method not in ("PUT", "PATCH", "DELETE"):
            continue
        reads = [
            Call(read.op_id, pick=LATEST)
            for read in model.endpoints.values()
            if read.method == "GET"
            and read.link is not None
            and _producer(read) == _producer(write)
        ]
        program += [Call(write.op_id, pick=NEW), *reads]
        if clearing_body(model, write) is not None:
            program += [Call(write.op_id, pick=NEW, variant=CLEAR), *reads]
    return program


def _producer(endpoint: Endpoint) -> str:
    return endpoint.link.producer if endpoint.link is not None else ""


def _lists(model: ApiModel) -> Program:
    """Records made by user 0 from varied bodies, then each list with several queries: drawn
    ones as user 0, and each filter value and search word alone as user 0 and as user 1 (who
    owns none of the rows a filter or a search would wrongly let through)."""
    program: Program = []
    for endpoint in model.endpoints.values():
        if endpoint.method == "POST" and endpoint.produces:
            program += [Call(endpoint.op_id, variant=v) for v in (0, 5, 6)]
    words = search_words(model)
    for endpoint in model.endpoints.values():
        if endpoint.method == "GET" and endpoint.query:
            program += [Call(endpoint.op_id, variant=v) for v in (0, 1, 2, 3)]
            focused = range(-1, -1 - len(focused_queries(model, endpoint, words)), -1)
            for user in (0, 1):
                program += [Call(endpoint.op_id, user=user, variant=v) for v in focused]
    return program
