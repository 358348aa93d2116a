"""Where the provider may POST webhooks (``PROVIDER_WEBHOOK_HOSTS``).

The allow-list itself is `httpguard.HostPolicy`, the one the mock uses: by default only
evidently local hosts, so a reference provider run in CI never POSTs to the internet on
behalf of whatever URL a fuzzer registered. Here it raises the provider's `ConfigError`
(`provider.config.WebhookPolicy` builds on `httpguard.DeliveryPolicy` the same way).
"""

from __future__ import annotations

from httpguard import egress
from provider.errors import ConfigError

__all__ = ["HostPolicy"]


class HostPolicy(egress.HostPolicy):
    """`httpguard.HostPolicy` refusing an unreadable pattern with the provider's `ConfigError`."""

    error = ConfigError
