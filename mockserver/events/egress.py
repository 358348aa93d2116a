"""Which hosts the mock may send webhooks to (``--webhook-hosts``).

A mock runs where its users develop and test, and anyone who can reach it can register a
webhook endpoint: a fuzzer does so with whatever URLs it generates (``https://0.com``). So by
default deliveries only go to hosts that are evidently local: ``localhost`` and names under
``.localhost``, ``.local``, ``.internal`` and ``.lan``, single-label names (the services of a
Docker Compose network), and IP addresses that are loopback, private or link-local. Anything
else needs listing. Names are matched as written, never resolved: a public name that resolves
to a private address still needs listing.

A policy is a list of patterns: ``private`` (the default set above), ``*`` (every host), an IP
network (``10.1.0.0/16``) or address, or a host name with ``*`` wildcards (``*.ngrok.app``).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Iterable

from mockserver.errors import ConfigError

__all__ = ["DEFAULT_HOST_PATTERNS", "HostPolicy"]

DEFAULT_HOST_PATTERNS = ("private",)
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan")
_NAME_PATTERN = re.compile(r"[a-z0-9_*]([a-z0-9_*.-]*[a-z0-9_*])?")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class HostPolicy:
    """Decides, per host name or address, whether a webhook may be sent there."""

    def __init__(self, patterns: Iterable[str] = DEFAULT_HOST_PATTERNS) -> None:
        self.patterns = tuple(p.strip().lower() for p in patterns if p.strip())
        if not self.patterns:
            raise ConfigError("expected at least one webhook host pattern (e.g. private)")
        self._any = "*" in self.patterns
        self._private = "private" in self.patterns
        self._networks: list[IPNetwork] = []
        self._names: list[str] = []
        for pattern in self.patterns:
            if pattern in ("*", "private"):
                continue
            try:
                self._networks.append(ipaddress.ip_network(pattern.strip("[]"), strict=False))
            except ValueError:
                if not _NAME_PATTERN.fullmatch(pattern):
                    raise ConfigError(
                        f"webhook host pattern {pattern!r} is neither an IP network, a host "
                        "name (with * wildcards), 'private' nor '*'"
                    ) from None
                self._names.append(pattern)

    def allows(self, host: str) -> bool:
        """Whether a delivery to ``host`` (a URL's host name or address) may be sent."""
        host = host.strip("[]").rstrip(".").lower()
        if not host:
            return False
        if self._any:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
        if address is not None:
            if self._private and _is_local_address(address):
                return True
            return any(address in network for network in self._networks)
        if self._private and _is_local_name(host):
            return True
        return any(fnmatch.fnmatchcase(host, name) for name in self._names)

    def describe(self) -> str:
        """The patterns, as ``--webhook-hosts`` takes them."""
        return ",".join(self.patterns)


def _is_local_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_loopback or address.is_private or address.is_link_local


def _is_local_name(host: str) -> bool:
    return host == "localhost" or "." not in host or host.endswith(_LOCAL_SUFFIXES)
