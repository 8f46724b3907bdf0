-- totals_overall: the whole store's totals, gifts net of refunds and corrections.
-- Grain: one row.
-- Parameters: none.
-- amount_fen is public money, matched_fen is 配捐; total_fen = amount_fen + matched_fen. donors (人数) counts
-- the distinct donors of gifts not refunded in full (a refunded gift's donor gave nothing). last_gift_at is the
-- newest gift's time now (gift_times: a corrected time, never a refund's or a correction's own time).
with totals as (
    select
        cast(coalesce(sum(amount_fen), 0) as bigint) as amount_fen,
        cast(coalesce(sum(matched_fen), 0) as bigint) as matched_fen,
        cast(coalesce(sum(donation_count), 0) as bigint) as donations
    from ledger
),
last_gift as (
    select max(occurred_at) as last_gift_at
    from gift_times
),
refunded as (
    select donation_id
    from adjustments
    group by donation_id
    having sum(donation_delta) < 0
),
donors as (
    select count(distinct d.donor_hash) as donors
    from donations d
    left join refunded r on r.donation_id = d.donation_id
    where r.donation_id is null
)
select
    t.amount_fen,
    t.matched_fen,
    t.amount_fen + t.matched_fen as total_fen,
    t.donations,
    p.donors,
    g.last_gift_at
from totals t
cross join donors p
cross join last_gift g
