"""Explanations from the relay's record (`mockserver.pact.explain`), without a verifier.

`tests/pact/test_relay.py` shows each one through a real verification; here the record is
written by hand, for the cases a verification rarely shows.
"""

from __future__ import annotations

import json

from mockserver.pact.explain import PactedInteraction, explanations, pacted_interactions
from mockserver.pact.files import Generator, State
from mockserver.pact.relay import StateCall
from tests.contracts.pacts import PACTS

GIVEN = State("a project exists", {"projectId": "p-1"})
PACTED = {
    ("web", "a read"): PactedInteraction(
        (GIVEN,), (("request", Generator("path", "", "/p/${projectId}")),), ("Bearer x",)
    )
}


def test_the_committed_pacts_have_no_literal_credential_outside_their_401s() -> None:
    interactions = pacted_interactions(PACTS)
    pacts = [json.loads(path.read_text()) for path in sorted(PACTS.glob("*.json"))]
    assert len(pacts) >= 2  # the Python consumer's and the JS consumer's
    assert len(interactions) == sum(len(pact["interactions"]) for pact in pacts)
    assert all(not i.literal_credentials for i in interactions.values())


def test_a_setup_is_matched_with_its_params() -> None:
    other = StateCall("a project exists", {"projectId": "p-2"}, "setup", 400, None, "no")
    mine = StateCall("a project exists", {"projectId": "p-1"}, "setup", 0, None, "")
    lines = explanations(
        "web", "a read", (), passed=False, interactions=PACTED, calls=[other, mine]
    )
    assert lines == ["provider state 'a project exists' setup failed: no detail"]


def test_a_passing_interaction_is_told_of_an_unanswered_generator_and_token() -> None:
    call = StateCall("a project exists", {"projectId": "p-1"}, "setup", 200, {"id": "p-1"})
    lines = explanations(
        "web", "a read", (), passed=True, interactions=PACTED, calls=[call],
        token_from_state="accessToken",
    )  # fmt: skip
    assert lines == [
        "request path: the provider-state generator '/p/${projectId}' names ${projectId}, which "
        "'a project exists' did not answer (the example value was sent); it answered id",
        "--token-from-state accessToken: 'a project exists' answered no accessToken, so the "
        "literal Authorization was sent; it answered id",
    ]


def test_an_interaction_of_a_broker_is_matched_by_state_name() -> None:
    call = StateCall("s", {"anything": 1}, "setup", 400, None, "refused")
    lines = explanations("web", "elsewhere", ("s",), passed=False, interactions={}, calls=[call])
    assert lines == ["provider state 's' setup answered 400: refused"]
