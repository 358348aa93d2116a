"""The consumer's expectations of another user's records: each is refused to the caller.

One provider state (``records of another user exist``) gives grace@example.com a project with a
task, a paid order with its payment and a session, and logs ada@example.com in; every read
(and the actions a frontend offers: cancel, end) answers ada 403 ``forbidden``. Another user's
project is in `tests.contracts.resource_scenarios` with the project CRUD.
"""

from __future__ import annotations

from contracts.client import Forbidden
from tests.contracts.resource_scenarios import IDS, ORDER, SESSION, TASK
from tests.contracts.shapes import Scenario, State, path, problem, raises

__all__ = ["CROSS_USER"]

OTHERS: list[State] = [("records of another user exist", {})]

CROSS_USER: list[Scenario] = [
    Scenario(
        "a request for another user's task",
        OTHERS,
        "GET",
        path(TASK),
        403,
        raises(Forbidden, "forbidden", lambda api: api.get_task(IDS["projectId"], IDS["taskId"])),
        response=problem(403, "forbidden"),
    ),
    Scenario(
        "a request for another user's order",
        OTHERS,
        "GET",
        path(ORDER),
        403,
        raises(Forbidden, "forbidden", lambda api: api.get_order(IDS["orderId"])),
        response=problem(403, "forbidden"),
    ),
    Scenario(
        "a cancellation of another user's order",
        OTHERS,
        "POST",
        path(ORDER + "/cancel"),
        403,
        raises(Forbidden, "forbidden", lambda api: api.cancel_order(IDS["orderId"])),
        response=problem(403, "forbidden"),
    ),
    Scenario(
        "a request for another user's payment",
        OTHERS,
        "GET",
        path("/payments/{paymentId}"),
        403,
        raises(Forbidden, "forbidden", lambda api: api.get_payment(IDS["paymentId"])),
        response=problem(403, "forbidden"),
    ),
    Scenario(
        "a request for another user's session",
        OTHERS,
        "GET",
        path(SESSION),
        403,
        raises(Forbidden, "forbidden", lambda api: api.get_session(IDS["sessionId"])),
        response=problem(403, "forbidden"),
    ),
    Scenario(
        "an end of another user's session",
        OTHERS,
        "POST",
        path(SESSION + "/end"),
        403,
        raises(Forbidden, "forbidden", lambda api: api.end_session(IDS["sessionId"])),
        response=problem(403, "forbidden"),
    ),
]
