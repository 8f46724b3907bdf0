"""A live board for a city district's 99 Giving Day: store, ingestion, queries and pages."""

import os

# DuckDB allocates through its own jemalloc, which by default keeps pages its queries have freed for a second or two
# before giving them back; with the screens' snapshot every 2 s a board's memory then swings from one minute to the
# next. Given back at once, it stays level and the snapshot is no slower (docs/performance.md, the soak). jemalloc
# reads this when DuckDB is first imported, hence here, before any import.
os.environ.setdefault("DUCKDB_JE_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")
