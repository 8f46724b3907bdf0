"""A live board for a city district's 99 Giving Day: store, ingestion, queries and pages."""

import os

# DuckDB allocates through its own jemalloc, which by default keeps pages its queries have freed for a second or two
# before giving them back. With the screens' snapshot every 2 s, a board held 15-45 MB of such pages, a different
# amount from one minute to the next. Given back at once, RSS stays level (README, Load test), and the snapshot is no
# slower (`bench screen`). jemalloc reads this when DuckDB is first imported, hence here, before any import.
os.environ.setdefault("DUCKDB_JE_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")
