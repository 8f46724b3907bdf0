-- screen_site_teams: the teams based at one site, best first, for a screen standing at that site.
-- Grain: one row per team with gifts.
-- Parameters: :site_id; :limit_n — how many.
select
    t.team_id as key,
    r.amount_fen,
    r.matched_fen,
    r.donations,
    cast(extract(epoch from r.last_gift_at) as bigint) as last_gift_epoch
from rollup_totals r
join teams t on t.team_id = r.key
where r.dim = 'team' and t.site_id = :site_id
order by r.amount_fen + r.matched_fen desc, t.team_id
limit :limit_n
