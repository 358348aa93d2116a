"""One program in lock-step against a fresh mock and the provider."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from mockserver.conform.execute import UNKNOWN_ID, Execution, LoginBudget, Outcome
from mockserver.conform.model import ApiModel
from mockserver.conform.sides import HttpSide, MockSide
from mockserver.conform.steps import LATEST, NEW, AuthStep, Call, Program


def _run(model: ApiModel, url: str, program: Program, budget: int = 25) -> Outcome:
    async def go() -> Outcome:
        mock, provider = MockSide(model.spec, seed=1), HttpSide(url, model.base_path)
        try:
            execution = Execution(
                model, mock, provider, nonce=uuid.uuid4().hex[:10], budget=LoginBudget(budget)
            )
            return await execution.run(program)
        finally:
            await mock.aclose()
            await provider.aclose()

    return asyncio.run(go())


def test_a_program_runs_the_same_on_both_and_makes_what_it_names(
    model: ApiModel, provider_url: str
) -> None:
    program: Program = [
        Call("refundPayment", pick=NEW),
        Call("getOrder", user=1, pick=0),
        AuthStep("reuse-refresh"),
        AuthStep("logout"),
        AuthStep("old-token"),
    ]
    outcome = _run(model, provider_url, program)
    assert outcome.divergences == []
    ops = [e.op for e in outcome.exchanges]
    assert ops[:5] == ["registerUser", "loginUser", "createOrder", "payOrder", "refundPayment"]
    statuses = {e.op: e.provider.status for e in outcome.exchanges}
    assert statuses["getOrder"] == 403
    assert statuses["logoutUser"] == 204
    assert outcome.exchanges[2].provider_request.path == "/orders"


def test_a_record_that_could_not_be_made_is_named_by_an_unknown_id(
    model: ApiModel, provider_url: str
) -> None:
    # Logged out everywhere: the order a payment needs cannot be made, so "it" is unknown.
    program: Program = [AuthStep("logout-all"), Call("getPayment", pick=LATEST)]
    outcome = _run(model, provider_url, program)
    assert outcome.divergences == []
    last = outcome.exchanges[-1]
    assert last.provider_request.path == f"/payments/{UNKNOWN_ID}"
    assert [e.provider.status for e in outcome.exchanges][-3:] == [401, 401, 401]


def test_failed_logins_over_the_budget_are_left_out(model: ApiModel, provider_url: str) -> None:
    program: Program = [
        AuthStep("throttle"),
        AuthStep("wrong-password"),
        AuthStep("wrong-password"),
    ]
    outcome = _run(model, provider_url, program, budget=1)
    logins = [e for e in outcome.exchanges if e.op == "loginUser"]
    assert [e.provider.status for e in logins] == [200, 401]


def test_a_write_answered_differently_ends_the_program(
    model: ApiModel, make_provider: Callable[[str | None], str]
) -> None:
    url = make_provider("refund twice")
    program: Program = [
        Call("refundPayment", pick=NEW),
        Call("refundPayment", pick=LATEST),
        Call("listPayments"),
    ]
    outcome = _run(model, url, program)
    assert [d.signature for d in outcome.divergences] == ["status refundPayment "]
    assert outcome.divergences[0].step == 1
    assert outcome.exchanges[-1].op == "refundPayment"
