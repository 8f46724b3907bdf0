-- screen_rollups: the big screen's figures from the rollups: the event total, today's total, and every project,
-- team and site with money (the screen ranks them, and sees from them which goals are reached).
-- Grain: one row per (dim, key); dim is all | day | project | team | site; key '' means none.
-- Parameters: :day_start, :day_end — today's bounds (timestamps with zone).
-- Every row, not the top few: a few hundred rows cost less to send than a ranking window costs to run, and the
-- goals reached need every project's and team's money anyway.
-- Times come as epoch seconds: turning hundreds of zoned timestamps into Python objects costs more than the
-- query itself.
select
    dim,
    key,
    amount_fen,
    matched_fen,
    donations,
    cast(extract(epoch from last_gift_at) as bigint) as last_gift_epoch
from rollup_totals
where dim in ('all', 'project', 'team', 'site')
union all
select
    'day',
    '',
    cast(coalesce(sum(amount_fen), 0) as bigint),
    cast(coalesce(sum(matched_fen), 0) as bigint),
    cast(coalesce(sum(donations), 0) as bigint),
    null
from rollup_minutes
where minute_at >= :day_start and minute_at < :day_end
