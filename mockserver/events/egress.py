"""Which hosts the mock may send webhooks to (``--webhook-hosts``).

The allow-list itself is `httpguard.HostPolicy`, shared with the reference provider: by
default only evidently local hosts (``localhost``, ``.local`` and like names, single-label
Docker Compose services, loopback and private addresses); ``*``, networks and wildcard names
widen it. Here it raises the mock's `ConfigError` for a pattern it cannot read.
"""

from __future__ import annotations

from httpguard import egress
from mockserver.errors import ConfigError

__all__ = ["DEFAULT_HOST_PATTERNS", "HostPolicy"]

DEFAULT_HOST_PATTERNS = egress.DEFAULT_HOST_PATTERNS


class HostPolicy(egress.HostPolicy):
    """`httpguard.HostPolicy` refusing an unreadable pattern with the mock's `ConfigError`."""

    error = ConfigError
