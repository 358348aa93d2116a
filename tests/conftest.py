"""Shared fixtures: factories for apps and real servers on loopback."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from _pytest.mark.expression import Expression
from hypothesis import HealthCheck, settings
from starlette.types import ASGIApp

from tests.inprocess import API, LOOPBACK, InProcess, bundled_app, bundled_checker
from tests.redis_server import RedisServer, redis_server

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "openapi.yaml"

settings.register_profile(
    "ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("deep", max_examples=2000, deadline=None)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@dataclass(frozen=True, slots=True)
class FuzzBudget:
    """How hard the Schemathesis fuzz tests push, per operation."""

    examples: int
    stateful_steps: int
    derandomize: bool


_FUZZ_BUDGETS = {
    "ci": FuzzBudget(examples=10, stateful_steps=6, derandomize=True),
    "dev": FuzzBudget(examples=50, stateful_steps=10, derandomize=False),
    "deep": FuzzBudget(examples=300, stateful_steps=20, derandomize=False),
}


def fuzz_budget() -> FuzzBudget:
    """The budget of the profile ``HYPOTHESIS_PROFILE`` names (``ci`` by default)."""
    return _FUZZ_BUDGETS[os.environ.get("HYPOTHESIS_PROFILE", "ci")]


class RunningServer:
    """A uvicorn server on a thread, bound to an ephemeral loopback port."""

    def __init__(self, app: ASGIApp, **config: Any) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port: int = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config.setdefault("lifespan", "auto")
        # As `mockserver serve` runs: without an access log, the mock's answers take
        # the one-write path (`httpguard.write_whole`), which an access log switches off.
        config.setdefault("access_log", False)
        cfg = uvicorn.Config(app, log_level="warning", **config)
        self.server = uvicorn.Server(cfg)
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture
def make_server() -> Iterator[Callable[..., RunningServer]]:
    """Factory: ``make_server(app)`` starts a real server; all are stopped at teardown."""
    servers: list[RunningServer] = []

    def start(app: ASGIApp, **config: Any) -> RunningServer:
        server = RunningServer(app, **config)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def make_mock() -> Iterator[Callable[..., InProcess]]:
    """Factory: drive an app in this process (`tests.inprocess.InProcess`), shut down at teardown.

    ``make_mock(**create_app_options)`` is a mock of the bundled spec whose every API answer
    is checked against the spec; ``make_mock(app, prefix=...)`` drives any other app.
    """
    mocks: list[InProcess] = []

    def start(
        app: ASGIApp | None = None,
        *,
        prefix: str = "",
        client: tuple[str, int] = LOOPBACK,
        **options: Any,
    ) -> InProcess:
        if app is None:
            mock = InProcess(
                bundled_app(**options), prefix=API, checker=bundled_checker(), client=client
            )
        else:
            assert not options, f"create_app options {options} only apply without an app"
            mock = InProcess(app, prefix=prefix, client=client)
        mocks.append(mock)
        return mock

    yield start
    for mock in mocks:
        mock.close()


@pytest.fixture(scope="session")
def shared_redis() -> Iterator[RedisServer]:
    """One ``redis-server`` for the session (skipped with the install hint without the binary);
    `RedisServer.url` hands each test a fresh key prefix."""
    with redis_server() as running:
        yield running


# A module that marks itself slow as a whole says so on one line of its own.
_SLOW_MODULE = "\npytestmark = pytest.mark.slow\n"


def _selects_slow(config: pytest.Config) -> bool:
    """Whether ``-m`` keeps a test marked only ``slow`` (``make check`` does not)."""
    expression: str = config.getoption("markexpr") or ""
    if not expression:
        return True
    return Expression.compile(expression).evaluate(_only_slow)


def _only_slow(name: str, /, **_: str | int | bool | None) -> bool:
    """The marks of a test of a slow module: ``slow``, nothing else."""
    return name == "slow"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Leave out the modules marked slow as a whole when ``-m`` deselects ``slow``.

    Every test of them would be deselected anyway, but only after each xdist worker imported
    the module: some do real work at import (``test_fuzz_pytest.py`` starts the provider and
    builds Schemathesis' cases while it is collected; several read the bundled spec), about
    four seconds of each fast-tier worker. The slow tier and plain ``pytest`` collect them.
    """
    if collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    if _SLOW_MODULE in collection_path.read_text(encoding="utf-8") and not _selects_slow(config):
        return True
    return None


# The slow tier's long poles (a test of a minute or more, or a module of half-minute tests),
# collected first. xdist's ``load`` scheduling hands the first quarter of the tests out to the
# workers in turn, so these are shared between both workers from the start; collected in place
# (the top-level modules sort last) they landed on one worker at the end while the other had
# nothing left to run. Order within each module, and of everything else, is kept.
LONG_FIRST = (
    "tests/test_bench.py",
    "tests/test_corpus.py",
    "tests/conform/test_webhooks.py",
    "tests/test_fuzzing.py",
    "tests/conform/test_search.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the tests of `LONG_FIRST` to the front, in that order."""
    rank = {module: number for number, module in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Report the public-spec pass rate (README quotes it)."""
    import sys

    module = sys.modules.get("tests.test_public_specs")
    results: dict[str, tuple[int, int]] = getattr(module, "RESULTS", {})
    if not results:
        return
    specs_ok = sum(ok == total for total, ok in results.values())
    gets = sum(total for total, _ in results.values())
    gets_ok = sum(ok for _, ok in results.values())
    terminalreporter.write_line(
        f"public specs (@readme/oas-examples): {specs_ok}/{len(results)} specs, "
        f"{gets_ok}/{gets} GET operations answered without a 5xx"
    )
