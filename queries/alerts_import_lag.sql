-- alerts_import_lag: how late recent files brought their gifts: for each import, its newest and oldest gift.
-- Grain: one row per import (newest first) that stored at least one gift.
-- Parameters: :limit_n — how many imports.
with recent as (
    select import_id, file_name, started_at, rows_new
    from imports
    where rows_new > 0
    order by import_id desc
    limit :limit_n
)
select
    r.import_id,
    r.file_name,
    r.started_at,
    r.rows_new,
    min(d.occurred_at) as oldest_gift_at,
    max(d.occurred_at) as newest_gift_at
from recent r
join donations d on d.import_id = r.import_id
group by r.import_id, r.file_name, r.started_at, r.rows_new
order by r.import_id desc
