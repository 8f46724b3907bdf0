-- console_cells_filtered: the console's rollup cells in one or more ranges within the console's filters, each with
-- its site's street: whole days, hours and minutes from rollup_cells_day, rollup_cells_hour and rollup_cells, the
-- partial minutes at a range's edges from the ledger summed as cells (console/rollup_figures.py splits a range).
-- The line `-- each range` stands for the branches that read the ranges (Store.query_ranges); alone, minutes.
-- The console's rollup queries include it (`-- include: console_cells_filtered`); it answers what console_filtered
-- answers for the ledger's events, summed by the cell.
-- Grain: one row per cell (range, minute/hour/day, project, team, site, channel) that passes every filter.
-- Parameters: each range's; :category, :project_id, :team_id, :site_id, :street, :channel — each null for all.
select c.*, coalesce(s.street, '') as street
from (
    -- each range: console_cells_range
) c
join projects p on p.project_id = c.project_id
left join sites s on s.site_id = c.site_key
where (cast(:category as varchar) is null or p.category = :category)
    and (cast(:project_id as varchar) is null or c.project_id = :project_id)
    and (cast(:team_id as varchar) is null or c.team_key = :team_id)
    and (cast(:site_id as varchar) is null or c.site_key = :site_id)
    and (cast(:street as varchar) is null or s.street = :street)
    and (cast(:channel as varchar) is null or c.channel = :channel)
