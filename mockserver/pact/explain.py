"""What the relay's record of state changes tells about an interaction's verification.

Pact's verifier reports an interaction's result without what its state endpoint said.
`verify` runs the verifier through `relay`, which keeps every state change; this module
pairs those changes with the interactions of the pact files (by consumer and description;
states matched with their params) and says, per interaction:

- a setup the endpoint refused, with its status and problem ``detail``;
- a provider-state generator naming a value the states did not answer (the verifier then
  sends the example value), with the values they did answer;
- with ``--token-from-state NAME``, a state that answered no NAME (the literal credential
  was sent).

`pacted_interactions` also collects each interaction's literal credentials: an
``Authorization`` no provider-state generator fills, in an interaction not expecting 401.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockserver.pact.files import (
    Generator,
    State,
    generators,
    http_interactions,
    pact_files,
    provider_states,
    read_pact,
)
from mockserver.pact.files import headers as pact_headers
from mockserver.pact.relay import StateCall, state_key

__all__ = ["PactedInteraction", "explanations", "pacted_interactions"]


@dataclass(frozen=True, slots=True)
class PactedInteraction:
    """What the pact files say of one interaction that its result does not."""

    states: tuple[State, ...]
    generators: tuple[tuple[str, Generator], ...]
    literal_credentials: tuple[str, ...]


def pacted_interactions(pacts: Path) -> dict[tuple[str, str], PactedInteraction]:
    """The interactions of the pact files by (consumer, description)."""
    out: dict[tuple[str, str], PactedInteraction] = {}
    for file in pact_files(pacts):
        pact = read_pact(file)
        consumer = str((pact.get("consumer") or {}).get("name", ""))
        for interaction in http_interactions(pact):
            request = interaction.get("request") or {}
            response = interaction.get("response") or {}
            given = [("request", g) for g in generators(request)]
            given += [("response", g) for g in generators(response)]
            generated = any(
                side == "request" and g.category == "header" and g.where.lower() == "authorization"
                for side, g in given
            )
            credential = pact_headers(request).get("authorization")
            literal = (
                (credential,)
                if credential and not generated and response.get("status") != 401
                else ()
            )
            key = (consumer, str(interaction.get("description", "")))
            out[key] = PactedInteraction(tuple(provider_states(interaction)), tuple(given), literal)
    return out


def explanations(
    consumer: str,
    description: str,
    result_states: Sequence[str],
    *,
    passed: bool,
    interactions: Mapping[tuple[str, str], PactedInteraction],
    calls: Sequence[StateCall],
    token_from_state: str | None = None,
) -> list[str]:
    """What the state changes tell about one interaction's result, as report lines."""
    pacted = interactions.get((consumer, description))
    states = pacted.states if pacted is not None else tuple(State(s, {}) for s in result_states)
    problems: list[str] = []
    answered: dict[str, Any] = {}
    names = ", ".join(repr(s.name) for s in states)
    refused = False
    for state in states:
        setups = [c for c in calls if c.action == "setup" and _same(c, state, pacted is not None)]
        failed = [c for c in setups if c.failed]
        if failed and not passed:
            refused = True
            call = failed[-1]
            answer = f"answered {call.status}" if call.status else "failed"
            problems.append(
                f"provider state {state.name!r} setup {answer}: {call.detail or 'no detail'}"
            )
        kept = [c for c in setups if not c.failed and isinstance(c.answer, Mapping)]
        if kept:
            answered.update(kept[-1].answer)
    if pacted is not None and states and not refused:
        for side, generator in pacted.generators:
            for name in generator.names:
                if name not in answered:
                    where = f"{side} {generator.category}" + (
                        f" {generator.where}" if generator.where else ""
                    )
                    problems.append(
                        f"{where}: the provider-state generator {generator.expression!r} names "
                        f"${{{name}}}, which {names} did not answer (the example value was "
                        f"sent); it answered {', '.join(sorted(answered)) or 'nothing'}"
                    )
    literal = pacted is not None and bool(pacted.literal_credentials)
    if token_from_state and literal and not refused and token_from_state not in answered:
        problems.append(
            f"--token-from-state {token_from_state}: {names or 'no state'} answered no "
            f"{token_from_state}, so the literal Authorization was sent; it answered "
            f"{', '.join(sorted(answered)) or 'nothing'}"
        )
    return problems


def _same(call: StateCall, state: State, with_params: bool) -> bool:
    if with_params:
        return call.key == state_key(state.name, state.params)
    return call.state == state.name
