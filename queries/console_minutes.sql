-- console_minutes: money and 人次 per minute (or hour, or day) within the console's filters, for its chart.
-- Grain: one row per bar (minute, hour or day of the session's time zone) with at least one money event in the
-- range, oldest first; bar_epoch_s is its start in seconds since 1970 (as console_minute_bars). The range is the
-- chart's (figures.chart_span), never the span of the data. Money is the ledger's (a refund takes it out in the bar
-- it was made); 人次 counts gifts in the bar they were given (their own time, or where a correction moved them: kind
-- 'redate'), so a refund never makes a count negative.
-- Parameters: :from_at, :to_at — the half-open time range; :unit — 'minute', 'hour' or 'day';
-- :category, :project_id, :team_id, :site_id, :street, :channel — each null for all.
-- filtered: the ledger's events in the range within the filters (console_filtered).
with filtered as (
    -- include: console_filtered
),
bars as (
    select
        date_trunc(:unit, occurred_at) as bar_at,
        amount_fen,
        matched_fen,
        case when kind in ('gift', 'redate') then donation_count else 0 end as gifts
    from filtered
)
select
    cast(extract(epoch from bar_at) as bigint) as bar_epoch_s,
    cast(sum(amount_fen) as bigint) as amount_fen,
    cast(sum(matched_fen) as bigint) as matched_fen,
    cast(sum(gifts) as bigint) as donations
from bars
group by bar_at
order by bar_epoch_s
