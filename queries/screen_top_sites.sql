-- screen_top_sites: the public sites that raised most, for the big screen. A site's goal is the sum of
-- the goals of the teams based there.
-- Grain: one row per site, best first.
-- Parameters: :limit_n — how many.
with site_goals as (
    select site_id, cast(sum(goal_fen) as bigint) as goal_fen
    from teams
    group by site_id
)
select
    s.site_id as key,
    s.name,
    s.street,
    s.lng,
    s.lat,
    g.goal_fen,
    r.amount_fen + r.matched_fen as total_fen,
    r.donations,
    r.last_gift_at
from rollup_totals r
join sites s on s.site_id = r.key
left join site_goals g on g.site_id = s.site_id
where r.dim = 'site'
order by r.amount_fen + r.matched_fen desc, s.site_id
limit :limit_n
