-- console_windows: money and 人次 in the console's rolling windows (last 5 … 180 minutes, the day, the event)
-- up to one moment, within the console's filters. The page calls it twice: for now and for a day earlier.
-- Grain: one row per window (m5, m15, m30, m60, m180, day, event, and day_full: the whole day, past :until).
-- Parameters: :until — the moment the windows end at (exclusive); :since_m5, :since_m15, :since_m30,
-- :since_m60, :since_m180, :since_day — where each window starts; :from_at — where the event's window starts;
-- :to_at — the end of the day (day_full counts the whole day, past :until); :category, :project_id, :team_id,
-- :site_id, :street, :channel — each null for all.
-- filtered: the ledger's events in [:from_at, :to_at) within the filters (console_filtered).
with filtered as (
    -- include: console_filtered
),
windows(name, since, upto_until) as (
    values
        ('m5', :since_m5, true),
        ('m15', :since_m15, true),
        ('m30', :since_m30, true),
        ('m60', :since_m60, true),
        ('m180', :since_m180, true),
        ('day', :since_day, true),
        ('event', :from_at, true),
        ('day_full', :since_day, false)
)
select
    w.name as window,
    cast(coalesce(sum(f.amount_fen + f.matched_fen), 0) as bigint) as total_fen,
    cast(coalesce(sum(f.donation_count), 0) as bigint) as donations
from windows as w
left join filtered as f on f.occurred_at >= w.since and (f.occurred_at < :until or not w.upto_until)
group by w.name
