"""Forwarding: which headers travel, the upstream's URL, each failure named, limits checked."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from mockserver.errors import ConfigError
from mockserver.proxy.forward import (
    HOP_BY_HOP,
    Upstream,
    UpstreamAnswer,
    UpstreamFailure,
    end_to_end,
)
from tests.conftest import RunningServer
from tests.proxy.wire import Answer, Scripted, ok


def test_end_to_end_drops_hop_by_hop_headers_and_those_connection_names() -> None:
    headers = [
        ("Connection", "keep-alive, X-Hop"),
        ("X-Hop", "1"),
        ("Transfer-Encoding", "chunked"),
        ("Accept", "application/json"),
        ("Authorization", "Bearer t"),
    ]
    assert end_to_end(headers) == [("Accept", "application/json"), ("Authorization", "Bearer t")]


@pytest.mark.parametrize(
    ("url", "options", "message"),
    [
        ("ftp://example.com", {}, "expected an http:// or https:// URL"),
        ("example.com", {}, "expected an http:// or https:// URL"),
        ("http://example.com", {"timeout": 0}, "must be positive"),
        ("http://example.com", {"max_body_bytes": -1}, "must be positive"),
    ],
)
def test_upstream_refuses_a_bad_url_or_limit(
    url: str, options: dict[str, float], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Upstream(url, **options)  # type: ignore[arg-type]


def test_upstream_target_puts_the_path_under_its_url() -> None:
    upstream = Upstream("https://staging.example.com/api/v1/", insecure=True)
    assert upstream.target("/projects", "page=2") == (
        "https://staging.example.com/api/v1/projects?page=2"
    )
    assert upstream.target("/health", "") == "https://staging.example.com/api/v1/health"


@pytest.fixture
def serve() -> Iterator[list[Scripted]]:
    servers: list[Scripted] = []
    yield servers
    for server in servers:
        server.close()


def _forward(
    servers: list[Scripted],
    answer: Answer,
    *,
    scheme: str = "http",
    greeting: bytes = b"",
    options: dict[str, float] | None = None,
) -> tuple[Scripted, UpstreamAnswer | UpstreamFailure]:
    servers.append(Scripted(answer, greeting=greeting))
    server = servers[-1]
    url = f"{scheme}://127.0.0.1:{server.port}/api"

    async def run() -> UpstreamAnswer | UpstreamFailure:
        upstream = Upstream(url, insecure=True, **(options or {}))  # type: ignore[arg-type]
        try:
            return await upstream.forward(
                "POST", "/things", "a=1",
                [("Host", "proxy"), ("Connection", "close"), ("X-Keep", "yes"),
                 ("Expect", "100-continue"), ("Accept-Encoding", "gzip")], b"{}",
            )  # fmt: skip
        finally:
            await upstream.aclose()

    return server, asyncio.run(run())


def test_forward_sends_end_to_end_headers_and_reframes_the_answer(
    serve: list[Scripted],
) -> None:
    extra = b"x-out: 1\r\nkeep-alive: timeout=5\r\ncontent-encoding: identity\r\n"
    server, result = _forward(serve, lambda n, r: (ok(b'{"ok": true}', extra=extra), False))
    assert isinstance(result, UpstreamAnswer)
    assert (result.status, result.body) == (200, b'{"ok": true}')
    assert result.header("X-Out") == "1"
    assert result.header("content-encoding") == "identity"
    assert result.header("keep-alive") is None
    assert result.header("content-length") is None  # the proxy frames the body itself
    ((_, request),) = server.requests
    head = request.decode().lower()
    assert head.startswith("post /api/things?a=1 http/1.1\r\n")
    assert f"host: 127.0.0.1:{server.port}\r\n" in head
    assert "x-keep: yes\r\n" in head
    assert "accept-encoding: identity\r\n" in head
    for dropped in ("connection:", "expect:", "gzip", "host: proxy"):
        assert dropped not in head


@pytest.mark.parametrize(
    ("answer", "options", "cause", "detail"),
    [
        (lambda n, r: None, {}, "reset", "broke the connection during POST /things"),
        (lambda n, r: (b"HTTP/1.1 200 OK\r\ncontent-length: 5000\r\n\r\n" + b"x" * 5000, True),
         {"max_body_bytes": 100}, "too_large", "exceeds 100 bytes (--upstream-max-body)"),
        (lambda n, r: (b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n", False),
         {"timeout": 0.3}, "timeout", "did not answer POST /things within 0.3 s"),
    ],
)  # fmt: skip
def test_forward_names_each_failure(
    answer: Answer,
    options: dict[str, float],
    cause: str,
    detail: str,
    serve: list[Scripted],
) -> None:
    server, result = _forward(serve, answer, options=options)
    assert isinstance(result, UpstreamFailure)
    assert (result.cause, result.status, result.sent) == (
        cause, 504 if cause == "timeout" else 502, True,
    )  # fmt: skip
    assert f"http://127.0.0.1:{server.port}/api" in result.detail
    assert detail in result.detail
    assert len(server.requests) == 1  # never sent twice


def test_forward_over_tls_to_a_plain_server_is_unreachable(serve: list[Scripted]) -> None:
    plain = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n"
    _, result = _forward(serve, lambda n, r: None, scheme="https", greeting=plain)
    assert isinstance(result, UpstreamFailure)
    assert (result.cause, result.sent) == ("unreachable", False)
    assert "TLS handshake failed" in result.detail


def test_forward_verifies_tls_with_the_system_trust_store_unless_insecure() -> None:
    assert Upstream("https://example.com")._pool.tls is not None
    checked = Upstream("https://example.com")._pool.tls
    assert checked is not None
    assert checked.check_hostname
    unchecked = Upstream("https://example.com", insecure=True)._pool.tls
    assert unchecked is not None
    assert not unchecked.check_hostname
    assert Upstream("http://example.com")._pool.tls is None


_HEADER = st.sampled_from(
    ["Connection", "Keep-Alive", "TE", "Upgrade", "Accept", "X-Custom", "Authorization", "X-Hop"]
)


@given(st.lists(st.tuples(_HEADER, st.sampled_from(["1", "x-hop", "close, X-Custom"]))))
def test_end_to_end_never_forwards_a_hop_by_hop_header(headers: list[tuple[str, str]]) -> None:
    kept = end_to_end(headers)
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == "connection"
        for token in value.split(",")
    }
    assert all(name.lower() not in HOP_BY_HOP | named for name, _ in kept)
    assert [pair for pair in headers if pair in kept] == kept  # order and values kept


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by its own key (as a staging server may have)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "staging.test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_forward_over_tls_verifies_the_certificate_unless_insecure(
    tmp_path: Path, make_server: Callable[..., RunningServer]
) -> None:
    async def health(request: Any) -> Response:
        return Response(b'{"status": "ok"}', media_type="application/json")

    cert, key = _self_signed(tmp_path)
    server = make_server(
        Starlette(routes=[Route("/api/health", health)]),
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
    )
    url = server.url.replace("http://", "https://") + "/api"

    async def run(insecure: bool) -> UpstreamAnswer | UpstreamFailure:
        upstream = Upstream(url, insecure=insecure)
        try:
            return await upstream.forward("GET", "/health", "", [], b"")
        finally:
            await upstream.aclose()

    refused = asyncio.run(run(False))
    assert isinstance(refused, UpstreamFailure)
    assert refused.cause == "unreachable"
    assert "CERTIFICATE_VERIFY_FAILED" in refused.detail
    accepted = asyncio.run(run(True))
    assert isinstance(accepted, UpstreamAnswer)
    assert (accepted.status, accepted.body) == (200, b'{"status": "ok"}')
