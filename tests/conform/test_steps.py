"""Programs drawn by Hypothesis: short, id-free, over the spec's operations and two users."""

from __future__ import annotations

from hypothesis import given

from mockserver.conform.scenarios import scenarios
from mockserver.conform.steps import AUTH_KINDS, USERS, AuthStep, Call, Program, programs
from tests.conform.conftest import bundled_model


@given(programs(bundled_model(), max_steps=6))
def test_drawn_programs_name_known_operations_and_two_users(program: Program) -> None:
    assert 1 <= len(program) <= 6
    for step in program:
        assert 0 <= step.user < USERS
        if isinstance(step, Call):
            assert step.op in bundled_model().resources
            assert step.pick >= 0
        else:
            assert step.kind in AUTH_KINDS


def test_scenarios_cover_other_users_the_auth_lifecycle_and_actions_twice() -> None:
    model = bundled_model()
    found = scenarios(model)
    steps = [step for program in found for step in program]
    assert AuthStep("throttle") in steps
    assert AuthStep("reuse-refresh") in steps
    assert AuthStep("logout-all") in steps
    others = next(p for p in found if any(s.user == 1 for s in p))
    assert {s.op for s in others if isinstance(s, Call) and s.user == 1} == {
        op for op, e in model.endpoints.items() if e.link is not None
    }
    calls = [s.op for s in steps if isinstance(s, Call)]
    assert calls.count("refundPayment") >= 2
    assert "listSessions" in calls
