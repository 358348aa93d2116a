"""Print what a conform run found: each divergence with its shortest program, request by
request with both answers, a curl script that replays it against the provider, and JUnit XML.

The curl script names no id or token literally: each comes from an earlier answer, captured
with ``jq`` into a shell variable, so the script reproduces the divergence on a fresh run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree as ET

from mockserver.conform.compare import is_opaque, value_format
from mockserver.conform.execute import Exchange, Outcome
from mockserver.conform.search import Finding, SearchResult

__all__ = ["curl_script", "format_finding", "format_result", "junit_xml"]

_BODY_CHARS = 300
_MARK = "\x00"


def format_result(result: SearchResult, *, provider_url: str) -> str:
    """The whole report: every finding, then one summary line."""
    parts = [
        format_finding(finding, number, len(result.findings), provider_url=provider_url)
        for number, finding in enumerate(result.findings, 1)
    ]
    verdict = f"{len(result.findings)} divergence(s)" if result.findings else "no divergence"
    note = " (time limit reached: shrinking stopped early)" if result.timed_out else ""
    parts.append(
        f"mockserver conform: {verdict} in {result.programs} programs, {result.requests} "
        f"requests to each server, {result.seconds:.1f} s{note}"
    )
    return "\n\n".join(parts)


def format_finding(finding: Finding, number: int, total: int, *, provider_url: str) -> str:
    """One divergence: what differs, the shortest program's requests, a curl script."""
    divergence, outcome = finding.divergence, finding.outcome
    steps = len(outcome.program)
    lines = [
        f"DIVERGENCE {number} of {total}: {divergence.describe()}",
        f"  shortest program: {steps} step(s), {len(_shown(finding))} request(s)"
        + _repeated(finding.repeated),
    ]
    for step_index, step in enumerate(outcome.program):
        lines.append(f"  step {step_index}: {step.describe()}")
        for number_in, exchange in enumerate(_shown(finding), 1):
            if exchange.step == step_index:
                marker = "  <-- differs" if number_in - 1 == divergence.request else ""
                lines.extend(_exchange_lines(number_in, exchange, marker, outcome.base_path))
    lines.append("  replay against the provider (sh; needs curl and jq):")
    script = curl_script(
        outcome, provider_url=provider_url, title=divergence.describe(), upto=divergence.request
    )
    lines.extend("    " + line for line in script.splitlines())
    return "\n".join(lines)


def _shown(finding: Finding) -> list[Exchange]:
    """The exchanges up to the one that diverged (what follows it shows nothing more)."""
    return finding.outcome.exchanges[: finding.divergence.request + 1]


def _repeated(repeated: bool | None) -> str:
    if repeated is None:
        return " (not run again: out of time)"
    return "" if repeated else " (not shown when run again: is the provider deterministic?)"


def _exchange_lines(number: int, exchange: Exchange, marker: str, base_path: str) -> Iterator[str]:
    request = exchange.provider_request
    query = "&".join(f"{k}={v}" for k, v in request.query)
    target = request.path + (f"?{query}" if query else "")
    who = f"user {request.user} " if request.user is not None else ""
    body = f" {_short(request.body)}" if request.has_body else ""
    if not marker:  # a request on the way: its answers in short
        statuses = f"mock {exchange.mock.status}, provider {exchange.provider.status}"
        yield f"    #{number} {who}{request.method} {base_path}{target}{body} -> {statuses}"
        return
    yield f"    #{number} {who}{request.method} {base_path}{target}{body}{marker}"
    yield f"       mock:     {exchange.mock.status} {_short(exchange.mock.body)}"
    yield f"       provider: {exchange.provider.status} {_short(exchange.provider.body)}"


def _short(body: Any) -> str:
    if body is None:
        return ""
    text = json.dumps(body, separators=(",", ":"))
    return text if len(text) <= _BODY_CHARS else text[: _BODY_CHARS - 3] + "..."


def curl_script(outcome: Outcome, *, provider_url: str, title: str = "", upto: int = -1) -> str:
    """A shell script replaying ``outcome``'s requests (up to the ``upto``-th) against the
    provider."""
    known: dict[str, tuple[str, int, str]] = {}  # value -> (variable, request number, jq path)
    used: set[str] = set()
    commands: list[str] = []
    nonce = _nonce(outcome)
    exchanges = outcome.exchanges[: upto + 1] if upto >= 0 else outcome.exchanges
    for number, exchange in enumerate(exchanges, 1):
        request = exchange.provider_request

        def sub(text: str) -> str:
            for value, (name, _, _) in known.items():
                if value in text:
                    text = text.replace(value, f"{_MARK}{name}{_MARK}")
                    used.add(name)
            if nonce:
                text = text.replace(nonce, f"{_MARK}RUN{_MARK}")
            return text

        query = "&".join(f"{k}={v}" for k, v in request.query)
        target = outcome.base_path + request.path + ("?" + query if query else "")
        url = f"$BASE{_quote(sub(target))}"
        parts = [f'curl -sS -o "$OUT/r{number}.json" -w "#{number} %{{http_code}}\\n"']
        parts.append(f'-X {request.method} "{url}"')
        for name, value in request.headers:
            parts.append(f'-H "{_quote(sub(f"{name}: {value}"))}"')
        if request.has_body:
            parts.append('-H "Content-Type: application/json"')
            parts.append(f'-d "{_quote(sub(json.dumps(request.body)))}"')
        commands.append(" ".join(parts))
        for path, value in _dynamic_values(exchange.provider.body, ""):
            known.setdefault(value, (f"V{len(known) + 1}", number, path))
    lines = [
        "#!/bin/sh",
        f"# {title}" if title else "# mockserver conform replay",
        "set -u",
        f'BASE="${{BASE:-{provider_url.rstrip("/")}}}"',
        'RUN="${RUN:-$(date +%s)}"',
        'OUT="$(mktemp -d)"',
    ]
    captures: dict[int, list[str]] = {}
    for name, number, path in known.values():
        if name in used:
            captures.setdefault(number, []).append(
                f"{name}=$(jq -r '{path}' \"$OUT/r{number}.json\")"
            )
    for number, command in enumerate(commands, 1):
        lines.append(command)
        lines.extend(captures.get(number, ()))
    return "\n".join(lines) + "\n"


def _nonce(outcome: Outcome) -> str:
    for exchange in outcome.exchanges:
        body = exchange.provider_request.body
        if isinstance(body, dict):
            for value in body.values():
                match = re.match(r"conform-([0-9a-f]+)-u\d@", str(value))
                if match:
                    return match.group(1)
    return ""


def _dynamic_values(body: Any, path: str) -> Iterator[tuple[str, str]]:
    """``(jq path, value)`` of every id and token in an answer."""
    if isinstance(body, dict):
        for key, value in body.items():
            child = f"{path}.{key}"
            if isinstance(value, str) and (is_opaque(key, value) or value_format(value) == "uuid"):
                yield child, value
            else:
                yield from _dynamic_values(value, child)
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from _dynamic_values(value, f"{path}[{index}]")


def _quote(text: str) -> str:
    """``text`` for inside shell double quotes; marked variable names become ``${NAME}``."""
    for char in ("\\", '"', "$", "`"):
        text = text.replace(char, "\\" + char)
    return re.sub(f"{_MARK}([A-Z0-9]+){_MARK}", r"${\1}", text)


def junit_xml(result: SearchResult, *, provider_url: str) -> str:
    """The result as JUnit XML: one failing testcase per divergence, or one passing case."""
    suite = ET.Element(
        "testsuite",
        name="mockserver conform",
        tests=str(max(1, len(result.findings))),
        failures=str(len(result.findings)),
        errors="0",
        time=f"{result.seconds:.3f}",
    )
    for finding in result.findings:
        case = ET.SubElement(
            suite, "testcase", classname="conform", name=finding.divergence.signature
        )
        failure = ET.SubElement(case, "failure", message=finding.divergence.describe())
        failure.text = format_finding(finding, 1, 1, provider_url=provider_url)
    if not result.findings:
        ET.SubElement(
            suite,
            "testcase",
            classname="conform",
            name=f"{result.programs} programs, {result.requests} requests: no divergence",
        )
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
