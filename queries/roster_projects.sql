-- roster_projects: the projects with their goals, for pages that join rollups in memory.
-- Grain: one row per project.
-- Parameters: none.
select project_id, name, parent_id, category, goal_fen
from projects
order by project_id
