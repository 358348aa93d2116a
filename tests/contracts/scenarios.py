"""The consumer's expectations: one `Scenario` per interaction of the platform pact.

Each scenario declares its provider states (with params), the request the client sends, the
response it relies on (with matchers: shape and rules, not data) and ``exercise``, the client
code that must send that request and understand that answer (`tests.contracts.shapes`). They
are listed by API in `tests.contracts.auth_scenarios`, `tests.contracts.resource_scenarios` and
`tests.contracts.access_scenarios` (another user's records).
"""

from __future__ import annotations

from tests.contracts.access_scenarios import CROSS_USER
from tests.contracts.auth_scenarios import AUTH
from tests.contracts.resource_scenarios import RESOURCES
from tests.contracts.shapes import CONSUMER, EXAMPLE_TOKEN, PROVIDER, Scenario

__all__ = ["CONSUMER", "EXAMPLE_TOKEN", "PROVIDER", "SCENARIOS", "Scenario"]

SCENARIOS: list[Scenario] = [*AUTH, *RESOURCES, *CROSS_USER]
