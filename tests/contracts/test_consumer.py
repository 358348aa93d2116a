"""The consumer side: the typed client against Pact's mock server, and the committed pacts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contracts.pacts import PACT_FILE, PACTS, normalized, run_scenario, write_pacts
from tests.contracts.scenarios import SCENARIOS, Scenario

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_the_client_meets_the_interaction(scenario: Scenario) -> None:
    run_scenario(scenario)


def test_the_committed_pacts_are_what_the_consumer_tests_generate(tmp_path: Path) -> None:
    generated = {p.name: normalized(p) for p in write_pacts(tmp_path / "pacts")}
    committed = {PACT_FILE: normalized(PACTS / PACT_FILE)}
    assert sorted(committed) == sorted(generated), "run `make pacts` to regenerate contracts/pacts"
    for name, pact in generated.items():
        assert committed[name] == pact, (
            f"contracts/pacts/{name} differs from what the consumer tests generate: "
            "run `make pacts` to regenerate it and commit the result"
        )
