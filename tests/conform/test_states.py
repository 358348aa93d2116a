"""conform with a provider-state endpoint: an account suspended on both servers, then its
earlier tokens and its password. Quiet on the correct provider (and the mock refuses what
the provider refuses); the faults of the mutants catalogue that let a suspended account in
are named."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.conform.execute import Execution, LoginBudget, Outcome
from mockserver.conform.model import ApiModel
from mockserver.conform.scenarios import _suspended, scenarios
from mockserver.conform.sides import HttpSide, MockSide
from mockserver.conform.states import MOCK_STATE_PATH, account_state
from mockserver.errors import ConformError
from mutants.catalogue import load_catalogue, select
from mutants.provider import prepare_scratch, start_provider
from provider import CHEAP_PASSWORD_COST, create_app
from tests.conftest import RunningServer

STATES = "/_pact/provider-states"


@pytest.fixture(scope="module")
def stateful_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("states")
    app = create_app(
        database_url=f"sqlite:///{directory / 'provider.sqlite3'}",
        password_cost=CHEAP_PASSWORD_COST,
        test_states=True,
    )
    server = RunningServer(app)
    yield server.url
    server.stop()


def _run(model: ApiModel, url: str, state_url: str) -> Outcome:
    async def go() -> Outcome:
        mock, side = MockSide(model.spec), HttpSide(url, model.base_path)
        try:
            execution = Execution(
                model, mock, side, nonce=uuid.uuid4().hex[:10], budget=LoginBudget(),
                states=account_state(state_url),
            )  # fmt: skip
            return await execution.run(_suspended())
        finally:
            await mock.aclose()
            await side.aclose()

    return asyncio.run(go())


def test_the_account_state_is_read_from_the_shared_definitions() -> None:
    state = account_state("http://127.0.0.1:1/_pact/provider-states")
    assert state is not None
    assert (state.name, state.status) == ("a user exists", "suspended")
    assert state.body("a@example.com", "pw") == {
        "state": "a user exists",
        "params": {"email": "a@example.com", "password": "pw", "status": "suspended"},
        "action": "setup",
    }
    assert account_state(None) is None


def test_the_suspended_program_runs_only_with_provider_states(model: ApiModel) -> None:
    assert _suspended() not in scenarios(model)
    assert _suspended() in scenarios(model, states=True)


def test_a_suspended_account_is_shut_out_alike_by_the_correct_provider_and_the_mock(
    model: ApiModel, stateful_provider: str
) -> None:
    outcome = _run(model, stateful_provider, stateful_provider + STATES)
    assert outcome.divergences == []
    statuses = [(e.op, e.mock.status, e.provider.status) for e in outcome.exchanges]
    assert statuses == [
        ("registerUser", 201, 201),
        ("loginUser", 200, 200),
        ("getCurrentUser", 401, 401),  # the token issued before the suspension
        ("refreshToken", 401, 401),
        ("loginUser", 403, 403),
    ]
    assert outcome.exchanges[-1].mock.problem_code() == "account_suspended"


def test_a_state_endpoint_that_refuses_is_a_usage_error_naming_it(
    model: ApiModel, stateful_provider: str
) -> None:
    with pytest.raises(ConformError, match=r"--state-url at .*/nowhere answered 404"):
        _run(model, stateful_provider, stateful_provider + "/nowhere")
    assert MOCK_STATE_PATH == "/__mock/provider-states"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "divergence"),
    [
        ("auth-suspended-token-accepted", "status getCurrentUser "),
        ("auth-suspended-can-refresh", "status refreshToken "),
    ],
)
def test_a_provider_that_lets_a_suspended_account_in_is_caught(
    fault: str, divergence: str, model: ApiModel, tmp_path: Path
) -> None:
    [planted] = select(load_catalogue(), [fault])
    prepare_scratch(planted, tmp_path)
    provider = start_provider(tmp_path)
    try:
        outcome = _run(model, provider.url, provider.state_url)
    finally:
        provider.stop()
    assert divergence in {d.signature for d in outcome.divergences}
