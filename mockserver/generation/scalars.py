"""Scalar values for one generate call: strings, integers and numbers, realistic where possible."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping
from datetime import datetime
from fractions import Fraction
from typing import Any, Final

from mockserver.errors import GenerationError
from mockserver.generation import realistic, subjects
from mockserver.generation.all_of import RESIDUAL
from mockserver.generation.candidates import CandidateChecks
from mockserver.generation.messages import (
    E_BOUNDS,
    E_MULTIPLE,
    E_RANGE,
    E_STRING,
    FIX_CONTRADICTION,
    generation_error,
)
from mockserver.generation.patterns import random_match
from mockserver.generation.schema_view import INT_FORMATS

__all__ = ["ScalarBuilder"]

_INF: Final = math.inf
_WINDOW: Final = 1000  # width of the range used for unbounded numbers
_ASSERTED_FORMATS: Final = frozenset({
    "date", "date-time", "time", "duration", "email", "idn-email", "hostname", "idn-hostname",
    "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uri-template", "uuid",
    "json-pointer", "relative-json-pointer", "regex"
})  # fmt: skip


def _multiple_ok(value: float, step: float) -> bool:
    """Whether ``value`` is a multiple of ``step`` under float division, as validators check."""
    if isinstance(step, float) or isinstance(value, float):
        try:
            quotient = value / step
            return math.isfinite(quotient) and quotient == int(quotient)
        except (OverflowError, ZeroDivisionError):
            return False
    return value % step == 0


def _exact_multiple(value: float, step: float) -> bool:
    """Whether ``value`` is a multiple of ``step`` read as decimals (as JSON numbers are)."""
    return (Fraction(repr(value)) / Fraction(repr(step))).denominator == 1


def _lower_bound(node: Mapping[str, Any]) -> tuple[float | None, bool]:
    """The effective lower bound and whether it is exclusive (numbers, as in OpenAPI 3.1)."""
    low, ex_min = node.get("minimum"), node.get("exclusiveMinimum")
    if ex_min is not None and (low is None or ex_min >= low):
        return ex_min, True
    return low, False


def _upper_bound(node: Mapping[str, Any]) -> tuple[float | None, bool]:
    high, ex_max = node.get("maximum"), node.get("exclusiveMaximum")
    if ex_max is not None and (high is None or ex_max <= high):
        return ex_max, True
    return high, False


def _bound_names(low_open: bool, high_open: bool) -> dict[str, str]:
    return {
        "low_name": "exclusiveMinimum" if low_open else "minimum",
        "high_name": "exclusiveMaximum" if high_open else "maximum",
    }


def _window(low: float | None, high: float | None) -> tuple[float, float]:
    """A finite range to draw from when the schema leaves one or both ends open."""
    if low is None and high is None:
        return 0, _WINDOW
    if low is None:
        assert high is not None
        return high - _WINDOW, high
    if high is None:
        return low, low + _WINDOW
    return low, high


class ScalarBuilder:
    """Strings and numbers for one ``generate`` call; a property ``name`` suggests a value."""

    __slots__ = ("checks", "direction", "key", "now", "resource", "rng")

    def __init__(
        self,
        checks: CandidateChecks,
        rng: random.Random,
        direction: str,
        key: str,
        now: datetime,
    ) -> None:
        self.checks = checks
        self.rng = rng
        self.direction = direction
        self.key = key
        self.now = now
        self.resource: str | None = None  # what the object being made is (`subjects`)

    def fail(self, what: str, ptr: str, fix: str) -> GenerationError:
        return generation_error(what, ptr, fix, self.key)

    def string(self, node: Mapping[str, Any], ptr: str, name: str) -> str:
        rng = self.rng
        low, high = node.get("minLength", 0), node.get("maxLength")
        if high is not None and low > high:
            raise self.fail(
                E_BOUNDS.format(what="minLength", low=low, high_name="maxLength", high=high),
                ptr,
                FIX_CONTRADICTION,
            )
        fmt, pattern = node.get("format"), node.get("pattern")
        if fmt is None and node.get("contentEncoding") == "base64":
            fmt = "byte"
        check = self.checks.validator(node, self.direction).is_valid
        # A name hint must not override a format the validator cannot check (url, byte...).
        if name and (fmt is None or fmt in _ASSERTED_FORMATS):
            named = subjects.named(name, self.resource, rng, now=self.now, max_length=high)
            if named is not None and check(named):
                return named
            hint = realistic.name_value(name, "string", rng, now=self.now, max_length=high)
            if isinstance(hint, str) and check(hint):
                return hint
        if fmt is not None:
            # With a pattern too, a realistic value of the format usually fits it (Microsoft
            # Graph spells out ISO 8601 as a regex beside `format: date-time`); drawing from
            # the pattern alone mostly builds impossible dates.
            for _ in range(3):
                text = realistic.format_value(
                    fmt, rng, now=self.now, min_length=low, max_length=high
                )
                if text is None:
                    break  # a format we do not know is not asserted: any string will do
                if check(text):
                    return text
            else:
                if pattern is None:  # with one, its own matches are tried below
                    raise self.fail(
                        E_STRING.format(fmt=fmt, pattern=pattern),
                        ptr,
                        "relax minLength/maxLength for this format",
                    )
        # allOf can leave several patterns (the rest sit in the residual); try a match for each
        # and, for prefix/suffix or "contains" patterns, their concatenation.
        patterns = [str(pattern)] if pattern is not None else []
        patterns += [str(r["pattern"]) for r in node.get(RESIDUAL, ()) if "pattern" in r]
        for _ in range(4):
            if not patterns:
                candidates = [realistic.text(rng, low, high)]
            else:
                parts = [random_match(p, rng, low, high) or "" for p in patterns]
                candidates = [*parts, "".join(parts)] if len(parts) > 1 else parts
            for candidate in candidates:
                if check(candidate):
                    return candidate
        fix = "use a simpler pattern (Python-compatible regex) or add an `example`"
        raise self.fail(E_STRING.format(fmt=fmt, pattern=pattern), ptr, fix)

    def integer(self, node: Mapping[str, Any], ptr: str, name: str) -> int:
        low, low_open = _lower_bound(node)
        high, high_open = _upper_bound(node)
        first = None if low is None else math.floor(low) + 1 if low_open else math.ceil(low)
        last = None if high is None else math.ceil(high) - 1 if high_open else math.floor(high)
        fmt = node.get("format", "")
        fmt_range = INT_FORMATS.get(fmt, (-_INF, _INF))
        lowest = fmt_range[0] if first is None else max(first, fmt_range[0])
        highest = fmt_range[1] if last is None else min(last, fmt_range[1])
        if lowest > highest:
            names = _bound_names(low_open, high_open)
            what = E_RANGE.format(kind="integer", low=low, high=high, **names)
            raise self.fail(
                what + (f" (format {fmt})" if fmt in INT_FORMATS else ""), ptr, FIX_CONTRADICTION
            )
        step_value = node.get("multipleOf")

        def fits(value: int) -> bool:
            return (
                (first is None or value >= first)
                and (last is None or value <= last)
                and fmt_range[0] <= value <= fmt_range[1]
                and (step_value is None or _multiple_ok(value, step_value))
            )

        if name:
            hint = realistic.name_value(name, "integer", self.rng, now=self.now)
            if isinstance(hint, int) and fits(hint):
                return hint
        start, stop = _window(first, last)
        start, stop = int(max(start, fmt_range[0])), int(min(stop, fmt_range[1]))
        step = 1 if step_value is None else int(Fraction(str(step_value)).numerator)
        k_min, k_max = -(-start // step), stop // step
        if k_min <= k_max:
            for _ in range(12):
                value = self.rng.randint(k_min, k_max) * step
                if fits(value):
                    return value
        what = E_MULTIPLE.format(kind="integer", step=step_value, low=start, high=stop)
        raise self.fail(what, ptr, FIX_CONTRADICTION)

    def number(self, node: Mapping[str, Any], ptr: str, name: str) -> float:
        low, low_open = _lower_bound(node)
        high, high_open = _upper_bound(node)
        if (
            low is not None
            and high is not None
            and (low > high or (low == high and (low_open or high_open)))
        ):
            names = _bound_names(low_open, high_open)
            what = E_RANGE.format(kind="number", low=low, high=high, **names)
            raise self.fail(what, ptr, FIX_CONTRADICTION)
        step = node.get("multipleOf")

        def fits(value: float, exact: bool = False) -> bool:
            if step is not None and not (_exact_multiple if exact else _multiple_ok)(value, step):
                return False
            return (low is None or value > low or (not low_open and value == low)) and (
                high is None or value < high or (not high_open and value == high)
            )

        if name:
            hint = realistic.name_value(name, "number", self.rng, now=self.now)
            if isinstance(hint, int | float) and fits(hint):
                return hint
        start, stop = _window(low, high)
        for candidate in self.number_candidates(start, stop, step):
            if fits(candidate):
                return candidate
        # No candidate survives float division (0.3 / 0.1 != 3 in binary floating point); an
        # exact decimal multiple is still valid by JSON Schema's definition of multipleOf.
        for candidate in self.number_candidates(start, stop, step):
            if fits(candidate, exact=True):
                return candidate
        what = E_MULTIPLE.format(kind="number", step=step, low=low, high=high)
        raise self.fail(what, ptr, FIX_CONTRADICTION)

    def number_candidates(self, start: float, stop: float, step: float | None) -> Iterator[float]:
        rng = self.rng
        if step is None:
            for _ in range(8):
                yield round(rng.uniform(start, stop), 2)
            yield start
            yield (start + stop) / 2
            return
        k_min, k_max = math.ceil(start / step), math.floor(stop / step)
        text = repr(float(step))
        decimals = len(text.split(".")[1]) if "." in text and "e" not in text else None
        for _ in range(12 if k_min <= k_max else 0):
            value = rng.randint(k_min, k_max) * step
            yield value if decimals is None else round(value, decimals)
        # Whole-number multiples survive float division checks such as 0.3 / 0.1 != 3.
        whole = Fraction(str(step)).numerator
        j_min, j_max = math.ceil(start / whole), math.floor(stop / whole)
        for _ in range(12 if j_min <= j_max else 0):
            yield rng.randint(j_min, j_max) * whole
