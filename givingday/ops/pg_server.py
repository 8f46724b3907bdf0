"""A throw-away PostgreSQL server, for the tests marked `postgres` (tests/pg_server.py), `make bench` and
`load --boards`: Debian's initdb and pg_ctl in a temporary folder, on a free port, with its unix socket in that
folder, so nothing of the machine's own PostgreSQL is used. Run as root (CI is), the server runs as the
`postgres` user: initdb refuses root."""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from givingday.ops.server import free_port

MISSING = "PostgreSQL's initdb and pg_ctl are missing: run tools/install_postgres.sh as root (or make test)"
SERVER_USER = "postgres"


class PostgresMissing(RuntimeError):
    """No initdb on this machine, or no `postgres` user to run it as root."""


def _bin_dir() -> Path:
    """Where initdb is: on the PATH, else Debian's /usr/lib/postgresql/<version>/bin (the newest)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not versions:
        raise PostgresMissing(MISSING)
    return Path(versions[-1]).parent


class PgServer:
    """One server; `database()` makes a fresh empty database on it and returns its URL as people write it."""

    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.as_root = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="givingday-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self._names = itertools.count(1)
        if self.as_root:
            try:
                user = pwd.getpwnam(SERVER_USER)
            except KeyError:
                shutil.rmtree(self.folder, ignore_errors=True)
                raise PostgresMissing(
                    f"running as root, the server needs the {SERVER_USER!r} user: {MISSING}"
                ) from None
            os.chown(self.folder, user.pw_uid, user.pw_gid)

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if done.returncode:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stdout}{done.stderr}")

    def start(self) -> PgServer:
        # No locale: text sorts by its bytes, as in DuckDB. fsync off: the data is thrown away.
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-o", options, "start")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def database(self, template: str | None = None) -> str:
        """A new database, empty or a copy of `template` (a database no one is connected to); its URL."""
        name = f"store_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"create database {name}" + (f" template {template}" if template else ""))
        return self.url(name)

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
