-- screen_top_projects: the projects that raised most, with their goals, for the big screen.
-- Grain: one row per project, best first.
-- Parameters: :limit_n — how many.
select
    p.project_id as key,
    p.name,
    p.goal_fen,
    r.amount_fen + r.matched_fen as total_fen,
    r.donations
from rollup_totals r
join projects p on p.project_id = r.key
where r.dim = 'project'
order by r.amount_fen + r.matched_fen desc, p.project_id
limit :limit_n
