"""The scoreboard: rates per detector and combined, the baseline verdict, evidence lines."""

from __future__ import annotations

import json
from pathlib import Path

from mutants.catalogue import Edit, Fault
from mutants.detectors import Detector, Outcome, Verdict, available, evidence
from mutants.report import from_json, render_markdown, render_table, write_results
from mutants.runner import CLEAN, RunResult, TrialResult, summary_rates, undetected

FAULTS = {
    name: Fault(name, "semantics", f"{name} breaks.", (Edit("provider/x.py", "a", "b"),))
    for name in ("sem-a", "sem-b", "sem-c")
}


def outcome(detector: str, verdict: Verdict) -> Outcome:
    return Outcome(detector, verdict, {"passed": 0, "detected": 1}.get(verdict, 2), 1.0, "")


def result(*, baseline_verdict: Verdict = "passed") -> RunResult:
    trials = (
        TrialResult("sem-a", (outcome("verify", "detected"), outcome("schemathesis", "passed")), 9),
        TrialResult("sem-b", (outcome("verify", "passed"), outcome("schemathesis", "passed")), 9),
        TrialResult(
            "sem-c", (outcome("verify", "detected"), outcome("schemathesis", "detected")), 9
        ),
    )
    baseline = TrialResult(
        CLEAN, (outcome("verify", baseline_verdict), outcome("schemathesis", "passed")), 9
    )
    return RunResult(
        baseline, trials, ("verify", "schemathesis"), {"conform": "not available"}, 30.0, 1, 10, 2
    )


def test_rates_count_each_detector_and_any_detector() -> None:
    rates = summary_rates(result())
    assert rates == {"verify": 2 / 3, "schemathesis": 1 / 3, "combined": 2 / 3}
    assert [t.fault_id for t in undetected(result())] == ["sem-b"]


def test_table_shows_every_fault_rates_unavailable_detectors_and_wall_time() -> None:
    table = render_table(result())
    assert "2/3 (67%)" in table
    assert "1/3 (33%)" in table
    assert "n/a" in table
    assert "conform: not available" in table
    assert "no false positive" in table
    assert "wall time 30 s with --jobs 2" in table


def test_a_detector_failing_the_clean_provider_is_a_false_positive() -> None:
    run = result(baseline_verdict="detected")
    assert run.false_positives == ("verify",)
    assert "FALSE POSITIVE by verify" in render_table(run)


def test_markdown_names_the_undetected_faults_with_their_descriptions() -> None:
    markdown = render_markdown(result(), FAULTS)
    assert "| `sem-a` | semantics | caught | - | n/a | caught |" in markdown
    assert "- `sem-b`: sem-b breaks." in markdown


def test_results_json_holds_rates_outcomes_and_the_undetected(tmp_path: Path) -> None:
    write_results(result(), FAULTS, tmp_path, command="python -m mutants")
    document = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert document["rates"]["combined"] == round(2 / 3, 4)
    assert document["undetected"] == ["sem-b"]
    assert document["faults"][0]["outcomes"]["verify"]["verdict"] == "detected"
    assert (tmp_path / "latest.md").read_text(encoding="utf-8").startswith("| fault |")


VERIFY_OUTPUT = """\
FAIL    a cancellation of a paid order (given an order exists)
        - status: expected 409 but was 200
        - header Content-Type: Mismatch
PASS    a login (given a user exists)
"""
SCHEMATHESIS_OUTPUT = """\
_________________________________ POST /orders _________________________________
1. Test Case ID: zsWAcV

- ST901 Custom check failed: `order_totals_add_up`

    order 1: subtotal is 14400, expected the sum of the line totals = 15900
"""


def test_evidence_keeps_the_lines_that_say_what_failed() -> None:
    assert evidence(VERIFY_OUTPUT).splitlines() == [
        "FAIL    a cancellation of a paid order (given an order exists)",
        "- status: expected 409 but was 200",
    ]
    assert evidence(SCHEMATHESIS_OUTPUT).splitlines() == [
        "POST /orders",
        "- ST901 Custom check failed: `order_totals_add_up`",
        "order 1: subtotal is 14400, expected the sum of the line totals = 15900",
    ]
    assert evidence("Traceback\nboom\n") == "Traceback\nboom"


def test_a_detector_whose_probe_fails_is_not_available() -> None:
    missing = Detector("x", "{python} -c pass", probe="{python} -c raise(SystemExit(2))")
    present = Detector("y", "{python} -c pass", probe="{python} -c pass")
    reasons = available([missing, present, Detector("z", "{python} -c pass")])
    assert reasons["x"] is not None
    assert "not available" in reasons["x"]
    assert reasons["y"] is None
    assert reasons["z"] is None


def test_markdown_counts_each_category_and_lists_each_detectors_misses() -> None:
    markdown = render_markdown(result(), FAULTS)
    assert "| semantics | 2/3 | 1/3 | 2/3 |" in markdown
    assert "Missed by `verify` (1): sem-b." in markdown
    assert "Missed by `schemathesis` (2): sem-a, sem-b." in markdown


def test_results_json_renders_again_as_the_same_run(tmp_path: Path) -> None:
    write_results(result(), FAULTS, tmp_path, command="python -m mutants")
    document = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    again = from_json(document)
    assert render_table(again) == render_table(result())
    assert render_markdown(again, FAULTS) == render_markdown(result(), FAULTS)
