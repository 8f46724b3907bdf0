-- console_minutes: money and 人次 per minute within the console's filters, for its chart and its pace.
-- Grain: one row per minute with at least one money event in the range, oldest first.
-- Parameters: :from_at, :to_at — the half-open time range; :category, :project_id, :team_id, :site_id,
-- :street, :channel — each null for all.
with filtered as (
    select l.occurred_at, l.amount_fen, l.matched_fen, l.donation_count
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
)
select
    date_trunc('minute', occurred_at) as minute_at,
    cast(sum(amount_fen) as bigint) as amount_fen,
    cast(sum(matched_fen) as bigint) as matched_fen,
    cast(sum(donation_count) as bigint) as donations
from filtered
group by date_trunc('minute', occurred_at)
order by minute_at
