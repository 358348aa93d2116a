"""Which hosts webhooks may go to: the default keeps deliveries local; the mock and the
provider each raise their own error for an unreadable pattern."""

from __future__ import annotations

import pytest

import mockserver.errors
import provider.errors
from httpguard import EgressPolicyError, HostPolicy
from mockserver.events import egress as mock_egress
from provider import egress as provider_egress

LOCAL = [
    "localhost", "LOCALHOST.", "app.localhost", "printer.local", "api.internal", "nas.lan",
    "receiver", "frontend_dev",  # single-label: Docker Compose services
    "127.0.0.1", "127.8.9.10", "::1", "[::1]", "10.1.2.3", "172.16.0.9", "192.168.1.20",
    "169.254.10.1", "fd12:3456::1", "::ffff:192.168.0.1",
]  # fmt: skip
PUBLIC = [
    "example.com", "hooks.example.com", "0.com", "localhost.example.com", "internal.example",
    "8.8.8.8", "93.184.215.14", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "",
]  # fmt: skip


@pytest.mark.parametrize("host", LOCAL)
def test_the_default_allows_local_hosts(host: str) -> None:
    assert HostPolicy().allows(host)


@pytest.mark.parametrize("host", PUBLIC)
def test_the_default_refuses_public_hosts(host: str) -> None:
    assert not HostPolicy().allows(host)


def test_patterns_name_networks_addresses_and_wildcard_names() -> None:
    policy = HostPolicy(["203.0.113.0/24", "2001:db8::1", "*.ngrok.app", "hooks.partner.test"])
    assert policy.allows("203.0.113.77")
    assert policy.allows("2001:db8::1")
    assert policy.allows("abc123.ngrok.app")
    assert policy.allows("Hooks.Partner.Test")
    assert not policy.allows("ngrok.app.evil.test")
    assert not policy.allows("203.0.114.1")
    assert not policy.allows("localhost")  # listing patterns replaces the default
    assert HostPolicy(["private", "*.ngrok.app"]).allows("localhost")


def test_a_star_allows_every_host() -> None:
    policy = HostPolicy(["*"])
    assert all(policy.allows(host) for host in [*LOCAL, *PUBLIC] if host)


@pytest.mark.parametrize("patterns", [[], [" ", ""], ["hooks/*"], ["a b"], ["10.0.0.0/33x"]])
@pytest.mark.parametrize(
    ("policy", "error"),
    [
        (HostPolicy, EgressPolicyError),
        (mock_egress.HostPolicy, mockserver.errors.ConfigError),
        (provider_egress.HostPolicy, provider.errors.ConfigError),
    ],
)
def test_unreadable_patterns_are_refused_with_each_servers_error(
    patterns: list[str], policy: type[HostPolicy], error: type[Exception]
) -> None:
    with pytest.raises(error, match="webhook host pattern"):
        policy(patterns)


def test_the_servers_policies_are_the_shared_one() -> None:
    patterns = ["private", "*.ngrok.app"]
    assert mock_egress.HostPolicy(patterns) == provider_egress.HostPolicy(patterns)
    assert repr(provider_egress.HostPolicy(patterns)) == "HostPolicy(['private', '*.ngrok.app'])"
    assert HostPolicy(patterns).describe() == "private,*.ngrok.app"
