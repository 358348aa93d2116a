"""Where the provider may POST webhooks: a host allow-list checked before each delivery.

Anyone with an account can register an endpoint, and in this repository a fuzzer does, with
whatever URLs it generates (``https://0.com``). A reference provider run in CI should not POST
to the internet on their behalf, so by default deliveries only go to evidently local hosts:
``localhost``, names under ``.localhost``, ``.local``, ``.internal``, ``.lan``, single-label
names (Docker Compose services) and loopback, private or link-local addresses. Names are matched
as written, never resolved. Patterns: ``private`` (that set), ``*`` (anywhere), an IP network
or address, a host name with ``*`` wildcards.

The same rules as the mock's ``--webhook-hosts``, written apart: the provider shares no code
with ``mockserver/``.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Iterable

from provider.errors import ConfigError

__all__ = ["HostPolicy"]

_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan")
_NAME = re.compile(r"[a-z0-9_*]([a-z0-9_*.-]*[a-z0-9_*])?")
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class HostPolicy:
    """Decides, per URL host, whether a webhook may be sent there."""

    def __init__(self, patterns: Iterable[str] = ("private",)) -> None:
        self.patterns = tuple(p.strip().lower() for p in patterns if p.strip())
        if not self.patterns:
            raise ConfigError("expected at least one webhook host pattern, got none (try private)")
        self._networks: list[_Network] = []
        self._names: list[str] = []
        for pattern in self.patterns:
            if pattern in ("*", "private"):
                continue
            try:
                self._networks.append(ipaddress.ip_network(pattern.strip("[]"), strict=False))
            except ValueError:
                if not _NAME.fullmatch(pattern):
                    raise ConfigError(
                        f"expected webhook host patterns to be private, *, an IP network or a "
                        f"host name with * wildcards, got {pattern!r}"
                    ) from None
                self._names.append(pattern)

    def __repr__(self) -> str:
        return f"HostPolicy({list(self.patterns)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HostPolicy) and other.patterns == self.patterns

    def __hash__(self) -> int:
        return hash(self.patterns)

    def allows(self, host: str) -> bool:
        """Whether a delivery to ``host`` (a URL's host name or address) may be sent."""
        host = host.strip("[]").rstrip(".").lower()
        if not host:
            return False
        if "*" in self.patterns:
            return True
        private = "private" in self.patterns
        try:
            address: _Address | None = ipaddress.ip_address(host)
        except ValueError:
            address = None
        if address is not None:
            if private and _is_local_address(address):
                return True
            return any(address in network for network in self._networks)
        if private and (host == "localhost" or "." not in host or host.endswith(_LOCAL_SUFFIXES)):
            return True
        return any(fnmatch.fnmatchcase(host, name) for name in self._names)


def _is_local_address(address: _Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_loopback or address.is_private or address.is_link_local
