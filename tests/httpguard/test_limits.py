"""`Limits`: validated where it is made, with one error type and a message naming the value."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from httpguard import GuardError, Limits, LimitsError

NAMES = [spec.name for spec in dataclasses.fields(Limits)]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("value", [0, -1, -0.5, math.nan, True, "10", None])
def test_limits_refuse_a_value_that_is_not_a_positive_number(name: str, value: object) -> None:
    with pytest.raises(LimitsError, match=f"^expected {name} > 0, got {name}="):
        Limits(**{name: value})  # type: ignore[arg-type]


def test_limits_message_names_the_field_and_the_value() -> None:
    with pytest.raises(LimitsError) as refused:
        Limits(max_body_bytes=0)
    assert str(refused.value) == "expected max_body_bytes > 0, got max_body_bytes=0"


@pytest.mark.parametrize("name", NAMES)
def test_limits_refuse_infinity(name: str) -> None:
    with pytest.raises(LimitsError, match=f"^expected a finite {name}, got {name}=inf$"):
        Limits(**{name: math.inf})  # type: ignore[arg-type]


def test_limits_error_is_a_guard_error_and_a_value_error() -> None:
    assert issubclass(LimitsError, GuardError)
    assert issubclass(LimitsError, ValueError)


def test_limits_are_keyword_only_and_frozen() -> None:
    with pytest.raises(TypeError):
        Limits(1024)  # type: ignore[call-arg]
    limits = Limits()
    with pytest.raises(dataclasses.FrozenInstanceError):
        limits.max_body_bytes = 1  # type: ignore[misc]


def test_limits_defaults_are_safe_for_a_public_port() -> None:
    assert Limits() == Limits(
        max_body_bytes=1024 * 1024,
        max_json_depth=64,
        max_header_bytes=64 * 1024,
        max_query_params=1000,
        header_timeout=10.0,
        body_timeout=30.0,
    )


@given(
    name=st.sampled_from(NAMES),
    value=st.integers(min_value=1) | st.floats(min_value=1e-9, allow_infinity=False),
)
def test_limits_accept_every_positive_finite_number(name: str, value: float) -> None:
    assert getattr(Limits(**{name: value}), name) == value  # type: ignore[arg-type]
