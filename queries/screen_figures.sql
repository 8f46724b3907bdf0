-- screen_figures: every figure of the big screens but their tickers, in one statement: the event's total and every
-- project, team and site with money (the screens rank them, a site's screen its teams by the roster's sites, and see
-- from them which goals are reached), today's total, the last hour's minutes for the chart, and 人数.
-- Grain: one row per (dim, key):
--   dim all | project | team | site — from the rollups; key the id ('' for all, and for gifts with no team or site);
--   dim day, key '' — today's total (last_gift_epoch null);
--   dim minute, key '' — one minute of the chart that has gifts (at most 61), amount_fen its money with matching
--     (matched_fen 0), last_gift_epoch the minute;
--   dim donors — 人数, distinct donors, as kept at import (givingday/store/donors.py; no distinct count over every
--     gift), key the scope ('' the district, else a site), the count in donations, the money columns 0.
-- Parameters: :day_start, :day_end — today's bounds; :chart_since, :chart_until — the chart's minutes (until
-- inclusive); all timestamps with zone.
-- One statement, not four: on DuckDB each statement and each of its pipelines has a fixed cost (about a
-- millisecond), more than these few hundred rows cost to read. Every row, not the top few: a few hundred rows cost
-- less to send than a ranking window costs to run. Times come as epoch seconds: turning hundreds of zoned
-- timestamps into Python objects costs more than the query itself.
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
union all
select
    'minute',
    '',
    amount_fen + matched_fen,
    cast(0 as bigint),
    donations,
    cast(extract(epoch from minute_at) as bigint)
from rollup_minutes
where minute_at >= :chart_since and minute_at <= :chart_until
union all
select 'donors', scope, cast(0 as bigint), cast(0 as bigint), donors, null
from donor_counts
