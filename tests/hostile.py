"""Hostile HTTP for the mock and the provider: raw sockets, a corpus, process probes.

Most hostile requests are not expressible through an HTTP client library (a body that never
ends, headers that trickle in, a ``Content-Length`` that lies), so everything here speaks
HTTP/1.1 over a plain socket. `send_raw` answers the parsed response, or None when the server
closed the connection without one (the right answer when HTTP itself is broken).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import os
import select
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class RawResponse:
    """What came back over the socket."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _split_address(url: str) -> tuple[str, int]:
    host, _, port = url.removeprefix("http://").partition("/")[0].partition(":")
    return host, int(port or 80)


def connect(url: str, *, timeout: float = 10) -> socket.socket:
    """A connected socket to the server at ``url``."""
    sock = socket.create_connection(_split_address(url), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_response(sock: socket.socket) -> RawResponse | None:
    """Read one response (``Content-Length`` framed or until close); None on a bare close."""
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "-1"))
        while length < 0 or len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        return RawResponse(status, headers, rest[:length] if length >= 0 else rest)
    except ConnectionResetError:
        return None


def send_raw(url: str, data: bytes, *, timeout: float = 10) -> RawResponse | None:
    """Send ``data`` as it is on a new connection and read the answer."""
    with connect(url, timeout=timeout) as sock:
        # The server may refuse before reading everything; its answer still counts.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        return read_response(sock)


def request_bytes(
    method: str,
    target: str,
    *,
    body: bytes | None = None,
    headers: Iterable[tuple[str, str]] = (),
    host: str = "127.0.0.1",
    length: bool = True,
) -> bytes:
    """An HTTP/1.1 request closing the connection after it; ``Content-Length`` from ``body``."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers]
    if body is not None and length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def chunked(body: bytes, size: int = 65536) -> bytes:
    """``body`` in chunked transfer coding."""
    parts = [
        f"{len(body[i : i + size]):x}\r\n".encode() + body[i : i + size] + b"\r\n"
        for i in range(0, len(body), size)
    ]
    return b"".join(parts) + b"0\r\n\r\n"


@dataclass(frozen=True)
class Case:
    """One hostile request against a JSON operation and the statuses it may get."""

    name: str
    method: str
    target: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    expect: frozenset[int] = frozenset({400})
    # The problem's ``code`` when it is fixed by the limits rather than by the server's parser.
    code: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def raw(self, host: str = "127.0.0.1") -> bytes:
        return request_bytes(
            self.method, self.target, body=self.body, headers=self.headers, host=host
        )


JSON = ("Content-Type", "application/json")


def body_corpus(
    target: str, valid: dict[str, Any], auth: Iterable[tuple[str, str]] = ()
) -> list[Case]:
    """Hostile bodies for the JSON operation ``POST target`` whose valid body is ``valid``."""
    auth = tuple(auth)
    first = next(iter(valid))
    text = json.dumps(valid)

    def case(name: str, body: bytes, *extra: tuple[str, str], **options: Any) -> Case:
        headers = (*auth, *(extra or (JSON,)))
        return Case(name, "POST", target, body, headers, **options)

    deep = b"[" * 100_000 + b"]" * 100_000
    deep_object = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    return [
        case("malformed JSON", text[:-3].encode()),
        case("JSON nested 100,000 levels", deep, code="json_too_deep"),
        case("object nested 100,000 levels", deep_object, code="json_too_deep"),
        case("nesting 65 levels", b"[" * 65 + b"]" * 65, code="json_too_deep"),
        case(
            "nesting inside a string is text",
            json.dumps({**valid, first: "[" * 200}).encode(),
            expect=frozenset({400, 201, 200}),
        ),
        case(
            "invalid UTF-8",
            text.replace(valid[first], "\udcff").encode("utf-8", "surrogateescape")
            if isinstance(valid[first], str)
            else b'"\xff\xfe"',
        ),
        case("invalid UTF-8 bytes", b'{"' + first.encode() + b'": "\xc3\x28\xff"}'),
        case("raw NUL byte", text.replace('"', '"\x00', 1).encode()),
        # JSON allows U+0000 in a string and so does the spec: stored as sent, or refused.
        case(
            "escaped NUL in a string",
            json.dumps({**valid, first: f"a\u0000{valid[first]}"}).encode(),
            expect=frozenset({400, 201, 200}),
        ),
        case("number 1e400", json.dumps({**valid, "n": 1}).replace("1}", "1e400}").encode()),
        case("integer of 400 digits", text.replace("{", '{"n": ' + "9" * 400 + ",", 1).encode()),
        case(
            "duplicate keys",
            text.replace("{", '{"' + first + '": 1,', 1).encode(),
            expect=frozenset({400, 409, 201, 200}),
        ),
        case("top-level string", b'"just a string"'),
        case("top-level null", b"null"),
        case("empty body", b""),
        case(
            "text/plain",
            text.encode(),
            ("Content-Type", "text/plain"),
            expect=frozenset({400, 415}),
        ),
        case("no content type", text.encode(), ("X-Nothing", "1"), expect=frozenset({400, 415})),
        case(
            "content type garbage",
            text.encode(),
            ("Content-Type", ";;;==="),
            expect=frozenset({400, 415}),
        ),
        case(
            "multipart without boundary",
            b"--x\r\n\r\n",
            ("Content-Type", "multipart/form-data"),
            expect=frozenset({400, 415}),
        ),
        case(
            "multipart with a wrong boundary",
            b"--y\r\nContent-Disposition: form-data\r\n\r\n--y--",
            ("Content-Type", "multipart/form-data; boundary=x"),
            expect=frozenset({400, 415}),
        ),
        case(
            "multipart of 5,000 parts",
            b"".join(
                b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n' for _ in range(5000)
            )
            + b"--x--\r\n",
            ("Content-Type", "multipart/form-data; boundary=x"),
            expect=frozenset({400, 415}),
        ),
        case(
            "form-urlencoded",
            b"a=1&" * 5000,
            ("Content-Type", "application/x-www-form-urlencoded"),
            expect=frozenset({400, 415}),
        ),
    ]


def request_corpus(base: str, auth: Iterable[tuple[str, str]] = ()) -> list[Case]:
    """Hostile request lines, paths and query strings against the API under ``base``."""
    auth = tuple(auth)
    many = "&".join(["p=1"] * 10_000)
    not_found = frozenset({400, 404})
    return [
        Case(
            "10,000 query parameters",
            "GET",
            f"{base}/projects?{many}",
            headers=auth,
            code="too_many_parameters",
        ),
        Case(
            "path traversal out of the API",
            "GET",
            f"{base}/../__mock/state",
            headers=auth,
            expect=not_found | {200},
        ),
        Case(
            "encoded path traversal",
            "GET",
            f"{base}/projects/..%2F..%2F__mock%2Fstate",
            headers=auth,
            expect=not_found,
        ),
        Case(
            "NUL in a path parameter", "GET", f"{base}/projects/%00", headers=auth, expect=not_found
        ),
        Case(
            "NUL then a valid id",
            "GET",
            f"{base}/projects/%0011111111-1111-4111-8111-111111111111",
            headers=auth,
            expect=not_found,
        ),
        Case(
            "encoded slash in a path parameter",
            "GET",
            f"{base}/projects/a%2Fb",
            headers=auth,
            expect=not_found,
        ),
        Case(
            "NUL in a query value",
            "GET",
            f"{base}/projects?q=%00",
            headers=auth,
            expect=frozenset({400, 200}),
        ),
        Case(
            "invalid UTF-8 in the query",
            "GET",
            f"{base}/projects?q=%ff%fe",
            headers=auth,
            expect=frozenset({400, 200}),
        ),
        Case(
            "invalid percent escape", "GET", f"{base}/projects/%zz", headers=auth, expect=not_found
        ),
        Case("huge page number", "GET", f"{base}/projects?page=" + "9" * 400, headers=auth),
        Case("page 1e400", "GET", f"{base}/projects?page=1e400", headers=auth),
    ]


def rss_bytes(pid: int) -> int:
    """Resident memory of process ``pid`` (Linux ``/proc``)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def wait_until(predicate: Any, *, timeout: float = 20, interval: float = 0.05) -> None:
    """Poll ``predicate`` until true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class ServerProcess:
    """A server started as its own process (for signals and memory), stopped on ``close``."""

    def __init__(
        self, argv: list[str], port: int, *, health: str, env: dict[str, str] | None = None
    ) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
        )
        self.health = health

        def up() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"server exited {self.proc.returncode}: {self.proc.communicate()}"
                )
            try:
                response = send_raw(self.url, request_bytes("GET", health), timeout=2)
            except OSError:
                return False
            return response is not None and response.status == 200

        wait_until(up, timeout=60)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def terminate(self, *, timeout: float = 30) -> tuple[int, str, str]:
        """SIGTERM, then the exit code and the output."""
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err

    def wait(self, *, timeout: float = 30) -> tuple[int, str, str]:
        """The exit code and the output, once the process has ended by itself."""
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=10)


def read_interim(sock: socket.socket) -> bytes:
    """Read up to the end of an interim (1xx) response head."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def trickle_until_closed(
    sock: socket.socket, data: bytes, *, every: float = 0.1, timeout: float = 20
) -> RawResponse | None:
    """Send ``data`` one byte per ``every`` seconds until the server answers or closes."""
    deadline = time.monotonic() + timeout
    for byte in itertools.cycle(data):
        if time.monotonic() > deadline:
            raise AssertionError(f"the server kept a trickling connection for {timeout} s")
        readable, _, _ = select.select([sock], [], [], every)
        if readable:
            return read_response(sock)
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            return read_response(sock)
    raise AssertionError("unreachable")


# -- authentication attacks: forged tokens and spec-driven ownership ------------------------


def forge(token: str, secret: str | bytes, *, algorithm: str = "HS256", **changes: Any) -> str:
    """``token``'s claims with ``changes`` (None removes a claim), signed with ``secret``."""
    claims = jwt.decode(token, options={"verify_signature": False})
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return jwt.encode(claims, secret, algorithm=algorithm)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(token: str, **changes: Any) -> str:
    """``token`` re-issued with ``alg: none`` and no signature."""
    claims = {**jwt.decode(token, options={"verify_signature": False}), **changes}
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def hs256_by_hand(
    token: str, key: bytes, *, alg: str = "HS256", digest: Any = hashlib.sha256
) -> str:
    """``token``'s claims signed with HMAC (SHA-256) under ``key``, the header saying ``alg``."""
    claims = jwt.decode(token, options={"verify_signature": False})
    signing_input = f"{_b64(json.dumps({'alg': alg, 'typ': 'JWT'}).encode())}." + _b64(
        json.dumps(claims).encode()
    )
    signature = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{_b64(signature)}"


def tampered(token: str, **changes: Any) -> str:
    """``token`` with its payload changed and the original signature kept."""
    header, _, signature = token.split(".")
    claims = {**jwt.decode(token, options={"verify_signature": False}), **changes}
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def forged_tokens(token: str, secret: str) -> dict[str, str]:
    """Every token an attacker might try, derived from a real one of the server keyed ``secret``."""
    now = int(time.time())
    stranger = str(uuid.uuid4())
    # A public key used as the HMAC secret (PyJWT refuses to sign that, so by hand).
    rsa_public = b"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQ\n-----END PUBLIC KEY-----\n"
    return {
        "alg none": unsigned(token),
        "alg none, capitalised": unsigned(token).replace(
            _b64(b'{"alg": "none", "typ": "JWT"}'), _b64(b'{"alg": "None", "typ": "JWT"}')
        ),
        "alg confusion: HMAC keyed with a public key": hs256_by_hand(token, rsa_public),
        "alg RS256 header on an HMAC signature": hs256_by_hand(token, secret.encode(), alg="RS256"),
        "alg HS512 with the right key": hs256_by_hand(
            token, secret.encode(), alg="HS512", digest=hashlib.sha512
        ),
        "signed with another key": forge(token, "another-key-" + "k" * 40),
        "expired": forge(token, secret, iat=now - 7200, nbf=now - 7200, exp=now - 3600),
        "not yet valid (nbf)": forge(token, secret, nbf=now + 3600, exp=now + 7200),
        "tampered payload": tampered(token, sub=stranger),
        "subject that does not exist": forge(token, secret, sub=stranger),
        "no expiry": forge(token, secret, exp=None),
        "no subject": forge(token, secret, sub=None),
        "garbage": "not.a.jwt",
    }


@dataclass(frozen=True)
class SpecOperation:
    """One operation of the spec, with what a valid call needs."""

    path: str
    method: str
    operation_id: str
    operation: dict[str, Any]
    parameters: list[dict[str, Any]]
    body: Any

    @property
    def path_ids(self) -> list[str]:
        return [p["name"] for p in self.parameters if p["in"] == "path"]

    @property
    def secured(self) -> bool:
        return self.operation.get("security") != []

    def ownership_status(self) -> int:
        """The status the spec declares for another user's resource: 403, else 404."""
        return 403 if "403" in self.operation["responses"] else 404

    def call(self, client: Any, ids: dict[str, str], body: Any = None) -> Any:
        headers = {p["name"]: str(uuid.uuid4()) for p in self.parameters
                   if p["in"] == "header" and p.get("required")}  # fmt: skip
        return client.request(
            self.method.upper(),
            self.path.format(**ids),
            json=self.body if body is None else body,
            headers=headers,
        )


def spec_operations(doc: dict[str, Any]) -> list[SpecOperation]:
    """Every operation under ``paths`` with the first example of its JSON request body."""
    from tests.spec_rules import iter_operations, resolve

    found = []
    for path, method, op, parameters in iter_operations(doc, webhooks=False):
        body = None
        media = resolve(doc, op.get("requestBody", {})).get("content", {}).get("application/json")
        if media is not None:
            examples = media.get("examples") or {}
            example = next(iter(examples.values()), None)
            body = resolve(doc, example)["value"] if example else media.get("example")
        found.append(SpecOperation(path, method, op["operationId"], op, parameters, body))
    return found


def producers(doc: dict[str, Any]) -> dict[str, tuple[SpecOperation, str]]:
    """For each path id, the operation whose answer's ``links`` provide it, and the pointer."""
    from tests.spec_rules import resolve

    found: dict[str, tuple[SpecOperation, str]] = {}
    for op in spec_operations(doc):
        if op.method != "post":
            continue
        for status, response in op.operation["responses"].items():
            if not status.startswith("2"):
                continue
            for link in resolve(doc, response).get("links", {}).values():
                for name, expression in resolve(doc, link).get("parameters", {}).items():
                    if isinstance(expression, str) and expression.startswith("$response.body#"):
                        pointer = expression.removeprefix("$response.body#")
                        found.setdefault(name, (op, pointer))
    return found


def provision(client: Any, doc: dict[str, Any], wanted: list[str], ids: dict[str, str]) -> None:
    """Create, as ``client``'s user, resources for every path id in ``wanted`` (into ``ids``)."""
    made = producers(doc)
    for name in wanted:
        if name in ids:
            continue
        op, pointer = made[name]
        provision(client, doc, op.path_ids, ids)
        response = op.call(client, ids)
        assert response.status_code in (200, 201), (op.operation_id, response.text)
        value: Any = response.json()
        for part in pointer.strip("/").split("/"):
            value = value[part]
        ids[name] = str(value)
