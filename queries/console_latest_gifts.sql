-- console_latest_gifts: the newest gifts within the console's filters, with what has happened to each since.
-- Grain: one row per gift (donation), newest first.
-- Parameters: :from_at, :to_at — the half-open time range; :category, :project_id, :team_id, :site_id,
-- :street, :channel — each null for all (they match the gift as it was received); :limit_n — how many.
-- filtered: the ledger's events in the range within the filters (console_filtered); its gifts are the
-- ledger's rows with is_gift, as they were received.
with filtered as (
    -- include: console_filtered
),
newest as (
    select donation_id, occurred_at
    from filtered
    where is_gift
    order by occurred_at desc, donation_id desc
    limit :limit_n
),
adjusted as (
    select a.donation_id, count(*) as adjustments, max(case when a.kind = 'refund' then 1 else 0 end) as refunded
    from adjustments a
    join newest n on n.donation_id = a.donation_id
    group by a.donation_id
)
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
    d.source_file,
    coalesce(a.adjustments, 0) as adjustments,
    coalesce(a.refunded, 0) = 1 as is_refunded
from newest n
join donations d on d.donation_id = n.donation_id
left join adjusted a on a.donation_id = d.donation_id
order by d.occurred_at desc, d.donation_id desc
