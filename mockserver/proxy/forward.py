"""Forward one request to the upstream and read its answer, within limits.

`Upstream` holds one `client.pool.ConnectionPool` (TLS with the system trust store, or unverified
with ``insecure``). `Upstream.forward` sends the method, the path under the upstream's URL,
the query, the headers but hop-by-hop ones and the body, and reads the answer whole (the
validators need it) up to ``max_body_bytes`` and within ``timeout`` seconds from the first
byte sent to the last byte read, so an endless or trickling stream ends too. Every failure is
an `UpstreamFailure` naming the cause. Nothing is retried but what never reached the upstream
(see `client.pool`), so a POST is never sent twice.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from mockserver.client.pool import AnswerTooLarge, Broken, ConnectionPool, Unreachable
from mockserver.errors import ConfigError

__all__ = [
    "HOP_BY_HOP",
    "Upstream",
    "UpstreamAnswer",
    "UpstreamFailure",
    "end_to_end",
]

# RFC 9110 7.6.1: headers of one connection, never forwarded (nor those ``Connection`` names).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# Set by the proxy for the hop it makes (the host, the length of the body it sends).
_REWRITTEN = frozenset({"host", "content-length", "accept-encoding", "expect"})


@dataclass(frozen=True, slots=True)
class UpstreamAnswer:
    """What the upstream answered: its status, end-to-end headers and the whole body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)


@dataclass(frozen=True, slots=True)
class UpstreamFailure:
    """Why no answer came: ``cause`` is unreachable, timeout, reset or too_large."""

    cause: str
    detail: str

    @property
    def status(self) -> int:
        """504 for a timeout, 502 for every other failure (RFC 9110 15.6.3, 15.6.5)."""
        return 504 if self.cause == "timeout" else 502

    @property
    def sent(self) -> bool:
        """Whether the request may have reached the upstream (all but unreachable)."""
        return self.cause != "unreachable"


def end_to_end(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """``headers`` without hop-by-hop ones and those ``Connection`` names."""
    pairs = list(headers)
    named = {
        token.strip().lower()
        for key, value in pairs
        if key.lower() == "connection"
        for token in value.split(",")
    }
    return [(k, v) for k, v in pairs if k.lower() not in HOP_BY_HOP and k.lower() not in named]


class Upstream:
    """The server requests are forwarded to, with a pool of connections to it."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        max_body_bytes: int = 10 * 1024 * 1024,
        insecure: bool = False,
        connections: int = 100,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"--upstream: expected an http:// or https:// URL, got {url!r}; "
                "pass the server the spec describes, e.g. https://staging.example.com/api/v1"
            )
        if timeout <= 0 or max_body_bytes <= 0:
            raise ConfigError(
                f"upstream limits must be positive, got timeout={timeout}, "
                f"max_body_bytes={max_body_bytes}"
            )
        self.url = url.rstrip("/")
        self.path = parts.path.rstrip("/")
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        tls: ssl.SSLContext | None = None
        if parts.scheme == "https":
            # The system's trust store (OpenSSL's default paths), as curl on the machine uses.
            tls = ssl.create_default_context()
            if insecure:
                tls.check_hostname = False
                tls.verify_mode = ssl.CERT_NONE
        self._pool = ConnectionPool(
            parts.hostname,
            parts.port or (443 if tls is not None else 80),
            tls=tls,
            max_body_bytes=max_body_bytes,
            idle=connections,
        )

    def target(self, path: str, query: str) -> str:
        """The upstream URL for ``path`` (already under the spec's base path) and ``query``."""
        return f"{self.url}{path}" + (f"?{query}" if query else "")

    async def forward(
        self, method: str, path: str, query: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> UpstreamAnswer | UpstreamFailure:
        """Send one request and read the whole answer, or say why not."""
        sent = [(k, v) for k, v in end_to_end(headers) if k.lower() not in _REWRITTEN]
        # Identity only: the validators read the body as sent.
        sent.append(("accept-encoding", "identity"))
        target = self.path + path + (f"?{query}" if query else "")
        try:
            async with asyncio.timeout(self.timeout):
                answer = await self._pool.request(method, target or "/", sent, body)
        except TimeoutError:
            return UpstreamFailure(
                "timeout", f"{self.url} did not answer {method} {path} within {self.timeout:g} s"
            )
        except Unreachable as exc:
            return UpstreamFailure("unreachable", f"cannot connect to {self.url}: {exc}")
        except Broken as exc:
            return UpstreamFailure(
                "reset", f"{self.url} broke the connection during {method} {path}: {exc}"
            )
        except AnswerTooLarge:
            return UpstreamFailure(
                "too_large",
                f"the answer of {self.url} to {method} {path} exceeds "
                f"{self.max_body_bytes} bytes (--upstream-max-body)",
            )
        head = method == "HEAD"  # its Content-Length describes the body a GET would get
        kept = [
            (k, v)
            for k, v in end_to_end(answer.headers)
            if head or k.lower() != "content-length"  # else the proxy frames the body itself
        ]
        return UpstreamAnswer(answer.status, kept, answer.body)

    async def aclose(self) -> None:
        """Close the pooled connections."""
        self._pool.close()
