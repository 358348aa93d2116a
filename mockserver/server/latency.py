"""Latency that looks real: fixed, uniform or log-normal delays, globally or per operation.

A delay is written ``120ms`` (fixed; ``1.5s`` and a bare ``120`` in milliseconds too),
``50ms..200ms`` (uniform; the older ``50-200`` still reads) or
``lognormal(median=80ms,p99=400ms)``: most answers near the median, a long tail whose 99th
percentile is ``p99``, as measured services behave. Per operation, ``x-mock-latency`` on the
operation or ``--latency OPERATION=DELAY`` (``OPERATION`` an operationId or ``METHOD /path``)
wins over the global ``--latency DELAY``. Draws come from the caller's seeded generator.
"""

from __future__ import annotations

import difflib
import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from mockserver.compile.operations import Operation
from mockserver.errors import ConfigError
from mockserver.render.prefer import MAX_DELAY_MS
from mockserver.spec.meta_validation import LintIssue

__all__ = [
    "LATENCY_EXTENSION",
    "Delay",
    "operation_delays",
    "operation_names",
    "parse_delay",
    "parse_operation_delay",
    "split_by_spec",
]

LATENCY_EXTENSION: Final = "x-mock-latency"
_Z99: Final = 2.3263478740408408  # the standard normal's 99th percentile
_DURATION: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$")
_LOGNORMAL: Final = re.compile(r"^\s*lognormal\s*\((.*)\)\s*$", re.IGNORECASE)
_FORMS: Final = "120ms, 1.5s, 50ms..200ms or lognormal(median=80ms,p99=400ms)"


@dataclass(frozen=True, slots=True)
class Delay:
    """A distribution of delays in milliseconds; `sample` draws one."""

    kind: Literal["fixed", "uniform", "lognormal"]
    low: float  # fixed: the delay; uniform: the lower end; lognormal: the median
    high: float  # fixed: the delay; uniform: the upper end; lognormal: the 99th percentile

    def sample(self, rng: random.Random) -> float:
        """One delay in milliseconds, at most `MAX_DELAY_MS`."""
        if self.kind == "fixed":
            return self.low
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high)
        sigma = (math.log(self.high) - math.log(self.low)) / _Z99
        return min(math.exp(rng.gauss(math.log(self.low), sigma)), float(MAX_DELAY_MS))


def _fail(text: str, why: str) -> ConfigError:
    return ConfigError(f"expected a latency like {_FORMS}, got {text!r}: {why}")


def _ms(part: str, text: str) -> float:
    match = _DURATION.match(part)
    if match is None:
        raise _fail(text, f"{part.strip()!r} is not a duration (a number, then ms or s)")
    value = float(match.group(1)) * (1000.0 if match.group(2) == "s" else 1.0)
    if value > MAX_DELAY_MS:
        raise _fail(text, f"{part.strip()} is over the {MAX_DELAY_MS} ms a delay may last")
    return value


def parse_delay(text: str) -> Delay:
    """Read one delay (see the module docstring); `ConfigError` says what is wrong."""
    if not isinstance(text, str):
        raise _fail(str(text), f"expected a string, got {type(text).__name__}")
    lognormal = _LOGNORMAL.match(text)
    if lognormal is not None:
        params: dict[str, float] = {}
        for item in lognormal.group(1).split(","):
            name, eq, value = item.partition("=")
            if not eq or name.strip() not in ("median", "p99"):
                raise _fail(text, "lognormal takes median= and p99=")
            params[name.strip()] = _ms(value, text)
        if set(params) != {"median", "p99"}:
            raise _fail(text, "lognormal needs both median= and p99=")
        if not 0 < params["median"] < params["p99"]:
            raise _fail(text, "lognormal needs 0 < median < p99")
        return Delay("lognormal", params["median"], params["p99"])
    separator = ".." if ".." in text else "-" if "-" in text else None
    if separator is not None:
        first, _, second = text.partition(separator)
        low, high = _ms(first, text), _ms(second, text)
        if high < low:
            raise _fail(text, "the lower end is above the upper end")
        return Delay("fixed", low, low) if low == high else Delay("uniform", low, high)
    value = _ms(text, text)
    return Delay("fixed", value, value)


def parse_operation_delay(text: str) -> tuple[str | None, Delay]:
    """``OPERATION=DELAY`` as ``(operation, delay)``; a bare ``DELAY`` as ``(None, delay)``."""
    # "lognormal(median=80ms,p99=400ms)" has "=" inside its parentheses: only one before
    # them names an operation.
    if "=" not in text.split("(", 1)[0]:
        return None, parse_delay(text)
    target, _, spec = text.partition("=")
    if not target.strip():
        raise _fail(text, "name the operation before '=' (an operationId or METHOD /path)")
    return target.strip(), parse_delay(spec)


_METHODS: Final = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def _normal_name(name: str) -> str:
    method, space, path = name.strip().partition(" ")
    return f"{method.upper()} {path.strip()}" if space else name.strip()


def operation_names(document: Mapping[str, object], base_path: str = "") -> set[str]:
    """Every name ``--latency`` may give an operation of ``document`` (ids, METHOD /path)."""
    names: set[str] = set()
    paths = document.get("paths")
    for path, item in paths.items() if isinstance(paths, Mapping) else ():
        for method, operation in item.items() if isinstance(item, Mapping) else ():
            if method in _METHODS and isinstance(operation, Mapping):
                names.add(f"{method.upper()} {path}")
                if base_path:
                    names.add(f"{method.upper()} {base_path.rstrip('/')}{path}")
                if isinstance(operation.get("operationId"), str):
                    names.add(operation["operationId"])
    return names


def split_by_spec(
    configured: Mapping[str, Delay | str], documents: Sequence[tuple[Mapping[str, object], str]]
) -> list[dict[str, Delay | str]]:
    """``configured`` shared out among several ``(document, base_path)``: each its own names.

    A name no document has raises `ConfigError` saying so; one several have applies to each.
    """
    known = [operation_names(document, base) for document, base in documents]
    shares: list[dict[str, Delay | str]] = [{} for _ in documents]
    for name, delay in configured.items():
        owners = [i for i, names in enumerate(known) if _normal_name(name) in names]
        if not owners:
            everything = sorted(set().union(*known))
            close = difflib.get_close_matches(name, everything, n=3)
            raise ConfigError(
                f"--latency {name}=...: no operation of any mounted spec is called {name!r}"
                + (f"; did you mean {', '.join(close)}?" if close else "")
            )
        for owner in owners:
            shares[owner][name] = delay
    return shares


def _names(operation: Operation, base_path: str) -> Iterable[str]:
    if operation.operation_id:
        yield operation.operation_id
    yield f"{operation.method.upper()} {operation.path}"
    if base_path:
        yield f"{operation.method.upper()} {base_path.rstrip('/')}{operation.path}"


def operation_delays(
    operations: Iterable[Operation],
    configured: Mapping[str, Delay | str],
    *,
    base_path: str = "",
    issues: list[LintIssue] | None = None,
) -> dict[str, Delay]:
    """Each operation's delay by its pointer: ``configured`` (by name) over ``x-mock-latency``.

    Raises `ConfigError` for a name no operation has (listing what names exist) and for an
    ``x-mock-latency`` that does not read (naming the operation); with ``issues`` (a lenient
    load), such an extension is ignored and reported there instead.
    """
    by_name: dict[str, Operation] = {}
    delays: dict[str, Delay] = {}
    for operation in operations:
        for name in _names(operation, base_path):
            by_name.setdefault(name, operation)
        declared = operation.extensions.get(LATENCY_EXTENSION)
        if declared is not None:
            try:
                delays[operation.pointer] = parse_delay(declared)
            except ConfigError as exc:
                message = f"{operation.label}: {LATENCY_EXTENSION}: {exc}"
                if issues is None:
                    raise ConfigError(message) from exc
                hint = f"write {LATENCY_EXTENSION} like {_FORMS}; it is ignored until then"
                pointer = f"{operation.pointer}/{LATENCY_EXTENSION}"
                issues.append(LintIssue("warning", pointer, message, hint))
    for name, delay in configured.items():
        found = by_name.get(_normal_name(name))
        if found is None:
            close = difflib.get_close_matches(name, list(by_name), n=3)
            known = close or sorted(n for n in by_name if " " not in n)[:8]
            raise ConfigError(
                f"--latency {name}=...: no operation is called {name!r}; use an operationId "
                f"({'did you mean ' if close else 'e.g. '}{', '.join(known)}) or METHOD /path "
                "as the spec writes it"
            )
        delays[found.pointer] = parse_delay(delay) if isinstance(delay, str) else delay
    return delays
