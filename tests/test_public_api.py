"""The exported names are deliberate: this fails when they change by accident."""

from __future__ import annotations

import mockserver


def test_public_api_exports_exactly_these_names() -> None:
    assert sorted(mockserver.__all__) == [
        "ConfigError",
        "GenerationError",
        "MockServerError",
        "SpecError",
        "SpecReferenceError",
        "create_app",
    ]


def test_public_api_names_all_resolve() -> None:
    for name in mockserver.__all__:
        assert getattr(mockserver, name) is not None
