"""Fixtures of the proxy tests: upstreams on loopback and proxies driven in-process.

The clean upstream is the reference provider (`provider.create_app`, fresh SQLite, cheap
password hashing) served by uvicorn on port 0 in a thread; faulty ones wrap it with
`tests.conform.faults.Faulty` (provider/ is never changed) or are tiny apps of the test's own.
The proxy runs in this process (`tests.inprocess.InProcess`), forwarding over real sockets.
"""

from __future__ import annotations

import functools
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp

from mockserver.proxy.app import create_proxy_app
from mockserver.spec.loader import Spec, load_spec
from provider import CHEAP_PASSWORD_COST, create_app
from tests.conform.faults import Faulty, Hook
from tests.conftest import RunningServer
from tests.inprocess import API, BUNDLED, InProcess


@functools.cache
def bundled_spec() -> Spec:
    """The bundled spec, loaded once per process."""
    return load_spec(BUNDLED)


def provider_app(directory: Path) -> ASGIApp:
    """The reference provider on a fresh SQLite file in ``directory``."""
    return create_app(
        database_url=f"sqlite:///{directory / 'provider.sqlite3'}",
        password_cost=CHEAP_PASSWORD_COST,
        login_client_attempts=100_000,
    )


@pytest.fixture(scope="session")
def provider_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The clean reference provider's URL with the spec's base path, shared by the session."""
    server = RunningServer(provider_app(tmp_path_factory.mktemp("proxy-provider")))
    yield server.url + API
    server.stop()


@pytest.fixture
def make_upstream(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Factory: ``make_upstream(app)`` or ``make_upstream(after=hook)`` (the provider with a
    fault); the upstream's URL with the base path. All stopped at teardown."""
    servers: list[RunningServer] = []

    def start(app: ASGIApp | None = None, *, after: Hook | None = None, **config: Any) -> str:
        if app is None:
            directory = tmp_path / f"provider-{len(servers)}"
            directory.mkdir()
            app = provider_app(directory)
            if after is not None:
                app = Faulty(app, after=after)
        servers.append(RunningServer(app, **config))
        return servers[-1].url + API

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nothing listens on (a port bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{API}"


@pytest.fixture
def make_proxy() -> Iterator[Callable[..., InProcess]]:
    """Factory: ``make_proxy(upstream, **create_proxy_app_options)`` driven in-process."""
    proxies: list[InProcess] = []

    def start(upstream: Any, **options: Any) -> InProcess:
        options.setdefault("seed", 1)
        proxy = InProcess(create_proxy_app(bundled_spec(), upstream=upstream, **options),
                          prefix=API)  # fmt: skip
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.close()
