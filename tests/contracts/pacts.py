"""Generate the platform pact from the consumer scenarios; compare pact files.

``python -m tests.contracts.pacts`` (``make pacts``) rewrites this consumer's file in
``contracts/pacts/`` (the JavaScript consumer's, ``contracts/js/``, is left alone). Each
scenario runs on its own Pact mock server (several share a request line, so one server
could not tell them apart) and is merged into the one pact file of the consumer.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pact import Pact

from contracts.client import PlatformClient
from tests.contracts.scenarios import CONSUMER, PROVIDER, SCENARIOS, Scenario

__all__ = ["PACTS", "PACT_FILE", "normalized", "run_scenario", "write_pacts"]

PACTS = Path(__file__).resolve().parents[2] / "contracts" / "pacts"
# This consumer's pact; the JavaScript consumer (contracts/js/) writes its own next to it.
PACT_FILE = f"{CONSUMER}-{PROVIDER}.json"
# What varies between runs and machines and says nothing about the contract.
VOLATILE_METADATA = ("pactRust", "pact-python", "pactPython", "pact-js", "pactJs")


def run_scenario(scenario: Scenario, directory: Path | None = None) -> None:
    """Drive the client against a Pact mock server of ``scenario``; merge it into ``directory``."""
    pact = Pact(CONSUMER, PROVIDER).with_specification("V4")
    scenario.register(pact)
    with pact.serve() as server, PlatformClient(f"{server.url}/api/v1", token=None) as api:
        api.token = _example_token() if scenario.authorized else None
        scenario.exercise(api)
    if directory is not None:
        pact.write_file(directory, overwrite=False)


def _example_token() -> str:
    from tests.contracts.scenarios import EXAMPLE_TOKEN

    return EXAMPLE_TOKEN


def write_pacts(directory: Path) -> list[Path]:
    """Run every scenario, writing this consumer's pact into ``directory`` afresh.

    Other consumers' pacts in ``directory`` are left alone.
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / PACT_FILE).unlink(missing_ok=True)
    for scenario in SCENARIOS:
        run_scenario(scenario, directory)
    files = [directory / PACT_FILE]
    for file in files:  # stable bytes: sorted keys and interactions, no volatile metadata
        file.write_text(json.dumps(normalized(file), indent=2, sort_keys=True) + "\n")
    return files


def normalized(file: Path) -> dict[str, Any]:
    """A pact file's JSON with its interactions sorted and volatile metadata left out."""
    data: dict[str, Any] = json.loads(file.read_text())
    metadata = data.get("metadata", {})
    for key in VOLATILE_METADATA:
        metadata.pop(key, None)
    data["interactions"] = sorted(
        data.get("interactions", []),
        key=lambda i: (i.get("description", ""), json.dumps(i.get("providerStates"))),
    )
    for interaction in data["interactions"]:
        interaction.pop("key", None)  # a hash of the interaction, recomputed by pact
    return data


if __name__ == "__main__":
    written = write_pacts(PACTS)
    for path in written:
        count = len(json.loads(path.read_text())["interactions"])
        print(
            f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}"
            f" ({count} interactions)"
        )
    sys.exit(0)
