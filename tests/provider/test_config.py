"""Settings are validated at the boundary: every bad value names itself and the fix."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from provider import ConfigError, PasswordCost, create_app
from provider.config import Settings, WebhookPolicy, default_database_url

SQLITE = "sqlite:///ignored.sqlite3"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"database_url": "not a url"}, "expected a database URL"),
        ({"database_url": "mysql://u@h/db"}, "expected a SQLite or PostgreSQL database URL"),
        ({"database_url": "postgresql+asyncpg://u@h/db"}, "psycopg"),
        ({"jwt_secret": "short"}, "at least 32 bytes"),
        ({"access_token_ttl": 0}, "access_token_ttl=0"),
        ({"login_attempts": True}, "login_attempts=True"),
        ({"login_window": -5}, "login_window=-5"),
        ({"password_cost": PasswordCost(time_cost=0)}, "time_cost >= 1"),
        ({"password_cost": PasswordCost(memory_cost=4, parallelism=1)}, "memory_cost >= 8"),
        ({"spec_path": Path("/nowhere/openapi.yaml")}, "spec_path='/nowhere/openapi.yaml'"),
    ],
)
def test_a_bad_setting_raises_config_error_naming_it(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        Settings.build(**{"database_url": SQLITE, **options})


@pytest.mark.parametrize(
    "url", ["postgresql://u:p@db/app", "postgres://u:p@db/app", "postgresql+psycopg://u:p@db/app"]
)
def test_postgresql_urls_use_psycopg_3(url: str) -> None:
    settings = Settings.build(database_url=url)
    assert settings.database_url.drivername == "postgresql+psycopg"


def test_without_a_secret_each_app_signs_with_its_own_random_key() -> None:
    first, second = Settings.build(database_url=SQLITE), Settings.build(database_url=SQLITE)
    assert first.jwt_secret != second.jwt_secret
    assert len(first.jwt_secret) >= 32


def test_the_default_database_is_a_file_under_the_working_directory(tmp_path: Path) -> None:
    assert default_database_url(tmp_path) == f"sqlite:///{tmp_path}/.data/provider.sqlite3"


def test_create_app_validates_before_touching_the_database(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        create_app(database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}", jwt_secret="short")
    assert not (tmp_path / "x.sqlite3").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"attempts": 0}, "attempts=0"),
        ({"attempts": True}, "attempts=True"),
        ({"attempts": 2.5}, "attempts=2.5"),
        ({"backoff": -1}, "backoff=-1"),
        ({"backoff": float("nan")}, "backoff=nan"),
        ({"timeout": 0}, "timeout=0"),
        ({"poll": -0.5}, "poll=-0.5"),
        ({"grace": -1.0}, "grace=-1.0"),
    ],
)
def test_a_bad_webhook_policy_raises_config_error_naming_it(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        WebhookPolicy(**options)


def test_the_default_webhook_policy_is_what_the_spec_promises() -> None:
    policy = WebhookPolicy()
    assert (policy.attempts, policy.timeout) == (5, 10.0)
    assert [policy.delay(n) for n in range(1, 5)] == [1.0, 2.0, 4.0, 8.0]
    assert Settings.build(database_url=SQLITE).webhooks == policy


def test_a_webhook_policy_is_read_from_text() -> None:
    policy = WebhookPolicy.parse(
        {"attempts": "3", "backoff": "0.5", "timeout": None, "hosts": "private,*.ngrok.app"}
    )
    assert (policy.attempts, policy.backoff, policy.timeout) == (3, 0.5, 10.0)
    assert policy.hosts.patterns == ("private", "*.ngrok.app")


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ({"attempts": "many"}, "expected webhook attempts to be an integer, got attempts='many'"),
        ({"timeout": "10s"}, "expected webhook timeout to be a number of seconds"),
        ({"hosts": "exa mple.com"}, "webhook host pattern 'exa mple.com' is neither"),
        ({"hosts": ","}, "expected at least one webhook host pattern"),
    ],
)
def test_a_webhook_policy_refuses_text_it_cannot_read(texts: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        WebhookPolicy.parse(texts)
