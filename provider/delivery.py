"""Webhook delivery: a background worker that POSTs the outbox's events, signed and retried.

The ``Dispatcher`` is one asyncio task started with the app (lifespan) and stopped with it.
It never runs inside a request: a handler that queued events (`provider.outbox.emit`) only
calls ``wake()`` once its transaction committed, so a slow or dead receiver cannot delay or
fail the API answer. The loop claims due deliveries, sends each in its own task (at most
``CONCURRENCY`` at once), records the answer, and sleeps until the next one is due, it is woken,
or ``poll`` seconds pass (deliveries queued by another process).

Signing (the spec's ``WebhookSignature`` parameter, as Stripe does it): each try carries
``Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>``, the HMAC keyed with the
endpoint's ``secret`` (the whole ``whsec_...`` string, as UTF-8) over ``"<t>." + raw body``.
A try succeeds on any 2xx; anything else, a network error or no answer within ``timeout``
seconds is retried after ``backoff``, 2x, 4x... seconds, up to ``attempts`` tries
(`provider.config.WebhookPolicy`). Redirects are not followed.

At shutdown tries under way get ``grace`` seconds; the rest stay pending in the database and
the next process takes them up once their lease ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
from collections.abc import Mapping
from functools import partial
from urllib.parse import urlsplit

import httpx

from provider.config import WebhookPolicy
from provider.db import Database
from provider.errors import DatabaseUnavailable
from provider.models import utcnow
from provider.outbox import Job, Outcome, WebhookSpec, claim, record

__all__ = ["CONCURRENCY", "SIGNATURE_HEADER", "USER_AGENT", "Dispatcher", "sign"]

log = logging.getLogger("provider.webhooks")

SIGNATURE_HEADER = "Webhook-Signature"
USER_AGENT = "provider-webhooks"
CONCURRENCY = 16  # tries in flight per process
# A claimed delivery is leased for its timeout plus this: if the process dies mid-try, another
# takes the delivery up once the lease ends.
LEASE_MARGIN = 30.0
MIN_SLEEP = 0.01  # never spin, even when a due row is locked by another worker
CLAIM_TIMEOUT = 6.0  # what a claim under way at shutdown may still take (connect_timeout 5 s)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Webhook-Signature`` value for ``body`` sent at ``timestamp`` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


class Dispatcher:
    """Sends queued webhook deliveries in the background of one app."""

    def __init__(
        self, db: Database, policy: WebhookPolicy, specs: Mapping[str, WebhookSpec]
    ) -> None:
        self.db = db
        self.policy = policy
        self.specs = dict(specs)
        self._lease = policy.timeout + LEASE_MARGIN
        self._wake = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        self._stopping = False
        self._sending: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    def start(self) -> None:
        """Start the loop on the running event loop (the app's lifespan)."""
        if self._loop is None:
            self._loop = asyncio.create_task(self._run(), name="webhook-dispatcher")

    def wake(self) -> None:
        """Look for due deliveries now (a handler just committed some)."""
        self._wake.set()

    async def aclose(self) -> None:
        """Stop claiming; give tries under way ``grace`` seconds, then cut them."""
        if self._loop is not None:
            # Let the loop leave between two claims: cancelling it mid-claim would leave that
            # transaction running on its thread while the engine is disposed.
            self._stopping = True
            self._wake.set()
            await asyncio.wait({self._loop}, timeout=self.policy.grace + CLAIM_TIMEOUT)
            self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)
            self._loop = None
        if self._sending:
            await asyncio.wait(set(self._sending), timeout=self.policy.grace)
        cut = set(self._sending)
        for task in cut:
            task.cancel()
        await asyncio.gather(*cut, return_exceptions=True)
        if cut:
            log.warning(
                "%d webhook tries cut at shutdown; they stay pending for the next start", len(cut)
            )
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            delay = self.policy.poll
            free = CONCURRENCY - len(self._sending)
            try:
                jobs, next_due = await self.db.run(
                    partial(claim, now=utcnow(), lease=self._lease, limit=free)
                )
            except DatabaseUnavailable:
                pass  # logged by the database; try again after ``poll``
            except Exception:
                log.exception("claiming webhook deliveries failed; trying again shortly")
            else:
                for job in jobs:
                    task = asyncio.create_task(self._deliver(job))
                    self._sending.add(task)
                    task.add_done_callback(self._sent)
                if next_due is not None and free > len(jobs):
                    wait = (next_due - utcnow()).total_seconds()
                    delay = min(delay, max(MIN_SLEEP, wait))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        self._wake.set()

    async def _deliver(self, job: Job) -> None:
        host = urlsplit(job.url).hostname or ""
        if self.policy.hosts.allows(host):
            outcome = await self._post(job)
        else:
            log.warning(
                "webhook %s to %s not sent: %s is not an allowed host (webhook hosts: %s)",
                job.event_type, job.url, host, ",".join(self.policy.hosts.patterns),
            )  # fmt: skip
            outcome = Outcome(reason="host_not_allowed")
        try:
            row = await self.db.run(
                partial(record, job=job, outcome=outcome, policy=self.policy, now=utcnow())
            )
        except Exception as error:  # the lease ends and the try is made again
            log.error("webhook %s try %d not recorded: %s", job.id, job.attempt, error)
            return
        if row is not None and row.status == "failed" and row.reason != "host_not_allowed":
            log.warning(
                "webhook %s %s to %s failed (%s) after %d attempts",
                row.event_type, row.event_id, row.url, row.reason, row.attempts,
            )  # fmt: skip

    async def _post(self, job: Job) -> Outcome:
        spec = self.specs.get(job.event_type)
        headers = {
            "Content-Type": "application/json",
            spec.signature_header if spec else SIGNATURE_HEADER: sign(
                job.secret, int(time.time()), job.payload
            ),
        }
        try:
            async with (
                asyncio.timeout(self.policy.timeout),
                self._http().stream(
                    "POST", job.url, content=job.payload, headers=headers
                ) as answer,
            ):
                return Outcome(answer.status_code)
        except TimeoutError:
            return Outcome(0, f"no answer within {self.policy.timeout:g} s")
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as error:
            return Outcome(0, f"{type(error).__name__}: {error}"[:200])

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # trust_env=False: a proxy set for the process's own outbound calls must not see
            # (or reroute) webhook traffic to local receivers.
            self._client = httpx.AsyncClient(
                timeout=self.policy.timeout,
                follow_redirects=False,
                trust_env=False,
                headers={"User-Agent": USER_AGENT},
            )
        return self._client
