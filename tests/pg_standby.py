"""A streaming standby of the tests' throw-away PostgreSQL server (givingday/ops/pg_server.py): `pg_basebackup -R` from the
primary into a folder of its own, started read-only on another free port. It asks the primary for news every
second, so a caught-up standby knows it is (store/database.py `_FIGURES_AT`) even when nothing is written."""

from __future__ import annotations

from tests.pg_server import PgServer


class PgStandby(PgServer):
    def __init__(self, primary: PgServer) -> None:
        super().__init__()
        self.primary = primary

    def start(self) -> PgStandby:
        self._run(
            "pg_basebackup",
            *("-D", str(self.data), "-R", "-X", "stream", "-c", "fast"),
            *("-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres"),
        )
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c hot_standby=on"
            " -c wal_receiver_status_interval=1 -c wal_receiver_timeout=2s"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-o", options, "start")
        return self

    def same_database(self, primary_url: str) -> str:
        """The standby's URL of a database of the primary."""
        return primary_url.replace(f":{self.primary.port}/", f":{self.port}/")
