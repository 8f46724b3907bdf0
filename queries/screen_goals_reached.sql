-- screen_goals_reached: the projects and teams whose money (public gifts and matching) has reached their goal, for
-- the screens' goal moments (givingday/screens/moments.py).
-- Grain: one row per project or team at or past its goal; dim is project | team, key its id.
-- Parameters: none. Reads the rollups and the roster only (a few hundred rows).
select 'project' as dim, p.project_id as key
from rollup_totals r
join projects p on r.dim = 'project' and r.key = p.project_id
where p.goal_fen > 0 and r.amount_fen + r.matched_fen >= p.goal_fen
union all
select 'team', t.team_id
from rollup_totals r
join teams t on r.dim = 'team' and r.key = t.team_id
where t.goal_fen > 0 and r.amount_fen + r.matched_fen >= t.goal_fen
order by dim, key
