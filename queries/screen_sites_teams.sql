-- screen_sites_teams: for every site, the teams based there, best first, for the screens standing at sites
-- (the screen feed reads every watched site in one pass).
-- Grain: one row per team with gifts, at most :limit_n per site; site_id tells which screen it belongs to.
-- Parameters: :limit_n — how many per site.
with ranked as (
    select
        t.site_id,
        t.team_id as key,
        r.amount_fen,
        r.matched_fen,
        r.donations,
        cast(extract(epoch from r.last_gift_at) as bigint) as last_gift_epoch,
        row_number() over (partition by t.site_id order by r.amount_fen + r.matched_fen desc, t.team_id) as rank_n
    from rollup_totals r
    join teams t on t.team_id = r.key
    where r.dim = 'team' and t.site_id is not null
)
select site_id, key, amount_fen, matched_fen, donations, last_gift_epoch
from ranked
where rank_n <= :limit_n
order by site_id, rank_n
