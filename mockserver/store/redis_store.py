"""State on Redis: the `Store` and the journal shared by every worker and instance.

``--state-url redis://host:port/db`` keeps records, tokens, counters, idempotency keys, the
journal and session events (pub/sub) in one Redis, so ``--workers 4`` or several instances
behind a load balancer answer as one mock. Every key starts with a prefix (``?prefix=`` in
the URL or ``--state-prefix``), so several mocks and test runs can share one server:

| key | type | holds |
| --- | --- | --- |
| ``<prefix>c:<collection>`` | hash | records by id, JSON |
| ``<prefix>v:<key>`` | string | expiring values and counters, JSON |
| ``<prefix>lock:<key>`` | string | the holder of `RedisStore.lock` (expires after a lease) |
| ``<prefix>journal``, ``<prefix>journal:id`` | list, string | journal entries; their last id |
| ``<prefix>meta:jwt-secret`` | string | the key every worker signs access tokens with |
| ``<prefix>ch:<channel>`` | pub/sub channel | `RedisStore.publish` messages |

`RedisStore.reset` drops the ``c:`` and ``v:`` keys only: locks in flight, the journal (reset
on its own) and the shared secret (tokens of other workers stay valid) are kept.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
import redis
import redis.asyncio as aredis

from mockserver.errors import ConfigError, StateUnavailableError
from mockserver.store.journal import Detail, JournalEntry, matches, resolved
from mockserver.store.memory import KeyLocks, Message, Record, Subscription

try:
    from redis.maint_notifications import MaintNotificationsConfig
except ImportError:  # redis-py < 7: no maintenance notifications, nothing to turn off
    _CLIENT_OPTIONS: dict[str, Any] = {}
else:
    # Their default ("auto") makes the pool skip its check of an idle connection before
    # handing it out, so after a Redis restart the first command on each connection opened
    # before it failed with "Connection closed by server" (a 503 with Redis already back).
    # They are a Redis Enterprise feature the mock has no use for.
    _CLIENT_OPTIONS = {"maint_notifications_config": MaintNotificationsConfig(enabled=False)}

__all__ = [
    "DEFAULT_PREFIX",
    "RedisJournal",
    "RedisStore",
    "open_state",
    "parse_state_url",
    "shared_secret",
]

DEFAULT_PREFIX = "mockserver:"
SCHEMES = ("redis", "rediss", "unix")
# A lock outlives a crashed holder by at most this long; no request holds one nearly as long.
LOCK_LEASE = 30.0
LOCK_WAIT = 30.0
# How often a waiting worker retries a held lock; waiters in one process queue locally first.
LOCK_POLL = 0.002

# A new counter gets its expiry in the same step it is created: no window without a TTL.
_INCR = """
local n = redis.call('INCR', KEYS[1])
if n == 1 and tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
"""
# The id and the entry are written in one step, so ids are unique and in list order.
_APPEND = """
local id = redis.call('INCR', KEYS[1])
redis.call('RPUSH', KEYS[2], id .. ' ' .. ARGV[2])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[1]), -1)
return id
"""


def parse_state_url(url: str, *, prefix: str | None = None) -> tuple[str, str]:
    """``(connection URL, key prefix)`` of ``--state-url``; the prefix may be a ``?prefix=``.

    Raises:
        ConfigError: not a Redis URL, or an empty prefix.
    """
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ConfigError(
            "--state-url: expected redis://host:port/db (or rediss://, unix://), "
            f"got {_redacted(url)!r}"
        )
    query = parse_qsl(parts.query, keep_blank_values=True)
    in_url = [value for name, value in query if name == "prefix"]
    rest = [(name, value) for name, value in query if name != "prefix"]
    chosen = prefix if prefix is not None else (in_url[-1] if in_url else DEFAULT_PREFIX)
    if not chosen:
        raise ConfigError("--state-prefix: expected a non-empty key prefix such as 'mock:'")
    address = url if not in_url else url.split("?", 1)[0] + ("?" + urlencode(rest) if rest else "")
    return address, chosen


def open_state(
    url: str, *, prefix: str | None = None, jwt_secret: str | None = None
) -> tuple[RedisStore, RedisJournal, str]:
    """The store, the journal and the access-token key of the mock whose state is at ``url``.

    Without ``jwt_secret`` every worker signs with the key the first one stored (SET NX), so
    a token issued by one worker is accepted by all.

    Raises:
        ConfigError: ``url`` is not a Redis URL, or Redis cannot be reached there.
    """
    address, chosen = parse_state_url(url, prefix=prefix)
    secret = shared_secret(address, chosen, jwt_secret)
    store = RedisStore(address, prefix=chosen)
    return store, store.journal(), secret


def shared_secret(url: str, prefix: str, configured: str | None = None) -> str:
    """``configured``, or else the key every worker on ``url`` shares (the first one's).

    Either way Redis must answer: a mock that cannot reach its state fails at start-up.
    """
    try:
        client = redis.Redis.from_url(url)
    except ValueError as exc:
        raise ConfigError(f"--state-url: {exc} in {_redacted(url)}") from exc
    try:
        client.ping()
        if configured is not None:
            return configured
        key = prefix + "meta:jwt-secret"
        client.set(key, secrets.token_urlsafe(32), nx=True)
        stored = client.get(key)
    except redis.RedisError as exc:
        raise ConfigError(
            f"--state-url: cannot reach Redis at {_redacted(url)}: {exc}; start redis-server "
            "there or point --state-url at a running one"
        ) from exc
    finally:
        client.close()
    assert isinstance(stored, bytes)  # set just now, never expires
    return stored.decode()


def _redacted(url: str) -> str:
    """``url`` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _glob(text: str) -> str:
    """``text`` matched literally in a SCAN pattern."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


class _Client(aredis.Redis):
    """`redis.asyncio.Redis` whose lost connections surface as `StateUnavailableError`.

    Every command (scripts, locks and SCAN included) goes through `execute_command`, so this
    one place turns an outage into the error the engine answers 503; the pool reconnects by
    itself on a later command once Redis is back.
    """

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        try:
            # redis-py leaves execute_command unannotated.
            return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise _unavailable(exc) from exc


def _unavailable(exc: redis.RedisError) -> StateUnavailableError:
    return StateUnavailableError(f"the state in Redis cannot be reached: {exc}")


class RedisStore:
    """The `Store` on one Redis (see the module docstring for the keys)."""

    def __init__(self, url: str, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.url = url
        self.prefix = prefix
        self.client: aredis.Redis = _Client.from_url(url, **_CLIENT_OPTIONS)
        self._incr = self.client.register_script(_INCR)
        self.local_locks = KeyLocks()

    def _collection(self, name: str) -> str:
        return f"{self.prefix}c:{name}"

    def _value(self, key: str) -> str:
        return f"{self.prefix}v:{key}"

    async def get(self, collection: str, key: str) -> Record | None:
        raw = await self.client.hget(self._collection(collection), key)
        return orjson.loads(raw) if raw is not None else None

    async def put(self, collection: str, key: str, record: Record) -> None:
        await self.client.hset(self._collection(collection), key, orjson.dumps(record))

    async def delete(self, collection: str, key: str) -> bool:
        removed = await self.client.hdel(self._collection(collection), key)
        return bool(removed)

    async def values(self, collection: str) -> list[Record]:
        raw = await self.client.hvals(self._collection(collection))
        return [orjson.loads(r) for r in raw]

    async def incr(self, key: str, *, ttl: float | None) -> int:
        """Count up ``key`` atomically; a new key expires after ``ttl`` seconds (None: never)."""
        count = await self._incr(keys=[self._value(key)], args=[_ms(ttl) if ttl else 0])
        return int(count)

    async def ttl(self, key: str) -> float:
        left = await self.client.pttl(self._value(key))
        return max(0, left) / 1000

    async def get_value(self, key: str) -> Any:
        raw = await self.client.get(self._value(key))
        return orjson.loads(raw) if raw is not None else None

    async def set_value(self, key: str, value: Any, *, ttl: float | None = None) -> None:
        await self.client.set(
            self._value(key), orjson.dumps(value), px=_ms(ttl) if ttl is not None else None
        )

    async def delete_value(self, key: str) -> None:
        await self.client.delete(self._value(key))

    async def _keys(self, kind: str) -> list[bytes | str]:
        pattern = _glob(self.prefix + kind) + "*"
        return [key async for key in self.client.scan_iter(match=pattern, count=500)]

    async def export(self) -> dict[str, Any]:
        skip = len(self._collection(""))
        collections: dict[str, dict[str, Record]] = {}
        for key in await self._keys("c:"):
            records = await self.client.hgetall(key)
            collections[_text(key)[skip:]] = {_text(k): orjson.loads(v) for k, v in records.items()}
        return {"collections": collections}

    async def load(self, data: dict[str, Any]) -> None:
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                for name, records in (data.get("collections") or {}).items():
                    if records:
                        mapping = {key: orjson.dumps(r) for key, r in records.items()}
                        pipe.hset(self._collection(name), mapping=mapping)
                await pipe.execute()
        except (redis.ConnectionError, redis.TimeoutError) as exc:  # pipelines bypass _Client
            raise _unavailable(exc) from exc

    async def reset(self) -> None:
        keys = await self._keys("c:") + await self._keys("v:")
        for start in range(0, len(keys), 500):
            await self.client.unlink(*keys[start : start + 500])

    @asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        """Exclude every holder of ``key`` in every process sharing this Redis.

        Waiters of one process queue on a local lock, so only one of them polls Redis. The
        Redis lock is leased (`LOCK_LEASE`) so that a crashed worker cannot hold it forever.

        Raises:
            redis.exceptions.LockError: not acquired within `LOCK_WAIT` seconds.
        """
        async with (
            self.local_locks.hold(key),
            self.client.lock(
                f"{self.prefix}lock:{key}",
                timeout=LOCK_LEASE,
                sleep=LOCK_POLL,
                blocking_timeout=LOCK_WAIT,
                thread_local=False,
            ),
        ):
            yield

    async def publish(self, channel: str, message: Message) -> None:
        """Send ``message`` to every subscriber of ``channel`` in any process (none: dropped)."""
        await self.client.publish(f"{self.prefix}ch:{channel}", orjson.dumps(message))

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        """Receive what any process publishes on ``channel`` until the block exits.

        Raises:
            StateUnavailableError: Redis cannot be reached, now or while receiving (pub/sub
                holds its own connection, outside `_Client`).
        """
        pubsub = self.client.pubsub()
        try:
            try:
                await pubsub.subscribe(f"{self.prefix}ch:{channel}")
                # Wait for Redis to confirm: whatever is published from now on reaches us.
                while True:
                    confirmed = await pubsub.get_message(timeout=None)
                    if confirmed is not None and confirmed["type"] == "subscribe":
                        break
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                raise _unavailable(exc) from exc
            yield _PubSubSubscription(pubsub)
        finally:
            # Untyped in redis-py 8.1, typed from 8.2: the ignore must hold for both.
            await pubsub.aclose()  # type: ignore[no-untyped-call, unused-ignore]

    async def aclose(self) -> None:
        """Close the connections to Redis."""
        await self.client.aclose()

    def journal(self, *, capacity: int = 1000) -> RedisJournal:
        """The journal kept next to this store's keys, on the same connections."""
        return RedisJournal(self.client, prefix=self.prefix, capacity=capacity)


class _PubSubSubscription:
    def __init__(self, pubsub: aredis.client.PubSub) -> None:
        self._pubsub = pubsub

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[Message]:
        try:
            async for raw in self._pubsub.listen():
                if raw["type"] == "message":
                    yield orjson.loads(raw["data"])
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise _unavailable(exc) from exc


class RedisJournal:
    """The journal in a Redis list: the last ``capacity`` entries of every worker, newest last."""

    def __init__(self, client: aredis.Redis, *, prefix: str, capacity: int = 1000) -> None:
        self._client = client
        self._key = prefix + "journal"
        self._ids = prefix + "journal:id"
        self._capacity = capacity
        self._append = client.register_script(_APPEND)

    async def record(
        self,
        *,
        method: str,
        path: str,
        query: str,
        status: int,
        started: float,
        operation_id: str | None = None,
        violations: Sequence[Mapping[str, str]] = (),
        fault: str | None = None,
        kind: str = "request",
        detail: Detail | None = None,
    ) -> JournalEntry:
        """Add an entry for a request that started at ``started`` (``time.perf_counter``)."""
        fields = {
            "time": time.time(),
            "method": method,
            "path": path,
            "query": query,
            "status": status,
            "latency_ms": (time.perf_counter() - started) * 1000,
            "operation_id": operation_id,
            "violations": [dict(v) for v in violations],
            "fault": fault,
            "kind": kind,
            "detail": resolved(detail),  # shared: serialized now, read by any worker
        }
        entry_id = await self._append(
            keys=[self._ids, self._key], args=[self._capacity, orjson.dumps(fields)]
        )
        return _entry(int(entry_id), fields)

    async def query(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        operation_id: str | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        """Entries matching every filter given; ``path`` may use ``*`` wildcards."""
        found = []
        for item in await self._client.lrange(self._key, 0, -1):
            entry_id, _, fields = _text(item).partition(" ")
            entry = _entry(int(entry_id), orjson.loads(fields))
            if matches(entry, method, path, status, operation_id, since):
                found.append(entry)
        return found[-limit:] if limit else found

    async def clear(self) -> None:
        """Forget every entry (ids keep counting up, so ``since`` stays meaningful)."""
        await self._client.delete(self._key)

    async def count(self) -> int:
        """How many entries are kept."""
        return int(await self._client.llen(self._key))


def _entry(entry_id: int, fields: Mapping[str, Any]) -> JournalEntry:
    return JournalEntry(
        id=entry_id,
        time=fields["time"],
        method=fields["method"],
        path=fields["path"],
        query=fields["query"],
        status=fields["status"],
        latency_ms=fields["latency_ms"],
        operation_id=fields["operation_id"],
        violations=tuple(fields["violations"]),
        fault=fields["fault"],
        kind=fields.get("kind", "request"),
        detail=fields.get("detail"),
    )
