"""Fixtures of the conform tests: the reference provider on loopback, clean or with a fault.

The provider is `provider.create_app` on a fresh SQLite file, served by uvicorn on port 0 in
a thread (cheap password hashing, so a run takes seconds). A fault is `tests.conform.faults`
wrapped around it: provider/ itself is never changed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mockserver.conform.model import ApiModel
from mockserver.conform.receiver import Receiver
from mockserver.spec.loader import load_spec
from provider import CHEAP_PASSWORD_COST, create_app
from tests.conform.faults import FAULTS, Faulty
from tests.conftest import SPEC, RunningServer

# A webhook receiver's quiet window: the providers of these tests retry after 0.2 s (as
# conform's mock does), so a collect ends after 1 s of quiet instead of `SETTLE`'s 2, still
# five backoffs long.
QUIET = 1.0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on loopback, closed after the test."""
    with Receiver(settle=QUIET) as running:
        yield running


@functools.cache
def bundled_model() -> ApiModel:
    """The bundled spec's model, read once per process."""
    return ApiModel.from_spec(load_spec(SPEC))


@pytest.fixture
def model() -> ApiModel:
    return bundled_model()


def _serve(directory: Path, fault: str | None = None) -> RunningServer:
    app = create_app(
        database_url=f"sqlite:///{directory / 'provider.sqlite3'}",
        password_cost=CHEAP_PASSWORD_COST,
        # Several conform runs share one provider here; each sends its own failed logins.
        login_client_attempts=100_000,
    )
    if fault is None:
        return RunningServer(app)
    before, after, _ = FAULTS[fault]
    return RunningServer(Faulty(app, before=before, after=after))


@pytest.fixture(scope="session")
def provider_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The clean reference provider, shared by the tests of a session."""
    server = _serve(tmp_path_factory.mktemp("conform"))
    yield server.url
    server.stop()


@pytest.fixture
def make_provider(tmp_path: Path) -> Iterator[Callable[[str | None], str]]:
    """Factory: ``make_provider(fault)`` serves a fresh provider with that fault; its URL."""
    servers: list[RunningServer] = []

    def start(fault: str | None = None) -> str:
        directory = tmp_path / str(len(servers))
        directory.mkdir()
        servers.append(_serve(directory, fault))
        return servers[-1].url

    yield start
    for server in servers:
        server.stop()
