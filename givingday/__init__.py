"""A live board for a city district's 99 Giving Day: store, ingestion, queries and pages."""

import os

# DuckDB allocates through its own jemalloc, which by default keeps pages its queries have freed for ten seconds and
# gives them back only when later allocations tick its clock: a board that read 300 MB in a query and then went
# quiet held most of it, and its memory swung from one minute to the next. Freed pages kept for 0.1 s, and given back
# by jemalloc's background thread (`allocator_background_threads`, set on every connection: store/database.py) even
# when the process goes quiet, keep the memory level (a big query's pages are back within a quarter of a second),
# while the statements of one console refresh, run one after another, reuse each other's pages instead of mapping
# every hash table afresh, a quarter to a third of a refresh with none kept (docs/performance.md, the allocator).
# jemalloc reads this when DuckDB is first imported, hence here, before any import.
os.environ.setdefault("DUCKDB_JE_MALLOC_CONF", "dirty_decay_ms:100,muzzy_decay_ms:0")
