"""`conform` end to end against the reference provider: quiet when it is right, and each
planted fault found, named and shrunk."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

import pytest

from mockserver.conform import search
from mockserver.conform.execute import Execution
from mockserver.conform.model import ApiModel
from mockserver.conform.report import curl_script
from mockserver.conform.search import SearchResult, conform
from mockserver.conform.steps import LATEST, NEW, AuthStep, Call
from mockserver.errors import ConformError
from tests.conform.faults import FAULTS


def _signatures(result: SearchResult) -> list[str]:
    return [finding.divergence.signature for finding in result.findings]


def test_conform_is_quiet_on_the_correct_provider(model: ApiModel, provider_url: str) -> None:
    result = conform(model, provider_url, max_examples=2, seed=1)
    assert result.passed, _signatures(result)
    assert result.programs >= 8  # the scenarios and the drawn programs
    assert result.requests > 150


@pytest.mark.slow
@pytest.mark.parametrize("seed", [2, 3, 4])
def test_conform_is_quiet_on_the_correct_provider_with_other_seeds(
    model: ApiModel, provider_url: str, seed: int
) -> None:
    result = conform(model, provider_url, max_examples=25, seed=seed)
    assert result.passed, _signatures(result)


def test_hypothesis_shrinks_a_divergence_every_program_shows_to_one_step(
    model: ApiModel, make_provider: Callable[[str | None], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "scenarios", lambda model, **_: [])  # drawn programs only
    result = conform(model, make_provider("extra property"), max_examples=2, seed=1)
    assert _signatures(result) == ["extra property registerUser body.passwordHash"]
    finding = result.findings[0]
    assert finding.repeated
    assert len(finding.outcome.program) == 1
    assert finding.outcome.exchanges[0].provider.body["passwordHash"].startswith("$argon2")


def test_conform_shrinks_what_only_a_scenario_shows(
    model: ApiModel, make_provider: Callable[[str | None], str]
) -> None:
    result = conform(model, make_provider("refund twice"), max_examples=1, seed=1)
    [finding] = [f for f in result.findings if f.divergence.signature == "status refundPayment "]
    assert finding.repeated
    assert finding.outcome.program == [
        Call("refundPayment", pick=NEW), Call("refundPayment", pick=LATEST)
    ]  # fmt: skip


def test_past_max_replays_a_divergence_is_reported_as_found(
    model: ApiModel, make_provider: Callable[[str | None], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "MAX_REPLAYS", 0)
    monkeypatch.setattr(search, "scenarios", lambda model, **_: [])
    result = conform(model, make_provider("extra property"), max_examples=1, seed=1)
    assert [f.repeated for f in result.findings] == [None]


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_conform_finds_each_planted_fault(
    model: ApiModel,
    make_provider: Callable[[str | None], str],
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
) -> None:
    expected = FAULTS[fault][2]
    # The fixed scenarios and one drawn program find every fault here (each took 4-11 CPU-s
    # alone, against 7-30 with five drawn programs). The time limit and five replays bound a
    # fault with many divergences (filters ignored: 24, read-after-write: 35); the replays
    # past the limit are tested above.
    monkeypatch.setattr(search, "MAX_REPLAYS", 5)
    result = conform(model, make_provider(fault), max_examples=1, seed=1, time_limit=15)
    assert any(expected in signature for signature in _signatures(result)), _signatures(result)
    for finding in result.findings:
        # Cut after the step that diverged, and shown again by that shorter program (past
        # MAX_REPLAYS divergences, the rest are reported as found, not run again).
        assert finding.repeated is not False
        if finding.repeated:
            assert finding.divergence.step == len(finding.outcome.program) - 1


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq")
def test_the_curl_script_reproduces_the_divergence(
    model: ApiModel, make_provider: Callable[[str | None], str]
) -> None:
    url = make_provider("token valid after logout-all")
    result = conform(model, url, max_examples=1, seed=1)
    [finding] = result.findings
    assert finding.divergence.signature == "status getCurrentUser "
    script = curl_script(finding.outcome, provider_url=url, upto=finding.divergence.request)
    ran = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True)
    statuses = ran.stdout.split()[1::2]
    assert statuses == ["201", "200", "204", "200"]  # the mock answers the last one 401


def test_conform_stops_drawing_programs_at_the_time_limit(
    model: ApiModel, provider_url: str
) -> None:
    result = conform(model, provider_url, max_examples=50, seed=1, time_limit=0.5)
    assert result.timed_out
    assert result.programs < 10


@pytest.mark.slow
def test_conform_is_deterministic_with_a_seed(
    model: ApiModel, make_provider: Callable[[str | None], str]
) -> None:
    url = make_provider("declined card code")
    first = conform(model, url, max_examples=3, seed=7)
    second = conform(model, url, max_examples=3, seed=7)
    assert _signatures(first) == _signatures(second)
    assert [f.outcome.program for f in first.findings] == [
        f.outcome.program for f in second.findings
    ]


def test_conform_refuses_a_provider_that_does_not_answer(model: ApiModel) -> None:
    with pytest.raises(ConformError, match="did not answer POST /auth/register"):
        conform(model, "http://127.0.0.1:9", max_examples=1)


def test_a_provider_lost_while_hypothesis_draws_is_reported_as_such(
    model: ApiModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "scenarios", lambda model, **_: [])
    with pytest.raises(ConformError, match="is it running"):
        conform(model, "http://127.0.0.1:9", max_examples=2)


def test_a_crash_inside_conform_is_not_taken_for_a_divergence(
    model: ApiModel, provider_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(search, "scenarios", lambda model, **_: [])
    monkeypatch.setattr(Execution, "run", broken)
    with pytest.raises(KeyError, match="a bug"):
        conform(model, provider_url, max_examples=1)


@pytest.mark.parametrize("bad", [0, -1])
def test_conform_refuses_a_budget_below_one(model: ApiModel, bad: int) -> None:
    with pytest.raises(ConformError, match=f"max_examples={bad}"):
        conform(model, "http://127.0.0.1:9", max_examples=bad)


def test_steps_describe_themselves() -> None:
    assert Call("getProject", user=1).describe() == "user 1: getProject (record 0, variant 0)"
    assert AuthStep("logout-all").describe() == "user 0: logout-all"
