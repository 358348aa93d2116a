"""Where and how hard the mock sends webhooks (``--webhook-hosts``, ``--webhook-attempts``...).

The allow-list is `httpguard.HostPolicy` and the retry policy `httpguard.DeliveryPolicy`, both
shared with the reference provider: by default only evidently local hosts (``localhost``,
``.local`` and like names, single-label Docker Compose services, loopback and private
addresses), 5 tries from 1 s. Here they raise the mock's `ConfigError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from httpguard import egress
from mockserver.errors import ConfigError

__all__ = ["DEFAULT_HOST_PATTERNS", "DeliveryPolicy", "HostPolicy"]

DEFAULT_HOST_PATTERNS = egress.DEFAULT_HOST_PATTERNS


class HostPolicy(egress.HostPolicy):
    """`httpguard.HostPolicy` refusing an unreadable pattern with the mock's `ConfigError`."""

    error = ConfigError


@dataclass(frozen=True)
class DeliveryPolicy(egress.DeliveryPolicy):
    """`httpguard.DeliveryPolicy` with the mock's `HostPolicy` and `ConfigError`; deliveries
    not allowed by ``hosts`` are journaled as failed (``host_not_allowed``), never sent."""

    error = ConfigError
    hosts: egress.HostPolicy = field(default_factory=HostPolicy)
