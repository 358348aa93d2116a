"""Our own spec: no commit breaks it unacknowledged, and a planted breaking change is traced to
the committed pact interactions it breaks.

The first test diffs ``openapi/openapi.yaml`` at ``HEAD~1`` against the working tree and fails
on a breaking change the repository's ``.mockserver-diff-ignore.yaml`` does not acknowledge;
it is skipped (saying why) without git or without a parent commit, as in a shallow clone.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from typing import Any

import pytest

from mockserver.diff.ignore import DEFAULT_IGNORE_FILE, read_ignores, triage
from mockserver.diff.impact import consumer_impact, read_pacts
from mockserver.diff.load import load_side
from mockserver.diff.operations import diff_specs
from mockserver.diff.report import Report, render
from mockserver.spec.files import read_spec_file
from mockserver.spec.loader import load_spec
from tests.conftest import ROOT, SPEC

PACTS = ROOT / "contracts" / "pacts"


def _parent_commit() -> str:
    if shutil.which("git") is None:
        pytest.skip("git is not installed: cannot read openapi/openapi.yaml at HEAD~1")
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "HEAD~1^{commit}"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=30,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip("HEAD has no parent commit here (a shallow clone or the first commit)")
    parent = done.stdout.strip()
    there = subprocess.run(
        ["git", "cat-file", "-e", f"{parent}:openapi/openapi.yaml"],
        cwd=ROOT, capture_output=True, check=False, timeout=30,
    )  # fmt: skip
    if there.returncode != 0:
        pytest.skip("openapi/openapi.yaml did not exist at HEAD~1: nothing to compare with")
    return parent


def test_the_last_commit_breaks_nothing_unacknowledged() -> None:
    parent = _parent_commit()
    old = load_side(f"{parent}:openapi/openapi.yaml", cwd=ROOT)
    new = load_side(str(SPEC))
    findings = diff_specs(old, new)
    sorted_out = triage(findings, read_ignores(ROOT / DEFAULT_IGNORE_FILE))
    breaking = [f for f in sorted_out.active if f.severity == "breaking"]
    report = render(Report(breaking, old="HEAD~1", new="working tree"), format="text")
    assert not breaking, (
        f"{report}\nacknowledge a change made on purpose in {DEFAULT_IGNORE_FILE} "
        "(rule, location, reason) or restore what the spec promised"
    )
    assert not sorted_out.expired, f"expired entries in {DEFAULT_IGNORE_FILE}: renew or remove"


def _without_order_status(document: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    order = changed["components"]["schemas"]["Order"]
    del order["properties"]["status"]
    order["required"].remove("status")
    return changed


def test_a_planted_change_names_the_pact_interactions_it_breaks() -> None:
    document: dict[str, Any] = read_spec_file(SPEC, str(SPEC))
    old = load_spec(document, validate=False)
    new = load_spec(_without_order_status(document), validate=False)
    findings = diff_specs(old, new)
    impact = consumer_impact(findings, old, read_pacts(PACTS))
    report = Report(findings, old="openapi.yaml", new="planted.yaml", consumers=impact)
    text = render(report, format="text")
    assert (
        "consumers: breaks 2 consumer(s): platform-web (3 interactions), "
        "platform-web-js (3 interactions)"
    ) in text
    for description in ("a request for an order", "an order placement"):
        assert f'consumer platform-web: "{description}"' in text
    assert 'consumer platform-web-js: "an order placement from the web"' in text
    touched = {use.interaction for uses in impact.values() for use in uses}
    assert touched == {
        "a request for an order",
        "an order placement",
        "a cancellation of a pending order",
        # the JavaScript consumer (contracts/js/)
        "a request from the web for an order",
        "an order placement from the web",
        "a cancellation from the web of a pending order",
    }
