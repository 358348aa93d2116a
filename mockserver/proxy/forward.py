"""Forward one request to the upstream and read its answer, within limits.

`Upstream` holds one pooled `httpx.AsyncClient` (TLS with the system trust store, or none
with ``insecure``). `Upstream.forward` sends the method, the path under the upstream's URL,
the query, the headers but hop-by-hop ones and the body, and reads the answer whole (the
validators need it) up to ``max_body_bytes`` and within ``timeout`` seconds from the first
byte sent to the last byte read, so an endless or trickling stream ends too. Every failure is
an `UpstreamFailure` naming the cause; nothing is retried, so a POST is never sent twice.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from mockserver.errors import ConfigError, MockServerError

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
_REWRITTEN = frozenset({"host", "content-length", "accept-encoding"})


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
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
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
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        # The system's trust store (ssl's default paths), as curl on this machine would use.
        verify: ssl.SSLContext | bool = False if insecure else ssl.create_default_context()
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self._client = httpx.AsyncClient(
            verify=verify,
            limits=limits,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,  # a proxy of the environment would be a hop nobody asked for
            transport=transport,
        )

    def target(self, path: str, query: str) -> str:
        """The upstream URL for ``path`` (already under the spec's base path) and ``query``."""
        return f"{self.url}{path}" + (f"?{query}" if query else "")

    async def forward(
        self, method: str, path: str, query: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> UpstreamAnswer | UpstreamFailure:
        """Send one request and read the whole answer, or say why not."""
        sent = [(k, v) for k, v in end_to_end(headers) if k.lower() not in _REWRITTEN]
        url = self.target(path, query)
        try:
            async with asyncio.timeout(self.timeout):
                return await self._exchange(method, url, sent, body)
        except TimeoutError:
            return UpstreamFailure(
                "timeout", f"{self.url} did not answer {method} {path} within {self.timeout:g} s"
            )
        except httpx.TimeoutException:
            return UpstreamFailure(
                "timeout", f"{self.url} did not answer {method} {path} within {self.timeout:g} s"
            )
        except httpx.ConnectError as exc:
            return UpstreamFailure("unreachable", f"cannot connect to {self.url}: {_why(exc)}")
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            return UpstreamFailure(
                "reset", f"{self.url} broke the connection during {method} {path}: {_why(exc)}"
            )
        except _TooLarge:
            return UpstreamFailure(
                "too_large",
                f"the answer of {self.url} to {method} {path} exceeds "
                f"{self.max_body_bytes} bytes (--upstream-max-body)",
            )
        except httpx.HTTPError as exc:  # anything else httpx raises is a broken exchange too
            return UpstreamFailure("reset", f"{self.url}: {type(exc).__name__}: {_why(exc)}")

    async def _exchange(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes
    ) -> UpstreamAnswer:
        request = self._client.build_request(method, url, headers=headers, content=body)
        # Identity only: the validators read the body, and the client gets it re-framed.
        request.headers["accept-encoding"] = "identity"
        response = await self._client.send(request, stream=True)
        try:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_body_bytes:
                raise _TooLarge
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_body_bytes:
                    raise _TooLarge
                chunks.append(chunk)
        finally:
            await response.aclose()
        kept = [
            (k, v)
            for k, v in end_to_end(response.headers.multi_items())
            # Re-framed by the proxy; the body was decoded if the upstream encoded it anyway.
            if k.lower() not in ("content-length", "content-encoding")
        ]
        return UpstreamAnswer(response.status_code, kept, b"".join(chunks))

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()


class _TooLarge(MockServerError):
    """The answer outgrew the limit (internal: it becomes an `UpstreamFailure`)."""


def _why(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
