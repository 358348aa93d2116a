"""The steps of a conform program and the Hypothesis strategy that draws programs.

A program is a short list of steps. Steps name no ids: ``Call("getProject", user=1, pick=0)``
means "user 1 reads the first project made so far" (or makes one first when there is none),
so one program runs unchanged against two servers that hand out different ids, and Hypothesis
can shrink it by dropping steps and lowering numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from hypothesis import strategies as st

from mockserver.conform.model import ApiModel

__all__ = [
    "CLEAR",
    "LATEST",
    "NEW",
    "USERS",
    "AuthStep",
    "Call",
    "Program",
    "Step",
    "WebhookStep",
    "programs",
]

USERS = 2  # every program has (at most) two users, so every cross-user rule is reachable
# Picks with a fixed meaning (drawn picks are 0 and up, counted modulo the records made + 1).
NEW = -1  # always a record made for this step
LATEST = -2  # the record made last (or a new one when there is none)
# A body variant with a fixed meaning: an update that clears what the create example set
# (optional fields left out of a PUT, nulled or given fewer keys in a PATCH).
CLEAR = -1000

AuthKind = Literal[
    "login",
    "wrong-password",
    "unknown-email",
    "email-case",
    "refresh",
    "reuse-refresh",
    "logout",
    "logout-all",
    "old-token",
    "register-again",
    "throttle",
    "suspend",
]
AUTH_KINDS: tuple[AuthKind, ...] = get_args(AuthKind)


@dataclass(frozen=True, slots=True)
class Call:
    """``user`` calls operation ``op`` on the ``pick``-th record its path names.

    ``variant`` chooses and varies the request example and the query; ``key`` chooses one of
    a few idempotency keys, so replays (same key) and reuse (same key, other body) happen.
    """

    op: str
    user: int = 0
    pick: int = 0
    variant: int = 0
    key: int = 0

    def describe(self) -> str:
        return f"user {self.user}: {self.op} (record {self.pick}, variant {self.variant})"


@dataclass(frozen=True, slots=True)
class AuthStep:
    """A step of ``user``'s auth lifecycle (login, refresh, logout, throttle, ...)."""

    kind: AuthKind
    user: int = 0

    def describe(self) -> str:
        return f"user {self.user}: {self.kind}"


@dataclass(frozen=True, slots=True)
class WebhookStep:
    """``subscribe``: ``user`` registers webhook endpoints at conform's receiver; ``collect``:
    wait for the deliveries of both servers and check them (`mockserver.conform.webhooks`)."""

    kind: Literal["subscribe", "collect"]
    user: int = 0

    def describe(self) -> str:
        if self.kind == "subscribe":
            return f"user {self.user}: subscribe to every webhook event"
        return "collect the webhook deliveries"


Step = Call | AuthStep | WebhookStep
Program = list[Step]


def programs(model: ApiModel, *, max_steps: int = 10) -> st.SearchStrategy[Program]:
    """Lists of steps over ``model``'s operations and the auth lifecycle of two users."""
    users = st.integers(min_value=0, max_value=USERS - 1)
    small = st.integers(min_value=0, max_value=3)
    calls = st.builds(
        Call,
        op=st.sampled_from(model.resources),
        user=users,
        pick=small,
        variant=st.integers(min_value=0, max_value=63),
        key=st.integers(min_value=0, max_value=2),
    )
    auth = st.builds(AuthStep, kind=st.sampled_from(AUTH_KINDS), user=users)
    # Calls outnumber auth steps three to one: records must exist before rules about them bite.
    step: st.SearchStrategy[Step] = st.one_of(calls, calls, calls, auth)
    return st.lists(step, min_size=1, max_size=max_steps)
