-- report_drift_check: the report's 核对 section: the newest comparison with the platform's official totals
-- whose official time is not later than the report's moment, and its projects, flagged first.
-- Grain: one row per project of that comparison (none when no comparison was made by then).
-- Parameters: :until — the report's moment (the window's exclusive end).
with last_check as (
    select check_id, checked_at, file_name, as_of, projects, flagged
    from drift_checks
    where as_of <= :until
    order by check_id desc
    limit 1
)
select
    c.check_id,
    c.checked_at,
    c.file_name,
    c.as_of as check_as_of,
    c.projects,
    c.flagged,
    r.project_id,
    coalesce(p.name, r.project_id) as project_name,
    r.ours_fen,
    r.theirs_fen,
    r.ours_fen - r.theirs_fen as diff_fen,
    r.ours_donations,
    r.theirs_donations,
    r.is_flagged,
    r.cause_text
from last_check c
join drift_rows r on r.check_id = c.check_id
left join projects p on p.project_id = r.project_id
order by r.is_flagged desc, abs(r.ours_fen - r.theirs_fen) desc, r.project_id
