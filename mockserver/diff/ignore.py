"""Accepted changes: the ignore file (``.mockserver-diff-ignore.yaml``) and what it sets aside.

The file is a YAML list; each entry names a rule, a location and why the change is accepted::

    - rule: response-property-removed
      location: GET /orders/{orderId}    # an operation, or the old or the new JSON pointer
      reason: no client reads status since web 4.2 (JIRA-123)
      expires: 2027-01-31                # optional: after this day the entry stops applying

A finding the entry matches (same rule, and its operation or either pointer equal to the
location) is reported as ignored with the reason and does not fail the run. An entry past its
``expires`` day applies to nothing and is reported as expired. A malformed file raises
`DiffError` naming the entry, read as a usage error (exit 2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mockserver.diff.model import RULES, Finding
from mockserver.errors import DiffError

__all__ = ["DEFAULT_IGNORE_FILE", "Ignore", "Triage", "read_ignores", "triage"]

DEFAULT_IGNORE_FILE = ".mockserver-diff-ignore.yaml"
_KEYS = {"rule", "location", "reason", "expires"}


@dataclass(frozen=True, slots=True)
class Ignore:
    """One entry of the ignore file: which findings it accepts, why, until when."""

    rule: str
    location: str
    reason: str
    expires: dt.date | None = None
    entry: int = 1  # its place in the file, from 1, for messages

    def matches(self, finding: Finding) -> bool:
        """Same rule, and the location is the finding's operation or one of its pointers
        (``#/paths/...``, or as the text report prints it, ``openapi.yaml#/paths/...``)."""
        location = self.location.partition("#")[2] if "#" in self.location else self.location
        return finding.rule == self.rule and location in (
            finding.operation,
            finding.old,
            finding.new,
        )

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True, slots=True)
class Triage:
    """The findings split by the ignore file: those that count, those set aside, and the
    entries that have expired."""

    active: list[Finding]
    ignored: dict[Finding, Ignore] = field(default_factory=dict)
    expired: list[Ignore] = field(default_factory=list)


def triage(
    findings: Iterable[Finding], ignores: Sequence[Ignore], *, today: dt.date | None = None
) -> Triage:
    """Split ``findings`` by the entries of ``ignores`` still in force on ``today``."""
    today = dt.date.today() if today is None else today
    live = [entry for entry in ignores if not entry.expired(today)]
    result = Triage([], expired=[entry for entry in ignores if entry.expired(today)])
    for finding in findings:
        entry = next((entry for entry in live if entry.matches(finding)), None)
        if entry is None:
            result.active.append(finding)
        else:
            result.ignored[finding] = entry
    return result


def read_ignores(path: Path) -> list[Ignore]:
    """The entries of the ignore file at ``path``; `DiffError` naming a malformed entry."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DiffError(f"{path}: cannot read the ignore file: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise DiffError(f"{path}: the ignore file is not valid YAML: {exc}") from None
    if loaded is None:
        return []  # an empty file (or comments only) ignores nothing
    if not isinstance(loaded, list):
        raise DiffError(
            f"{path}: expected a list of {{rule, location, reason, expires}} entries, "
            f"got {type(loaded).__name__}"
        )
    return [_entry(path, index, raw) for index, raw in enumerate(loaded, start=1)]


def _entry(path: Path, index: int, raw: Any) -> Ignore:
    where = f"{path}: entry {index}"
    if not isinstance(raw, dict):
        raise DiffError(f"{where}: expected a mapping with rule, location, reason; got {raw!r}")
    unknown = sorted(map(str, raw.keys() - _KEYS))
    if unknown:
        raise DiffError(f"{where}: unknown key(s) {', '.join(unknown)}; expected {_listed()}")
    for key in ("rule", "location", "reason"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise DiffError(
                f"{where}: expected {key} to be a non-empty string, got {raw.get(key)!r}"
            )
    if raw["rule"] not in RULES:
        raise DiffError(
            f"{where}: unknown rule {raw['rule']!r}; the rule ids are those `mockserver diff` "
            "prints (mockserver.diff.model.RULES)"
        )
    return Ignore(
        raw["rule"], raw["location"].strip(), raw["reason"].strip(), _date(where, raw), index
    )


def _date(where: str, raw: dict[str, Any]) -> dt.date | None:
    value = raw.get("expires")
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise DiffError(
            f"{where}: expected expires to be a date (2027-01-31), got {value!r}"
        ) from None


def _listed() -> str:
    return ", ".join(sorted(_KEYS))
