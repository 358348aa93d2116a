"""What a diff finds: the rules (stable id, severity, one line) and the `Finding`s they produce.

`RULES` is the one list of rules: the comparisons name a rule by id and take its severity
from here, the README's table and the tests read it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["RULES", "SEVERITIES", "Finding", "Findings", "Part", "Rule", "Severity", "Subject"]

Severity = Literal["breaking", "possibly-breaking", "safe"]
# Which part of an operation's exchange a finding is about.
Part = Literal["operation", "parameter", "request-body", "response", "response-header", "security"]
# Most severe first: the order reports list findings in.
SEVERITIES: tuple[Severity, ...] = ("breaking", "possibly-breaking", "safe")


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of change: its stable id, how severe it is for existing clients, what it is."""

    id: str
    severity: Severity
    summary: str


_B: Severity = "breaking"
_P: Severity = "possibly-breaking"
_S: Severity = "safe"

RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        # paths and operations
        Rule("path-removed", _B, "a path and all its operations were removed"),
        Rule("path-added", _S, "a path was added"),
        Rule("operation-removed", _B, "an operation (method) of a path was removed"),
        Rule("operation-added", _S, "an operation was added"),
        # lifecycle: deprecations and sunset dates
        Rule("operation-deprecated", _S, "an operation was marked deprecated"),
        Rule("operation-sunset-added", _S, "an operation was given a sunset date"),
        Rule(
            "operation-sunset-brought-forward",
            _P,
            "an operation's sunset date was moved earlier",
        ),
        Rule("request-parameter-deprecated", _S, "a parameter was marked deprecated"),
        Rule("request-property-deprecated", _S, "a request property was marked deprecated"),
        Rule("response-property-deprecated", _S, "a response property was marked deprecated"),
        # parameters
        Rule("request-parameter-added-required", _B, "a required parameter was added"),
        Rule("request-parameter-added", _S, "an optional parameter was added"),
        Rule("request-parameter-removed", _P, "a parameter was removed; clients still send it"),
        Rule("request-parameter-made-required", _B, "an optional parameter became required"),
        Rule("request-parameter-made-optional", _S, "a required parameter became optional"),
        Rule("request-parameter-location-changed", _B, "a parameter moved (e.g. query to header)"),
        # request bodies
        Rule("request-body-made-required", _B, "the request body became (or was added) required"),
        Rule("request-body-added", _S, "an optional request body was added"),
        Rule("request-body-removed", _P, "the request body was removed; clients still send one"),
        Rule("request-media-type-removed", _B, "a request media type is no longer accepted"),
        Rule("request-media-type-added", _S, "a request media type was added"),
        # request schemas (bodies and parameters)
        Rule("request-type-changed", _B, "a request value's type no longer accepts what it did"),
        Rule("request-enum-value-removed", _B, "a request enum lost a value clients may send"),
        Rule("request-enum-value-added", _S, "a request enum gained a value"),
        Rule("request-bound-narrowed", _B, "a max lowered or a min raised (length, value, items)"),
        Rule("request-pattern-changed", _P, "a request string's pattern was changed or added"),
        Rule(
            "request-default-changed",
            _P,
            "a request value's default changed, was added or removed (clients omitting it)",
        ),
        Rule("request-property-added-required", _B, "a required request property was added"),
        Rule("request-property-added", _S, "an optional request property was added"),
        Rule("request-property-made-required", _B, "an optional request property became required"),
        Rule("request-property-removed", _B, "a property was removed from a closed request schema"),
        Rule(
            "request-property-removed-open",
            _P,
            "a property was removed from an open request schema (accepted, likely ignored)",
        ),
        Rule("request-branch-removed", _B, "a oneOf/anyOf branch of a request was removed"),
        Rule("request-branch-added", _S, "a oneOf/anyOf branch of a request was added"),
        Rule(
            "request-composition-added",
            _P,
            "a request schema without oneOf/anyOf gained one (it must match an alternative)",
        ),
        Rule(
            "request-discriminator-changed",
            _B,
            "a request discriminator's propertyName changed or a mapping entry went or moved",
        ),
        # responses
        Rule("response-success-status-removed", _B, "a 2xx status was removed"),
        Rule("response-success-status-added", _P, "a 2xx status was added"),
        Rule("response-error-status-added", _P, "a 4xx/5xx status was added"),
        Rule("response-error-status-removed", _S, "a 4xx/5xx status was removed"),
        Rule("response-media-type-removed", _B, "a 2xx response media type was removed"),
        Rule("response-media-type-added", _S, "a 2xx response media type was added"),
        Rule("response-header-removed", _B, "a declared 2xx response header was removed"),
        Rule("response-header-added", _S, "a 2xx response header was added"),
        Rule("response-property-removed", _B, "a response property was removed"),
        Rule("response-property-added", _S, "a response property was added"),
        Rule("response-property-made-optional", _B, "a required response property became optional"),
        Rule("response-made-nullable", _B, "a response value may now be null"),
        Rule("response-type-changed", _B, "a response value may now have another type"),
        Rule("response-enum-value-added", _P, "a response enum gained a value"),
        Rule("response-enum-value-removed", _S, "a response enum lost a value"),
        Rule(
            "response-bound-widened",
            _P,
            "a response max raised or min lowered or dropped (clients may have sized to it)",
        ),
        Rule(
            "response-pattern-changed",
            _P,
            "a response string's pattern was changed or removed (values may not match the old)",
        ),
        Rule("response-branch-added", _P, "a oneOf/anyOf branch of a response was added"),
        Rule("response-branch-removed", _S, "a oneOf/anyOf branch of a response was removed"),
        Rule(
            "response-composition-added",
            _P,
            "a response schema without oneOf/anyOf became alternatives clients must tell apart",
        ),
        Rule(
            "response-discriminator-changed",
            _B,
            "a response discriminator's propertyName changed or a mapping entry went or moved",
        ),
        # webhooks and callbacks: the API sends the request, the client's server answers
        Rule("webhook-removed", _B, "a webhook was removed: receivers no longer get its events"),
        Rule("webhook-added", _S, "a webhook was added"),
        Rule(
            "callback-removed",
            _B,
            "an operation's callback was removed: clients waiting for it get nothing",
        ),
        Rule("callback-added", _S, "an operation's callback was added"),
        Rule(
            "callback-parameter-removed",
            _B,
            "a webhook or callback no longer sends a parameter: receivers may read it",
        ),
        Rule(
            "callback-parameter-made-optional",
            _B,
            "a webhook or callback may leave out a parameter it always sent: receivers rely on it",
        ),
        Rule(
            "callback-parameter-added",
            _S,
            "a webhook or callback sends a new parameter (receivers may ignore it)",
        ),
        Rule(
            "callback-body-removed",
            _B,
            "a webhook or callback no longer sends its request body: receivers parse one",
        ),
        Rule(
            "callback-media-type-added",
            _P,
            "a webhook or callback may send its body as a new media type receivers may not parse",
        ),
        Rule(
            "callback-media-type-removed",
            _S,
            "a webhook or callback no longer sends a media type (receivers handling it lose none)",
        ),
        Rule(
            "callback-status-removed",
            _B,
            "a 2xx answer a webhook or callback took was removed: receivers' answers may fail it",
        ),
        Rule(
            "callback-status-added",
            _S,
            "a webhook or callback takes a new 2xx answer from receivers",
        ),
        # security
        Rule("security-requirement-added", _B, "an operation open to anyone now needs credentials"),
        Rule("security-requirement-removed", _S, "an operation no longer needs credentials"),
        Rule("security-scopes-added", _B, "a security alternative now needs more scopes"),
        Rule(
            "security-alternative-removed",
            _B,
            "a security alternative (scheme or scheme combination) was removed",
        ),
        Rule("security-alternative-added", _S, "a security alternative was added"),
    )
}


@dataclass(frozen=True, slots=True, order=True)
class Subject:
    """What a finding is about, in the terms a recorded interaction uses (`mockserver.diff.impact`).

    ``place`` is a parameter's location (``query``, ``header``, ``path``, ``cookie``) or a
    response's status; ``name`` a parameter's or a response header's name; ``field`` the trail
    of property names in a body (``"[]"`` for an array's items), empty for the body itself.
    """

    part: Part = "operation"
    place: str = ""
    name: str = ""
    field: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One change between the documents: the rule, where it is in each (JSON pointers, None on
    the side it is absent from), the operation it concerns and one sentence saying it."""

    operation: str
    rule: str
    old: str | None
    new: str | None
    message: str
    subject: Subject = Subject()

    @property
    def severity(self) -> Severity:
        return RULES[self.rule].severity


@dataclass(slots=True)
class Findings:
    """Collects what the comparisons find, labelled with the operation being compared."""

    items: list[Finding] = field(default_factory=list)
    operation: str = ""
    # (direction, old pointer, new pointer) of schema pairs compared and found unchanged, all
    # the way down: an operation using a shared component again skips it.
    clean: set[tuple[str, str, str]] = field(default_factory=set)

    def add(
        self,
        rule: str,
        old: str | None,
        new: str | None,
        message: str,
        subject: Subject = Subject(),
    ) -> None:
        assert rule in RULES, rule  # every id is declared once, in RULES
        self.items.append(Finding(self.operation, rule, old, new, message, subject))

    def result(self) -> list[Finding]:
        """Each finding once, the most severe first, then by operation and rule."""
        rank = {severity: index for index, severity in enumerate(SEVERITIES)}
        unique = dict.fromkeys(self.items)
        return sorted(unique, key=lambda f: (rank[f.severity], f))
