"""Where a server may send requests of its own (webhooks): a host allow-list, per URL host.

Anyone with an account can register a webhook endpoint, and a fuzzer does, with whatever URLs
it generates (``https://0.com``). A server run where people develop and test should not POST
to the internet on their behalf, so by default only evidently local hosts are allowed:
``localhost``, names under ``.localhost``, ``.local``, ``.internal`` and ``.lan``, single-label
names (the services of a Docker Compose network) and loopback, private or link-local
addresses. Names are matched as written, never resolved: a public name that resolves to a
private address still needs listing.

A policy is a list of patterns: ``private`` (that default set), ``*`` (every host), an IP
network (``10.1.0.0/16``) or address, or a host name with ``*`` wildcards (``*.ngrok.app``).
A server with its own error hierarchy subclasses `HostPolicy` and sets `HostPolicy.error`.

`DeliveryPolicy` is how hard a server tries to deliver: ``attempts`` tries, ``backoff`` seconds
after the first failure and doubling, ``timeout`` per try, ``grace`` at shutdown, ``hosts``.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from httpguard.errors import EgressPolicyError

__all__ = ["DEFAULT_HOST_PATTERNS", "DeliveryPolicy", "HostPolicy"]

DEFAULT_HOST_PATTERNS = ("private",)
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan")
_NAME_PATTERN = re.compile(r"[a-z0-9_*]([a-z0-9_*.-]*[a-z0-9_*])?")
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class HostPolicy:
    """Decides, per host name or address, whether a request may be sent there."""

    # What an unreadable pattern raises: constructed with the message alone.
    error: ClassVar[type[Exception]] = EgressPolicyError

    def __init__(self, patterns: Iterable[str] = DEFAULT_HOST_PATTERNS) -> None:
        self.patterns = tuple(p.strip().lower() for p in patterns if p.strip())
        if not self.patterns:
            raise self.error("expected at least one webhook host pattern (e.g. private)")
        self._any = "*" in self.patterns
        self._private = "private" in self.patterns
        self._networks: list[_Network] = []
        self._names: list[str] = []
        for pattern in self.patterns:
            if pattern in ("*", "private"):
                continue
            try:
                self._networks.append(ipaddress.ip_network(pattern.strip("[]"), strict=False))
            except ValueError:
                if not _NAME_PATTERN.fullmatch(pattern):
                    raise self.error(
                        f"webhook host pattern {pattern!r} is neither an IP network, a host "
                        "name (with * wildcards), 'private' nor '*'"
                    ) from None
                self._names.append(pattern)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.patterns)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HostPolicy) and other.patterns == self.patterns

    def __hash__(self) -> int:
        return hash(self.patterns)

    def allows(self, host: str) -> bool:
        """Whether a request to ``host`` (a URL's host name or address) may be sent."""
        host = host.strip("[]").rstrip(".").lower()
        if not host:
            return False
        if self._any:
            return True
        try:
            address: _Address | None = ipaddress.ip_address(host)
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
        """The patterns, comma-separated, as a ``--webhook-hosts`` option takes them."""
        return ",".join(self.patterns)


def _is_local_address(address: _Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_loopback or address.is_private or address.is_link_local


def _is_local_name(host: str) -> bool:
    return host == "localhost" or "." not in host or host.endswith(_LOCAL_SUFFIXES)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard webhook delivery tries; the defaults are the common promise (5 tries from 1 s).

    ``attempts`` tries per delivery, waiting ``backoff`` seconds after the first failure and
    doubling (1 s, 2 s, 4 s, 8 s); each try gets ``timeout`` seconds for its answer; deliveries
    under way at shutdown get ``grace`` seconds (bounded, so a dead receiver cannot hold a
    SIGTERM up); ``hosts`` says where they may go. A server subclasses it to raise its own
    error (`error`) and to default ``hosts`` to its own `HostPolicy` subclass.
    """

    # What a nonsensical value raises: constructed with the message alone.
    error: ClassVar[type[Exception]] = EgressPolicyError

    attempts: int = 5
    backoff: float = 1.0
    timeout: float = 10.0
    grace: float = 5.0
    hosts: HostPolicy = field(default_factory=HostPolicy)

    def __post_init__(self) -> None:
        attempts = self.attempts
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise self.error(f"expected webhook attempts >= 1, got attempts={attempts!r}")
        for name, value, positive in self._durations():
            if not isinstance(value, int | float) or not (value > 0 if positive else value >= 0):
                bound = "> 0" if positive else ">= 0"
                raise self.error(f"expected webhook {name} {bound} s, got {name}={value!r}")

    def _durations(self) -> list[tuple[str, float, bool]]:
        """(name, seconds, must be positive) of each duration to check; subclasses add theirs."""
        return [
            ("backoff", self.backoff, False),
            ("timeout", self.timeout, True),
            ("grace", self.grace, False),
        ]

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based)."""
        return float(self.backoff * 2 ** (attempt - 1))
