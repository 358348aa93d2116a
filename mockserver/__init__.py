"""An OpenAPI mock server and contract-testing toolkit.

``create_app`` builds a Starlette application from an OpenAPI 3.0 or 3.1 document; the other
names are what it takes (a loaded `Spec`, a `Store` and `Journal` for state, the webhook
`DeliveryPolicy` and `HostPolicy`) and the errors it raises, all under `MockServerError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockserver.errors import (
    ConfigError,
    GenerationError,
    InvalidTokenError,
    MockServerError,
    PointerError,
    PreferenceError,
    ProviderStateError,
    SpecError,
    SpecReferenceError,
    StateUnavailableError,
)
from mockserver.events.egress import HostPolicy
from mockserver.events.webhooks import DeliveryPolicy
from mockserver.server.app import create_app
from mockserver.spec.loader import Spec, load_spec
from mockserver.store.journal import Journal, MemoryJournal
from mockserver.store.memory import MemoryStore, Store

if TYPE_CHECKING:
    from mockserver.store.redis_store import RedisJournal, RedisStore

__all__ = [
    "ConfigError",
    "DeliveryPolicy",
    "GenerationError",
    "HostPolicy",
    "InvalidTokenError",
    "Journal",
    "MemoryJournal",
    "MemoryStore",
    "MockServerError",
    "PointerError",
    "PreferenceError",
    "ProviderStateError",
    "RedisJournal",
    "RedisStore",
    "Spec",
    "SpecError",
    "SpecReferenceError",
    "StateUnavailableError",
    "Store",
    "create_app",
    "load_spec",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # RedisStore and RedisJournal on first use: importing redis costs 0.3 s and 19 MB that a
    # mock without --state-url never needs.
    if name in ("RedisJournal", "RedisStore"):
        from mockserver.store import redis_store

        return getattr(redis_store, name)
    raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
