"""The spec fuzzed from pytest with Schemathesis' Python API, on every CI run.

The same schema and the same checks as ``schemathesis run`` (the repository's
``schemathesis.toml`` and ``fuzzing.hooks``: throwaway-user auth and the business-rule
checks), driven two ways:

- in-process against the mock, through ASGI (no sockets, so the budget buys examples);
- over HTTP against the reference provider on SQLite, a real uvicorn server on loopback.

Each operation gets the example budget of the active Hypothesis profile (``fuzz_budget``):
bounded under the default ``ci`` profile, large under ``deep`` (``make fuzz``).
"""

from __future__ import annotations

import atexit
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.core.failures import FailureGroup
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import fuzzing.hooks  # noqa: F401  (registers the auth provider and the custom checks)
from mockserver import create_app
from provider import CHEAP_PASSWORD_COST
from provider import create_app as create_provider
from tests.conftest import SPEC, RunningServer, fuzz_budget

pytestmark = pytest.mark.slow

Test = TypeVar("Test", bound=Callable[..., None])
BUDGET = fuzz_budget()
FUZZ_SETTINGS = settings(
    max_examples=BUDGET.examples,
    stateful_step_count=BUDGET.stateful_steps,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=BUDGET.derandomize,
)


def load_schema() -> Any:
    """The spec with the repository's ``schemathesis.toml``, minus its CLI JUnit report.

    pytest writes its own JUnit (``--junitxml``); Schemathesis' pytest plugin would also import
    the optional Allure package just to write the configured one.
    """
    schema = schemathesis.openapi.from_path(SPEC)
    schema.config.reports.junit.enabled = False
    return schema


def mock_schema(app: ASGIApp) -> Any:
    """The spec, with requests sent in-process to ``app``."""
    schema = load_schema()
    schema.app = app
    return schema


MOCK = mock_schema(create_app(SPEC, seed=1))


def start_provider() -> RunningServer:
    """The reference provider on a fresh SQLite database, for as long as this process lives."""
    directory = tempfile.TemporaryDirectory(prefix="fuzz-provider-")
    atexit.register(directory.cleanup)
    database = Path(directory.name) / "provider.sqlite3"
    app = create_provider(database_url=f"sqlite:///{database}", password_cost=CHEAP_PASSWORD_COST)
    return RunningServer(app)


# Schemathesis' pytest plugin builds the example and coverage cases while collecting, logging in
# for them, so the provider is started when this module is collected (not when a test runs).
PROVIDER_SERVER = start_provider()
PROVIDER = load_schema()
PROVIDER.config.update(base_url=f"{PROVIDER_SERVER.url}/api/v1")


@pytest.fixture(scope="module", autouse=True)
def _stop_the_provider() -> Iterator[None]:
    yield
    PROVIDER_SERVER.stop()


def fuzz(schema: Any) -> Callable[[Test], Test]:
    """One test per operation of ``schema``, each with the profile's fuzz budget."""

    def decorate(test: Test) -> Test:
        return cast(Test, schema.parametrize()(FUZZ_SETTINGS(test)))

    return decorate


@fuzz(MOCK)
def test_mock_conforms_to_the_spec(case: Case[Any]) -> None:
    case.call_and_validate()


@fuzz(PROVIDER)
def test_provider_conforms_to_the_spec(case: Case[Any]) -> None:
    case.call_and_validate()


MockWorkflow = MOCK.as_state_machine()
TestMockWorkflows = MockWorkflow.TestCase
TestMockWorkflows.settings = FUZZ_SETTINGS


class LeakingPasswords:
    """The mock with one planted fault: the current user's body carries the password."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/auth/me"):
            await self.app(scope, receive, send)
            return

        async def leak(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message["headers"] if k != b"content-length"]
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and message.get("body"):
                body = message["body"]
                message = {**message, "body": body[:-1] + b',"password":"Fuzz-leaked-9"}'}
            await send(message)

        await self.app(scope, receive, leak)


def test_the_integration_fails_a_response_that_breaks_a_business_rule() -> None:
    """What the fuzz tests run (``call_and_validate`` with the registered checks) has teeth."""
    schema = mock_schema(LeakingPasswords(create_app(SPEC, seed=1)))
    case = schema["/auth/me"]["GET"].Case()
    with pytest.raises(FailureGroup) as caught:
        case.call_and_validate()
    assert "password_never_in_response" in str(caught.value)


def test_the_fuzz_budget_follows_the_hypothesis_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "deep")
    deep = fuzz_budget()
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "ci")
    ci = fuzz_budget()
    assert deep.examples > ci.examples
    assert deep.stateful_steps >= ci.stateful_steps
    assert ci.derandomize, "CI fuzzing must be reproducible run to run"


def test_the_fuzz_targets_cover_every_operation() -> None:
    operations = {result.ok().label for result in MOCK.get_all_operations()}
    assert len(operations) == 38, sorted(operations)
    assert Path(SPEC).is_file()
