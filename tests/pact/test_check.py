"""``mockserver contracts check``: the committed pacts pass; each kind of violation fails."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mockserver.cli.main import main
from tests.conftest import SPEC
from tests.contracts.pacts import PACTS

PACT = PACTS / "platform-web-platform-api.json"
Edit = Callable[[dict[str, Any]], None]


def _interaction(description: str) -> dict[str, Any]:
    pact = json.loads(PACT.read_text())
    return next(i for i in pact["interactions"] if i["description"] == description)


def _write(tmp_path: Path, interaction: dict[str, Any]) -> Path:
    pact = json.loads(PACT.read_text())
    pact["interactions"] = [interaction]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(pact))
    return path


def test_the_committed_pacts_fit_the_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contracts", "check", "--pacts", str(PACTS), "--spec", str(SPEC)]) == 0
    out = capsys.readouterr().out
    count = sum(len(json.loads(p.read_text())["interactions"]) for p in PACTS.glob("*.json"))
    assert f"{count} interactions, {count} passed, 0 failed" in out
    assert "PASS  platform-web-platform-api.json: a login: POST /api/v1/auth/login -> 200" in out


def _set(path: str, value: Any) -> Edit:
    def edit(interaction: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = interaction
        for key in parents:
            target = target[key]
        target[last] = value

    return edit


def _drop(path: str) -> Edit:
    def edit(interaction: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = interaction
        for key in parents:
            target = target[key]
        del target[last]

    return edit


CASES: list[tuple[str, str, Edit, str]] = [
    ("unknown path", "a login", _set("request.path", "/api/v1/auth/signin"),
     "no path of the spec matches /api/v1/auth/signin"),
    ("undeclared method", "a request for a project", _set("request.method", "POST"),
     "POST is not declared"),
    ("closed request body", "a project creation",
     _set("request.body.content", {"name": "X", "ownerId": "someone"}),
     "request body"),
    ("invalid query parameter", "a list of projects", _set("request.query", {"limit": ["500"]}),
     "request query.limit"),
    ("missing required header", "a payment", _drop("request.headers.Idempotency-Key"),
     "Idempotency-Key"),
    ("missing credentials", "a request for a project", _drop("request.headers.Authorization"),
     "requires credentials"),
    ("undeclared status", "a request for a project", _set("response.status", 418),
     "status 418 is not declared"),
    ("wrong type in the response", "a request for a project",
     _set("response.body.content.name", 42), "response body.name"),
    ("unknown response property", "a request for a project",
     _set("response.body.content.colour", "teal"),
     "property 'colour' is not in the response schema"),
    ("missing required response property", "a request for a project",
     _drop("response.body.content.ownerId"), "ownerId"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "edit", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_an_interaction_the_spec_forbids_fails_the_check(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    description: str,
    edit: Edit,
    expected: str,
) -> None:
    interaction = copy.deepcopy(_interaction(description))
    edit(interaction)
    assert main(["contracts", "check", "--pacts", str(_write(tmp_path, interaction))]) == 1
    out = capsys.readouterr().out
    assert f"FAIL  broken.json: {description}" in out
    assert expected in out
    assert "1 interactions, 0 passed, 1 failed" in out


def test_a_missing_pact_directory_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["contracts", "check", "--pacts", str(tmp_path / "none")]) == 2
    assert "run `make pacts`" in capsys.readouterr().err
