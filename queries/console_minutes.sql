-- console_minutes: money and 人次 per minute within the console's filters, for its chart and its pace.
-- Grain: one row per minute with at least one money event in the range, oldest first.
-- Parameters: :from_at, :to_at — the half-open time range; :category, :project_id, :team_id, :site_id,
-- :street, :channel — each null for all.
-- filtered: the ledger's events in the range within the filters (console_filtered).
with filtered as (
    -- include: console_filtered
)
select
    date_trunc('minute', occurred_at) as minute_at,
    cast(sum(amount_fen) as bigint) as amount_fen,
    cast(sum(matched_fen) as bigint) as matched_fen,
    cast(sum(donation_count) as bigint) as donations
from filtered
group by date_trunc('minute', occurred_at)
order by minute_at
