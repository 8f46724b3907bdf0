-- screen_goals_and_donors: what the screens add to the rollups: the projects and teams whose money (public gifts and
-- matching) has reached their goal (givingday/screens/moments.py), and 人数, distinct donors, for the district
-- (key '') and each site, as kept at import (givingday/store/donors.py): no distinct count over every gift.
-- Grain: one row per (dim, key); dim is project | team (a goal reached; donors null) or donors (key the scope).
-- Parameters: none. Reads the rollups, the roster and donor_counts only (a few hundred rows).
select 'project' as dim, p.project_id as key, cast(null as bigint) as donors
from rollup_totals r
join projects p on r.dim = 'project' and r.key = p.project_id
where p.goal_fen > 0 and r.amount_fen + r.matched_fen >= p.goal_fen
union all
select 'team', t.team_id, cast(null as bigint)
from rollup_totals r
join teams t on r.dim = 'team' and r.key = t.team_id
where t.goal_fen > 0 and r.amount_fen + r.matched_fen >= t.goal_fen
union all
select 'donors', scope, donors
from donor_counts
order by dim, key
