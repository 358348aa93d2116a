"""Compare the provider's answer with the mock's: status, problem code, the shape of the body
(properties, JSON types, formats), values, and the headers the spec declares.

Values that differ by nature are never compared literally: ids (UUIDs) are mapped between
the two runs (`IdMap`: the provider's id of a record <-> the mock's), timestamps and tokens are
compared by format only. Everything else (names, statuses, amounts, computed totals) must be
equal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mockserver.compile import schemas
from mockserver.conform.sides import Answer

__all__ = ["Divergence", "IdMap", "compare_answers", "is_opaque", "json_type", "value_format"]

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", re.I)
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
# Properties whose values are secrets or tokens the server makes up: compared by type only.
_OPAQUE = re.compile(r"token|secret", re.I)


@dataclass(frozen=True, slots=True)
class Divergence:
    """One difference between the two answers to a step, or a broken invariant.

    ``signature`` names the kind of difference without its values, so the same fault found
    by two programs is one divergence (shrunk to the shorter program).
    """

    kind: str
    op: str
    where: str
    mock: str
    provider: str
    step: int = -1
    request: int = -1

    @property
    def signature(self) -> str:
        return f"{self.kind} {self.op} {self.where}"

    def describe(self) -> str:
        where = f" at {self.where}" if self.where else ""
        if self.kind in ("webhook missing", "webhook unexpected"):
            return (
                f"{self.kind} of {self.op}{where}: the mock sent {self.mock}, "
                f"the provider {self.provider}"
            )
        if self.kind.startswith("webhook"):
            return (
                f"{self.kind} of {self.op}{where}: expected {self.mock}, "
                f"the provider sent {self.provider}"
            )
        if self.kind.startswith("invariant"):
            return (
                f"{self.kind} of {self.op}{where}: expected {self.mock}, "
                f"the provider answered {self.provider}"
            )
        return (
            f"{self.kind} of {self.op}{where}: the mock answered {self.mock}, "
            f"the provider {self.provider}"
        )


@dataclass
class IdMap:
    """A bijection between the provider's ids and the mock's, learned as they appear."""

    mock_of: dict[str, str] = field(default_factory=dict)
    provider_of: dict[str, str] = field(default_factory=dict)

    def pair(self, provider: str, mock: str) -> bool:
        """Bind or check ``provider`` <-> ``mock``; False when either is bound elsewhere."""
        known = self.mock_of.get(provider)
        if known is not None or mock in self.provider_of:
            return known == mock
        self.mock_of[provider] = mock
        self.provider_of[mock] = provider
        return True


def is_opaque(name: str, value: Any) -> bool:
    """A token or secret a server makes up (``refreshToken``, ``secret``), not ``tokenType``."""
    return isinstance(value, str) and len(value) >= 16 and bool(_OPAQUE.search(name))


def json_type(value: Any) -> str:
    """The JSON type name of a parsed value; a float with no fraction is an integer (JSON does
    not tell ``3.0`` from ``3``, and servers written in other languages send either)."""
    if isinstance(value, float) and value.is_integer():
        return "integer"
    return schemas.json_type(value)


def value_format(value: str) -> str:
    """The format a string evidently has: uuid, date-time, date, jwt or plain string."""
    if _UUID.match(value):
        return "uuid"
    if _DATE_TIME.match(value):
        return "date-time"
    if _DATE.match(value):
        return "date"
    if _JWT.match(value):
        return "jwt"
    return "string"


def compare_answers(
    op: str,
    mock: Answer,
    provider: Answer,
    ids: IdMap,
    *,
    declared_headers: tuple[str, ...] = (),
    base_path: str = "",
) -> list[Divergence]:
    """Every difference between the two answers to one request."""
    if mock.status != provider.status:
        return [
            Divergence(
                "status",
                op,
                "",
                f"{mock.status}{_code(mock)}",
                f"{provider.status}{_code(provider)}",
            )
        ]
    found: list[Divergence] = []
    if mock.is_problem or provider.is_problem or mock.status >= 400:
        if mock.problem_code() != provider.problem_code():
            found.append(
                Divergence(
                    "problem code",
                    op,
                    "code",
                    repr(mock.problem_code()),
                    repr(provider.problem_code()),
                )
            )
        if mock.is_problem != provider.is_problem:
            found.append(Divergence("media type", op, "", mock.media_type, provider.media_type))
    elif mock.body is not None or provider.body is not None:
        _compare(op, "body", mock.body, provider.body, ids, found)
    for name in declared_headers:
        _compare_header(op, name, mock, provider, ids, base_path, found)
    return found


def _code(answer: Answer) -> str:
    code = answer.problem_code()
    return f" {code}" if code else ""


def _compare(
    op: str, where: str, mock: Any, provider: Any, ids: IdMap, found: list[Divergence]
) -> None:
    kind_m, kind_p = json_type(mock), json_type(provider)
    if kind_m != kind_p:
        found.append(Divergence("type", op, where, kind_m, kind_p))
        return
    if isinstance(mock, Mapping):
        _compare_objects(op, where, mock, provider, ids, found)
    elif isinstance(mock, list):
        _compare_lists(op, where, mock, provider, ids, found)
    elif isinstance(mock, str):
        _compare_strings(op, where, mock, provider, ids, found)
    elif mock != provider:
        found.append(Divergence("value", op, where, repr(mock), repr(provider)))


def _compare_objects(
    op: str,
    where: str,
    mock: Mapping[str, Any],
    provider: Mapping[str, Any],
    ids: IdMap,
    found: list[Divergence],
) -> None:
    for name in sorted(set(provider) - set(mock)):
        found.append(Divergence("extra property", op, f"{where}.{name}", "no such property", "one"))
    for name in sorted(set(mock) - set(provider)):
        found.append(Divergence("missing property", op, f"{where}.{name}", "one", "none"))
    for name in sorted(set(mock) & set(provider)):
        path = f"{where}.{name}"
        if is_opaque(name, mock[name]):
            if json_type(provider[name]) != "string":
                found.append(Divergence("type", op, path, "string", json_type(provider[name])))
            continue
        _compare(op, path, mock[name], provider[name], ids, found)


def _compare_lists(
    op: str, where: str, mock: list[Any], provider: list[Any], ids: IdMap, found: list[Divergence]
) -> None:
    if len(mock) != len(provider):
        found.append(Divergence("list length", op, where, str(len(mock)), str(len(provider))))
        return
    by_id = _rows_by_id(provider)
    if by_id is not None and _rows_by_id(mock) is not None:
        _compare_rows(op, where, mock, by_id, ids, found)
        return
    for index, (m, p) in enumerate(zip(mock, provider, strict=True)):
        _compare(op, f"{where}[{index}]", m, p, ids, found)


def _compare_rows(
    op: str,
    where: str,
    mock: list[Any],
    provider: dict[str, Any],
    ids: IdMap,
    found: list[Divergence],
) -> None:
    """Rows of a list, paired by mapped id: servers may order equal timestamps apart.

    Rows neither server showed before (a failed payment a decline recorded) pair in order.
    """
    fresh = [row for pid, row in provider.items() if pid not in ids.mock_of]
    for row in mock:
        partner = provider.get(ids.provider_of.get(row["id"], ""))
        if partner is None and row["id"] not in ids.provider_of and fresh:
            partner = fresh.pop(0)
        if partner is None:
            found.append(Divergence("list rows", op, f"{where}[]", "a row", "another row"))
            return
        _compare(op, f"{where}[]", row, partner, ids, found)


def _rows_by_id(rows: list[Any]) -> dict[str, Any] | None:
    if rows and all(isinstance(r, Mapping) and isinstance(r.get("id"), str) for r in rows):
        return {r["id"]: r for r in rows}
    return None


def _compare_strings(
    op: str, where: str, mock: str, provider: str, ids: IdMap, found: list[Divergence]
) -> None:
    fm, fp = value_format(mock), value_format(provider)
    if fm != fp:
        found.append(Divergence("format", op, where, fm, fp))
    elif fm == "uuid":
        if not ids.pair(provider, mock):
            found.append(Divergence("id", op, where, "one record", "another record"))
    elif fm in ("date-time", "jwt"):
        return  # made up by each server: the format is what must agree
    elif mock != provider:
        found.append(Divergence("value", op, where, repr(mock), repr(provider)))


def _compare_header(
    op: str,
    name: str,
    mock: Answer,
    provider: Answer,
    ids: IdMap,
    base_path: str,
    found: list[Divergence],
) -> None:
    m, p = mock.headers.get(name), provider.headers.get(name)
    where = f"header {name}"
    if m is None or p is None:
        if m is not None or p is not None:
            found.append(
                Divergence(
                    "header",
                    op,
                    where,
                    "absent" if m is None else "present",
                    "absent" if p is None else "present",
                )
            )
        return
    if name == "location":
        pm, pp = _path_ids(m, base_path), _path_ids(p, base_path)
        if pm[0] != pp[0] or len(pm[1]) != len(pp[1]):
            found.append(Divergence("header value", op, where, pm[0], pp[0]))
        elif not all(ids.pair(a, b) for b, a in zip(pm[1], pp[1], strict=True)):
            found.append(Divergence("header value", op, where, "one record", "another record"))
    elif name == "retry-after":
        if not (p.isdigit() and int(p) >= 1):
            found.append(Divergence("header value", op, where, "seconds >= 1", repr(p)))
    elif name not in ("www-authenticate",) and m != p:
        found.append(Divergence("header value", op, where, repr(m), repr(p)))


def _path_ids(location: str, base_path: str) -> tuple[str, list[str]]:
    """``/api/v1/projects/{id}`` and the ids in it, for a relative or absolute Location."""
    path = urlsplit(location).path
    path = path.removeprefix(base_path)
    segments = path.split("/")
    found = [s for s in segments if _UUID.match(s)]
    shape = "/".join("{id}" if _UUID.match(s) else s for s in segments)
    return shape, found
