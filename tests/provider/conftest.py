"""Fixtures of the provider tests: real servers on real databases, checked against the spec.

- ``backend`` (session, parametrized ``sqlite`` / ``postgresql``): hands out fresh databases,
  SQLite files in a temporary directory or databases of one throwaway PostgreSQL cluster.
- ``shared_provider`` (session, per backend): one server most tests share; tests stay apart by
  registering their own users (every list is the caller's own).
- ``api``: clients of the shared server; ``api.user()`` registers and logs in a fresh account.
- ``make_provider``: factory of dedicated servers (fresh database by default) for tests that
  restart, expose provider states or break the database.

Every response a checked client receives goes through ``OpenApiCheck`` before the test sees it.
"""

from __future__ import annotations

import ssl
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from provider import CHEAP_PASSWORD_COST, create_app
from provider.endpoint import Services
from tests.conftest import SPEC, RunningServer
from tests.provider.openapi_check import OpenApiCheck
from tests.provider.postgres import PostgresCluster

JWT_SECRET = "provider-tests-" + "s" * 40
# Building an httpx client loads the CA bundle (~50 ms); the tests build hundreds, all plain
# HTTP, so they share one context.
TLS = ssl.create_default_context()
PASSWORD = "correct-horse-7"
BACKENDS = ["sqlite", "postgresql"]


def unique_email() -> str:
    """An address no other test uses."""
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


@dataclass
class Account:
    """A registered, logged-in user and a client that sends its access token."""

    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str
    http: httpx.Client


class Api:
    """Clients of one running provider; checked ones validate every response."""

    def __init__(self, url: str, check: OpenApiCheck) -> None:
        self.url = url
        self._check = check
        self._clients: list[httpx.Client] = []
        self.anonymous = self.client()

    def client(self, token: str | None = None, *, checked: bool = True) -> httpx.Client:
        """A client of ``/api/v1``, sending ``token`` as bearer when given."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        hooks: dict[str, list[Callable[..., Any]]] = {
            "response": [self._validate] if checked else []
        }
        client = httpx.Client(
            base_url=self.url + "/api/v1",
            headers=headers,
            event_hooks=hooks,
            timeout=30,
            verify=TLS,
            trust_env=False,
        )
        self._clients.append(client)
        return client

    def _validate(self, response: httpx.Response) -> None:
        response.read()
        self._check.check(response)

    def register(self, *, email: str | None = None, password: str = PASSWORD) -> dict[str, Any]:
        """Register an account; answer the ``User``."""
        response = self.anonymous.post(
            "/auth/register",
            json={
                "email": email or unique_email(),
                "password": password,
                "name": "Test User",
                "acceptTerms": True,
            },
        )
        assert response.status_code == 201, response.text
        user: dict[str, Any] = response.json()
        return user

    def login(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        """Log in; answer the ``AuthResult``."""
        response = self.anonymous.post("/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def user(self, *, email: str | None = None, password: str = PASSWORD) -> Account:
        """A fresh account, logged in."""
        user = self.register(email=email, password=password)
        tokens = self.login(user["email"], password)["tokens"]
        return Account(
            id=user["id"],
            email=user["email"],
            password=password,
            access_token=tokens["accessToken"],
            refresh_token=tokens["refreshToken"],
            http=self.client(tokens["accessToken"]),
        )

    def close(self) -> None:
        for client in self._clients:
            client.close()


@dataclass
class Provider:
    """A provider app served on a loopback port."""

    app: Starlette
    server: RunningServer
    database_url: str
    check: OpenApiCheck
    apis: list[Api] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    def api(self) -> Api:
        """New clients of this provider (closed with it)."""
        api = Api(self.url, self.check)
        self.apis.append(api)
        return api

    def stop(self) -> None:
        for api in self.apis:
            api.close()
        self.server.stop()


class Backend:
    """Fresh databases of one kind."""

    def __init__(self, name: str, directory: Path, cluster: PostgresCluster | None) -> None:
        self.name = name
        self._directory = directory
        self._cluster = cluster

    def new_database(self) -> str:
        """The URL of a new, empty database."""
        if self._cluster is not None:
            return self._cluster.create_database()
        return f"sqlite:///{self._directory / f'{uuid.uuid4().hex}.sqlite3'}"


def start_provider(check: OpenApiCheck, database_url: str, **options: Any) -> Provider:
    """Build an app with test settings and serve it."""
    app = create_app(
        database_url=database_url,
        jwt_secret=options.pop("jwt_secret", JWT_SECRET),
        password_cost=CHEAP_PASSWORD_COST,
        **options,
    )
    return Provider(app, RunningServer(app), database_url, check)


@pytest.fixture(scope="session")
def openapi_check() -> OpenApiCheck:
    return OpenApiCheck(SPEC)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """One PostgreSQL cluster for the session; skips when the server binaries are missing."""
    reason = PostgresCluster.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    cluster = PostgresCluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    cluster = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    return Backend(request.param, tmp_path_factory.mktemp("sqlite"), cluster)


@pytest.fixture(scope="session")
def shared_provider(backend: Backend, openapi_check: OpenApiCheck) -> Iterator[Provider]:
    provider = start_provider(openapi_check, backend.new_database())
    yield provider
    provider.stop()


@pytest.fixture
def api(shared_provider: Provider) -> Iterator[Api]:
    clients = Api(shared_provider.url, shared_provider.check)
    yield clients
    clients.close()


@pytest.fixture
def make_provider(
    backend: Backend, openapi_check: OpenApiCheck
) -> Iterator[Callable[..., Provider]]:
    """Factory: ``make_provider(database_url=None, **create_app_options)``; all stopped after."""
    started: list[Provider] = []

    def start(*, database_url: str | None = None, **options: Any) -> Provider:
        provider = start_provider(openapi_check, database_url or backend.new_database(), **options)
        started.append(provider)
        return provider

    yield start
    for provider in started:
        provider.stop()
