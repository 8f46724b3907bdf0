-- console_cells_filtered: the console's rollup cells (rollup_cells: one minute of one project, team, site and
-- channel) in a range of whole minutes within the console's filters, each with its site's street. The console's
-- rollup queries include it (`-- include: console_cells_filtered`); it answers what console_filtered answers for
-- the ledger's events, summed by the minute.
-- Grain: one row per cell in the range that passes every filter.
-- Parameters: :from_at, :to_at — the half-open range, both on a minute; :category, :project_id, :team_id,
-- :site_id, :street, :channel — each null for all.
select c.*, coalesce(s.street, '') as street
from rollup_cells c
join projects p on p.project_id = c.project_id
left join sites s on s.site_id = c.site_key
where c.minute_at >= :from_at and c.minute_at < :to_at
    and (cast(:category as varchar) is null or p.category = :category)
    and (cast(:project_id as varchar) is null or c.project_id = :project_id)
    and (cast(:team_id as varchar) is null or c.team_key = :team_id)
    and (cast(:site_id as varchar) is null or c.site_key = :site_id)
    and (cast(:street as varchar) is null or s.street = :street)
    and (cast(:channel as varchar) is null or c.channel = :channel)
