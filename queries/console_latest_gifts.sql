-- console_latest_gifts: the newest gifts within the console's filters, with what has happened to each since.
-- Grain: one row per gift (donation), newest first.
-- Parameters: :from_at, :to_at — the half-open time range; :category, :project_id, :team_id, :site_id,
-- :street, :channel — each null for all (they match the gift as it was received); :limit_n — how many.
with gifts as (
    select d.*
    from donations d
    join projects p on p.project_id = d.project_id
    left join sites s on s.site_id = d.site_id
    where d.occurred_at >= :from_at and d.occurred_at < :to_at
        and (cast(:category as varchar) is null or p.category = :category)
        and (cast(:project_id as varchar) is null or d.project_id = :project_id)
        and (cast(:team_id as varchar) is null or d.team_id = :team_id)
        and (cast(:site_id as varchar) is null or d.site_id = :site_id)
        and (cast(:street as varchar) is null or s.street = :street)
        and (cast(:channel as varchar) is null or d.channel = :channel)
    order by d.occurred_at desc, d.donation_id desc
    limit :limit_n
),
adjusted as (
    select a.donation_id, count(*) as adjustments, max(case when a.kind = 'refund' then 1 else 0 end) as refunded
    from adjustments a
    join gifts g on g.donation_id = a.donation_id
    group by a.donation_id
)
select
    g.donation_id,
    g.occurred_at,
    g.donor_name_masked,
    g.amount_fen,
    g.matched_fen,
    g.project_id,
    g.team_id,
    g.site_id,
    g.channel,
    g.source_file,
    coalesce(a.adjustments, 0) as adjustments,
    coalesce(a.refunded, 0) = 1 as is_refunded
from gifts g
left join adjusted a on a.donation_id = g.donation_id
order by g.occurred_at desc, g.donation_id desc
