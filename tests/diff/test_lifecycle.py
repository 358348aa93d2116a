"""`mockserver.diff.lifecycle` (and the deprecations of `requests` and `schemas`): deprecated
operations, parameters and properties, sunset dates set or brought forward, and whether a
removed operation had been deprecated first."""

from __future__ import annotations

import datetime as dt

import pytest

from mockserver.diff.lifecycle import removal_note, sunset_date
from tests.diff.builders import Edit, base, diff, drop, edited, put
from tests.diff.cases import LIST_PARAMS, LISTED, PETS, SCHEMAS, USERS, Case, check, each_case

CASES: list[Case] = [
    ("operation deprecated", [], [put(f"{USERS}/get/deprecated", True)], ["operation-deprecated"]),
    (
        "operation still deprecated",
        [put(f"{USERS}/get/deprecated", True)],
        [put(f"{USERS}/get/deprecated", True)],
        [],
    ),
    (
        "parameter deprecated",
        [],
        [put(f"{LIST_PARAMS}/0/deprecated", True)],
        ["request-parameter-deprecated"],
    ),
    (
        "request property deprecated",
        [],
        [put(f"{SCHEMAS}/NewUser/properties/age/deprecated", True)],
        ["request-property-deprecated"],
    ),
    (
        "response property deprecated",
        [],
        [put(f"{SCHEMAS}/User/properties/status/deprecated", True)],
        ["response-property-deprecated"],
    ),
    (
        "sunset date added",
        [],
        [put(f"{USERS}/get/x-sunset", "2027-06-30")],
        ["operation-sunset-added"],
    ),
    (
        "sunset date brought forward",
        [put(f"{USERS}/get/x-sunset", "2027-06-30")],
        [put(f"{USERS}/get/x-sunset", "Sat, 01 May 2027 00:00:00 GMT")],
        ["operation-sunset-brought-forward"],
    ),
    (
        "sunset date pushed back",
        [put(f"{USERS}/get/x-sunset", "2027-06-30")],
        [put(f"{USERS}/get/x-sunset", "2027-12-31")],
        [],
    ),
    (
        "Sunset header declared",
        [],
        [put(f"{LISTED}/headers/Sunset", {"schema": {"type": "string"}})],
        ["operation-sunset-added", "response-header-added"],
    ),
]


@each_case(CASES)
def test_diff_finds_exactly_the_rule_of_each_change(
    old_edits: list[Edit], new_edits: list[Edit], expected: list[str]
) -> None:
    check(old_edits, new_edits, expected)


def test_a_removal_says_whether_the_operation_was_deprecated_first() -> None:
    old = edited([put(f"{PETS}/post/deprecated", True)])
    [finding] = diff(old, edited([drop(PETS)]))
    assert finding.message.endswith("(POST) after being deprecated")
    [finding] = diff(base(), edited([drop(f"{USERS}/get")]))
    assert finding.message == "GET /users was removed without being deprecated first"
    assert removal_note([]) == "without being deprecated first"


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2027-06-30", dt.date(2027, 6, 30)),
        ("2027-06-30T12:00:00Z", dt.date(2027, 6, 30)),
        ("Wed, 30 Jun 2027 00:00:00 GMT", dt.date(2027, 6, 30)),
        (dt.date(2027, 6, 30), dt.date(2027, 6, 30)),
        (dt.datetime(2027, 6, 30, 8, 0), dt.date(2027, 6, 30)),
        ("soon", None),
        (20270630, None),
    ],
)
def test_a_sunset_value_is_read_as_a_day(value: object, day: dt.date | None) -> None:
    assert sunset_date(value) == day
