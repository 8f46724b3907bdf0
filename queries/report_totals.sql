-- report_totals: a report's headline as of a moment: public money, matching, 人次, 人数, the last event, the
-- median gift, and how many events lie after the moment.
-- Grain: one row.
-- Parameters: :since — the window's first moment (inclusive), or null for everything before :until;
-- :until — the window's end (exclusive). Every event (a gift, a refund, a correction) counts at its own time,
-- so a refund recorded after :until does not touch the figures.
-- donors (人数) counts the distinct donors of the window's gifts that were not refunded in full by :until. The
-- median is over the same gifts, each net of its corrections up to :until; it is public money only (matching
-- is not what a donor gave).
-- events: the ledger's events in the window (ledger_window).
with events as (
    -- include: ledger_window
),
totals as (
    select
        cast(coalesce(sum(amount_fen), 0) as bigint) as amount_fen,
        cast(coalesce(sum(matched_fen), 0) as bigint) as matched_fen,
        cast(coalesce(sum(donation_count), 0) as bigint) as donations,
        max(occurred_at) as last_gift_at
    from events
),
adjusted as (
    select
        donation_id,
        sum(amount_delta_fen) as amount_delta_fen,
        sum(donation_delta) as donation_delta
    from adjustments
    where occurred_at < :until
    group by donation_id
),
live_gifts as (
    select
        d.donor_hash,
        d.amount_fen + coalesce(a.amount_delta_fen, 0) as net_amount_fen
    from donations d
    left join adjusted a on a.donation_id = d.donation_id
    where (cast(:since as timestamp with time zone) is null or d.occurred_at >= :since)
        and d.occurred_at < :until
        and 1 + coalesce(a.donation_delta, 0) > 0
)
select
    t.amount_fen,
    t.matched_fen,
    t.amount_fen + t.matched_fen as total_fen,
    t.donations,
    (select count(distinct donor_hash) from live_gifts) as donors,
    t.last_gift_at,
    (select percentile_cont(0.5) within group (order by net_amount_fen) from live_gifts) as median_gift_fen,
    (select count(*) from ledger where occurred_at >= :until) as events_after
from totals t
