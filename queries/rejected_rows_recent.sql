-- rejected_rows_recent: rows that were not stored, with file, line and reason (personal fields masked).
-- Grain: one row per rejected row, newest import first.
-- Parameters: :limit_n — how many.
select
    import_id,
    file_name,
    line,
    reason,
    row_text
from rejected_rows
order by import_id desc, line
limit :limit_n
