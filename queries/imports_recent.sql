-- imports_recent: the latest imports, newest first, for status and the data-flow view; of one origin when asked.
-- Grain: one row per import (file).
-- Parameters: :limit_n — how many; :origin — 'file', 'api', 'console' or 'demo' (imports_origin), null for all.
with classified as (
    -- include: imports_origin
)
select
    import_id,
    file_name,
    origin,
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
from classified
where true
    and origin = :origin  -- only with :origin
order by import_id desc
limit :limit_n
