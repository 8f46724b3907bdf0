-- console_filtered: the ledger's events (gifts, refunds, corrections) in a time range within the console's
-- filters, each with its site's street. The console's queries include it (`-- include: console_filtered`).
-- Grain: one row per ledger event in the range that passes every filter.
-- Parameters: :from_at, :to_at — the half-open time range; :category, :project_id, :team_id, :site_id,
-- :street, :channel — each null for all.
select l.*, coalesce(s.street, '') as street
from ledger l
join projects p on p.project_id = l.project_id
left join sites s on s.site_id = l.site_id
where l.occurred_at >= :from_at and l.occurred_at < :to_at
    and (cast(:category as varchar) is null or p.category = :category)
    and (cast(:project_id as varchar) is null or l.project_id = :project_id)
    and (cast(:team_id as varchar) is null or l.team_id = :team_id)
    and (cast(:site_id as varchar) is null or l.site_id = :site_id)
    and (cast(:street as varchar) is null or s.street = :street)
    and (cast(:channel as varchar) is null or l.channel = :channel)
