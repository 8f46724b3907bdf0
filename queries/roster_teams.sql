-- roster_teams: the fundraising teams with their project, home site and goal.
-- Grain: one row per team.
-- Parameters: none.
select team_id, name, project_id, site_id, kind, goal_fen
from teams
order by team_id
