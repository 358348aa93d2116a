"""`mockserver.diff.ignore`: the ignore file's entries, the findings they set aside (by rule and
operation or pointer), expired entries, and malformed files named entry by entry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mockserver.diff.ignore import Ignore, read_ignores, triage
from mockserver.diff.model import Finding
from mockserver.errors import DiffError

REMOVED = Finding(
    "GET /orders/{id}",
    "response-property-removed",
    "/components/schemas/Order/properties/status",
    "/components/schemas/Order",
    "status was removed",
)
OTHER = Finding("GET /users", "operation-removed", "/paths/~1users/get", "/paths/~1users", "gone")
TODAY = dt.date(2026, 12, 2)


@pytest.mark.parametrize(
    "location",
    [
        "GET /orders/{id}",
        "/components/schemas/Order/properties/status",
        "#/components/schemas/Order",
        "openapi/openapi.yaml#/components/schemas/Order/properties/status",
    ],
)
def test_an_entry_matches_by_rule_and_operation_or_either_pointer(location: str) -> None:
    entry = Ignore("response-property-removed", location, "accepted")
    result = triage([REMOVED, OTHER], [entry], today=TODAY)
    assert result.active == [OTHER]
    assert result.ignored == {REMOVED: entry}


@pytest.mark.parametrize(
    ("rule", "location"),
    [
        ("response-property-added", "GET /orders/{id}"),
        ("response-property-removed", "GET /orders"),
        ("response-property-removed", "/components/schemas/Order/properties"),
    ],
)
def test_an_entry_of_another_rule_or_place_matches_nothing(rule: str, location: str) -> None:
    result = triage([REMOVED], [Ignore(rule, location, "accepted")], today=TODAY)
    assert result.active == [REMOVED]
    assert not result.ignored


def test_an_expired_entry_no_longer_applies_and_is_reported() -> None:
    entry = Ignore("response-property-removed", "GET /orders/{id}", "r", TODAY - dt.timedelta(1))
    result = triage([REMOVED], [entry], today=TODAY)
    assert result.active == [REMOVED]
    assert result.expired == [entry]
    still = Ignore("response-property-removed", "GET /orders/{id}", "r", TODAY)
    assert triage([REMOVED], [still], today=TODAY).ignored == {REMOVED: still}


def test_the_file_is_read_with_dates_and_reasons(tmp_path: Path) -> None:
    path = tmp_path / "ignore.yaml"
    path.write_text(
        "# accepted changes\n"
        "- rule: response-property-removed\n"
        "  location: GET /orders/{id}\n"
        "  reason: nobody reads it\n"
        "  expires: 2027-01-31\n"
        "- {rule: operation-removed, location: GET /users, reason: gone, expires: '2027-02-01'}\n"
    )
    assert read_ignores(path) == [
        Ignore("response-property-removed", "GET /orders/{id}", "nobody reads it",
               dt.date(2027, 1, 31), 1),
        Ignore("operation-removed", "GET /users", "gone", dt.date(2027, 2, 1), 2),
    ]  # fmt: skip


@pytest.mark.parametrize("text", ["", "# nothing accepted\n", "[]\n"])
def test_an_empty_file_ignores_nothing(tmp_path: Path, text: str) -> None:
    path = tmp_path / "ignore.yaml"
    path.write_text(text)
    assert read_ignores(path) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rule: x\n", "expected a list"),
        ("- just a string\n", "entry 1: expected a mapping"),
        ("- {rule: operation-removed, location: GET /a}\n", "entry 1: expected reason"),
        ("- {rule: operation-removed, location: GET /a, reason: r}\n"
         "- {rule: no-such-rule, location: GET /a, reason: r}\n", "entry 2: unknown rule"),
        ("- {rule: operation-removed, location: GET /a, reason: r, until: 2027-01-01}\n",
         "entry 1: unknown key"),
        ("- {rule: operation-removed, location: GET /a, reason: r, expires: soon}\n",
         "entry 1: expected expires to be a date"),
        ("- [unclosed\n", "not valid YAML"),
    ],
)  # fmt: skip
def test_a_malformed_file_is_a_diff_error_naming_the_entry(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "ignore.yaml"
    path.write_text(text)
    with pytest.raises(DiffError, match=message):
        read_ignores(path)
