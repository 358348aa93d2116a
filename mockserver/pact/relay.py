"""A loopback relay between Pact's verifier and the provider, so ``verify`` can explain itself.

Pact's verifier reports a failed provider-state setup only as "One or more of the setup state
change handlers has failed", and resolves a ``${name}`` the state did not answer silently to
the example value. It cannot add headers of our choosing or swap a literal credential for a
fresh one. The relay sits in the middle, on ``127.0.0.1``, in a thread:

- ``state_url``: every state change is forwarded to the provider's state endpoint and kept as
  a `StateCall` (state, params, action, status, what it answered, the problem's ``detail``);
- every other path is forwarded to the provider (only when `Relay.relays_requests`: extra
  headers or a token to inject), with the extra headers set and, with ``token_from_state``,
  a literal ``Authorization`` of the pacts replaced by ``Bearer <the value the last setup
  answered under that name>``: each interaction gets the token its own state set up.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from mockserver.errors import ConfigError

__all__ = ["STATE_PATH", "Relay", "StateCall"]

STATE_PATH = "/__relay/provider-states"
# Hop-by-hop headers (RFC 9110 7.6.1) and the ones recomputed for the relayed body.
_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
     "upgrade", "host", "content-length"}
)  # fmt: skip
_OWN = frozenset({"date", "server"})  # the relay's own response sets these


@dataclass(frozen=True, slots=True)
class StateCall:
    """One state change as the provider's state endpoint answered it (status 0: unreachable)."""

    state: str
    params: Mapping[str, Any]
    action: str
    status: int
    answer: Any = None
    detail: str = ""

    @property
    def failed(self) -> bool:
        return not 200 <= self.status < 300

    @property
    def key(self) -> tuple[str, str]:
        return state_key(self.state, self.params)


def state_key(state: str, params: Mapping[str, Any] | None) -> tuple[str, str]:
    """How a state with its params is told apart from another."""
    return state, json.dumps(dict(params or {}), sort_keys=True, default=str)


@dataclass(slots=True)
class _Record:
    calls: list[StateCall] = field(default_factory=list)
    token: str | None = None


class Relay:
    """The relay on a loopback port; `url` replaces the provider's, `state_url` its state URL."""

    def __init__(
        self,
        provider_url: str,
        state_url: str,
        *,
        headers: Sequence[tuple[str, str]] = (),
        token_from_state: str | None = None,
        literal_credentials: frozenset[str] | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.provider_url = provider_url.rstrip("/")
        self.target_state_url = state_url
        self.headers = tuple(headers)
        self.token_from_state = token_from_state
        # None: every Authorization is replaced (no local pacts to tell literal ones apart).
        self.literal_credentials = literal_credentials
        self._record = _Record()
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False)
        try:
            self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        except OSError as exc:  # pragma: no cover - loopback port 0 does not fail in practice
            raise ConfigError(f"cannot listen on 127.0.0.1 for the verify relay: {exc}") from exc
        self._server.daemon_threads = True
        self._server.relay = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.state_url = self.url + STATE_PATH
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="verify-relay", daemon=True
        )
        self._thread.start()

    @property
    def relays_requests(self) -> bool:
        """Whether the verifier's requests must pass here (headers or a token to put in)."""
        return bool(self.headers) or self.token_from_state is not None

    def calls(self) -> list[StateCall]:
        """The state changes so far, in order."""
        with self._lock:
            return list(self._record.calls)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._client.close()

    def __enter__(self) -> Relay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def change_state(
        self, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """Forward one state change; keep what it answered."""
        try:
            sent = json.loads(body or b"{}")
        except ValueError:
            sent = {}
        sent = sent if isinstance(sent, dict) else {}
        state, params = str(sent.get("state", "")), sent.get("params") or {}
        action = str(sent.get("action", "setup"))
        try:
            response = self._client.post(
                self.target_state_url,
                content=body,
                headers={"Content-Type": headers.get("content-type", "application/json")},
            )
        except httpx.HTTPError as exc:
            detail = f"cannot reach the state endpoint {self.target_state_url}: {exc}"
            self._keep(StateCall(state, params, action, 0, None, detail))
            # Not a 5xx: the verifier retries those for minutes before it gives up.
            problem = {"title": "Failed Dependency", "status": 424, "detail": detail}
            return 424, {"Content-Type": "application/problem+json"}, json.dumps(problem).encode()
        answer = _json(response.content)
        detail = ""
        if response.status_code >= 300:
            found = answer.get("detail") if isinstance(answer, dict) else None
            detail = str(found) if found else response.text.strip()[:500]
        self._keep(StateCall(state, params, action, response.status_code, answer, detail))
        kept = {"Content-Type": response.headers.get("content-type", "application/json")}
        return response.status_code, kept, response.content

    def _keep(self, call: StateCall) -> None:
        with self._lock:
            self._record.calls.append(call)
            name = self.token_from_state
            if name and call.action == "setup" and not call.failed:
                value = call.answer.get(name) if isinstance(call.answer, dict) else None
                self._record.token = str(value) if value is not None else None

    def forward(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Send one of the verifier's requests on to the provider, headers put in."""
        sent = [(k, v) for k, v in headers if k.lower() not in _HOP]
        overrides = {name.lower() for name, _ in self.headers}
        sent = [(k, v) for k, v in sent if k.lower() not in overrides] + list(self.headers)
        with self._lock:
            token = self._record.token
        if token is not None:
            sent = [
                (k, f"Bearer {token}" if k.lower() == "authorization" and self._literal(v) else v)
                for k, v in sent
            ]
        try:
            with self._client.stream(
                method, self.provider_url + target, headers=sent, content=body
            ) as response:
                raw = b"".join(response.iter_raw())
                answered = [
                    (k, v)
                    for k, v in response.headers.multi_items()
                    if k.lower() not in _HOP | _OWN
                ]
                return response.status_code, answered, raw
        except httpx.HTTPError as exc:
            detail = f"cannot reach the provider at {self.provider_url}: {exc}"
            problem = {"title": "Bad Gateway", "status": 502, "detail": detail}
            return 502, [("Content-Type", "application/problem+json")], json.dumps(problem).encode()

    def _literal(self, value: str) -> bool:
        return self.literal_credentials is None or value in self.literal_credentials


def _json(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except ValueError:
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _relay(self) -> None:
        relay: Relay = self.server.relay  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.split("?")[0] == STATE_PATH and self.command == "POST":
            lowered = {k.lower(): v for k, v in self.headers.items()}
            status, headers, content = relay.change_state(body, lowered)
            answered = list(headers.items())
        else:
            status, answered, content = relay.forward(
                self.command, self.path, list(self.headers.items()), body
            )
        self.send_response(status)
        for name, value in answered:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _relay

    def log_message(self, format: str, *args: Any) -> None:
        """The relay is silent: what matters is in the verification report."""
