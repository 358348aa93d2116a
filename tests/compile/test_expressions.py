"""``x-mock-compute`` expressions (`mockserver.compile.expressions`): a safe subset of Python,
parsed and checked once, evaluated against a record's fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.compile.expressions import Expression, to_json_value
from mockserver.errors import SpecError

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RECORD = {
    "quantity": 3,
    "unitPrice": 250,
    "plan": "pro",
    "interval": "year",
    "items": [{"lineTotal": 100}, {"lineTotal": 250}, {"note": "no total"}, "not an object"],
    "tags": ["a", "b"],
    "flag": True,
    "missing": None,
}


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("quantity * unitPrice", 750),
        ("unitPrice / 2 - quantity // 2 + unitPrice % 7", 125 - 1 + 5),
        ('sum_of(items, "lineTotal")', 350),
        ('sum_of(nothing, "lineTotal")', 0),
        ('{"basic": 900, "pro": 2900}[plan] * (1 if interval == "month" else 10)', 29000),
        ("-quantity", -3),
        ("not flag", False),
        ("flag and quantity > 2 or missing", True),
        ("missing or flag and quantity < 2", False),
        ("1 < quantity <= 3 != 4", True),
        ("1 < quantity < 2", False),
        ('"b" in tags and "c" not in tags', True),
        ("len(tags) + max(1, quantity) + min([4, 5]) + round(2.6) + int('7')", 2 + 3 + 4 + 3 + 7),
        ("[quantity, (unitPrice, 1)]", [3, [250, 1]]),
        ("nobody", None),
        ("now()", "2026-03-01T12:00:00.000Z"),
        ("now() + days(30) - hours(1)", "2026-03-31T11:00:00.000Z"),
    ],
)
def test_expression_evaluates_against_the_record(source: str, value: Any) -> None:
    assert Expression(source).evaluate(RECORD, now=NOW) == value


@pytest.mark.parametrize(
    ("source", "complaint"),
    [
        ("quantity *", "is not a valid expression"),
        ("record.total", "uses Attribute, which is not allowed"),
        ("[x for x in items]", "uses ListComp, which is not allowed"),
        ("(lambda: 1)()", "calls something that is not a known function"),
        ("lambda: 1", "uses Lambda, which is not allowed"),
        ("open('/etc/passwd')", "calls something that is not a known function"),
        ("items.pop()", "calls something that is not a known function"),
        ("f'{plan}'", "uses JoinedStr, which is not allowed"),
    ],
)
def test_expression_refuses_what_is_not_the_safe_subset_naming_where(
    source: str, complaint: str
) -> None:
    with pytest.raises(SpecError) as refused:
        Expression(source, where="#/components/schemas/Order total")
    message = str(refused.value)
    assert message.startswith("<dict>##/components/schemas/Order total: x-mock-compute")
    assert complaint in message
    assert "fix: " in message


names = st.sampled_from(["a", "b", "c"])
operands = st.one_of(st.integers(-1000, 1000), names)
expressions = st.recursive(
    operands.map(str),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(inner, st.sampled_from(["<", "<=", "==", "!=", ">", ">="]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        inner.map(lambda e: f"(-{e})"),
    ),
    max_leaves=12,
)


@given(source=expressions, a=st.integers(-50, 50), b=st.integers(-50, 50), c=st.integers(0, 9))
def test_expression_agrees_with_python_on_arithmetic_and_comparisons(
    source: str, a: int, b: int, c: int
) -> None:
    fields = {"a": a, "b": b, "c": c}
    # Python is the oracle: the source is built from integers, three names and operators only.
    assert Expression(source).evaluate(fields, now=NOW) == eval(source, {}, fields)


@pytest.mark.parametrize(
    ("value", "json"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), "2026-01-02T03:04:05.678Z"),
        (
            datetime(2026, 1, 2, 5, 0, tzinfo=timezone(timedelta(hours=2))),
            "2026-01-02T03:00:00.000Z",
        ),
        (42, 42),
        ("text", "text"),
    ],
)
def test_to_json_value_writes_datetimes_in_utc_with_z(value: Any, json: Any) -> None:
    assert to_json_value(value) == json


@pytest.mark.parametrize(
    ("source", "fields", "failure"),
    [
        ("a / b", {"a": 1, "b": 0}, "division by zero"),
        ('{"basic": 900}[plan]', {"plan": "gold"}, "'gold'"),
        ("a + b", {"a": 1, "b": None}, "unsupported operand"),
    ],
)
def test_expression_failing_on_a_record_says_which_expression_and_how_to_fix(
    source: str, fields: dict[str, Any], failure: str
) -> None:
    with pytest.raises(SpecError) as failed:
        Expression(source, where="#/components/schemas/R ratio").evaluate(fields, now=NOW)
    message = str(failed.value)
    assert message.startswith(f"<dict>##/components/schemas/R ratio: x-mock-compute {source!r}")
    assert failure in message
    assert "fix: " in message


@given(st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))])))
def test_to_json_value_writes_what_isoformat_writes_in_milliseconds(value: datetime) -> None:
    expected = value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert to_json_value(value) == expected
