"""The relational schema: typed SQLAlchemy 2 ORM models, one table per resource.

The schema is created from this metadata at start-up (``Base.metadata.create_all``, which only
adds missing tables). Migrations are out of scope: a changed model on an existing database
needs the tables dropped (or a migration tool such as Alembic, which this project does not use).

Conventions: ids are UUID4 generated in Python (safe under concurrency, no sequences); money
is ``BigInteger`` minor units; timestamps are timezone-aware UTC (``UtcDateTime`` stores naive
UTC on SQLite, ``timestamptz`` on PostgreSQL); every owned row carries ``user_id``. JSON values
use the plain ``json`` type on PostgreSQL, not ``jsonb``, which cannot hold ``\\u0000``; client
text columns are ``NulSafeText`` for the same reason. Lengths are enforced by request validation.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Base",
    "IdempotencyRecord",
    "InteractiveSession",
    "LoginFailure",
    "NulSafeText",
    "Order",
    "OrderItem",
    "Payment",
    "Project",
    "RefreshToken",
    "Subscription",
    "Task",
    "User",
    "UtcDateTime",
    "WebhookDelivery",
    "WebhookEndpoint",
    "utcnow",
]


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in and out, whatever the backend keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"expected an aware datetime, got naive {value!r}")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class NulSafeText(TypeDecorator[str]):
    """Client text, which may hold U+0000: the spec allows it, PostgreSQL text cannot.

    Stored escaped on every backend (``\\`` as ``\\\\``, U+0000 as ``\\0``), so both behave alike
    (SQLite's ``lower()`` and ``LIKE`` stop at U+0000). A ``LIKE`` needle bound with this type is
    escaped the same way, so search still works; it can only over-match around a backslash or
    U+0000 (a needle starting with "0" finds a text holding U+0000).
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return value.replace("\\", "\\\\").replace("\x00", "\\0")

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        text = str(value)
        if "\\" not in text:
            return text
        return _ESCAPED.sub(lambda m: "\x00" if m.group(1) == "0" else m.group(1), text)


_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


class Base(DeclarativeBase):
    """Declarative base of every table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UtcDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


def _id() -> Mapped[uuid.UUID]:
    return mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


def _owner() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = _id()
    email: Mapped[str] = mapped_column(String(254))
    # The lower-cased address: unique, so one mailbox cannot register twice in another case.
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(NulSafeText)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="user")
    status: Mapped[str] = mapped_column(String(16), default="active")
    # Bumped by "log out of all devices": access tokens carry the version they were issued at.
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    tokens_valid_after: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = _owner()
    # Every token rotated from one login shares the family; reuse of a rotated one revokes it.
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class LoginFailure(Base):
    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_email_key_at", "email_key", "at"),)

    id: Mapped[uuid.UUID] = _id()
    email_key: Mapped[str] = mapped_column(String(254))
    at: Mapped[dt.datetime]


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = _owner()
    name: Mapped[str] = mapped_column(NulSafeText)
    description: Mapped[str | None] = mapped_column(NulSafeText)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[uuid.UUID] = _id()
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(NulSafeText)
    description: Mapped[str | None] = mapped_column(NulSafeText)
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = _owner()
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    items: Mapped[list[OrderItem]] = relationship(
        order_by="OrderItem.position", cascade="all, delete-orphan", lazy="selectin"
    )


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (UniqueConstraint("order_id", "position"),)

    id: Mapped[uuid.UUID] = _id()
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(NulSafeText)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    line_total: Mapped[int] = mapped_column(BigInteger)


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[uuid.UUID] = _id()
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = _owner()
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    payment_method: Mapped[str] = mapped_column(String(64))
    failure_code: Mapped[str | None] = mapped_column(String(32))
    refund_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime]
    refunded_at: Mapped[dt.datetime | None]


class IdempotencyRecord(Base):
    """The first answer to a (user, Idempotency-Key), replayed for retries of that request."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = _owner()
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(2048))
    created_at: Mapped[dt.datetime]


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = _owner()
    plan: Mapped[str] = mapped_column(String(16))
    interval: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    payment_method: Mapped[str] = mapped_column(String(64))
    current_period_start: Mapped[dt.datetime]
    current_period_end: Mapped[dt.datetime]
    canceled_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = _owner()
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]]
    description: Mapped[str | None] = mapped_column(NulSafeText)
    # Kept in clear: it is the HMAC key that signs deliveries, so it cannot be hashed.
    secret: Mapped[str] = mapped_column(String(38))
    created_at: Mapped[dt.datetime]


class WebhookDelivery(Base):
    """One event to one endpoint: the outbox row the dispatcher sends, and its journal entry.

    Written in the transaction that makes the event true (a payment and its delivery rows
    commit together or not at all). ``status`` is ``pending`` until it ends ``delivered`` or
    ``failed``; ``next_attempt_at`` is when a pending one is next due (also pushed forward while
    a try is under way, so no other worker takes it); ``tries`` holds each try's answer.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = _owner()
    # No foreign key: the journal outlives a removed endpoint (its pending deliveries fail).
    endpoint_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    url: Mapped[str] = mapped_column(String(2048))
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    # The exact JSON sent on every try (retries repeat the same bytes).
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer)
    tries: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(32))
    next_attempt_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]


class InteractiveSession(Base):
    """The API's ``Session`` resource (named apart from SQLAlchemy's ``Session``)."""

    __tablename__ = "sessions"

    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = _owner()
    name: Mapped[str] = mapped_column(NulSafeText)
    status: Mapped[str] = mapped_column(String(16))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata")
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
