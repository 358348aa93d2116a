"""Fixtures of the console's in-process tests: a seeded mock and its user Ada."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.inprocess import InProcess, User

MakeMock = Callable[..., InProcess]


@pytest.fixture
def mock(make_mock: MakeMock) -> InProcess:
    """The bundled spec, seeded (modules with a ``mock`` of their own keep theirs)."""
    return make_mock(seed=1)


@pytest.fixture
def ada(mock: InProcess) -> User:
    """A registered user of ``mock``."""
    return mock.user("ada@example.com", name="Ada")
