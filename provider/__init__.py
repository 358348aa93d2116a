"""The reference provider: a real implementation of ``openapi/openapi.yaml`` on a database.

``create_app`` builds the Starlette application; ``python -m provider`` serves it. It shares no
code with ``mockserver``: only the OpenAPI document, whose request rules it enforces.
"""

from __future__ import annotations

from provider.app import VERSION, create_app
from provider.config import CHEAP_PASSWORD_COST, PasswordCost, WebhookPolicy
from provider.errors import ConfigError, DatabaseUnavailable, ProviderError, SpecError
from provider.states import StateContext, StateRegistry, builtin_states

__all__ = [
    "CHEAP_PASSWORD_COST",
    "ConfigError",
    "DatabaseUnavailable",
    "PasswordCost",
    "ProviderError",
    "SpecError",
    "StateContext",
    "StateRegistry",
    "WebhookPolicy",
    "builtin_states",
    "create_app",
]

__version__ = VERSION
