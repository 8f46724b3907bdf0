-- drift_check_rows: one kept comparison's projects, flagged first, then by the size of the difference.
-- Grain: one row per project compared.
-- Parameters: :check_id — the comparison.
select
    r.project_id,
    coalesce(p.name, r.project_id) as project_name,
    r.as_of,
    r.ours_fen,
    r.theirs_fen,
    r.ours_fen - r.theirs_fen as diff_fen,
    r.ours_donations,
    r.theirs_donations,
    r.ours_donations - r.theirs_donations as diff_donations,
    r.is_flagged,
    r.cause,
    r.cause_text
from drift_rows r
left join projects p on p.project_id = r.project_id
where r.check_id = :check_id
order by r.is_flagged desc, abs(r.ours_fen - r.theirs_fen) desc, r.project_id
