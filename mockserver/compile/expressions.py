"""``x-mock-compute`` expressions: values the server derives from other fields.

A small, safe subset of Python expressions, parsed once at start-up::

    quantity * unitPrice
    sum_of(items, "lineTotal")
    {"basic": 900, "pro": 2900}[plan] * (1 if interval == "month" else 10)
    now() + days(30)

Names are the fields of the object being built; the functions are listed in `FUNCTIONS`.
Nothing else (attributes, imports, lambdas, comprehensions) is accepted.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from mockserver.errors import SpecError

__all__ = ["FUNCTIONS", "Expression", "to_json_value"]

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


def _sum_of(items: Any, field: str) -> Any:
    return sum(item.get(field, 0) for item in items or [] if isinstance(item, Mapping))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sum_of": _sum_of,
    "days": lambda n: timedelta(days=n),
    "hours": lambda n: timedelta(hours=n),
    "len": len,
    "min": min,
    "max": max,
    "round": round,
    "int": int,
}


def to_json_value(value: Any) -> Any:
    """Datetimes become RFC 3339 strings in UTC with ``Z``; everything else is unchanged."""
    if isinstance(value, datetime):
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        # orjson writes b'"2026-01-02T03:04:05.678901Z"' (no fraction when it is zero) in a
        # third of the time `isoformat` takes; every created record is stamped.
        written = orjson.dumps(value, option=orjson.OPT_UTC_Z)
        if value.microsecond:
            return written[1:24].decode() + "Z"
        return written[1:20].decode() + ".000Z"
    return value


class Expression:
    """A parsed, checked expression; `evaluate` runs it against a record's fields."""

    def __init__(self, source: str, *, where: str = "") -> None:
        self.source = source
        self.where = where
        try:
            tree = ast.parse(source.strip(), mode="eval")
        except SyntaxError as exc:
            raise SpecError(
                f"x-mock-compute {source!r} is not a valid expression: {exc.msg}",
                pointer=where,
                hint='write an expression such as quantity * unitPrice or sum_of(items, "total")',
            ) from exc
        for node in ast.walk(tree):
            self._check(node, where)
        self._tree = tree.body

    def _check(self, node: ast.AST, where: str) -> None:
        allowed = (
            ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp,
            ast.Constant, ast.Name, ast.Load, ast.Dict, ast.List, ast.Tuple, ast.Subscript,
            ast.Call, ast.operator, ast.cmpop, ast.boolop, ast.unaryop,
        )  # fmt: skip
        if not isinstance(node, allowed):
            raise SpecError(
                f"x-mock-compute {self.source!r} uses {type(node).__name__}, which is not allowed",
                pointer=where,
                hint="use field names, literals, arithmetic, comparisons, `a if c else b`, "
                f"[...] lookups and the functions {', '.join(sorted(FUNCTIONS))}, now()",
            )
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and (node.func.id in FUNCTIONS or node.func.id == "now")
        ):
            raise SpecError(
                f"x-mock-compute {self.source!r} calls something that is not a known function",
                pointer=where,
                hint=f"known functions: {', '.join(sorted(FUNCTIONS))}, now",
            )

    def evaluate(self, names: Mapping[str, Any], *, now: datetime) -> Any:
        """The value for a record with fields ``names`` at time ``now``.

        Raises:
            SpecError: the expression cannot be computed for these fields (``a / b`` with
                ``b`` 0, a lookup of a missing key, arithmetic on null).
        """
        try:
            return to_json_value(self._eval(self._tree, names, now))
        except (ArithmeticError, LookupError, TypeError, ValueError) as exc:
            raise SpecError(
                f"x-mock-compute {self.source!r} failed on this record: {exc}",
                pointer=self.where,
                hint="make the expression total (`a / b if b else 0`) or constrain the fields "
                "it reads in the request schema",
            ) from exc

    def _eval(self, node: ast.expr, names: Mapping[str, Any], now: datetime) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return names.get(node.id)
        if isinstance(node, ast.BinOp):
            left = self._eval(node.left, names, now)
            right = self._eval(node.right, names, now)
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp):
            value = self._eval(node.operand, names, now)
            return -value if isinstance(node.op, ast.USub) else not value
        if isinstance(node, ast.BoolOp):
            values = [self._eval(v, names, now) for v in node.values]
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.Compare):
            left = self._eval(node.left, names, now)
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                right = self._eval(comparator, names, now)
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            test = self._eval(node.test, names, now)
            return self._eval(node.body if test else node.orelse, names, now)
        if isinstance(node, ast.Dict):
            return {
                self._eval(k, names, now): self._eval(v, names, now)
                for k, v in zip(node.keys, node.values, strict=True)
                if k is not None
            }
        if isinstance(node, ast.List | ast.Tuple):
            return [self._eval(e, names, now) for e in node.elts]
        if isinstance(node, ast.Subscript):
            return self._eval(node.value, names, now)[self._eval(node.slice, names, now)]
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)  # checked in __init__
            if node.func.id == "now":
                return now
            args = [self._eval(a, names, now) for a in node.args]
            return FUNCTIONS[node.func.id](*args)
        raise AssertionError(f"unchecked node {type(node).__name__}")  # __init__ rejects it
