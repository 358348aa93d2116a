"""Violations: located messages, and a secret redacted without mangling anything else."""

from __future__ import annotations

import json

import jsonschema_rs
from hypothesis import example, given
from hypothesis import strategies as st

from mockserver import create_app
from mockserver.validation.violations import short, without_secret, write_only_locations
from tests.conftest import SPEC
from tests.inprocess import request

MARK = "the value"


def renderings(secret: str) -> list[str]:
    return [json.dumps(secret, ensure_ascii=False), json.dumps(secret), short(secret)]


@given(st.text(min_size=1, max_size=80), st.lists(st.text(max_size=30), min_size=1, max_size=4))
@example("short", ["", " is shorter than 8 characters"])
@example("e", ["", " is the value of the", ""])
def test_redaction_replaces_the_quoted_secret_and_changes_nothing_else(
    secret: str, around: list[str]
) -> None:
    quoted = json.dumps(secret, ensure_ascii=False)
    # Text that holds no rendering of the secret (and no marker) stays exactly as it is.
    around = [
        part
        for part in around
        if MARK not in part and not any(f in part for f in renderings(secret))
    ]
    if not around:
        return
    message = quoted.join(around)
    if message.count(quoted) != len(around) - 1:
        return  # the parts happen to spell the secret where they meet
    redacted = without_secret(message, secret)
    assert redacted == MARK.join(around)


@given(st.text(min_size=1, max_size=40), st.text(max_size=60))
def test_a_message_without_the_secret_is_unchanged(secret: str, message: str) -> None:
    if any(f in message for f in renderings(secret)):
        return
    assert without_secret(message, secret) == message


def test_the_password_short_leaves_the_word_shorter_whole() -> None:
    error = next(
        jsonschema_rs.validator_for({"type": "string", "minLength": 8}).iter_errors("short")
    )
    assert without_secret(error.message, "short") == "the value is shorter than 8 characters"


def test_a_long_secret_cut_short_in_the_message_is_redacted() -> None:
    secret = "x" * 100
    message = f"expected integer, got string {short(secret)}"
    assert without_secret(message, secret) == "expected integer, got string the value"


def test_registering_with_the_password_short_says_so_unmangled() -> None:
    body = {"email": "a@example.com", "password": "short", "name": "A", "acceptTerms": True}
    answer = request(create_app(SPEC), "POST", "/api/v1/auth/register", json=body)
    assert answer.status_code == 400
    messages = [e["message"] for e in answer.json()["errors"]]
    assert "the value is shorter than 8 characters" in messages
    assert "short" not in str(answer.json()["errors"]).replace("shorter", "")


def test_write_only_fields_are_found_through_refs_and_cycles() -> None:
    document = {
        "components": {
            "schemas": {
                "Account": {
                    "type": "object",
                    "properties": {
                        "password": {"type": "string", "writeOnly": True},
                        "manager": {"$ref": "#/components/schemas/Account"},
                        "profile": {
                            "allOf": [{"properties": {"pin": {"writeOnly": True}, "name": {}}}]
                        },
                    },
                }
            }
        }
    }
    schema = {"$ref": "#/components/schemas/Account"}

    found = write_only_locations(schema, document, "body")

    assert "body.password" in found
    assert "body.profile.pin" in found
    assert "body.profile.name" not in found
    # The cycle through "manager" ends: the walk is memoized per schema, not endless.
    assert all(location.startswith("body.") for location in found)


def test_a_schema_without_write_only_fields_has_no_secret_locations() -> None:
    assert write_only_locations({"properties": {"a": {"type": "string"}}}, {}, "body") == []
