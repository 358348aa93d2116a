"""Provider states in a conform run: what the API alone cannot do, like suspending an account.

No operation of a spec suspends an account; a provider-state endpoint can (Pact's protocol:
``POST {"state", "params", "action": "setup"}``). With ``--state-url`` conform changes the
same state on both servers: the provider at that URL, the mock at its own
``/__mock/provider-states``; both read the shared state definitions (`contracts.states`). The
state used is the one that sets up a single account with a ``status`` parameter ("a user
exists"): conform resets one of its users to a status other than the default (``suspended``
first), then checks what that account's earlier tokens and password still open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from mockserver.errors import ConformError

if TYPE_CHECKING:
    from mockserver.conform.sides import Side

__all__ = ["MOCK_STATE_PATH", "AccountState", "account_state"]

MOCK_STATE_PATH = "/__mock/provider-states"
TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class AccountState:
    """The state that resets one account, and the status it is given."""

    name: str
    status: str
    identity: str  # the param naming the account (email)
    secret: str  # the param of its password
    url: str  # the provider's state-change endpoint

    def body(self, email: str, password: str) -> dict[str, Any]:
        params = {self.identity: email, self.secret: password, "status": self.status}
        return {"state": self.name, "params": params, "action": "setup"}

    async def change(self, mock: Side, email: str, password: str) -> None:
        """Give the account ``email`` the status on both servers (the provider first)."""
        body = self.body(email, password)
        state = body["state"]
        async with httpx.AsyncClient(timeout=TIMEOUT, trust_env=False) as client:
            try:
                answer = await client.post(self.url, json=body)
            except httpx.HTTPError as exc:
                raise ConformError(
                    f"the provider's --state-url at {self.url} did not answer state "
                    f"{state!r}: {exc!r}"
                ) from exc
        _check(answer.status_code, answer.text, "the provider's --state-url", self.url, body)
        headers = [("content-type", "application/json")]
        done = await mock.exchange("POST", MOCK_STATE_PATH, headers, json.dumps(body).encode())
        _check(done.status, done.text, "the mock", MOCK_STATE_PATH, body)


def _check(status: int, text: str, who: str, url: str, body: dict[str, Any]) -> None:
    if not 200 <= status < 300:
        raise ConformError(
            f"{who} at {url} answered {status} to state {body['state']!r} "
            f"{body['params']}: {text[:300]}"
        )


def account_state(url: str | None) -> AccountState | None:
    """The state that gives one account a status, from the shared definitions; None when
    there is no ``url`` or no such state (one user step; ``email``, ``password`` and an
    enumerated ``status`` among its params)."""
    if url is None:
        return None
    from contracts.states import UserStep
    from mockserver.pact.states import state_definitions

    for name, definition in state_definitions().items():
        status = definition.params.get("status")
        if (
            status is None
            or len(definition.steps) != 1
            or not isinstance(definition.steps[0], UserStep)
            or not {"email", "password"} <= set(definition.params)
        ):
            continue
        choices = [str(v) for v in status.enum if v != status.default]
        if choices:
            chosen = next((v for v in choices if "suspend" in v), choices[0])
            return AccountState(name, chosen, "email", "password", url)
    return None
