-- report_drift_check: the report's 核对 section: each project's newest comparison with the platform's official
-- totals whose official time is not later than the report's moment (a one-project check typed after a full
-- file's comparison replaces that project's row only), each with its own file, time of checking and 统计时间;
-- flagged first.
-- Grain: one row per project ever compared by then (none when no comparison was made by then).
-- Parameters: :until — the report's moment (the window's exclusive end).
with newest as (
    select
        r.check_id,
        r.project_id,
        r.as_of,
        r.ours_fen,
        r.theirs_fen,
        r.ours_donations,
        r.theirs_donations,
        r.is_flagged,
        r.cause,
        r.cause_text,
        row_number() over (partition by r.project_id order by r.check_id desc) as nth
    from drift_rows r
    where r.as_of <= :until
)
select
    n.check_id,
    c.checked_at,
    c.file_name,
    n.as_of as check_as_of,
    n.as_of,
    n.project_id,
    coalesce(p.name, n.project_id) as project_name,
    n.ours_fen,
    n.theirs_fen,
    n.ours_fen - n.theirs_fen as diff_fen,
    n.ours_donations,
    n.theirs_donations,
    n.is_flagged,
    n.cause,
    n.cause_text
from newest n
join drift_checks c on c.check_id = n.check_id
left join projects p on p.project_id = n.project_id
where n.nth = 1
order by n.is_flagged desc, abs(n.ours_fen - n.theirs_fen) desc, n.project_id
