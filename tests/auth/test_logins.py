"""Logins revoked one by one, on the store side: one read per authenticated request still.

The generation key holds the revoked login ids only while a token of theirs could live, and
the authenticator reads that one key, whatever it holds.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.datastructures import Headers

from mockserver.auth.authenticate import GENERATION, Authenticator
from mockserver.auth.logins import Logins, generation_value, read_generation
from mockserver.auth.tokens import TokenService
from mockserver.render.problems import Problem
from mockserver.store.memory import MemoryStore


class CountingStore(MemoryStore):
    """A real `MemoryStore` that counts the reads made through it."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def get_value(self, key: str) -> Any:
        self.reads += 1
        return await super().get_value(key)

    async def get(self, collection: str, key: str) -> Any:
        self.reads += 1
        return await super().get(collection, key)


def bearer(token: str) -> Headers:
    return Headers({"authorization": f"Bearer {token}"})


def test_generation_value_is_a_number_until_a_login_is_revoked_and_drops_stale_ones() -> None:
    assert generation_value(3, {}, now=100.0) == 3
    assert read_generation(3) == (3, {})
    kept = generation_value(3, {"old": 99.0, "live": 200.0}, now=100.0)
    assert kept == {"generation": 3, "revoked": {"live": 200.0}}
    assert read_generation(kept) == (3, {"live": 200.0})
    assert generation_value(3, {"old": 99.0}, now=100.0) == 3
    assert read_generation(None) == (None, {})


def test_an_authenticated_request_reads_one_key_before_and_after_a_revocation() -> None:
    async def scenario() -> None:
        store = CountingStore()
        tokens = TokenService(store)
        logins = Logins(store, tokens)
        authenticator = Authenticator(store, tokens, enabled=True)
        await store.set_value(GENERATION + "u1", 0)
        phone, _ = await logins.start("u1", 0, user_agent="phone")
        laptop, _ = await logins.start("u1", 0, user_agent="laptop")
        for token in (phone, laptop):
            store.reads = 0
            assert await authenticator.authenticate(bearer(token), anonymous=False) == {"id": "u1"}
            assert store.reads == 1
        [target] = [r["id"] for r in await logins.listed("u1") if r["userAgent"] == "phone"]
        assert await logins.revoke("u1", target)
        store.reads = 0
        refused = await authenticator.authenticate(bearer(phone), anonymous=False)
        assert isinstance(refused, Problem)
        assert refused.status == 401
        assert store.reads == 1
        store.reads = 0
        assert await authenticator.authenticate(bearer(laptop), anonymous=False) == {"id": "u1"}
        assert store.reads == 1

    asyncio.run(scenario())


def test_a_token_without_a_login_id_is_not_refused_by_another_logins_revocation() -> None:
    async def scenario() -> None:
        store = MemoryStore()
        tokens = TokenService(store)
        logins = Logins(store, tokens)
        authenticator = Authenticator(store, tokens, enabled=True)
        await store.set_value(GENERATION + "u1", 0)
        await logins.start("u1", 0, user_agent="phone")
        [login] = await logins.listed("u1")
        assert await logins.revoke("u1", login["id"])
        console = tokens.issue_access("u1", 0)  # the console's token: no sid
        assert await authenticator.authenticate(bearer(console), anonymous=False) == {"id": "u1"}
        assert not await logins.revoke("u1", "no-such-login")
        assert not await logins.revoke("u2", login["id"])  # another user's login id

    asyncio.run(scenario())


def test_a_new_generation_forgets_the_logins_revoked_one_by_one() -> None:
    async def scenario() -> None:
        store = MemoryStore()
        logins = Logins(store, TokenService(store))
        await store.set_value(GENERATION + "u1", 0)
        await logins.start("u1", 0, user_agent="phone")
        [login] = await logins.listed("u1")
        await logins.revoke("u1", login["id"])
        await logins.set_generation("u1", 0)  # the user edited: still refused
        assert read_generation(await store.get_value(GENERATION + "u1"))[1].keys() == {login["id"]}
        await logins.set_generation("u1", 1)
        assert await store.get_value(GENERATION + "u1") == 1

    asyncio.run(scenario())
