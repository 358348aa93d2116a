"""`mockserver.diff.callbacks`: webhooks and callbacks compared with the roles reversed, from
pairs of edits of the base document (each side given the same webhook or callback first).

The API sends these requests and the client's server answers them: what the API sends is
judged as a response (receivers parse it), what receivers answer as a request."""

from __future__ import annotations

from typing import Any

from mockserver.diff.model import RULES
from tests.diff.builders import Edit, diff, drop, edited, put
from tests.diff.cases import USERS, Case, check, each_case

HOOK: dict[str, Any] = {
    "post": {
        "parameters": [
            {"name": "X-Signature", "in": "header", "required": True, "schema": {"type": "string"}}
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["id"],
                        "properties": {
                            "id": {"type": "string"},
                            "kind": {"type": "string", "enum": ["created", "deleted"]},
                        },
                    }
                }
            },
        },
        "responses": {
            "200": {
                "description": "taken",
                "content": {
                    "application/json": {
                        "schema": {"type": "object", "properties": {"ack": {"type": "string"}}}
                    }
                },
            },
            "410": {"description": "unsubscribe"},
        },
    }
}
WEBHOOKS = "/webhooks"
W = f"{WEBHOOKS}/userEvent/post"
CALLBACKS = f"{USERS}/post/callbacks"
C = f"{CALLBACKS}/onEvent/{{$request.body#~1callbackUrl}}/post"
PAYLOAD = f"{W}/requestBody/content/application~1json/schema"
ANSWER = f"{W}/responses/200/content/application~1json/schema"

WITH_HOOK = put(WEBHOOKS, {"userEvent": HOOK})
WITH_CALLBACK = put(CALLBACKS, {"onEvent": {"{$request.body#/callbackUrl}": HOOK}})


def _hooked(*edits: Edit) -> list[Edit]:
    return [WITH_HOOK, *edits]


CASES: list[Case] = [
    # webhooks and callbacks as a whole
    ("webhook removed", [WITH_HOOK], [], ["webhook-removed"]),
    ("webhook added", [], [WITH_HOOK], ["webhook-added"]),
    (
        "webhook method removed",
        _hooked(put(f"{WEBHOOKS}/userEvent/put", HOOK["post"])),
        _hooked(),
        ["webhook-removed"],
    ),
    ("callback removed", [WITH_CALLBACK], [], ["callback-removed"]),
    ("callback added", [], [WITH_CALLBACK], ["callback-added"]),
    # what the API sends: judged as a response
    (
        "webhook parameter removed",
        _hooked(),
        _hooked(drop(f"{W}/parameters/0")),
        ["callback-parameter-removed"],
    ),
    (
        "webhook parameter made optional",
        _hooked(),
        _hooked(put(f"{W}/parameters/0/required", False)),
        ["callback-parameter-made-optional"],
    ),
    (
        "webhook parameter added (required: receivers get more, safe)",
        _hooked(),
        _hooked(
            put(f"{W}/parameters/-", {"name": "X-Id", "in": "header", "required": True}),
        ),
        ["callback-parameter-added"],
    ),
    (
        "webhook parameter type widened",
        _hooked(),
        _hooked(put(f"{W}/parameters/0/schema/type", ["string", "integer"])),
        ["response-type-changed"],
    ),
    (
        "webhook body removed",
        _hooked(),
        _hooked(drop(f"{W}/requestBody")),
        ["callback-body-removed"],
    ),
    (
        "webhook body media type added",
        _hooked(),
        _hooked(put(f"{W}/requestBody/content/application~1xml", {})),
        ["callback-media-type-added"],
    ),
    (
        "webhook body media type removed",
        _hooked(put(f"{W}/requestBody/content/application~1xml", {})),
        _hooked(),
        ["callback-media-type-removed"],
    ),
    (
        "webhook payload property removed breaks receivers",
        _hooked(),
        _hooked(drop(f"{PAYLOAD}/properties/kind")),
        ["response-property-removed"],
    ),
    (
        "webhook payload enum value added breaks receivers",
        _hooked(),
        _hooked(put(f"{PAYLOAD}/properties/kind/enum/-", "renamed")),
        ["response-enum-value-added"],
    ),
    (
        "webhook payload property added required is safe for receivers",
        _hooked(),
        _hooked(
            put(f"{PAYLOAD}/properties/at", {"type": "string"}),
            put(f"{PAYLOAD}/required/-", "at"),
        ),
        ["response-property-added"],
    ),
    (
        "webhook payload narrowed is safe for receivers",
        _hooked(),
        _hooked(put(f"{PAYLOAD}/properties/kind/enum", ["created"])),
        ["response-enum-value-removed"],
    ),
    # what receivers answer: judged as a request
    (
        "webhook answer status removed",
        _hooked(put(f"{W}/responses/202", {"description": "queued"})),
        _hooked(),
        ["callback-status-removed"],
    ),
    (
        "webhook answer status added",
        _hooked(),
        _hooked(put(f"{W}/responses/202", {"description": "queued"})),
        ["callback-status-added"],
    ),
    (
        "webhook answer error status changed is no change for receivers",
        _hooked(),
        _hooked(drop(f"{W}/responses/410")),
        [],
    ),
    (
        "webhook answer property made required refuses receivers' answers",
        _hooked(),
        _hooked(put(f"{ANSWER}/required", ["ack"])),
        ["request-property-made-required"],
    ),
    (
        "webhook answer widened is safe for receivers",
        _hooked(),
        _hooked(put(f"{ANSWER}/properties/note", {"type": "string"})),
        ["request-property-added"],
    ),
    # callbacks are compared like webhooks
    (
        "callback payload property removed",
        [WITH_CALLBACK],
        [
            WITH_CALLBACK,
            drop(f"{C}/requestBody/content/application~1json/schema/properties/kind"),
        ],
        ["response-property-removed"],
    ),
    ("webhook unchanged", _hooked(), _hooked(), []),
    ("callback unchanged", [WITH_CALLBACK], [WITH_CALLBACK], []),
]


@each_case(CASES)
def test_diff_finds_exactly_the_rule_of_each_change(
    old_edits: list[Edit], new_edits: list[Edit], expected: list[str]
) -> None:
    check(old_edits, new_edits, expected)


def test_webhook_findings_name_the_webhook_and_say_why() -> None:
    [removed] = diff(edited(_hooked()), edited(_hooked(drop(f"{W}/parameters/0"))))
    assert removed.operation == "webhook userEvent (POST)"
    assert removed.message == (
        "the webhook userEvent no longer sends the header parameter 'x-signature'; "
        "receivers may read it"
    )
    assert removed.severity == "breaking"
    [payload] = diff(edited(_hooked()), edited(_hooked(drop(f"{PAYLOAD}/properties/kind"))))
    assert payload.message == (
        "the webhook userEvent's request body (application/json): property 'kind' was "
        "removed; clients may read it"
    )


def test_callback_findings_name_the_operation_and_the_callback() -> None:
    [finding] = diff(edited([WITH_CALLBACK]), edited([]))
    assert finding.operation == ("POST /users callback onEvent {$request.body#/callbackUrl} (POST)")
    assert finding.old == C
    assert finding.new == f"{USERS}/post"


def test_the_reasoning_of_each_callback_rule_names_receivers_or_waiting_clients() -> None:
    for rule in RULES.values():
        if rule.id.startswith("callback-") and rule.severity != "safe":
            assert "receivers" in rule.summary or "clients" in rule.summary, rule.id
