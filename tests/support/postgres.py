"""A throwaway PostgreSQL server for tests: initdb in a temporary directory, trust auth on
127.0.0.1, stopped and removed at the end of the session. One fresh database per test."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.ports import free_port


def _pg_bin() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    return candidates[-1] if candidates else None


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class PostgresServer:
    port: int
    directory: Path
    _counter: itertools.count[int]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Create an empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = f"smaug_test_{os.getpid()}_{next(self._counter)}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    def dsn(self, database: str = "postgres") -> str:
        """A libpq connection string (psycopg, psql) for ``database`` as the superuser."""
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def password_role(self, name: str, password: str) -> None:
        """A superuser role that must log in over 127.0.0.1 with ``password`` (SCRAM); every
        other role keeps trust authentication."""
        import psycopg

        hba = self.directory / "data" / "pg_hba.conf"
        rule = f"host all {name} 127.0.0.1/32 scram-sha-256\n"
        text = hba.read_text()
        if rule not in text:
            hba.write_text(rule + text)
        with psycopg.connect(self.dsn(), autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)
            ).fetchone()
            verb = "ALTER" if exists else "CREATE"
            connection.execute("SET password_encryption = 'scram-sha-256'")
            connection.execute(
                f"{verb} ROLE \"{name}\" LOGIN SUPERUSER PASSWORD '{password}'"  # test only
            )
            connection.execute("SELECT pg_reload_conf()")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    pg_bin = _pg_bin()
    assert pg_bin is not None, (
        "PostgreSQL server binaries are missing: run tools/setup (it installs Debian's postgresql)"
    )
    directory = Path(tempfile.mkdtemp(prefix="smaug-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    data = directory / "data"
    subprocess.run(
        _as_postgres(
            [
                str(pg_bin / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    port = free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {directory} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        _as_postgres(
            [
                str(pg_bin / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(directory / "log"),
                "-w",
                "-o",
                options,
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield PostgresServer(port, directory, itertools.count())
    finally:
        subprocess.run(
            _as_postgres(
                [str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
            ),
            capture_output=True,
        )
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: SQLite in the test's directory, or one on the test server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/data/smaug.db"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()
