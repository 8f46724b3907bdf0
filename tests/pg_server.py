"""The tests' throw-away PostgreSQL server: givingday/ops/pg_server.py, whose missing initdb fails the test saying
how to install it."""

from __future__ import annotations

import pytest

from givingday.ops import pg_server


class PgServer(pg_server.PgServer):
    def __init__(self) -> None:
        try:
            super().__init__()
        except pg_server.PostgresMissing as exc:
            pytest.fail(str(exc), pytrace=False)
