-- drift_checks_recent: the comparisons with the platform's official totals kept, newest first.
-- Grain: one row per comparison.
-- Parameters: :limit_n — how many.
select check_id, checked_at, checked_by, file_name, as_of, projects, flagged
from drift_checks
order by check_id desc
limit :limit_n
