-- imports_recent: the latest imports, newest first, for status and the data-flow view.
-- Grain: one row per import (file).
-- Parameters: :limit_n — how many.
select
    import_id,
    file_name,
    file_format,
    profile,
    started_at,
    duration_ms,
    rows_total,
    rows_new,
    rows_duplicate,
    rows_rejected,
    coalesce(rows_skipped, 0) as rows_skipped,
    amount_new_fen,
    outcome,
    message
from imports
order by import_id desc
limit :limit_n
