"""``mockserver verify``: replay pact files against a running provider with Pact's verifier.

The Rust verifier of pact-python replays every interaction of the pacts in a directory (or
from a Pact Broker) against ``provider_url``. Before and after each interaction it posts the
interaction's provider states to the state change URL (``{"state", "params", "action"}``)
and injects the values the setup answers into the request (``${projectId}``). The results are
reported per interaction, as text and as JUnit XML for CI.

The state change URL defaults to the mock's ``/__mock/provider-states`` when the provider is
this mock (it answers ``/__mock/health``), else to ``/_pact/provider-states``.

The verifier talks to the state endpoint through a loopback `relay` that keeps every state
change, so a failure is explained: a setup the endpoint refused is reported with its problem
``detail``, and a provider-state generator naming a value the state did not answer
(``${id}`` where it answered ``projectId``) by name, with the values it did answer. With
extra headers (``--header``) or ``--token-from-state NAME`` the requests pass the relay too:
the headers are set on every request, and a literal ``Authorization`` of the pacts (one no
provider-state generator fills, in an interaction not expecting 401) becomes
``Bearer <NAME as the interaction's state answered it>``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import httpx

from mockserver.errors import ConfigError
from mockserver.pact.explain import PactedInteraction, explanations, pacted_interactions
from mockserver.pact.files import pact_files, read_pact
from mockserver.pact.relay import Relay, StateCall

__all__ = [
    "InteractionResult",
    "VerificationReport",
    "default_state_url",
    "format_report",
    "junit_xml",
    "provider_names",
    "verify_pacts",
]

MOCK_STATES = "/__mock/provider-states"
PROVIDER_STATES = "/_pact/provider-states"


@dataclass(frozen=True, slots=True)
class InteractionResult:
    """The outcome of one interaction: what failed, in readable lines."""

    consumer: str
    description: str
    states: tuple[str, ...]
    passed: bool
    problems: tuple[str, ...] = ()
    pending: bool = False

    @property
    def title(self) -> str:
        given = f" (given {', '.join(self.states)})" if self.states else ""
        return f"{self.description}{given}"


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """Every interaction's result, plus the verifier's own output."""

    provider: str
    results: tuple[InteractionResult, ...]
    output: str = ""
    errors: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        """True when at least one interaction ran and nothing failed."""
        return (
            bool(self.results)
            and not self.errors
            and all(r.passed or r.pending for r in self.results)
        )


def provider_names(pacts: Path) -> list[str]:
    """The provider names of the pact files in ``pacts`` (a directory or one file)."""
    names: dict[str, None] = {}
    for file in pact_files(pacts):
        data = read_pact(file)
        name = (data.get("provider") or {}).get("name") if isinstance(data, dict) else None
        if not isinstance(name, str):
            raise ConfigError(f"{file}: not a pact file (no provider.name)")
        names[name] = None
    return list(names)


def default_state_url(provider_url: str) -> str:
    """The mock's state endpoint when ``provider_url`` is this mock, else the provider's."""
    root = provider_url.rstrip("/")
    try:
        response = httpx.get(root + "/__mock/health", timeout=5, trust_env=False)
        is_mock = response.status_code == 200 and "operations" in response.json()
    except (httpx.HTTPError, ValueError):
        is_mock = False
    return root + (MOCK_STATES if is_mock else PROVIDER_STATES)


def verify_pacts(
    provider_url: str,
    *,
    pacts: Path | None = None,
    provider: str | None = None,
    state_url: str | None = None,
    broker_url: str | None = None,
    provider_version: str | None = None,
    branch: str | None = None,
    publish: bool = False,
    headers: Sequence[tuple[str, str]] = (),
    token_from_state: str | None = None,
    timeout_ms: int = 10_000,
) -> VerificationReport:
    """Verify the pacts in ``pacts`` (and/or from ``broker_url``) against ``provider_url``.

    Args:
        provider_url: the provider's root URL (paths in the pacts carry the base path).
        pacts: a directory of pact files, or one file.
        provider: the provider name to verify; by default the one the pact files name.
        state_url: the provider-state change endpoint (see `default_state_url`).
        broker_url: also fetch the pacts for ``provider`` from this Pact Broker.
        provider_version, branch, publish: publish results to the broker (``publish``
            needs ``provider_version`` and ``broker_url``).
        headers: ``(name, value)`` pairs set on every replayed request.
        token_from_state: the name of a value the states answer (``accessToken``): each
            literal ``Authorization`` of the pacts is replaced by ``Bearer <that value>``.
        timeout_ms: per request to the provider.

    Raises:
        ConfigError: no pacts, several providers, or publishing without a version.
    """
    from pact import Verifier

    if publish and not provider_version:
        raise ConfigError("--publish needs --provider-version (the provider build verified)")
    if publish and not broker_url:
        raise ConfigError("--publish needs --broker-url (where results are published)")
    if pacts is None and broker_url is None:
        raise ConfigError("nothing to verify: give --pacts DIR or --broker-url URL")
    if pacts is not None and not pacts.exists():
        raise ConfigError(f"no pact files at {pacts}: run `make pacts` or pass --pacts DIR")
    names = provider_names(pacts) if pacts is not None else []
    if provider is None:
        if len(names) != 1:
            found = ", ".join(names) or "none"
            raise ConfigError(f"expected the pacts of one provider, found {found}; pass --provider")
        provider = names[0]
    parts = urlsplit(provider_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"expected --provider-url http(s)://host:port, got {provider_url!r}")

    interactions = pacted_interactions(pacts) if pacts is not None else {}
    literal = (
        frozenset(c for i in interactions.values() for c in i.literal_credentials)
        if pacts is not None
        else None
    )
    with Relay(
        provider_url,
        state_url or default_state_url(provider_url),
        headers=headers,
        token_from_state=token_from_state,
        literal_credentials=literal,
        timeout=timeout_ms / 1000,
    ) as relay:
        target = relay.url if relay.relays_requests else provider_url.rstrip("/")
        verifier = Verifier(provider, host=urlsplit(target).hostname)
        verifier.add_transport(url=target)
        verifier.set_request_timeout(timeout_ms)
        verifier.set_coloured_output(enabled=False)
        verifier.set_error_on_empty_pact(enabled=True)
        verifier.state_handler(relay.state_url, teardown=True, body=True)
        if pacts is not None:
            verifier.add_source(pacts)
        if broker_url is not None:
            verifier.broker_source(broker_url)
        if publish and provider_version:
            verifier.set_publish_options(provider_version, branch=branch)
        # Failures are in the results; an execution error leaves them empty.
        with _quiet(), contextlib.suppress(RuntimeError):
            verifier.verify()
        calls = relay.calls()
    errors: list[str] = []
    results = verifier.results
    output = verifier.output(strip_ansi=True)
    parsed = tuple(
        _explained(_interaction(r), interactions, calls, token_from_state)
        for r in results.get("interactionResults") or ()
    )
    if not parsed:
        errors.append(_last_lines(output) or "the verifier ran no interaction")
    return VerificationReport(provider, parsed, output, tuple(errors))


def _explained(
    result: InteractionResult,
    interactions: Mapping[tuple[str, str], PactedInteraction],
    calls: Sequence[StateCall],
    token_from_state: str | None,
) -> InteractionResult:
    """``result`` with what the state changes tell about it (`explain`)."""
    more = explanations(
        result.consumer,
        result.description,
        result.states,
        passed=result.passed,
        interactions=interactions,
        calls=calls,
        token_from_state=token_from_state,
    )
    return replace(result, problems=result.problems + tuple(more)) if more else result


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Keep the verifier's own printing (it writes to fd 1) out of our report."""
    os.environ.setdefault("PACT_DO_NOT_TRACK", "true")
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def _interaction(result: Mapping[str, Any]) -> InteractionResult:
    problems = tuple(_problems(result.get("mismatch")))
    states = tuple(
        s if isinstance(s, str) else str(s.get("name")) for s in result.get("providerStates") or ()
    )
    return InteractionResult(
        consumer=str(result.get("consumer", "")),
        description=str(result.get("description", "")),
        states=states,
        passed=str(result.get("result", "")).upper() == "OK",
        problems=problems,
        pending=bool(result.get("pending")),
    )


def _problems(mismatch: Any) -> Iterable[str]:
    if not isinstance(mismatch, Mapping):
        return
    if mismatch.get("type") == "error":
        yield str(mismatch.get("message", "error"))
        return
    for item in mismatch.get("mismatches") or ():
        kind = str(item.get("type", "Mismatch"))
        where = item.get("path") or item.get("key") or item.get("parameter") or ""
        text = item.get("mismatch") or f"expected {item.get('expected')}, got {item.get('actual')}"
        label = {
            "StatusMismatch": "status",
            "BodyMismatch": "body",
            "HeaderMismatch": "header",
            "BodyTypeMismatch": "body type",
        }.get(kind, kind)
        yield f"{label} {where}: {text}".replace("  ", " ").replace(" :", ":")


def _last_lines(output: str, count: int = 15) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return "\n".join(lines[-count:])


def format_report(report: VerificationReport) -> str:
    """One line per interaction (``PASS``/``FAIL``), its mismatches, and a summary."""
    lines = []
    for result in report.results:
        mark = "PASS" if result.passed else ("PENDING" if result.pending else "FAIL")
        lines.append(f"{mark:<7} {result.title}")
        lines.extend(f"        - {problem}" for problem in result.problems)
    lines.extend(f"ERROR   {error}" for error in report.errors)
    failed = sum(not (r.passed or r.pending) for r in report.results)
    lines.append(
        f"{report.provider}: {len(report.results)} interactions, "
        f"{len(report.results) - failed} passed, {failed} failed"
    )
    return "\n".join(lines)


def junit_xml(report: VerificationReport) -> str:
    """The report as a JUnit XML document: one testcase per interaction."""
    failed = sum(not (r.passed or r.pending) for r in report.results)
    suite = ET.Element(
        "testsuite",
        name=f"pact verification of {report.provider}",
        tests=str(len(report.results) + len(report.errors)),
        failures=str(failed),
        errors=str(len(report.errors)),
    )
    for result in report.results:
        case = ET.SubElement(
            suite, "testcase", classname=result.consumer or "pact", name=result.title
        )
        if result.pending and not result.passed:
            ET.SubElement(case, "skipped", message="pending interaction")
        elif not result.passed:
            failure = ET.SubElement(
                case, "failure", message=result.problems[0] if result.problems else "failed"
            )
            failure.text = "\n".join(result.problems)
    for error in report.errors:
        case = ET.SubElement(suite, "testcase", classname="pact", name="verification")
        ET.SubElement(
            case, "error", message=error.splitlines()[0] if error else "error"
        ).text = error
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
