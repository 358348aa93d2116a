"""The requests every contender is measured on, filled in from a contender's setup context."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from bench.contenders import SetupContext

__all__ = ["SCENARIOS", "PreparedRequest", "Scenario"]


@dataclass(frozen=True)
class PreparedRequest:
    """One concrete request: what wrk sends over and over."""

    method: str
    path: str  # relative to the contender's base path, query included
    headers: dict[str, str]
    body: bytes | None


@dataclass(frozen=True)
class Scenario:
    """A request shape and the status a correct server answers it with."""

    id: str
    label: str
    method: str
    path: Callable[[SetupContext], str]
    expect: tuple[int, ...]
    auth: bool = True
    body: Callable[[SetupContext], object] | None = None

    def prepare(self, context: SetupContext) -> PreparedRequest:
        """The concrete request for a contender's context."""
        headers = {"Accept": "application/json"}
        if self.auth:
            headers["Authorization"] = f"Bearer {context.token}"
        body = None
        if self.body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(self.body(context)).encode()
        return PreparedRequest(self.method, self.path(context), headers, body)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        id="get-auth",
        label="GET one project (bearer)",
        method="GET",
        path=lambda ctx: f"/projects/{ctx.project_id}",
        expect=(200,),
    ),
    Scenario(
        id="list",
        label="GET list page=1 limit=20",
        method="GET",
        path=lambda ctx: "/projects?page=1&limit=20",
        expect=(200,),
    ),
    Scenario(
        id="post-valid",
        label="POST valid project",
        method="POST",
        path=lambda ctx: "/projects",
        body=lambda ctx: {"name": "Bench"},
        expect=(201,),
    ),
    Scenario(
        id="post-invalid",
        label="POST invalid body (400)",
        method="POST",
        path=lambda ctx: "/projects",
        body=lambda ctx: {"name": ""},
        expect=(400,),
    ),
    Scenario(
        id="login",
        label="POST login",
        method="POST",
        path=lambda ctx: "/auth/login",
        body=lambda ctx: {"email": ctx.email, "password": ctx.password},
        expect=(200,),
        auth=False,
    ),
)
