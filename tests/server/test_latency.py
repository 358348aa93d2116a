"""Latency that looks real (`mockserver.server.latency`): the forms a delay is written in, the
distributions they draw from, and which operation waits how long. No clock is read: the
engine's ``sleep`` is replaced by one that records the delays it is asked for."""

from __future__ import annotations

import copy
import random
import statistics
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mockserver import create_app
from mockserver.compile.operations import Operation
from mockserver.errors import ConfigError
from mockserver.server.diagnose import diagnose
from mockserver.server.faults import Faults
from mockserver.server.latency import (
    Delay,
    operation_delays,
    parse_delay,
    parse_operation_delay,
)
from mockserver.spec.loader import load_spec
from tests.conftest import SPEC
from tests.inprocess import BUNDLED, InProcess, request


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120ms", Delay("fixed", 120, 120)),
        ("120", Delay("fixed", 120, 120)),
        ("1.5s", Delay("fixed", 1500, 1500)),
        ("50ms..200ms", Delay("uniform", 50, 200)),
        ("50-200", Delay("uniform", 50, 200)),
        (" 5 - 10 ms", Delay("uniform", 5, 10)),
        ("80ms..80ms", Delay("fixed", 80, 80)),
        ("lognormal(median=80ms,p99=400ms)", Delay("lognormal", 80, 400)),
        ("LogNormal( p99=1s , median=0.2s )", Delay("lognormal", 200, 1000)),
    ],
)
def test_parse_delay_reads_every_form(text: str, expected: Delay) -> None:
    assert parse_delay(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("fast", "'fast' is not a duration"),
        ("200ms..50ms", "the lower end is above the upper end"),
        ("-5", "'' is not a duration"),
        ("1-999999", "is over the 60000 ms"),
        ("5m", "'5m' is not a duration"),
        ("lognormal(median=80ms)", "needs both median= and p99="),
        ("lognormal(median=500ms,p99=400ms)", "needs 0 < median < p99"),
        ("lognormal(mean=5ms,p99=9ms)", "takes median= and p99="),
    ],
)
def test_parse_delay_says_what_is_wrong(text: str, why: str) -> None:
    with pytest.raises(ConfigError, match="expected a latency like 120ms") as caught:
        parse_delay(text)
    assert why in str(caught.value)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120ms", (None, Delay("fixed", 120, 120))),
        ("getHealth=5ms..9ms", ("getHealth", Delay("uniform", 5, 9))),
        ("GET /projects=lognormal(median=80ms,p99=400ms)",
         ("GET /projects", Delay("lognormal", 80, 400))),
        ("lognormal(median=80ms,p99=400ms)", (None, Delay("lognormal", 80, 400))),
    ],
)  # fmt: skip
def test_parse_operation_delay_splits_the_operation_from_the_delay(
    text: str, expected: tuple[str | None, Delay]
) -> None:
    assert parse_operation_delay(text) == expected


def test_parse_operation_delay_wants_an_operation_before_the_equals_sign() -> None:
    with pytest.raises(ConfigError, match="name the operation"):
        parse_operation_delay("=5ms")


def test_delay_samples_fixed_and_uniform_within_their_bounds() -> None:
    rng = random.Random(1)
    assert {Delay("fixed", 7, 7).sample(rng) for _ in range(20)} == {7}
    drawn = [Delay("uniform", 50, 200).sample(rng) for _ in range(2000)]
    assert min(drawn) >= 50
    assert max(drawn) <= 200
    assert 110 < statistics.median(drawn) < 140


def test_delay_samples_a_lognormal_with_its_median_and_p99() -> None:
    rng = random.Random(3)
    drawn = sorted(Delay("lognormal", 80, 400).sample(rng) for _ in range(20_000))
    assert 76 < drawn[len(drawn) // 2] < 84
    assert 360 < drawn[int(len(drawn) * 0.99)] < 440
    assert all(d > 0 for d in drawn)


def test_delay_a_lognormal_tail_never_passes_the_longest_delay() -> None:
    rng = random.Random(0)
    assert max(Delay("lognormal", 10_000, 59_000).sample(rng) for _ in range(5000)) <= 60_000


def _operations(document: dict[str, Any] | None = None) -> list[Operation]:
    app = create_app(document or load_spec(BUNDLED), stateful=False)
    return [c.operation for c in app.state.engine.operations]


def _pointer(operation_id: str) -> str:
    return next(o.pointer for o in _operations() if o.operation_id == operation_id)


def test_operation_delays_find_operations_by_id_and_by_method_and_path() -> None:
    delays = operation_delays(
        _operations(),
        {"getHealth": "5ms", "get /projects": Delay("fixed", 9, 9)},
        base_path="/api/v1",
    )
    assert delays == {
        _pointer("getHealth"): Delay("fixed", 5, 5),
        _pointer("listProjects"): Delay("fixed", 9, 9),
    }
    with_base = operation_delays(_operations(), {"GET /api/v1/health": "1ms"}, base_path="/api/v1")
    assert with_base == {_pointer("getHealth"): Delay("fixed", 1, 1)}


def test_operation_delays_refuse_a_name_no_operation_has() -> None:
    with pytest.raises(ConfigError, match="no operation is called 'getHelth'") as caught:
        operation_delays(_operations(), {"getHelth": "5ms"})
    assert "getHealth" in str(caught.value)


def _with_latency(value: Any) -> dict[str, Any]:
    document: dict[str, Any] = copy.deepcopy(dict(load_spec(BUNDLED).document))
    document["paths"]["/health"]["get"]["x-mock-latency"] = value
    return document


def test_operation_delays_read_x_mock_latency_and_let_the_option_win() -> None:
    document = _with_latency("lognormal(median=20ms,p99=90ms)")
    operations = _operations(document)
    health = next(o.pointer for o in operations if o.operation_id == "getHealth")
    assert operation_delays(operations, {})[health] == Delay("lognormal", 20, 90)
    assert operation_delays(operations, {"getHealth": "3ms"})[health] == Delay("fixed", 3, 3)


def test_create_app_strict_refuses_an_x_mock_latency_that_does_not_read() -> None:
    with pytest.raises(ConfigError, match=r"getHealth \(GET /health\): x-mock-latency: .*'soon'"):
        create_app(_with_latency("soon"), stateful=False, strict=True)


def test_create_app_ignores_an_x_mock_latency_that_does_not_read_and_lint_says_so() -> None:
    engine = create_app(_with_latency("soon"), stateful=False).state.engine
    assert engine.faults.per_operation == {}
    issue = next(i for i in diagnose(_with_latency("soon")) if "x-mock-latency" in i.pointer)
    assert issue.pointer == "/paths/~1health/get/x-mock-latency"
    assert "'soon' is not a duration" in issue.message
    assert issue.severity == "warning"


def test_faults_plan_an_operations_delay_over_the_global_one() -> None:
    faults = Faults(latency=Delay("fixed", 100, 100), per_operation={"#/a": Delay("fixed", 5, 5)})
    assert faults.active
    assert faults.plan(operation="#/a").delay_ms == 5
    assert faults.plan(operation="#/b").delay_ms == 100
    assert faults.plan(operation="#/a", delay=1).delay_ms == 1  # Prefer: delay wins
    assert Faults(latency=(10, 10)).plan().delay_ms == 10  # the older (low, high) still works


def test_faults_draw_the_same_delays_under_the_same_seed() -> None:
    def draws(seed: int) -> list[float]:
        faults = Faults(latency=parse_delay("lognormal(median=80ms,p99=400ms)"), seed=seed)
        return [faults.plan().delay_ms for _ in range(50)]

    assert draws(4) == draws(4)
    assert draws(4) != draws(5)


def _recorded(app: Any) -> list[float]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    app.state.engine.sleep = sleep
    return slept


def test_engine_waits_each_operations_own_delay(make_mock: Any) -> None:
    app = create_app(
        _with_latency("250ms"),
        stateful=False,
        latency="10ms",
        operation_latency={"GET /projects": "40ms"},
    )
    slept = _recorded(app)
    mock: InProcess = make_mock(app, prefix="/api/v1")
    assert mock.request("GET", "/health").status_code == 200
    assert mock.request("GET", "/projects", check=False).status_code in (200, 401)
    assert mock.request("GET", "/orders", check=False).status_code in (200, 401)
    assert slept == [0.25, 0.04, 0.01]


def test_engine_without_latency_never_sleeps() -> None:
    app = create_app(SPEC, stateful=False)
    slept = _recorded(app)
    assert request(app, "GET", "/api/v1/health").status_code == 200
    assert slept == []


_MS = st.integers(0, 60_000)


@st.composite
def delays(draw: st.DrawFn) -> tuple[str, Delay]:
    """A delay written in one of its forms, and what it reads as."""
    kind = draw(st.sampled_from(["fixed", "uniform", "lognormal"]))
    if kind == "fixed":
        value = draw(_MS)
        return draw(st.sampled_from([f"{value}ms", f"{value}", f" {value} ms "])), Delay(
            "fixed", value, value
        )
    pair = st.lists(st.integers(1, 60_000), min_size=2, max_size=2, unique=True)
    low, high = sorted(draw(pair))
    if kind == "uniform":
        return f"{low}ms..{high}ms", Delay("uniform", low, high)
    return f"lognormal(median={low}ms,p99={high}ms)", Delay("lognormal", low, high)


@given(case=delays(), seed=st.integers(0, 2**32))
def test_parse_delay_reads_what_it_is_written_as_and_samples_within_reach(
    case: tuple[str, Delay], seed: int
) -> None:
    text, expected = case
    delay = parse_delay(text)
    assert delay == expected
    drawn = delay.sample(random.Random(seed))
    assert 0 <= drawn <= 60_000
    if delay.kind != "lognormal":
        assert delay.low <= drawn <= delay.high


@given(text=st.text(max_size=40))
@example(text="lognormal(")
@example(text="5..")
def test_parse_delay_refuses_anything_else_with_a_config_error(text: str) -> None:
    try:
        parse_operation_delay(text)
    except ConfigError as exc:
        message = str(exc)
    else:
        return  # it read as a delay
    assert "expected a latency like" in message
