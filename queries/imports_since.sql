-- imports_since: the import log's committed files from a moment on, to check against the reports the inbox
-- filed in processed/ (a write-ahead log cut short loses the newest commits without a word).
-- Grain: one row per committed import started at or after :since.
-- Parameters: :since — the earliest start to list (a timestamp with zone), or null for all.
select import_id, file_name, started_at
from imports
where outcome = 'committed'
    and (cast(:since as timestamp with time zone) is null or started_at >= :since)
order by import_id
