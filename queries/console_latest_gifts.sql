-- console_latest_gifts: the newest gifts within the console's filters, with what has happened to each since.
-- Grain: one row per gift (donation), newest first.
-- Parameters: :from_at, :to_at — the half-open time range; :category, :project_id, :team_id, :site_id,
-- :street, :channel — each null for all (they match the gift as it was received); :limit_n — how many.
-- The gifts as received are the ledger's rows with is_gift, that is the donations table's own rows: read from it,
-- with every column shown, not through the ledger view (console_filtered), whose adjustments half joins every
-- gift for its donor and whose rows would then be joined to the gifts again. The filters are console_filtered's,
-- on the same columns, written out rather than included: its `l.*` would carry every column of every gift in the
-- range into the ordering, not the ten shown.
with newest as (
    select
        d.donation_id,
        d.occurred_at,
        d.donor_name_masked,
        d.amount_fen,
        d.matched_fen,
        d.project_id,
        d.team_id,
        d.site_id,
        d.channel,
        d.source_file
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
    join newest n on n.donation_id = a.donation_id
    group by a.donation_id
)
select
    n.donation_id,
    n.occurred_at,
    n.donor_name_masked,
    n.amount_fen,
    n.matched_fen,
    n.project_id,
    n.team_id,
    n.site_id,
    n.channel,
    n.source_file,
    coalesce(a.adjustments, 0) as adjustments,
    coalesce(a.refunded, 0) = 1 as is_refunded
from newest n
left join adjusted a on a.donation_id = n.donation_id
order by n.occurred_at desc, n.donation_id desc
