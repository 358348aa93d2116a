"""Settings of one provider instance, validated at the boundary.

Everything configurable reaches the app through ``Settings``: ``create_app`` builds it from its
keyword arguments and the CLI from its options and the environment (``DATABASE_URL``,
``PROVIDER_JWT_SECRET``). A bad value raises ``ConfigError`` naming the setting, the value and
what would be accepted.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from httpguard import egress
from provider.egress import HostPolicy
from provider.errors import ConfigError

__all__ = [
    "CHEAP_PASSWORD_COST",
    "DEFAULT_PASSWORD_COST",
    "DEFAULT_SPEC",
    "PasswordCost",
    "Settings",
    "WebhookPolicy",
    "default_database_url",
    "normalize_database_url",
]

DEFAULT_SPEC = Path(__file__).resolve().parent.parent / "openapi" / "openapi.yaml"
MIN_SECRET_BYTES = 32  # RFC 7518 3.2: an HS256 key is at least as long as the hash output
_URL_HINT = "sqlite:///path/to/file.sqlite3 or postgresql+psycopg://user:password@host/dbname"


@dataclass(frozen=True, slots=True)
class PasswordCost:
    """Argon2id parameters: the argon2-cffi defaults (RFC 9106 second recommendation)."""

    time_cost: int = 3
    memory_cost: int = 65536  # KiB
    parallelism: int = 4

    def check(self) -> None:
        """Raise ``ConfigError`` unless argon2 accepts these parameters."""
        if self.time_cost < 1 or self.parallelism < 1:
            raise ConfigError(
                f"expected password_cost time_cost >= 1 and parallelism >= 1, got {self}"
            )
        if self.memory_cost < 8 * self.parallelism:
            raise ConfigError(
                "expected password_cost memory_cost >= 8 * parallelism (KiB), "
                f"got memory_cost={self.memory_cost}, parallelism={self.parallelism}"
            )


DEFAULT_PASSWORD_COST = PasswordCost()
# Fast enough for test suites that register hundreds of users; never use it in production.
CHEAP_PASSWORD_COST = PasswordCost(time_cost=1, memory_cost=8, parallelism=1)


@dataclass(frozen=True)
class WebhookPolicy(egress.DeliveryPolicy):
    """How webhook deliveries are made; the defaults are what the spec's webhooks promise.

    ``attempts`` tries per delivery, waiting ``backoff`` seconds after the first failure and
    doubling (1 s, 2 s, 4 s, 8 s); each try gets ``timeout`` seconds for its answer. ``poll``
    bounds how long a delivery queued by another process (several workers on one PostgreSQL)
    waits to be noticed; ``grace`` is what deliveries under way get at shutdown. ``hosts``
    says where deliveries may go (`provider.egress`). The rest is `httpguard.DeliveryPolicy`.
    """

    error = ConfigError
    hosts: egress.HostPolicy = field(default_factory=HostPolicy)
    poll: float = 5.0

    def _durations(self) -> list[tuple[str, float, bool]]:
        return [*egress.DeliveryPolicy._durations(self), ("poll", self.poll, True)]

    @classmethod
    def parse(cls, texts: Mapping[str, str | None]) -> WebhookPolicy:
        """A policy from text (options, environment): ``attempts``, ``backoff``, ``timeout``,
        ``poll``, ``grace`` and ``hosts`` (comma-separated); absent or None keeps the default.
        """
        values: dict[str, Any] = {}
        for name, text in texts.items():
            if text is None:
                continue
            if name == "hosts":
                values[name] = HostPolicy(text.split(","))
                continue
            kind = int if name == "attempts" else float
            try:
                values[name] = kind(text)
            except ValueError:
                noun = "an integer" if kind is int else "a number of seconds"
                raise ConfigError(
                    f"expected webhook {name} to be {noun}, got {name}={text!r}"
                ) from None
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Settings:
    """One provider instance's configuration; build it with ``Settings.build``."""

    database_url: URL
    jwt_secret: str
    test_states: bool
    access_token_ttl: int
    refresh_token_ttl: int
    password_cost: PasswordCost
    login_attempts: int
    login_window: int
    spec_path: Path
    webhooks: WebhookPolicy

    @classmethod
    def build(
        cls,
        *,
        database_url: str,
        jwt_secret: str | None = None,
        test_states: bool = False,
        access_token_ttl: int = 900,
        refresh_token_ttl: int = 30 * 24 * 3600,
        password_cost: PasswordCost = DEFAULT_PASSWORD_COST,
        login_attempts: int = 5,
        login_window: int = 15 * 60,
        spec_path: Path = DEFAULT_SPEC,
        webhooks: WebhookPolicy | None = None,
    ) -> Settings:
        """Validate every value and answer the settings, or raise ``ConfigError``."""
        url = normalize_database_url(database_url)
        if jwt_secret is None:
            jwt_secret = secrets.token_urlsafe(48)
        elif len(jwt_secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(
                f"expected a JWT secret of at least {MIN_SECRET_BYTES} bytes "
                f"(PROVIDER_JWT_SECRET), got one of {len(jwt_secret.encode())} bytes"
            )
        for name, value in (
            ("access_token_ttl", access_token_ttl),
            ("refresh_token_ttl", refresh_token_ttl),
            ("login_attempts", login_attempts),
            ("login_window", login_window),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"expected {name} to be a positive integer, got {name}={value!r}")
        password_cost.check()
        if not spec_path.is_file():
            raise ConfigError(
                f"expected the OpenAPI document at spec_path={str(spec_path)!r}; "
                "run from a checkout or pass spec_path"
            )
        return cls(
            database_url=url,
            jwt_secret=jwt_secret,
            test_states=test_states,
            access_token_ttl=access_token_ttl,
            refresh_token_ttl=refresh_token_ttl,
            password_cost=password_cost,
            login_attempts=login_attempts,
            login_window=login_window,
            spec_path=spec_path,
            webhooks=webhooks or WebhookPolicy(),
        )


def default_database_url(cwd: Path | None = None) -> str:
    """The SQLite file ``.data/provider.sqlite3`` under ``cwd`` (the working directory)."""
    base = (cwd or Path.cwd()).resolve()
    return f"sqlite:///{base / '.data' / 'provider.sqlite3'}"


def normalize_database_url(value: str) -> URL:
    """Parse a database URL; bare ``postgresql://`` and ``postgres://`` use psycopg 3."""
    try:
        url = make_url(value)
    except ArgumentError:
        raise ConfigError(f"expected a database URL such as {_URL_HINT}, got {value!r}") from None
    backend = url.get_backend_name()
    if backend == "postgres":
        url = url.set(drivername="postgresql")
        backend = "postgresql"
    if backend == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"expected a SQLite or PostgreSQL database URL such as {_URL_HINT}, "
            f"got database_url={url.render_as_string(hide_password=True)!r}"
        )
    if backend == "postgresql" and url.get_driver_name() != "psycopg":
        raise ConfigError(
            "expected the psycopg (3) driver for PostgreSQL (postgresql+psycopg://...), "
            f"got driver {url.get_driver_name()!r}"
        )
    return url
