-- console_windows: money and 人次 in the console's rolling windows (last 5 … 180 minutes, the day, the event)
-- up to one moment, within the console's filters. The page calls it twice: for now and for a day earlier.
-- Grain: one row.
-- Parameters: :until — the moment the windows end at (exclusive); :since_m5, :since_m15, :since_m30,
-- :since_m60, :since_m180, :since_day — where each window starts; :from_at — where the event's window starts;
-- :to_at — the end of the day (day_full counts the whole day, past :until); :category, :project_id, :team_id,
-- :site_id, :street, :channel — each null for all.
-- filtered: the ledger's events in [:from_at, :to_at) within the filters (console_filtered).
with filtered as (
    -- include: console_filtered
),
upto as (
    select amount_fen + matched_fen as total_fen, donation_count, occurred_at, occurred_at < :until as is_before
    from filtered
)
select
    cast(coalesce(sum(case when is_before and occurred_at >= :since_m5 then total_fen end), 0) as bigint) as m5_fen,
    cast(coalesce(sum(case when is_before and occurred_at >= :since_m5 then donation_count end), 0) as bigint)
        as m5_donations,
    cast(coalesce(sum(case when is_before and occurred_at >= :since_m15 then total_fen end), 0) as bigint) as m15_fen,
    cast(coalesce(sum(case when is_before and occurred_at >= :since_m15 then donation_count end), 0) as bigint)
        as m15_donations,
    cast(coalesce(sum(case when is_before and occurred_at >= :since_m30 then total_fen end), 0) as bigint) as m30_fen,
    cast(coalesce(sum(case when is_before and occurred_at >= :since_m30 then donation_count end), 0) as bigint)
        as m30_donations,
    cast(coalesce(sum(case when is_before and occurred_at >= :since_m60 then total_fen end), 0) as bigint) as m60_fen,
    cast(coalesce(sum(case when is_before and occurred_at >= :since_m60 then donation_count end), 0) as bigint)
        as m60_donations,
    cast(coalesce(sum(case when is_before and occurred_at >= :since_m180 then total_fen end), 0) as bigint)
        as m180_fen,
    cast(coalesce(sum(case when is_before and occurred_at >= :since_m180 then donation_count end), 0) as bigint)
        as m180_donations,
    cast(coalesce(sum(case when is_before and occurred_at >= :since_day then total_fen end), 0) as bigint)
        as day_fen,
    cast(coalesce(sum(case when is_before and occurred_at >= :since_day then donation_count end), 0) as bigint)
        as day_donations,
    cast(coalesce(sum(case when is_before then total_fen end), 0) as bigint) as event_fen,
    cast(coalesce(sum(case when is_before then donation_count end), 0) as bigint) as event_donations,
    cast(coalesce(sum(case when occurred_at >= :since_day then total_fen end), 0) as bigint) as day_full_fen
from upto
