"""A throwaway PostgreSQL cluster from the Debian server binaries, for one test session.

``initdb`` into a temporary directory, ``pg_ctl start`` on a free loopback port with the unix
socket in that directory and durability switched off (fsync, synchronous commit), one fresh
database per ``create_database()``. PostgreSQL refuses to run as root, so under root the
binaries run as the ``postgres`` user through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.ports import free_port

__all__ = ["PostgresCluster"]

INSTALL_HINT = "install the Debian package `postgresql` (apt-get install -y postgresql)"
SERVER_USER = "postgres"


def _bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    return None


@dataclass
class PostgresCluster:
    """A running cluster; ``stop()`` removes it."""

    root: Path
    port: int
    bin_dir: Path
    prefix: list[str]

    @staticmethod
    def unavailable_reason() -> str | None:
        """Why a cluster cannot be started here, or None."""
        if _bin_dir() is None:
            return f"PostgreSQL server binaries (initdb, pg_ctl) not found; {INSTALL_HINT}"
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                return "running as root needs `runuser` (util-linux) to start PostgreSQL"
            try:
                pwd.getpwnam(SERVER_USER)
            except KeyError:
                return f"running as root needs a {SERVER_USER!r} user; {INSTALL_HINT}"
        return None

    @classmethod
    def start(cls) -> PostgresCluster:
        """initdb and start a cluster on a free port."""
        bin_dir = _bin_dir()
        assert bin_dir is not None, "call unavailable_reason() first"
        root = Path(tempfile.mkdtemp(prefix="provider-pg-"))
        prefix: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam(SERVER_USER)
            os.chown(root, account.pw_uid, account.pw_gid)
            prefix = ["runuser", "-u", SERVER_USER, "--"]
        cluster = cls(root=root, port=free_port(), bin_dir=bin_dir, prefix=prefix)
        cluster._run(
            "initdb", "-D", str(root / "data"), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        cluster.resume()
        return cluster

    def resume(self) -> None:
        """Start the server (again) on its port, with its data."""
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        self._run(
            "pg_ctl", "-D", str(self.root / "data"), "-l", str(self.root / "server.log"),
            "-w", "-t", "60", "-o", options, "start",
        )  # fmt: skip

    def pause(self) -> None:
        """Shut the server down as an operator would (``-m fast``: sessions are terminated)."""
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database``."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; answers its URL."""
        name = "t_" + uuid.uuid4().hex[:16]
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server at once and delete its files."""
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [*self.prefix, str(self.bin_dir / program), *args]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.root / "server.log"
            server_log = log.read_text() if log.exists() else ""
            output = result.stderr or result.stdout
            raise RuntimeError(f"{program} failed ({result.returncode}): {output}\n{server_log}")
