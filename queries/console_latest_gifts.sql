-- console_latest_gifts: the newest gifts within the console's filters, with what has happened to each since.
-- Grain: one row per gift (donation), newest first.
-- Parameters: :from_at, :to_at — the half-open time range; :category, :project_id, :team_id, :site_id,
-- :street, :channel — each null for all (they match the gift as it was received); :limit_n — how many.
-- The gifts as received are the ledger's rows with is_gift, that is the donations table's own rows: read from it,
-- with every column shown, not through the ledger view (console_filtered), whose adjustments half joins every
-- gift for its donor and whose rows would then be joined to the gifts again. The filters are console_filtered's,
-- on the same columns, written out rather than included: its `l.*` would carry every column of every gift in the
-- range into the ordering, not the ten shown. Each filter's line is there only when the filter is set (`-- only
-- with`), and the roster is joined only for a category or a street: so DuckDB's scan sees plain comparisons and,
-- for the ordering with its limit, skips the row groups older than the newest gifts found (a gift's project is
-- always in the roster: a roster that drops a project with gifts is refused).
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
    join projects p on p.project_id = d.project_id  -- only with :category
    join sites s on s.site_id = d.site_id  -- only with :street
    where d.occurred_at >= :from_at and d.occurred_at < :to_at
        and p.category = :category  -- only with :category
        and d.project_id = :project_id  -- only with :project_id
        and d.team_id = :team_id  -- only with :team_id
        and d.site_id = :site_id  -- only with :site_id
        and s.street = :street  -- only with :street
        and d.channel = :channel  -- only with :channel
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
