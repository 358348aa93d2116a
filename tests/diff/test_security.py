"""`mockserver.diff.security`: credentials required or dropped, alternatives removed or added,
scopes added to an alternative."""

from __future__ import annotations

from tests.diff.builders import Edit, put
from tests.diff.cases import USERS, Case, check, each_case

_OAUTH = "/components/securitySchemes/oauth"
_SCHEME = {
    "type": "oauth2",
    "flows": {"clientCredentials": {"tokenUrl": "https://t.example/token", "scopes": {}}},
}
_SECURITY = f"{USERS}/get/security"


def _requirement(*alternatives: dict[str, list[str]]) -> list[Edit]:
    return [put(_OAUTH, _SCHEME), put(_SECURITY, list(alternatives))]


CASES: list[Case] = [
    (
        "security added",
        [],
        [put(_SECURITY, [{"bearer": []}])],
        ["security-requirement-added"],
    ),
    (
        "security removed",
        [put(_SECURITY, [{"bearer": []}])],
        [],
        ["security-requirement-removed"],
    ),
    (
        "scopes unchanged, reordered",
        _requirement({"oauth": ["read", "write"]}),
        _requirement({"oauth": ["write", "read"]}),
        [],
    ),
    (
        "scope added",
        _requirement({"oauth": ["read"]}),
        _requirement({"oauth": ["read", "admin"]}),
        ["security-scopes-added"],
    ),
    (
        "scope removed",
        _requirement({"oauth": ["read", "admin"]}),
        _requirement({"oauth": ["read"]}),
        [],
    ),
    (
        "alternative removed",
        _requirement({"oauth": ["read"]}, {"bearer": []}),
        _requirement({"oauth": ["read"]}),
        ["security-alternative-removed"],
    ),
    (
        "alternative added",
        _requirement({"oauth": ["read"]}),
        _requirement({"oauth": ["read"]}, {"bearer": []}),
        ["security-alternative-added"],
    ),
    (
        "alternatives of an operation open to anyone do not matter",
        _requirement({}, {"oauth": ["read"]}),
        _requirement({}, {"bearer": []}),
        [],
    ),
]


@each_case(CASES)
def test_diff_finds_exactly_the_rule_of_each_change(
    old_edits: list[Edit], new_edits: list[Edit], expected: list[str]
) -> None:
    check(old_edits, new_edits, expected)
