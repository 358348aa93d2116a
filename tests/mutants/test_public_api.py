"""The names ``mutants`` exports are deliberate, and every error is a ``MutantsError``."""

from __future__ import annotations

import mutants
from mutants import CatalogueError, MutantsError, ProviderStartError


def test_public_api_exports_exactly_these_names() -> None:
    assert sorted(mutants.__all__) == [
        "CATEGORIES",
        "CatalogueError",
        "DETECTORS",
        "Detector",
        "Edit",
        "Fault",
        "MutantsError",
        "Options",
        "Outcome",
        "ProviderStartError",
        "RunResult",
        "TrialResult",
        "check_fault",
        "load_catalogue",
        "run",
    ]
    assert all(getattr(mutants, name) is not None for name in mutants.__all__)


def test_every_error_is_a_mutants_error() -> None:
    assert issubclass(CatalogueError, MutantsError)
    assert issubclass(ProviderStartError, MutantsError)
