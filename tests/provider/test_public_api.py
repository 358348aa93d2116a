"""The provider's exported names are deliberate: this fails when they change by accident."""

from __future__ import annotations

import provider


def test_public_api_exports_exactly_these_names() -> None:
    assert sorted(provider.__all__) == [
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


def test_public_api_names_all_resolve() -> None:
    for name in provider.__all__:
        assert getattr(provider, name) is not None


def test_every_error_is_a_provider_error() -> None:
    for error in (provider.ConfigError, provider.SpecError, provider.DatabaseUnavailable):
        assert issubclass(error, provider.ProviderError)
