"""The exported names are deliberate: this fails when they change by accident."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

import mockserver
from mockserver.errors import MockServerError

PACKAGE = Path(mockserver.__file__).parent
SUBPACKAGES = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))


def test_public_api_exports_exactly_these_names() -> None:
    assert sorted(mockserver.__all__) == [
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


def test_public_api_names_all_resolve() -> None:
    for name in mockserver.__all__:
        assert getattr(mockserver, name) is not None


def test_public_api_exports_every_type_create_app_takes() -> None:
    hints = inspect.get_annotations(mockserver.create_app)
    named = {word.strip("[]|, ") for hint in hints.values() for word in str(hint).split()}
    for name in ("Spec", "Store", "DeliveryPolicy"):
        assert name in named, f"create_app no longer takes {name}: update this test"
        assert name in mockserver.__all__


@pytest.mark.parametrize("subpackage", SUBPACKAGES)
def test_subpackage_lists_its_modules_and_says_what_it_does(subpackage: str) -> None:
    package = importlib.import_module(f"mockserver.{subpackage}")
    modules = sorted(p.stem for p in (PACKAGE / subpackage).glob("*.py") if p.stem != "__init__")
    assert sorted(package.__all__) == modules
    assert package.__doc__
    assert len(package.__doc__.split()) > 20


def _exception_classes() -> list[type[BaseException]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name.endswith("__main__"):
            continue
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


def test_every_exception_of_the_package_is_a_mockserver_error() -> None:
    classes = _exception_classes()
    assert len(classes) >= 10  # the tree of errors.py at least
    outside = [
        f"{c.__module__}.{c.__qualname__}" for c in classes if not issubclass(c, MockServerError)
    ]
    assert outside == []
