"""The database: engine, schema creation and units of work run off the event loop.

Every request's database work is one function ``work(session) -> result`` run by
``Database.run`` in Starlette's threadpool inside ONE transaction: it commits when ``work``
returns and rolls back when it raises, so a multi-step write (a payment row plus the order's
status, a project plus its tasks, a refresh-token rotation) is never left half-written.

SQLite (the default) runs every transaction as ``BEGIN IMMEDIATE`` so concurrent writers queue
on the busy timeout instead of failing with "database is locked" on a lock upgrade, turns on
foreign keys, and journals in WAL mode with ``synchronous=NORMAL``. PostgreSQL runs READ
COMMITTED; code that must serialise on a row locks it with ``SELECT ... FOR UPDATE`` (a no-op
on SQLite, where the immediate transaction already serialises).

When the database cannot be reached, ``run`` raises ``DatabaseUnavailable`` (answered 503);
``pool_pre_ping`` replaces dead connections, so service resumes by itself when it returns. The
schema is created on start-up, or on the first unit of work if the database was down then.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, delete, event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from starlette.concurrency import run_in_threadpool

from provider.errors import DatabaseUnavailable
from provider.models import Base

__all__ = ["Database"]

T = TypeVar("T")
log = logging.getLogger("provider.db")

SQLITE_BUSY_TIMEOUT = 30.0  # seconds a writer waits for the lock before giving up


class Database:
    """One engine and its session factory; ``run`` executes a unit of work."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.is_sqlite = url.get_backend_name() == "sqlite"
        options: dict[str, Any] = {"pool_pre_ping": True}
        if self.is_sqlite:
            _create_parent_directory(url)
            options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT, "check_same_thread": False}
        else:
            options["connect_args"] = {"connect_timeout": 5}
            options["pool_size"] = 10
        self.engine: Engine = create_engine(url, **options)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"

    def create_schema(self) -> None:
        """Create missing tables; raise ``DatabaseUnavailable`` if the database is down."""
        with self._schema_lock:
            if self._schema_ready:
                return
            with _unavailable_on_disconnect():
                Base.metadata.create_all(self.engine)
            self._schema_ready = True

    def run_sync(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction on the calling thread."""
        if not self._schema_ready:
            self.create_schema()
        with _unavailable_on_disconnect(), self.sessions.begin() as session:
            return work(session)

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction on the threadpool."""
        return await run_in_threadpool(self.run_sync, work)

    def reset(self) -> None:
        """Delete every row of every table, children first, in one transaction."""

        def wipe(session: Session) -> None:
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(delete(table))

        self.run_sync(wipe)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


@contextmanager
def _unavailable_on_disconnect() -> Iterator[None]:
    """Turn "cannot reach the database" errors into ``DatabaseUnavailable``."""
    try:
        yield
    except DBAPIError as error:
        if isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated:
            first_line = str(error.orig or error).splitlines()[0] if str(error) else repr(error)
            log.warning("database unavailable: %s", first_line)
            raise DatabaseUnavailable(first_line) from error
        raise


def _create_parent_directory(url: URL) -> None:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_connect(dbapi_connection: Any, _: ConnectionPoolEntry) -> None:
    # Hand transaction control to the "begin" hook below (pysqlite would BEGIN DEFERRED).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL with synchronous=NORMAL: readers never block the writer and a commit does not
    # fsync; a crash of the process loses nothing, a power cut at most the last commits.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
