"""Where webhooks may go: only evidently local hosts unless listed."""

from __future__ import annotations

import pytest

from provider.egress import HostPolicy


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "[::1]",
        "localhost",
        "LOCALHOST.",
        "api.localhost",
        "printer.local",
        "svc.internal",
        "nas.lan",
        "frontend",  # a Docker Compose service
        "10.1.2.3",
        "192.168.0.7",
        "169.254.1.1",
        "::ffff:127.0.0.1",
    ],
)
def test_the_default_policy_allows_local_hosts(host: str) -> None:
    assert HostPolicy().allows(host)


@pytest.mark.parametrize(
    "host",
    ["0.com", "shop.example.com", "8.8.8.8", "2606:4700:4700::1111", "", "localhost.example.com"],
)
def test_the_default_policy_refuses_other_hosts(host: str) -> None:
    assert not HostPolicy().allows(host)


def test_listed_names_and_networks_are_allowed_and_star_allows_all() -> None:
    policy = HostPolicy(["*.ngrok.app", "203.0.113.0/24"])
    assert policy.allows("abc.ngrok.app")
    assert policy.allows("203.0.113.9")
    assert not policy.allows("localhost")  # "private" was not listed
    assert not policy.allows("ngrok.app.evil.com")
    assert HostPolicy(["*"]).allows("shop.example.com")
